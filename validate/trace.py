"""One MuJoCo pass over a motion: kinematics, collisions and inverse dynamics per frame.

Every frame's ``qpos`` comes from :func:`robots.mjcf.to_qpos` (the only xyzw to
wxyz conversion); ``qvel`` from the stored velocities (free-joint angular
velocity in the body frame, as MuJoCo wants it) and ``qacc`` from central
differences of ``qvel`` at the motion's fps (loop neighbours for looping clips).
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
from motions.rotations import finite_difference, matrix_from_quat
from robots import Robot, mjcf

__all__ = ["RobotModel", "Trace", "robot_model", "joint_columns", "trace_motion"]

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
        sole_corners: (4, 3) sole corners in the sole-site frame (m).
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
    sole_corners: FloatArray


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
    length, width = robot.spec.foot_length, robot.spec.foot_width
    corners = np.array([[sx * length / 2, sy * width / 2, 0.0] for sx in (1, -1) for sy in (1, -1)])
    return RobotModel(
        robot=robot,
        model=model,
        inverse=inverse,
        foot_sites=sites,
        trunk_site=model.site("trunk").id,
        foot_bodies=bodies,
        floor=floor,
        geom_kind=kind,
        allowed_pairs=_initial_pairs(robot, model, floor),
        mass=float(model.body_subtreemass[1]),
        sole_corners=corners,
    )


def _initial_pairs(robot: Robot, model: mujoco.MjModel, floor: int) -> frozenset[tuple[int, int]]:
    """Body pairs touching in the robot's initial (bent-knee) posture, lifted off the floor.

    Collision hulls of neighbouring links often overlap by construction; those
    pairs are not self-collisions of a motion.
    """
    data = mujoco.MjData(model)
    posture = {**robot.posture(), **robot.spec.initial_posture}
    joints = np.array([[posture.get(n, 0.0) for n in robot.joint_names]])
    data.qpos[:] = mjcf.to_qpos(model, [[0.0, 0.0, 5.0]], [[0.0, 0.0, 0.0, 1.0]], joints)[0]
    mujoco.mj_kinematics(model, data)
    mujoco.mj_collision(model, data)
    pairs = set()
    for i in range(data.ncon):
        g1, g2 = data.contact.geom[i]
        if floor in (g1, g2):
            continue
        b1, b2 = sorted((int(model.geom_bodyid[g1]), int(model.geom_bodyid[g2])))
        pairs.add((b1, b2))
    return frozenset(pairs)


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
        corners: Sole corners (T, 2, 4, 3).
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
    if motion.loop.looping and motion.num_frames >= 2:
        before = qvel[-1].copy()
        after = qvel[0].copy()
        before[:3] = motion.loop.transform_vectors(qvel[-1, :3], -motion.loop.num_cycles)
        after[:3] = motion.loop.transform_vectors(qvel[0, :3], motion.loop.num_cycles)
        qacc = finite_difference(qvel, motion.fps, before, after)
    elif motion.num_frames >= 3:
        qacc = finite_difference(qvel, motion.fps)
    else:
        qacc = np.zeros_like(qvel)
    return qpos, qvel, qacc


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
    corners = feet_pos[:, :, None, :] + np.einsum("tfij,cj->tfci", feet_rot, rm.sole_corners)
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
