"""Physics replay: can the robot follow the clip on its own actuators, open loop?

The free root starts at frame 0 with the frame's velocities and nothing pushes
on it. Looping clips are tiled (with their loop offset) up to
``physics.duration_s``. Every robot is tracked the same way, the way training
frameworks drive position servos with feed-forward:

    tau = kp (q_ref - q) + kv (qd_ref - qd) + tau_ff,   clamped to the effort limit,

realised as the target ``q_ref + (kv qd_ref + tau_ff) / kp`` of the spec's own
position actuators. ``tau_ff`` is inverse dynamics of the reference (its exact
accelerations, :mod:`validate.trace`): the ground wrench the free root needs is
handed to the soles that touch the floor, split between two soles by where the
ZMP lies between them (a sole the ZMP has left carries nothing, so it lifts off
unloaded), and the joint torques that remain are the feed-forward.

The speed ratio compares path lengths sampled once per gait cycle (once per
second for clips that do not loop), so the sway within a cycle does not count.

The verdict is the open-loop replay alone: the clip passes if the robot stays
up for the whole replay and its root drift, heading drift, speed ratio and turn
ratio stay within the thresholds. When it fails, an **assisted** replay (a
stabilising PD wrench on the root through ``xfrc_applied``, gains ``m w^2,
2 zeta m w`` and the root inertia for the torque) is run as a diagnostic: the
mean assist force says how much help the clip needed.
"""

from __future__ import annotations

import copy
import functools

import mujoco
import mujoco.rollout
import numpy as np
from numpy.typing import NDArray

from gait_generator.lipm import GRAVITY
from motions import Motion
from motions.rotations import matrix_from_quat, yaw_from_quat
from validate.dynamic import ground_wrench, multibody_zmp
from validate.result import CheckResult
from validate.thresholds import Physics
from validate.trace import RobotModel, Trace

__all__ = ["feedforward", "physics_checks", "reference"]

STAGE = "physics"
FloatArray = NDArray[np.float64]


def _load_split(motion: Motion, trace: Trace, touching: NDArray[np.bool_]) -> FloatArray:
    """(T, 2) share of the load each sole carries: by the ZMP's place between two touching soles."""
    force, moment = ground_wrench(motion, trace)
    zmp = multibody_zmp(motion.root_pos, force, moment)
    a, b = trace.feet_pos[:, 0, :2], trace.feet_pos[:, 1, :2]
    span = b - a
    alpha = np.einsum("tc,tc->t", zmp - a, span) / np.maximum(np.einsum("tc,tc->t", span, span), 1e-12)
    alpha = np.clip(alpha, 0.0, 1.0)
    share = np.column_stack([1.0 - alpha, alpha])
    share = np.where(touching.all(axis=1, keepdims=True), share, touching.astype(float))
    none = ~touching.any(axis=1)
    share[none] = 0.5  # airborne frames (none in generated clips): split evenly
    return share


def feedforward(motion: Motion, trace: Trace, touching: NDArray[np.bool_]) -> FloatArray:
    """Joint torques (T, nv - 6) that realise the reference with the soles carrying the root's wrench.

    The root's residual ``r`` (``qfrc_inverse[:6]``) must come from the sole wrenches
    ``w_i`` through ``sum_i B_i w_i = r`` (``B_i`` the root columns of sole ``i``'s
    Jacobian, transposed). Among the solutions we take the one minimising
    ``sum_i |w_i|^2 / s_i`` with ``s_i`` the sole's load share, so a sole with
    share 0 carries nothing.

    Args:
        motion: The motion (for the ZMP that sets the load shares).
        trace: Kinematic replay (free-floating inverse dynamics, foot Jacobians).
        touching: (T, 2) soles on the floor.
    """
    share = np.maximum(_load_split(motion, trace, touching), 1e-6)
    jac = trace.foot_jac  # (T, 2, 6, nv)
    root = np.transpose(jac[..., :6], (0, 1, 3, 2))  # (T, 2, 6 root dofs, 6 wrench)
    weighted = np.einsum("tf,tfij,tfkj->tik", share, root, root)  # sum_i s_i B_i B_i^T, (T, 6, 6)
    lam = np.linalg.solve(weighted, trace.qfrc_inverse[:, :6, None])[..., 0]
    wrench = share[..., None] * np.einsum("tfij,ti->tfj", root, lam)  # (T, 2, 6)
    return trace.qfrc_inverse[:, 6:] - np.einsum("tfjn,tfj->tn", jac[..., 6:], wrench)


