"""Self-collisions of the MuJoCo model: which pairs of the robot's own bodies may touch.

Collision meshes of neighbouring links often interpenetrate at the robot's
standing posture (TALOS's thigh and hip meshes overlap by 93 mm, its hanging
wrists sink 71 mm into the thighs). MuJoCo then pushes those bodies apart from
the first step and the robot falls or explodes. The spec's ``collisions``
section (:class:`robots.spec.CollisionSettings`) decides what collides:

* ``self: auto`` (default): the body pairs whose collision geoms touch or overlap
  (closer than :data:`REST_CONTACT_TOLERANCE`) in the standing initial posture
  (:func:`rest_qpos`) never collide;
* ``self: none``: no two robot bodies collide (every robot collision geom gets
  ``conaffinity = 0``, so it meets only the floor, whose ``conaffinity`` is 1);
* ``self: all``: every pair collides;
* ``exclude: [[link, link], ...]``: these pairs never collide, in every mode.

Parent-child pairs never collide whatever the setting (MuJoCo's own rule), and
the floor always collides with every collision geom. :func:`apply` is called
by :func:`robots.mjcf.build_spec`, so every MuJoCo model of the project (the
validator's replays, stand tests, previews) follows it;
:func:`robots.mjcf.excluded_pairs` lists what it excluded.

Pairs are named by MuJoCo body: the URDF link that carries the rigid body
(links on fixed joints are fused into their parent, so an excluded link on a
fixed joint names its parent's body).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import mujoco
import numpy as np
from numpy.typing import NDArray

from robots.errors import RobotSpecError
from robots.qpos import stack_qpos
from robots.robot import Robot

__all__ = ["REST_CONTACT_TOLERANCE", "ExcludedPair", "apply", "rest_overlaps", "rest_qpos"]

REST_CONTACT_TOLERANCE = 0.001
"""Two bodies whose collision geoms come closer than this (m) at rest are "in contact".

