"""The training consumers' playback arithmetic, re-implemented from their documented behaviour, and the true pose.

Shared by the exporter compatibility tests (``tests/test_retarget_*.py``). Each
``*_sample`` function does what the consumer's own loader does to a file, with
numpy instead of torch (the files are read as float32, as the loaders do):

* AWD ``AMPLoader`` (rimim/AWD ``awd/utils/bdx/amp_motion_loader.py``): keeps
  ``Frames[:-120]``, forces ``w >= 0`` on each kept root quaternion, sets the
  clip length ``L = round((K - 1) * FrameDuration)`` and maps time ``t`` to frame
  ``t / L * K`` (floor / ceil, clamped to the kept frames); positions, joints and
  velocities blend linearly, the root quaternion by its batch slerp, which does
  **not** take the shorter arc (dot clamped to +-(1 - 1e-6), result normalised).
* mjlab tracking ``MotionLoader``: one frame per env step, no interpolation.
* MimicKit ``MotionLib``: length ``(T - 1) / fps``; WRAP takes the phase modulo
  1 and adds ``floor(t / length) * (end - start)`` (z zeroed) to the root
  position; CLAMP clips the phase to [0, 1]; the root and every hinge are slerped
  as quaternions along the shorter arc (a plain midpoint below a half angle of
  0.001 rad), hinge quaternions taken with ``w >= 0``.
* Isaac Lab ``MotionLoader``: ``i0 = round(t / duration * (T - 1))``,
  ``i1 = min(i0 + 1, T - 1)``, ``blend = round((t - i0 dt) / dt, 5)`` (so
  ``blend`` is in [-0.5, 0.5]), linear blend and a shortest-arc slerp of wxyz.

The true pose at time ``t`` is the project's own motion, independent of the
exporters: :func:`linear_truth` (positions and joints interpolated linearly,
root by slerp, between the source's frames; looping clips continued by the loop
offset) and :func:`hermite_truth` (scipy's quintic ``BPoly`` through the stored
positions, velocities and accelerations; the root orientation by the same kind
of curve in each interval's body-frame rotation vector, where the exporters use
a world-frame one: the same curve, built another way). Body poses of a truth
come from MuJoCo's forward kinematics (:func:`body_poses`).
"""

from __future__ import annotations

import dataclasses
import json
import math
import pickle
import xml.etree.ElementTree as ET
from pathlib import Path

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


# --- Truth ---------------------------------------------------------------------------------------

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
        motion, root_pos=r(motion.root_pos), root_quat=(turn * Rotation.from_quat(np.array(motion.root_quat))).as_quat(),
        root_lin_vel=r(motion.root_lin_vel), root_ang_vel=r(motion.root_ang_vel),
        left_foot_pos=r(motion.left_foot_pos), right_foot_pos=r(motion.right_foot_pos),
        com_pos=r(motion.com_pos), zmp=zmp, root_lin_acc=vec(motion.root_lin_acc),
        root_ang_acc=vec(motion.root_ang_acc),
        footsteps=dataclasses.replace(steps, pos=r(steps.pos), yaw=steps.yaw + yaw),
        loop=Loop(looping=loop.looping, cycle_frames=loop.cycle_frames, num_cycles=loop.num_cycles,
                  cycle_offset_pos=r(loop.cycle_offset_pos) if loop.looping else loop.cycle_offset_pos,
                  cycle_offset_yaw=loop.cycle_offset_yaw))


# --- AWD -----------------------------------------------------------------------------------------

def awd_load(path: Path) -> dict:
    """The AMPLoader's view of a file: kept frames (float32), w >= 0, length L and the field slices."""
    doc = json.loads(path.read_text())
    offsets, sizes = doc["Frame_offset"][0], doc["Frame_size"][0]
    kept = np.array(doc["Frames"], dtype=np.float64)[:-120]
    rot = slice(offsets["root_quat"], offsets["root_quat"] + 4)
    quat = kept[:, rot] / np.linalg.norm(kept[:, rot], axis=1, keepdims=True)
    kept[:, rot] = np.where(quat[:, 3:4] < 0.0, -quat, quat)
    length = round((kept.shape[0] - 1) * float(doc["FrameDuration"]))
    fields = {name: slice(offsets[name], offsets[name] + sizes[name]) for name in offsets}
    return {"doc": doc, "frames": kept.astype(np.float32), "length": length, "fields": fields}