def reference(motion: Motion, trace: Trace, tau: FloatArray, frames: int) -> dict[str, FloatArray]:
    """The reference over ``frames`` frames, tiling a looping clip whole-clip by whole-clip with its offset."""
    t = motion.num_frames
    idx = np.arange(frames)
    k, n = idx % t, idx // t
    if not motion.loop.looping:
        k, n = np.minimum(idx, t - 1), np.zeros_like(idx)
    root_pos = motion.root_pos[k].copy()
    root_quat = motion.root_quat[k].copy()
    lin = motion.root_lin_vel[k].copy()
    ang = motion.root_ang_vel[k].copy()
    for tile in np.unique(n):
        if tile == 0:
            continue
        sel = n == tile
        cycles = int(tile) * motion.loop.num_cycles
        root_pos[sel] = motion.loop.transform_positions(root_pos[sel], cycles)
        root_quat[sel] = motion.loop.transform_quats(root_quat[sel], cycles)
        lin[sel] = motion.loop.transform_vectors(lin[sel], cycles)
        ang[sel] = motion.loop.transform_vectors(ang[sel], cycles)
    return {
        "q": trace.qpos[k, 7:], "qd": trace.qvel[k, 6:], "tau": tau[k], "root_pos": root_pos,
        "root_quat": root_quat, "lin": lin, "ang": ang, "contacts": motion.contacts[k],
    }


@functools.cache
def _replay_model(key: int, rm: RobotModel) -> mujoco.MjModel:
    model = copy.copy(rm.model)
    model.actuator_ctrllimited[:] = 0  # targets encode velocity and torque terms; effort limits still apply
    return model


def _interp(x: FloatArray, fps: float, dt: float, steps: int) -> FloatArray:
    pos = np.arange(steps) * dt * fps
    i = np.minimum(np.floor(pos).astype(np.int64), x.shape[0] - 2)
    w = (pos - i)[:, None]
    return x[i] * (1 - w) + x[i + 1] * w


def _outcome(qpos_frames: FloatArray, ref: dict[str, FloatArray], th: Physics) -> tuple[int, FloatArray, FloatArray]:
    """First fallen frame (or len), horizontal drift (m) and signed heading error (rad) per frame."""
    q_xyzw = qpos_frames[:, [4, 5, 6, 3]]  # MuJoCo wxyz -> xyzw
    height_ok = qpos_frames[:, 2] >= th.fall_height_frac * ref["root_pos"][:, 2]
    z_sim = matrix_from_quat(q_xyzw)[:, :, 2]
    z_ref = matrix_from_quat(ref["root_quat"])[:, :, 2]
    tilt = np.degrees(np.arccos(np.clip(np.sum(z_sim * z_ref, axis=1), -1.0, 1.0)))
    bad = ~(height_ok & (tilt <= th.fall_tilt_max_deg)) | ~np.isfinite(qpos_frames).all(axis=1)
    fall = int(np.argmax(bad)) if bad.any() else len(bad)
    drift = np.linalg.norm(qpos_frames[:, :2] - ref["root_pos"][:, :2], axis=1)
    heading = np.unwrap(yaw_from_quat(q_xyzw)) - np.unwrap(yaw_from_quat(ref["root_quat"]))
    return fall, drift, heading


def _path_length(xy: FloatArray, stride: int) -> float:
    """Length (m) of a floor path sampled every ``stride`` frames (sway within a stride cancels)."""
    points = np.concatenate([xy[::stride], xy[-1:]])
    return float(np.linalg.norm(np.diff(points, axis=0), axis=1).sum())


def _ratio(sim: float, ref: float, minimum: float) -> float | None:
    """``sim / ref`` when the reference moves at least ``minimum``, else None (nothing to compare)."""
    return sim / ref if abs(ref) >= minimum else None


