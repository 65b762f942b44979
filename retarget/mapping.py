"""Joint mapping from a motion's joints to a target robot's joints, as data.

A mapping table is a YAML file, conventionally
``robots/<target robot>/mappings/<source robot>.yaml``::

    source: mini_biped            # robot the motions were generated for (meta["robot"])
    target: my_robot              # robot the export is for
    joints:                       # every driven target joint: where its angle comes from
      l_hip_pitch: {source: left_hip_pitch, sign: -1, offset: 0.1}   # rad
      l_knee: {source: left_knee}                                     # sign 1, offset 0
    defaults:                     # target joints the motion does not drive: fixed angle, rad
      neck: 0.0

The target angle is ``sign * source_angle + offset`` (velocity ``sign *
source_velocity``). Every target joint must be in ``joints`` or ``defaults``;
otherwise :class:`RetargetError` lists the unmapped names. Without a table the
mapping is the identity and every target joint must exist in the motion.

The target joint order is the consumer's: :func:`mimickit_dof_names` gives
MimicKit's (a depth-first walk over the ``<body>`` elements of the MJCF), the
other exporters use :attr:`robots.Robot.joint_names` (MuJoCo ``qpos`` order).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from motions import Motion
from motions.config import (
    At,
    Choice,
    Field,
    Number,
    Section,
    Table,
    Text,
    validate,
)
from motions.safe_io import load_yaml, short
from retarget.errors import RetargetError
from robots import Robot
from robots.resolve import is_robot_name

__all__ = ["MAPPING_SCHEMA", "JointMapping", "JointSource", "load_mapping", "mimickit_dof_names", "resolve_mapping"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class JointSource:
    """Where one target joint's angle comes from.

    Attributes:
        source: Joint name in the motion.
        sign: +1 or -1, multiplies the source angle and velocity.
        offset: Added to the signed angle, rad.
    """

    source: str
    sign: float = 1.0
    offset: float = 0.0


@dataclass(frozen=True)
class JointMapping:
    """Target joint -> source joint (with sign and offset) or a fixed default angle.

    Attributes:
        joints: Target joint name -> :class:`JointSource`.
        defaults: Target joint name -> fixed angle, rad (velocity 0).
        path: The table file, or None for the identity mapping.
    """

    joints: dict[str, JointSource] = field(default_factory=dict)
    defaults: dict[str, float] = field(default_factory=dict)
    path: Path | None = None

    @property
    def is_identity(self) -> bool:
        """True for the implicit identity mapping (no table)."""
        return self.path is None

    def apply(self, motion: Motion, target_names: Sequence[str]) -> tuple[FloatArray, FloatArray]:
        """Target joint positions and velocities, columns in ``target_names`` order.

        Args:
            motion: Source clip.
            target_names: Target joints in the consumer's order.

        Returns:
            ``(joint_pos (T, N) rad, joint_vel (T, N) rad/s)``.

        Raises:
            RetargetError: A target joint is unmapped, or its source joint is
                not in the motion; the message lists all such names.
        """
        where = f"mapping table {self.path}" if self.path else "identity mapping (no table)"
        frames = motion.num_frames
        pos = np.empty((frames, len(target_names)))
        vel = np.empty((frames, len(target_names)))
        unmapped: list[str] = []
        missing: list[str] = []
        for col, name in enumerate(target_names):
            if self.is_identity:
                entry = JointSource(name) if name in motion.joint_names else None
            else:
                entry = self.joints.get(name)
            if entry is None:
                if name in self.defaults:
                    pos[:, col], vel[:, col] = self.defaults[name], 0.0
                else:
                    unmapped.append(name)
                continue
            if entry.source not in motion.joint_names:
                missing.append(f"{name} <- {entry.source}")
                continue
            j = motion.joint_index(entry.source)
            pos[:, col] = entry.sign * motion.joint_pos[:, j] + entry.offset
            vel[:, col] = entry.sign * motion.joint_vel[:, j]
        if unmapped:
            hint = " (add a mapping table, see docs/retarget.md)" if self.is_identity else ""
            raise RetargetError(
                f"{where}: target joint(s) {unmapped} are not mapped from the motion's joints "
                f"{list(motion.joint_names)} and have no default{hint}"
            )
        if missing:
            raise RetargetError(f"{where}: source joint(s) not in the motion: {missing}")
        return pos, vel

    def accelerations(self, motion: Motion, target_names: Sequence[str]) -> FloatArray | None:
        """Target joint accelerations (T, N), rad/s^2, like :meth:`apply` (None if the motion has none).

        ``sign * source acceleration``; joints held at a default get 0. Call
        :meth:`apply` first: names it rejects are not checked again here.
        """
        if motion.joint_acc is None:
            return None
        acc = np.zeros((motion.num_frames, len(target_names)))
        for col, name in enumerate(target_names):
            entry = (JointSource(name) if name in motion.joint_names else None) if self.is_identity \
                else self.joints.get(name)
            if entry is not None and entry.source in motion.joint_names:
                acc[:, col] = entry.sign * motion.joint_acc[:, motion.joint_index(entry.source)]
        return acc


class _Entry(Field):
    """One ``joints`` entry: a source joint name, or ``{source, sign, offset}``; read as a :class:`JointSource`."""

    def describe(self) -> str:
        return "a source joint name or {source: NAME, sign: 1 or -1, offset: RAD}"

    def read(self, value: Any, at: At) -> JointSource:
        if isinstance(value, str):
            value = {"source": value}
        if not isinstance(value, dict):
            raise self.wrong(value, at)
        entry = _ENTRY.read(value, at)
        return JointSource(entry["source"], float(entry["sign"]), entry["offset"])


_ENTRY = Section({"source": Text(), "sign": Choice((1, -1), default=1), "offset": Number(unit="rad", default=0.0)})

MAPPING_SCHEMA = Section({
    "source": Text(default=None),
    "target": Text(default=None),
    "joints": Table(_Entry(), "target joint", default={}),
    "defaults": Table(Number(unit="rad"), "target joint", default={}),
})
"""The mapping table format (see the module docstring)."""


def load_mapping(path: str | Path, target: Robot | None = None) -> JointMapping:
    """Read and check a mapping table.

    Args:
        path: The YAML table.
        target: If given, every joint named in the table must be a joint of it.

    Raises:
        RetargetError: Unreadable file, unknown keys, bad sign/offset, a joint in
            both ``joints`` and ``defaults``, or a name the target lacks.
    """
    path = Path(path)
    doc = validate(load_yaml(path, error=RetargetError, what="mapping table"), MAPPING_SCHEMA, where=path,
                   error=RetargetError)
    joints: dict[str, JointSource] = doc["joints"]
    defaults: dict[str, float] = doc["defaults"]
    both = sorted(set(joints) & set(defaults))
    if both:
        raise RetargetError(f"{path}: joint(s) {short(both, 200)} are in both 'joints' and 'defaults'")
    if target is not None:
        strangers = sorted((set(joints) | set(defaults)) - set(target.joint_names))
        if strangers:
            raise RetargetError(
                f"{path}: joint(s) {short(strangers, 200)} are not joints of robot '{target.name}' ({list(target.joint_names)})"
            )
    return JointMapping(joints=joints, defaults=defaults, path=path)


def resolve_mapping(target: Robot, source_robot: str | None, table: str | Path | None = None) -> JointMapping:
    """The mapping to use for motions of ``source_robot`` exported for ``target``.

    Order: an explicit ``table`` (the user's); else
    ``<target spec folder>/mappings/<source_robot>.yaml`` if it exists; else the
    identity. ``source_robot`` comes from a motion file, so it is used only if
    it is a plain robot name (:func:`robots.resolve.is_robot_name`): a path
    read from a file never picks the table.
    """
    if table is not None:
        return load_mapping(table, target)
    if source_robot and is_robot_name(source_robot):
        candidate = target.spec.path.parent / "mappings" / f"{source_robot}.yaml"
        if candidate.is_file():
            return load_mapping(candidate, target)
    return JointMapping()


def mimickit_dof_names(mjcf_text: str) -> list[str]:
    """MimicKit's dof order for an MJCF character: depth-first over ``<body>`` elements.

    The first ``<body>`` of ``<worldbody>`` is the root (its joints are ignored);
    every other body with one hinge gives one dof named like the joint; a body
    without joints is fixed. Bodies with three hinges (MimicKit's spherical
    joints, exported as a 3-dof exp-map) are not supported by this exporter;
    any other joint count ("series joints"), non-hinge joints and joint ``pos``
    offsets are rejected, as MimicKit does.

    Raises:
        RetargetError: The MJCF has no root body or a joint MimicKit cannot use.
    """
    try:
        root = ET.fromstring(mjcf_text)
    except ET.ParseError as exc:
        raise RetargetError(f"MJCF: cannot parse ({exc})") from exc
    world = root.find("worldbody")
    base = world.find("body") if world is not None else None
    if base is None:
        raise RetargetError("MJCF: no <body> under <worldbody>")
    names: list[str] = []

    def visit(body: ET.Element, is_root: bool) -> None:
        if not is_root:
            joints = body.findall("joint")
            label = body.get("name", "?")
            if len(joints) == 3:
                raise RetargetError(
                    f"MJCF body '{label}': three joints form a MimicKit spherical joint (3-dof exp-map), "
                    "which this exporter does not support"
                )
            if len(joints) > 1:
                raise RetargetError(f"MJCF body '{label}': {len(joints)} joints; MimicKit rejects series joints")
            for joint in joints:
                kind = joint.get("type", "hinge")
                if kind != "hinge":
                    raise RetargetError(f"MJCF joint '{joint.get('name')}': type '{kind}', MimicKit supports hinge only")
                pos = np.array((joint.get("pos") or "0 0 0").split(), dtype=float)
                if np.any(pos):
                    raise RetargetError(f"MJCF joint '{joint.get('name')}': pos offset {pos.tolist()}, MimicKit rejects joint offsets")
                names.append(joint.get("name", label))
        for child in body.findall("body"):
            visit(child, False)

    visit(base, True)
    return names
