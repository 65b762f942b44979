"""The true pose of a motion at any time, independent of the exporters (shared by ``tests/test_retarget_*.py``).

:func:`linear_truth`: positions and joints interpolated linearly, the root by
slerp, between the source's frames; looping clips continued by the loop offset.
:func:`hermite_truth`: scipy's quintic ``BPoly`` through the stored positions,
velocities and accelerations; the root orientation by the same kind of curve in
each interval's body-frame rotation vector (the exporters use a world-frame one:
the same curve, built another way). Body poses and MuJoCo's instantaneous body
velocities of a state: :func:`body_poses`, :func:`object_velocities`.
"""

from __future__ import annotations

import dataclasses
import math

import mujoco
import numpy as np
from scipy.interpolate import BPoly
from scipy.spatial.transform import Rotation, Slerp

from motions import Motion
from motions.loop import Loop
from robots import Robot
from robots.mjcf import model

MM = 1e-3
DEG = math.radians(1.0)


def _wrap(motion: Motion, times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(whole-clip wraps, local time in [0, period)) of each time; no wraps for a non-looping clip."""
    if not motion.loop.looping:
        return np.zeros(times.shape, dtype=int), np.clip(times, 0.0, motion.span)
    wraps = np.floor(times / motion.period + 1e-12).astype(int)
    return wraps, np.clip(times - wraps * motion.period, 0.0, motion.period)


def _closed(motion: Motion) -> tuple[np.ndarray, ...]:
    """Frame times, root positions, root rotations and joints, with frame T appended for a looping clip."""
    t = motion.times
    pos, quat, joints = np.array(motion.root_pos), np.array(motion.root_quat), np.array(motion.joint_pos)
    if motion.loop.looping:
        n = motion.loop.num_cycles
        t = np.append(t, motion.period)
        pos = np.vstack([pos, motion.loop.transform_positions(pos[0], n)])
        quat = np.vstack([quat, motion.loop.transform_quats(quat[0], n)])
        joints = np.vstack([joints, joints[:1]])
    return t, pos, quat, joints


def _moved(motion: Motion, wraps: np.ndarray, pos: np.ndarray, quat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    for w in np.unique(wraps[wraps != 0]):
        sel = wraps == w
        pos[sel] = motion.loop.transform_positions(pos[sel], int(w) * motion.loop.num_cycles)
        quat[sel] = motion.loop.transform_quats(quat[sel], int(w) * motion.loop.num_cycles)
    return pos, quat


def linear_truth(motion: Motion, times: np.ndarray) -> dict[str, np.ndarray]:
    """Root position, root quaternion (xyzw) and joints at ``times``: the source's frames, lerp / slerp."""
    wraps, local = _wrap(motion, np.asarray(times, dtype=float))
    t, pos, quat, joints = _closed(motion)
    root = np.stack([np.interp(local, t, pos[:, i]) for i in range(3)], axis=1)
    rot = Slerp(t, Rotation.from_quat(quat))(local).as_quat()
    joint = np.stack([np.interp(local, t, joints[:, j]) for j in range(joints.shape[1])], axis=1)
    root, rot = _moved(motion, wraps, root, rot)
    return {"root_pos": root, "root_quat": rot, "joint_pos": joint}


def hermite_truth(motion: Motion, times: np.ndarray) -> dict[str, np.ndarray]:
    """Root and joint states at ``times`` from quintic Hermite curves (scipy ``BPoly``) through the stored rates.

    Returns root_pos, root_quat (xyzw), root_lin_vel, root_ang_vel (world), joint_pos and joint_vel (the
    curves and their derivatives; the orientation as :func:`_orientation` builds it).
    """
    assert motion.has_accelerations, "hermite_truth needs a clip with its exact accelerations"
    wraps, local = _wrap(motion, np.asarray(times, dtype=float))
    t, pos, quat, joints = _closed(motion)
    loop = motion.loop

    def closed_rates(x: np.ndarray, vector: bool) -> np.ndarray:
        if not loop.looping:
            return x
        first = loop.transform_vectors(x[:1], loop.num_cycles) if vector else x[:1]
        return np.vstack([x, first])

    root_curve = BPoly.from_derivatives(t, np.stack([pos, closed_rates(motion.root_lin_vel, True),
                                                     closed_rates(motion.root_lin_acc, True)], axis=1))
    joint_curve = BPoly.from_derivatives(t, np.stack([joints, closed_rates(motion.joint_vel, False),
                                                      closed_rates(motion.joint_acc, False)], axis=1))
    root_quat, root_omega = _orientation(t, quat, closed_rates(motion.root_ang_vel, True),
                                         closed_rates(motion.root_ang_acc, True), local)
    out = {
        "root_pos": root_curve(local),
        "root_quat": root_quat,
        "root_lin_vel": root_curve.derivative()(local),
        "root_ang_vel": root_omega,
        "joint_pos": joint_curve(local),
        "joint_vel": joint_curve.derivative()(local),
    }
    out["root_pos"], out["root_quat"] = _moved(motion, wraps, out["root_pos"], out["root_quat"])
    for key in ("root_lin_vel", "root_ang_vel"):
        for w in np.unique(wraps[wraps != 0]):
            sel = wraps == w
            out[key][sel] = loop.transform_vectors(out[key][sel], int(w) * loop.num_cycles)
    return out


def qpos_of(m: mujoco.MjModel, root_pos: np.ndarray, root_quat_xyzw: np.ndarray, joints: np.ndarray) -> np.ndarray:
    """qpos rows built by hand (free joint first, then the hinges in model order)."""
    qpos = np.zeros((len(root_pos), m.nq))
    qpos[:, :3] = root_pos
    qpos[:, 3:7] = root_quat_xyzw[:, [3, 0, 1, 2]]
    qpos[:, 7:] = joints
    return qpos


def body_poses(robot: Robot, root_pos: np.ndarray, root_quat: np.ndarray,
               joints: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Forward kinematics: positions (N, B, 3) and xyzw orientations (N, B, 4) of every non-world body."""
    m = model(robot)
    d = mujoco.MjData(m)
    qpos = qpos_of(m, root_pos, root_quat, joints)
    pos, quat = np.empty((len(qpos), m.nbody - 1, 3)), np.empty((len(qpos), m.nbody - 1, 4))
    for k, q in enumerate(qpos):
        d.qpos[:] = q
        mujoco.mj_kinematics(m, d)
        pos[k], quat[k] = d.xpos[1:], d.xquat[1:][:, [1, 2, 3, 0]]
    return pos, quat


def object_velocities(robot: Robot, qpos: np.ndarray, qvel: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """MuJoCo's instantaneous (linear, angular) world velocities of every body origin, ``mj_objectVelocity``."""
    m = model(robot)
    d = mujoco.MjData(m)
    lin, ang = np.empty((len(qpos), m.nbody - 1, 3)), np.empty((len(qpos), m.nbody - 1, 3))
    res = np.zeros(6)
    for k in range(len(qpos)):
        d.qpos[:], d.qvel[:] = qpos[k], qvel[k]
        mujoco.mj_forward(m, d)
        for b in range(1, m.nbody):
            mujoco.mj_objectVelocity(m, d, mujoco.mjtObj.mjOBJ_XBODY, b, res, 0)
            ang[k, b - 1], lin[k, b - 1] = res[:3], res[3:]
    return lin, ang


def qvel_of(root_quat_xyzw: np.ndarray, lin_vel: np.ndarray, ang_vel_world: np.ndarray,
            joint_vel: np.ndarray) -> np.ndarray:
    """qvel rows: world linear velocity, body-frame angular velocity (MuJoCo's free joint), joint rates."""
    local = Rotation.from_quat(root_quat_xyzw).inv().apply(ang_vel_world)
    return np.hstack([lin_vel, local, joint_vel])


def angle_between(q0: np.ndarray, q1: np.ndarray) -> np.ndarray:
    """Rotation angle (rad) between xyzw quaternions, either sign (atan2-based: exact near 0 even from float32)."""
    shape = np.broadcast_shapes(np.shape(q0), np.shape(q1))[:-1]
    a = Rotation.from_quat(np.asarray(q0, dtype=np.float64).reshape(-1, 4))
    b = Rotation.from_quat(np.asarray(q1, dtype=np.float64).reshape(-1, 4))
    return (a.inv() * b).magnitude().reshape(shape)


def _right_jacobian_inverse(phi: np.ndarray) -> np.ndarray:
    """Inverse of SO(3)'s right Jacobian, (N, 3, 3): ``I + K / 2 + (1 / t^2 - (1 + cos t) / (2 t sin t)) K^2``."""
    t = np.linalg.norm(phi, axis=-1)[:, None, None]
    k = np.zeros(phi.shape[:-1] + (3, 3))
    k[:, 0, 1], k[:, 0, 2], k[:, 1, 2] = -phi[:, 2], phi[:, 1], -phi[:, 0]
    k[:, 1, 0], k[:, 2, 0], k[:, 2, 1] = phi[:, 2], -phi[:, 1], phi[:, 0]
    safe = np.where(t < 1e-6, 1.0, t)
    c = np.where(t < 1e-6, 1.0 / 12.0, 1.0 / safe**2 - (1.0 + np.cos(safe)) / (2.0 * safe * np.sin(safe)))
    return np.eye(3) + 0.5 * k + c * (k @ k)


def _right_jacobian(phi: np.ndarray) -> np.ndarray:
    t = np.linalg.norm(phi, axis=-1)[:, None, None]
    k = np.zeros(phi.shape[:-1] + (3, 3))
    k[:, 0, 1], k[:, 0, 2], k[:, 1, 2] = -phi[:, 2], phi[:, 1], -phi[:, 0]
    k[:, 1, 0], k[:, 2, 0], k[:, 2, 1] = phi[:, 2], -phi[:, 1], phi[:, 0]
    safe = np.where(t < 1e-6, 1.0, t)
    a = np.where(t < 1e-6, 0.5, (1.0 - np.cos(safe)) / safe**2)
    b = np.where(t < 1e-6, 1.0 / 6.0, (safe - np.sin(safe)) / safe**3)
    return np.eye(3) - a * k + b * (k @ k)


def _orientation(t: np.ndarray, quat: np.ndarray, omega: np.ndarray, alpha: np.ndarray,
                 local: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Root orientation and world angular velocity at ``local`` from per-interval quintic curves.

    In body coordinates of each interval's first frame: ``q(s) = q_k exp(phi(s))``, ``phi`` a quintic
    (scipy ``BPoly``) with ``phi(0) = 0``, ``phi(1) = log(q_k^-1 q_k+1)`` and end rates and
    accelerations from the stored world rates, mapped through the right Jacobian (its derivative
    term neglected at the far end, below 1e-6 rad here).
    """
    rots = Rotation.from_quat(quat)
    k = np.clip(np.searchsorted(t, local, side="right") - 1, 0, len(t) - 2)
    h = t[k + 1] - t[k]
    s = (local - t[k]) / h
    r0, r1 = rots[k], rots[k + 1]
    phi1 = (r0.inv() * r1).as_rotvec()
    body0 = r0.inv().apply(omega[k])
    body1 = r1.inv().apply(omega[k + 1])
    acc0 = r0.inv().apply(alpha[k])
    acc1 = r1.inv().apply(alpha[k + 1])
    inv = _right_jacobian_inverse(phi1)
    rate1 = np.einsum("nij,nj->ni", inv, body1)
    accel1 = np.einsum("nij,nj->ni", inv, acc1)
    phi, dphi = np.empty_like(phi1), np.empty_like(phi1)
    for n in range(len(local)):
        curve = BPoly.from_derivatives([0.0, 1.0], [[np.zeros(3), h[n] * body0[n], h[n] ** 2 * acc0[n]],
                                                   [phi1[n], h[n] * rate1[n], h[n] ** 2 * accel1[n]]])
        phi[n], dphi[n] = curve(s[n]), curve.derivative()(s[n]) / h[n]
    rot = r0 * Rotation.from_rotvec(phi)
    omega_world = rot.apply(np.einsum("nij,nj->ni", _right_jacobian(phi), dphi))
    return rot.as_quat(), omega_world


def rotated(motion: Motion, yaw: float) -> Motion:
    """The motion turned by ``yaw`` about the world z axis (every world quantity; scipy, not the exporters)."""
    turn = Rotation.from_euler("z", yaw)

    def r(x: np.ndarray) -> np.ndarray:  # scipy refuses read-only arrays (Motion's are): copy first
        return turn.apply(np.array(x))

    def vec(x: np.ndarray | None) -> np.ndarray | None:
        return None if x is None else r(x)

    steps = motion.footsteps
    loop = motion.loop
    zmp = r(np.hstack([motion.zmp, np.zeros((motion.num_frames, 1))]))[:, :2]
    return dataclasses.replace(
        motion, root_pos=r(motion.root_pos),
        root_quat=(turn * Rotation.from_quat(np.array(motion.root_quat))).as_quat(),
        root_lin_vel=r(motion.root_lin_vel), root_ang_vel=r(motion.root_ang_vel),
        left_foot_pos=r(motion.left_foot_pos), right_foot_pos=r(motion.right_foot_pos),
        com_pos=r(motion.com_pos), zmp=zmp, root_lin_acc=vec(motion.root_lin_acc),
        root_ang_acc=vec(motion.root_ang_acc),
        footsteps=dataclasses.replace(steps, pos=r(steps.pos), yaw=steps.yaw + yaw),
        loop=Loop(looping=loop.looping, cycle_frames=loop.cycle_frames, num_cycles=loop.num_cycles,
                  cycle_offset_pos=r(loop.cycle_offset_pos) if loop.looping else loop.cycle_offset_pos,
                  cycle_offset_yaw=loop.cycle_offset_yaw))