def _contact_agreement(model: mujoco.MjModel, rm: RobotModel, qpos_frames: FloatArray,
                       contacts: NDArray[np.bool_], th: Physics) -> float:
    """Fraction of foot-frames whose simulated sole contact matches the stored flags."""
    data = mujoco.MjData(model)
    low = np.zeros_like(contacts)
    sites = list(rm.foot_sites)
    for k, q in enumerate(qpos_frames):
        data.qpos[:] = q
        mujoco.mj_kinematics(model, data)
        low[k] = data.site_xpos[sites, 2] <= th.contact_height_max_m
    return float(np.mean(low == contacts)) if contacts.size else 1.0


def physics_checks(motion: Motion, rm: RobotModel, trace: Trace, touching: NDArray[np.bool_],
                   th: Physics) -> list[CheckResult]:
    """The open-loop replay (and, if it fails, the assisted diagnostic); one ``physics_replay`` check.

    Args:
        motion: The motion.
        rm: The robot's MuJoCo models.
        trace: Kinematic replay of the motion.
        touching: (T, 2) soles on the floor (:func:`validate.dynamic.support_mask`).
        th: Physics thresholds.
    """
    model = _replay_model(id(rm), rm)
    dt = float(model.opt.timestep)
    fps = motion.fps
    duration = th.duration_s if motion.loop.looping else min(th.duration_s, motion.span)
    frames = int(np.floor(duration * fps + 1e-9)) + 1
    if frames < 2:
        return [CheckResult("physics_replay", STAGE, True, {"simulated_s": 0.0}, "")]
    duration = (frames - 1) / fps
    steps = round(float(duration / dt))
    tau = feedforward(motion, trace, touching)
    ref = reference(motion, trace, tau, frames)
    kp = model.actuator_gainprm[:, 0].copy()
    kv = -model.actuator_biasprm[:, 2].copy()
    safe = np.where(kp > 0, kp, 1.0)
    target = ref["q"] + np.where(kp > 0, (kv * ref["qd"] + ref["tau"]) / safe, 0.0)
    ctrl = _interp(target, fps, dt, steps)
    frame_step = np.minimum(np.round(np.arange(frames) / fps / dt).astype(np.int64), steps)

    data = mujoco.MjData(model)
    data.qpos[:] = trace.qpos[0]
    data.qvel[:] = trace.qvel[0]
    mujoco.mj_forward(model, data)
    spec = mujoco.mjtState.mjSTATE_FULLPHYSICS
    state0 = np.empty(mujoco.mj_stateSize(model, spec))
    mujoco.mj_getState(model, data, state0, spec)

    states, _ = mujoco.rollout.rollout(model, data, state0, ctrl[None])
    qadr = 1 + np.arange(model.nq)  # FULLPHYSICS = [time, qpos, qvel, act, ...]
    qpos_steps = np.concatenate([state0[None, qadr], states[0][:, qadr]], axis=0)
    open_q = qpos_steps[frame_step]
    fall, drift, heading = _outcome(open_q, ref, th)
    survived = fall >= frames
    end = max(min(fall, frames) - 1, 0)
    stride = motion.loop.cycle_frames if motion.loop.looping else max(1, round(fps))
    travel_ref = _path_length(ref["root_pos"][: end + 1, :2], stride)
    travel_sim = _path_length(open_q[: end + 1, :2], stride)
    turn_ref = float(np.unwrap(yaw_from_quat(ref["root_quat"][: end + 1]))[-1] - yaw_from_quat(ref["root_quat"][0]))
    turn_sim = turn_ref + float(heading[end] - heading[0])
    speed_ratio = _ratio(travel_sim, travel_ref, th.ratio_min_travel_m)
    turn_ratio = _ratio(turn_sim, turn_ref, np.radians(th.ratio_min_turn_deg))
    seen = max(fall, 1)
    metrics = {
        "simulated_s": duration,
        "open_loop_survived": bool(survived),
        "open_loop_survival_s": end / fps,
        "open_loop_drift_m": float(drift[end]),
        "open_loop_yaw_drift_deg": float(np.degrees(abs(heading[end] - heading[0]))),
        "open_loop_speed_ratio": speed_ratio,
        "open_loop_turn_ratio": turn_ratio,
        "open_loop_contact_agreement_frac": _contact_agreement(model, rm, open_q[:seen], ref["contacts"][:seen], th),
    }
    reasons = []
    if not survived:
        reasons.append(f"falls open loop after {end / fps:.2f} s")
    else:
        if metrics["open_loop_drift_m"] > th.drift_max_m:
            reasons.append(f"drifts {metrics['open_loop_drift_m']:.3f} m from the reference in {duration:.1f} s "
                           f"(limit {th.drift_max_m:.3f} m)")
        if metrics["open_loop_yaw_drift_deg"] > th.yaw_drift_max_deg:
            reasons.append(f"heading drifts {metrics['open_loop_yaw_drift_deg']:.1f} deg "
                           f"(limit {th.yaw_drift_max_deg:.1f} deg)")
        for name, value in (("speed", speed_ratio), ("turn", turn_ratio)):
            if value is not None and not th.ratio_min <= value <= th.ratio_max:
                reasons.append(f"{name} ratio {value:.2f} outside [{th.ratio_min:.2f}, {th.ratio_max:.2f}]")
    if reasons:
        metrics.update(_assisted(model, rm, data, state0, ctrl, ref, frame_step, fps, dt, th))
    return [CheckResult("physics_replay", STAGE, not reasons, metrics, "; ".join(reasons))]


