"""One MuJoCo pass over a motion: kinematics, collisions and inverse dynamics per frame.

Every frame's ``qpos`` comes from :func:`robots.mjcf.to_qpos` (the only xyzw to
wxyz conversion); ``qvel`` from the stored velocities (free-joint angular
velocity in the body frame, as MuJoCo wants it). ``qacc`` is exact: the clip's
own accelerations when it carries them (generated clips do, from the IK's task
Jacobians), else the second central difference of the positions on the
configuration manifold (loop neighbours for looping clips), which is exact for
quadratic motion. Differencing the stored velocities instead would smooth the
accelerations over +-2 frames.
Per frame the pass runs ``mj_inverse`` with all constraints disabled, so
``qfrc_inverse[:6]`` is the wrench the ground must supply (MuJoCo's soft
contacts would give about zero force at zero penetration), then ``mj_collision``
to list floor and self contacts.
"""

from __future__ import annotations

import copy
import functools
from dataclasses import dataclass

import mujoco
import numpy as np
from numpy.typing import NDArray

from motions import Motion
from motions.rotations import matrix_from_quat
from robots import Robot, mjcf
from robots.collisions import rest_overlaps
from robots.soles import sole_polygons

__all__ = ["RobotModel", "Trace", "joint_columns", "robot_model", "second_difference", "trace_motion"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class RobotModel:
    """The MuJoCo models and indices the validator needs for one robot (one per process).

    Attributes:
        robot: The robot.
        model: Model copy with every constraint enabled (collisions, physics replay).
        inverse: Model copy with constraints disabled (free-floating inverse dynamics).
        foot_sites: Site ids of ``left_foot`` and ``right_foot``.
        trunk_site: Site id of ``trunk``.
        foot_bodies: Body ids carrying the foot sites.
        floor: Geom id of ``floor``.
        geom_kind: Per geom: 0 floor, 1 left foot, 2 right foot, 3 other body.
        allowed_pairs: Body-id pairs in contact in the initial posture (not self-collisions).
        mass: Total mass (kg).
        sole_points: (2, K, 3) vertices of each sole's contact polygon (from the
            feet's collision geometry, :mod:`robots.soles`) in the sole-site frame (m);
            the shorter polygon repeats its last vertex.
    """

    robot: Robot
    model: mujoco.MjModel
    inverse: mujoco.MjModel
    foot_sites: tuple[int, int]
    trunk_site: int
    foot_bodies: tuple[int, int]
    floor: int
    geom_kind: NDArray[np.int64]
    allowed_pairs: frozenset[tuple[int, int]]
    mass: float
    sole_points: FloatArray


@functools.cache
def _robot_model_cached(key: tuple[str, str]) -> RobotModel:
    from robots import load_robot

    return _build(load_robot(key[0]))


def robot_model(robot: Robot) -> RobotModel:
    """The :class:`RobotModel` of ``robot``, built once per process."""
    return _robot_model_cached((str(robot.spec.path), robot.name))


def _build(robot: Robot) -> RobotModel:
    base = mjcf.model(robot)
    model = copy.copy(base)
    inverse = copy.copy(base)
    inverse.opt.disableflags |= int(mujoco.mjtDisableBit.mjDSBL_CONSTRAINT)
    sites = (model.site("left_foot").id, model.site("right_foot").id)
    bodies = (int(model.site_bodyid[sites[0]]), int(model.site_bodyid[sites[1]]))
    floor = model.geom("floor").id
    kind = np.full(model.ngeom, 3, dtype=np.int64)
    kind[floor] = 0
    kind[model.geom_bodyid == bodies[0]] = 1
    kind[model.geom_bodyid == bodies[1]] = 2
    soles = sole_polygons(robot, base)
    k = max(len(soles.left), len(soles.right))
    points = np.zeros((2, k, 3))
    for side in (0, 1):
        poly = soles.side(side)
        points[side, :, :2] = np.vstack([poly, np.repeat(poly[-1:], k - len(poly), axis=0)])
    return RobotModel(
        robot=robot,
        model=model,
        inverse=inverse,
        foot_sites=sites,
        trunk_site=model.site("trunk").id,
        foot_bodies=bodies,
        floor=floor,
        geom_kind=kind,
        allowed_pairs=_initial_pairs(robot, model),
        mass=float(model.body_subtreemass[1]),
        sole_points=points,
    )


def _initial_pairs(robot: Robot, model: mujoco.MjModel) -> frozenset[tuple[int, int]]:
    """Body-id pairs (sorted) still touching in the robot's standing initial posture.

    Collision hulls of neighbouring links often overlap by construction; those
    pairs are not self-collisions of a motion. The model already excludes them
    from collision unless the spec says ``collisions.self: all`` (or ``none``),
    and "touching at rest" is decided once, by :func:`robots.collisions.rest_overlaps`.
    """
    pairs = (sorted((model.body(p.body1).id, model.body(p.body2).id)) for p in rest_overlaps(model, robot))
    return frozenset((int(a), int(b)) for a, b in pairs)


def joint_columns(motion: Motion, robot: Robot) -> NDArray[np.int64]:
    """Column of each ``robot.joint_names`` joint in the motion's joint arrays.

    Raises:
        KeyError: A robot joint is missing from the motion.
    """
    return np.array([motion.joint_index(n) for n in robot.joint_names], dtype=np.int64)


@dataclass(frozen=True, eq=False)
class Trace:
    """Per-frame quantities of a kinematic replay (T frames, world frame, SI units).

    Attributes:
        qpos, qvel, qacc: MuJoCo state rows (T, nq) / (T, nv) / (T, nv).
        feet_pos: Sole site positions (T, 2, 3), columns [left, right].
        feet_rot: Sole site rotations (T, 2, 3, 3), world from sole.
        corners: Contact polygon vertices of each sole (T, 2, K, 3), world.
        com: Whole-body centre of mass (T, 3).
        qfrc_inverse: Free-floating inverse dynamics (T, nv); ``[:6]`` is the
            wrench the ground must supply (force world, torque in the root frame).
        foot_jac: Foot-site Jacobians (T, 2, 6, nv), rows [linear; angular], world.
        foot_floor_depth: Deepest penetration of each foot's collision geoms
            into the floor (T, 2), m (0 if none).
        body_floor_depth: Deepest penetration of any other geom into the floor (T,), m.
        self_depth: Deepest self-collision between non-allowed bodies (T,), m.
        self_pair: Body names of the deepest self-collision per frame ("" if none).
    """

    qpos: FloatArray
    qvel: FloatArray
    qacc: FloatArray
    feet_pos: FloatArray
    feet_rot: FloatArray
    corners: FloatArray
    com: FloatArray
    qfrc_inverse: FloatArray
    foot_jac: FloatArray
    foot_floor_depth: FloatArray
    body_floor_depth: FloatArray
    self_depth: FloatArray
    self_pair: list[str]


def _state(motion: Motion, rm: RobotModel) -> tuple[FloatArray, FloatArray, FloatArray]:
    cols = joint_columns(motion, rm.robot)
    qpos = mjcf.to_qpos(rm.model, motion.root_pos, motion.root_quat, motion.joint_pos[:, cols])
    rot = matrix_from_quat(motion.root_quat)
    ang_local = np.einsum("tji,tj->ti", rot, motion.root_ang_vel)
    qvel = np.concatenate([motion.root_lin_vel, ang_local, motion.joint_vel[:, cols]], axis=1)
    if motion.has_accelerations:
        ang_acc = np.einsum("tji,tj->ti", rot, motion.root_ang_acc)
        qacc = np.concatenate([motion.root_lin_acc, ang_acc, motion.joint_acc[:, cols]], axis=1)
    else:
        qacc = second_difference(motion, rm.model, qpos)
    return qpos, qvel, qacc


def second_difference(motion: Motion, model: mujoco.MjModel, qpos: FloatArray) -> FloatArray:
    """Accelerations (T, nv) as second central differences of ``qpos`` on the configuration manifold.

    Looping clips use their loop neighbours; other clips repeat the end differences.
    """
    t = qpos.shape[0]
    if t < 3 and not motion.loop.looping:
        return np.zeros((t, model.nv))
    rows = [qpos[-1:], qpos, qpos[:1]]
    if motion.loop.looping:
        n = motion.loop.num_cycles
        before = motion.loop.transform_positions(motion.root_pos[-1:], -n)
        after = motion.loop.transform_positions(motion.root_pos[:1], n)
        rows[0] = mjcf.to_qpos(model, before, motion.loop.transform_quats(motion.root_quat[-1:], -n),
                               [qpos[-1, 7:]])
        rows[2] = mjcf.to_qpos(model, after, motion.loop.transform_quats(motion.root_quat[:1], n), [qpos[0, 7:]])
    padded = np.concatenate(rows)
    step = np.zeros((t + 1, model.nv))
    for k in range(t + 1):
        mujoco.mj_differentiatePos(model, step[k], 1.0 / motion.fps, padded[k], padded[k + 1])
    acc = (step[1:] - step[:-1]) * motion.fps
    if not motion.loop.looping:
        acc[0], acc[-1] = acc[1], acc[-2]
    return acc


def trace_motion(motion: Motion, rm: RobotModel) -> Trace:
    """Replay ``motion`` kinematically in MuJoCo and record every per-frame quantity."""
    qpos, qvel, qacc = _state(motion, rm)
    m, mi = rm.model, rm.inverse
    d = mujoco.MjData(m)
    t, nv = qpos.shape[0], m.nv
    feet_pos = np.empty((t, 2, 3))
    feet_rot = np.empty((t, 2, 3, 3))
    com = np.empty((t, 3))
    qfrc = np.empty((t, nv))
    jac = np.empty((t, 2, 6, nv))
    foot_depth = np.zeros((t, 2))
    body_depth = np.zeros(t)
    self_depth = np.zeros(t)
    self_pair = [""] * t
    sites = list(rm.foot_sites)
    kind = rm.geom_kind
    bodyid = m.geom_bodyid
    allowed = rm.allowed_pairs
    for k in range(t):
        d.qpos[:] = qpos[k]
        d.qvel[:] = qvel[k]
        d.qacc[:] = qacc[k]
        mujoco.mj_inverse(mi, d)
        qfrc[k] = d.qfrc_inverse
        feet_pos[k] = d.site_xpos[sites]
        feet_rot[k] = d.site_xmat[sites].reshape(2, 3, 3)
        com[k] = d.subtree_com[1]
        for i, site in enumerate(sites):
            mujoco.mj_jacSite(m, d, jac[k, i, :3], jac[k, i, 3:], site)
        mujoco.mj_collision(m, d)
        n = d.ncon
        if n == 0:
            continue
        geoms = d.contact.geom[:n]
        dist = d.contact.dist[:n]
        k1, k2 = kind[geoms[:, 0]], kind[geoms[:, 1]]
        floor = (k1 == 0) | (k2 == 0)
        other = np.where(k1 == 0, k2, k1)
        for foot in (0, 1):
            sel = floor & (other == foot + 1)
            if sel.any():
                foot_depth[k, foot] = max(0.0, -float(dist[sel].min()))
        sel = floor & (other == 3)
        if sel.any():
            body_depth[k] = max(0.0, -float(dist[sel].min()))
        sel = np.flatnonzero(~floor & (dist < 0))
        worst = 0.0
        for i in sel:
            b1, b2 = sorted((int(bodyid[geoms[i, 0]]), int(bodyid[geoms[i, 1]])))
            if (b1, b2) in allowed or -dist[i] <= worst:
                continue
            worst = float(-dist[i])
            self_pair[k] = f"{m.body(b1).name}/{m.body(b2).name}"
        self_depth[k] = worst
    corners = feet_pos[:, :, None, :] + np.einsum("tfij,fcj->tfci", feet_rot, rm.sole_points)
    return Trace(
        qpos=qpos,
        qvel=qvel,
        qacc=qacc,
        feet_pos=feet_pos,
        feet_rot=feet_rot,
        corners=corners,
        com=com,
        qfrc_inverse=qfrc,
        foot_jac=jac,
        foot_floor_depth=foot_depth,
        body_floor_depth=body_depth,
        self_depth=self_depth,
        self_pair=self_pair,
    )