def _awd_slerp(q0: np.ndarray, q1: np.ndarray, blend: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """AWD's batch quaternion slerp: no shorter-arc flip, dot clamped, linear for all if any pair is degenerate."""
    q0 = q0 / np.linalg.norm(q0, axis=-1, keepdims=True)
    q1 = q1 / np.linalg.norm(q1, axis=-1, keepdims=True)
    dot = np.clip(np.sum(q0 * q1, axis=-1, keepdims=True), -1.0 + eps, 1.0 - eps)
    theta = np.arccos(dot)
    sin = np.sin(theta)
    if np.any(np.abs(sin) < eps):
        out = (1.0 - blend) * q0 + blend * q1
    else:
        out = np.sin((1.0 - blend) * theta) / sin * q0 + np.sin(blend * theta) / sin * q1
    return out / np.linalg.norm(out, axis=-1, keepdims=True)


def awd_sample(loaded: dict, times: np.ndarray) -> dict[str, np.ndarray]:
    """``get_motion_state``: phase ``t % L``, frames ``floor/ceil(t / L * K)`` clamped, blended."""
    frames, fields = loaded["frames"].astype(np.float64), loaded["fields"]
    n, length = frames.shape[0], loaded["length"]
    p = np.mod(times, length) / length
    low = np.clip(np.floor(p * n).astype(int), 0, n - 1)
    high = np.clip(np.ceil(p * n).astype(int), 0, n - 1)
    blend = (p * n - low)[:, None]
    out = {name: (1.0 - blend) * frames[low, s] + blend * frames[high, s] for name, s in fields.items()}
    out["root_quat"] = _awd_slerp(frames[low, fields["root_quat"]], frames[high, fields["root_quat"]], blend)
    return out


# --- MimicKit ------------------------------------------------------------------------------------

def mimickit_hinges(char_file: Path) -> list[tuple[str, np.ndarray]]:
    """``MJCFCharModel``'s dof walk: (name, axis) of each one-hinge body, depth first from the root's children."""
    root_body = ET.parse(char_file).getroot().find("worldbody").find("body")
    hinges: list[tuple[str, np.ndarray]] = []

    def walk(node: ET.Element, is_root: bool) -> None:
        if not is_root:
            joints = node.findall("joint")
            assert len(joints) in (0, 1), "spherical and series joints are not exported"
            for j in joints:
                assert j.get("type", "hinge") == "hinge"
                assert not np.any(np.fromstring(j.get("pos") or "0 0 0", dtype=float, sep=" "))
                hinges.append((j.get("name"), np.fromstring(j.get("axis"), dtype=float, sep=" ")))
        for child in node.findall("body"):
            walk(child, False)

    walk(root_body, True)
    return hinges


def mimickit_load(path: Path) -> dict:
    """``motion.load_motion``: the pickle's loop mode, fps and float32 frames."""
    with open(path, "rb") as f:
        d = pickle.load(f)
    assert set(d) == {"loop_mode", "fps", "frames"} and d["loop_mode"] in (0, 1)
    frames = np.array(d["frames"], dtype=np.float32).astype(np.float64)
    return {"loop_mode": d["loop_mode"], "fps": float(d["fps"]), "frames": frames,
            "length": (frames.shape[0] - 1) / float(d["fps"])}


def _mk_slerp(q0: np.ndarray, q1: np.ndarray, t: np.ndarray) -> np.ndarray:
    cos = np.sum(q0 * q1, axis=-1)
    q1 = np.where((cos < 0.0)[..., None], -q1, q1)
    cos = np.abs(cos)[..., None]
    half = np.arccos(np.clip(cos, -1.0, 1.0))
    sin = np.sqrt(np.maximum(1.0 - cos * cos, 0.0))
    safe = np.where(sin < 1e-12, 1.0, sin)
    t = t[..., None]
    out = np.sin((1.0 - t) * half) / safe * q0 + np.sin(t * half) / safe * q1
    out = np.where(np.abs(sin) < 0.001, 0.5 * q0 + 0.5 * q1, out)
    return np.where(np.abs(cos) >= 1.0, q0, out)


def mimickit_sample(clip: dict, axes: list[np.ndarray], times: np.ndarray) -> dict[str, np.ndarray]:
    """``MotionLib.calc_motion_frame``: root position (with the WRAP offset), root quaternion, hinge angles."""
    frames, n, length = clip["frames"], clip["frames"].shape[0], clip["length"]
    phase = times / length
    if clip["loop_mode"] == 1:
        phase = phase - np.floor(phase)
    phase = np.clip(phase, 0.0, 1.0)
    i0 = (phase * (n - 1)).astype(int)
    i1 = np.minimum(i0 + 1, n - 1)
    blend = phase * (n - 1) - i0
    root = (1.0 - blend)[:, None] * frames[i0, :3] + blend[:, None] * frames[i1, :3]
    if clip["loop_mode"] == 1:
        delta = frames[-1, :3] - frames[0, :3]
        delta[2] = 0.0
        root = root + np.floor(times / length)[:, None] * delta
    rot = _mk_slerp(Rotation.from_rotvec(frames[i0, 3:6]).as_quat(), Rotation.from_rotvec(frames[i1, 3:6]).as_quat(),
                    blend)
    joints = np.empty((len(times), len(axes)))
    for j, axis in enumerate(axes):
        qa = Rotation.from_rotvec(frames[i0, 6 + j, None] * axis).as_quat()
        qb = Rotation.from_rotvec(frames[i1, 6 + j, None] * axis).as_quat()
        qa, qb = (np.where(q[:, 3:] < 0.0, -q, q) for q in (qa, qb))
        rotvec = Rotation.from_quat(_mk_slerp(qa, qb, blend)).as_rotvec()
        joints[:, j] = rotvec @ axis
    return {"root_pos": root, "root_quat": rot / np.linalg.norm(rot, axis=-1, keepdims=True), "joint_pos": joints}


# --- Isaac Lab -----------------------------------------------------------------------------------

def isaaclab_sample(data: dict[str, np.ndarray], times: np.ndarray) -> dict[str, np.ndarray]:
    """``MotionLoader.sample(times=...)``: nearest frame, blend in [-0.5, 0.5], lerp and wxyz slerp (float32 data)."""
    dt = 1.0 / data["fps"]
    frames = data["dof_positions"].shape[0]
    duration = dt * (frames - 1)
    phase = np.clip(times / duration, 0.0, 1.0)
    i0 = np.round(phase * (frames - 1)).astype(int)
    i1 = np.minimum(i0 + 1, frames - 1)
    blend = np.round((times - i0 * dt) / dt, 5)

    def lerp(x: np.ndarray) -> np.ndarray:
        b = blend.reshape((-1,) + (1,) * (x.ndim - 1))
        return (1.0 - b) * x[i0] + b * x[i1]

    def slerp(q: np.ndarray) -> np.ndarray:  # wxyz
        q0, q1 = q[i0], q[i1].copy()
        cos = np.sum(q0 * q1, axis=-1)
        q1[cos < 0] = -q1[cos < 0]
        cos = np.abs(cos)[..., None]
        half = np.arccos(np.clip(cos, -1.0, 1.0))
        sin = np.sqrt(np.maximum(1.0 - cos * cos, 0.0))
        b = blend[:, None, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.sin((1.0 - b) * half) / sin * q0 + np.sin(b * half) / sin * q1
        out = np.where(np.abs(sin) < 0.001, 0.5 * q0 + 0.5 * q1, out)
        return np.where(np.abs(cos) >= 1.0, q0, out)

    f = {k: np.asarray(v, dtype=np.float64) for k, v in data.items() if k not in ("dof_names", "body_names")}
    return {"dof_positions": lerp(f["dof_positions"]), "dof_velocities": lerp(f["dof_velocities"]),
            "body_positions": lerp(f["body_positions"]), "body_rotations": slerp(f["body_rotations"]),
            "body_linear_velocities": lerp(f["body_linear_velocities"]),
            "body_angular_velocities": lerp(f["body_angular_velocities"])}