def _assisted(model: mujoco.MjModel, rm: RobotModel, data: mujoco.MjData, state0: FloatArray, ctrl: FloatArray,
              ref: dict[str, FloatArray], frame_step: NDArray[np.int64], fps: float, dt: float,
              th: Physics) -> dict[str, float | bool]:
    """Diagnostic replay with a stabilising root PD: how much help the clip needed."""
    spec = mujoco.mjtState.mjSTATE_FULLPHYSICS
    mujoco.mj_setState(model, data, state0, spec)
    mujoco.mj_forward(model, data)
    mass = rm.mass
    weight = mass * GRAVITY
    m_full = np.zeros((model.nv, model.nv))
    mujoco.mj_fullM(model, data, m_full)
    inertia = float(np.mean(np.diag(m_full)[3:6]))
    w = 2 * np.pi * th.assist_frequency_hz
    kp_f, kd_f = mass * w * w, 2 * th.assist_damping_ratio * mass * w
    kp_t, kd_t = inertia * w * w, 2 * th.assist_damping_ratio * inertia * w
    steps = ctrl.shape[0]
    pos = _interp(ref["root_pos"], fps, dt, steps + 1)
    lin = _interp(ref["lin"], fps, dt, steps + 1)
    ang = _interp(ref["ang"], fps, dt, steps + 1)
    quat = _interp(ref["root_quat"], fps, dt, steps + 1)
    quat /= np.linalg.norm(quat, axis=1, keepdims=True)
    quat_wxyz = quat[:, [3, 0, 1, 2]]
    body = int(model.jnt_bodyid[0])
    qpos_steps = np.empty((steps + 1, model.nq))
    qpos_steps[0] = data.qpos
    force_pct = np.empty(steps)
    err = np.empty(3)
    rot = np.empty(9)
    xfrc = data.xfrc_applied
    for i in range(steps):
        qpos, qvel = data.qpos, data.qvel
        mujoco.mju_subQuat(err, quat_wxyz[i], qpos[3:7])  # body-frame rotation from current to reference
        mujoco.mju_quat2Mat(rot, qpos[3:7])
        r = rot.reshape(3, 3)
        f = kp_f * (pos[i] - qpos[:3]) + kd_f * (lin[i] - qvel[:3])
        xfrc[body, :3] = f
        xfrc[body, 3:] = kp_t * (r @ err) + kd_t * (ang[i] - r @ qvel[3:6])
        force_pct[i] = 100.0 * np.sqrt(f @ f) / weight
        data.ctrl[:] = ctrl[i]
        mujoco.mj_step(model, data)
        qpos_steps[i + 1] = data.qpos
    xfrc[body] = 0.0
    fall, drift, _ = _outcome(qpos_steps[frame_step], ref, th)
    return {
        "assisted_survived": bool(fall >= len(frame_step)),
        "assist_force_mean_pct": float(np.mean(force_pct)) if steps else 0.0,
        "assist_force_max_pct": float(np.max(force_pct)) if steps else 0.0,
        "assisted_drift_m": float(drift[-1]),
    }
