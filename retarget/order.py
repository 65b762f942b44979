"""``--joint-order FILE``: the joint (and body) order of the consumer's environment.

Isaac Lab builds its articulation from the URDF breadth first, mjlab from its
own MJCF, so their joint and body orders can differ from this project's
(MuJoCo's depth-first order of the robot's model). Consumers that index the
file's columns directly need the env's order. The file is one of:

* a YAML list of joint names;
* a YAML mapping ``{joints: [...], bodies: [...]}`` (``bodies`` optional);
* plain text, one joint name per line (blank lines and ``#`` comments ignored).

``joints`` must hold every joint of the robot exactly once. ``bodies``, when
given, lists the bodies to write, in that order: any subset of the robot's
MuJoCo bodies (world excluded), each at most once.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from motions.safe_io import MAX_YAML_BYTES, loads_yaml, read_text, short
from retarget.errors import RetargetError

__all__ = ["Order", "load_order"]


@dataclass(frozen=True)
class Order:
    """Joint and body order of an export.

    Attributes:
        joints: Joint names in the order of the file's joint axis.
        bodies: Body names in the order of the file's body axis.
        source: The ``--joint-order`` file, or None for the robot's own order.
    """

    joints: tuple[str, ...]
    bodies: tuple[str, ...]
    source: Path | None = None

    def joint_index(self, robot_joints: tuple[str, ...] | list[str]) -> list[int]:
        """Columns of the robot-order joint arrays to take, in this order."""
        return [list(robot_joints).index(name) for name in self.joints]

    def body_index(self, robot_bodies: list[str]) -> list[int]:
        """Indices of the robot-order body axis to take, in this order."""
        return [robot_bodies.index(name) for name in self.bodies]


def _names(path: Path, key: str, value: object) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise RetargetError(f"{path}: '{key}': expected a list of names, got {short(value)}")
    repeated = sorted({v for v in value if value.count(v) > 1})
    if repeated:
        raise RetargetError(f"{path}: '{key}': names listed more than once: {repeated}")
    return list(value)


def load_order(path: str | os.PathLike[str] | None, joints: tuple[str, ...] | list[str],
               bodies: list[str]) -> Order:
    """Read a ``--joint-order`` file and check it against the robot.

    Args:
        path: The file (see the module doc), or None for the robot's own order.
        joints: The robot's joints, in its order.
        bodies: The robot's MuJoCo bodies, world excluded, in its order.

    Returns:
        The order to write.

    Raises:
        RetargetError: Unreadable file, wrong structure, a repeated name, a
            joint of the robot missing, or a name the robot does not have (the
            message names the file, the key and the names).
    """
    if path is None:
        return Order(tuple(joints), tuple(bodies))
    path = Path(path)
    text = read_text(path, error=RetargetError, max_bytes=MAX_YAML_BYTES, what="joint order file")
    data = loads_yaml(text, source=path, error=RetargetError)
    if isinstance(data, list):
        data = {"joints": data}
    elif not isinstance(data, dict):
        data = {"joints": [line.split("#", 1)[0].strip() for line in text.splitlines()
                           if line.split("#", 1)[0].strip()]}
    unknown = sorted(str(k) for k in data if k not in ("joints", "bodies"))
    if unknown or "joints" not in data:
        raise RetargetError(f"{path}: expected a list of joint names or a mapping with 'joints' (and optional "
                            f"'bodies'); got keys {sorted(map(str, data))}")
    order = _names(path, "joints", data["joints"])
    missing = [j for j in joints if j not in order]
    extra = [j for j in order if j not in joints]
    if missing or extra:
        raise RetargetError(f"{path}: 'joints' must list each of the robot's {len(joints)} joints once; "
                            f"missing {missing}, not joints of the robot {extra}")
    body_order = _names(path, "bodies", data["bodies"]) if data.get("bodies") is not None else list(bodies)
    foreign = [b for b in body_order if b not in bodies]
    if foreign:
        raise RetargetError(f"{path}: 'bodies': {foreign} are not bodies of the robot's model; allowed: {bodies}")
    return Order(tuple(order), tuple(body_order), path)