A millimetre absorbs round-off and faces authored flush against each other,
which start pushing as soon as the joints sag under load."""


@dataclass(frozen=True)
class ExcludedPair:
    """A pair of robot bodies that never collide in the MuJoCo model.

    Attributes:
        body1: MuJoCo body name (a URDF link) of the pair's first body, in model order.
        body2: The second body.
        source: ``"rest"`` (touching in the initial posture, ``collisions.self:
            auto``) or ``"spec"`` (listed in ``collisions.exclude``).
        distance: Signed distance (m) between the two bodies' closest collision
            geoms in the initial posture, negative when they overlap; None when
            they are farther apart than :data:`REST_CONTACT_TOLERANCE`.
    """

    body1: str
    body2: str
    source: str
    distance: float | None

    def line(self) -> str:
        """One readable line, e.g. ``leg_left_1_link / leg_left_3_link: overlap 93.0 mm at rest``."""
        if self.distance is None:
            where = "apart at rest"
        elif self.distance < 0.0:
            where = f"overlap {-self.distance * 1e3:.1f} mm at rest"
        else:
            where = f"{self.distance * 1e3:.1f} mm apart at rest"
        origin = "collisions.exclude" if self.source == "spec" else "auto"
        return f"{self.body1} / {self.body2}: {where} ({origin})"


def rest_qpos(model: mujoco.MjModel, robot: Robot) -> NDArray[np.float64]:
    """``qpos`` of the robot standing in its initial posture.

    Joints take ``initial_posture`` over the held ``default_posture`` (others 0);
    the root is upright above the world origin, at the height that puts the lower
    of the two sole sites at z = 0 (the plane placo plans the soles on).

    Args:
        model: A model of ``robot`` built by :mod:`robots.mjcf` (free joint, sole sites).
        robot: The robot.

    Returns:
        (nq,) MuJoCo qpos (layout in :mod:`robots.qpos`).
    """
    posture = {**robot.posture(), **robot.spec.initial_posture}
    joints = [[posture.get(name, 0.0) for name in robot.joint_names]]
    data = mujoco.MjData(model)
    data.qpos[:] = stack_qpos(model, [[0.0, 0.0, 0.0]], [[0.0, 0.0, 0.0, 1.0]], joints)[0]  # upright, xyzw
    mujoco.mj_kinematics(model, data)
    data.qpos[2] = -min(data.site("left_foot").xpos[2], data.site("right_foot").xpos[2])
    return data.qpos.copy()


def rest_overlaps(model: mujoco.MjModel, robot: Robot,
                  tolerance: float = REST_CONTACT_TOLERANCE) -> list[ExcludedPair]:
    """Body pairs whose collision geoms touch in the standing initial posture (:func:`rest_qpos`).

    Only pairs that ``model`` lets collide are found: parent-child pairs and pairs
    already excluded never are. Floor contacts are left out.

    Args:
        model: A compiled model of ``robot`` (it is not changed).
        robot: The robot.
        tolerance: Pairs closer than this (m) count as touching.

    Returns:
        One :class:`ExcludedPair` (source ``"rest"``) per body pair, deepest overlap first.
    """
    probe = copy.copy(model)
    probe.geom_margin[probe.geom_bodyid > 0] = tolerance  # contacts are listed below this distance
    data = mujoco.MjData(probe)
    data.qpos[:] = rest_qpos(probe, robot)
    mujoco.mj_kinematics(probe, data)
    mujoco.mj_collision(probe, data)
    nearest: dict[tuple[int, int], float] = {}
    for i in range(data.ncon):
        b1, b2 = sorted(int(probe.geom_bodyid[g]) for g in data.contact.geom[i])
        dist = float(data.contact.dist[i])
        if b1 == 0 or dist >= tolerance:
            continue
        nearest[(b1, b2)] = min(dist, nearest.get((b1, b2), np.inf))
    pairs = sorted(nearest.items(), key=lambda item: (item[1], item[0]))
    return [ExcludedPair(model.body(b1).name, model.body(b2).name, "rest", d) for (b1, b2), d in pairs]


def _body_of(link: str, robot: Robot, bodies: set[str]) -> str:
    """The MuJoCo body that carries URDF ``link`` (its nearest ancestor not fused away)."""
    node: str | None = link
    while node is not None and node not in bodies:
        node = robot.info.parent_of(node)
    return node if node is not None else robot.root_link


def apply(spec: mujoco.MjSpec, robot: Robot, probe: mujoco.MjModel | None) -> tuple[ExcludedPair, ...]:
    """Make ``spec`` follow the robot spec's ``collisions`` section; return the excluded pairs.

    Args:
        spec: The robot's MuJoCo spec, complete but for the self-collision settings.
        robot: The robot.
        probe: ``spec`` compiled as it is (needed for ``self: auto`` and for
            ``exclude`` pairs; may be None otherwise).

    Returns:
        The excluded pairs, rest overlaps first (deepest first), then the spec's
        ``exclude`` pairs not found at rest. Empty for ``self: none`` without
        ``exclude``: there every pair is off through ``conaffinity``.

    Raises:
        RobotSpecError: An ``exclude`` pair names two links of one rigid body
            (joined by fixed joints), which can never collide.
    """
    settings = robot.spec.collisions
    if settings.mode == "none":
        for geom in spec.geoms:
            if geom.parent.name != spec.worldbody.name:
                geom.conaffinity = 0
    if probe is None:
        if settings.mode == "auto" or settings.exclude:
            raise ValueError("apply: self: auto and exclude pairs need the compiled probe model")
        return ()
    rest = {(p.body1, p.body2): p for p in rest_overlaps(probe, robot)}
    pairs = dict(rest) if settings.mode == "auto" else {}
    bodies = {probe.body(i).name for i in range(probe.nbody)}
    for i, (a, b) in enumerate(settings.exclude):
        names = sorted((_body_of(a, robot, bodies), _body_of(b, robot, bodies)), key=lambda n: probe.body(n).id)
        if names[0] == names[1]:
            raise RobotSpecError(
                f"{robot.spec.path}: field 'collisions.exclude[{i}]': links '{a}' and '{b}' are one rigid body "
                f"('{names[0]}', joined by fixed joints) and never collide; remove the pair"
            )
        key = (names[0], names[1])
        if key not in pairs:
            pairs[key] = ExcludedPair(key[0], key[1], "spec", rest[key].distance if key in rest else None)
    for body1, body2 in pairs:
        spec.add_exclude(bodyname1=body1, bodyname2=body2)
    return tuple(pairs.values())
