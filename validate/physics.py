"""Physics replay: the robot's own position actuators track the motion in MuJoCo.

The free root starts at frame 0 with the frame's velocities; looping clips are
tiled (with their loop offset) up to ``physics.duration_s``. Each actuator's
target is ``q_ref + (kv / kp) * qd_ref + tau_ff / kp``, so the position servo
becomes ``kp (q_ref - q) + kv (qd_ref - qd) + tau_ff`` and is still clamped to
its effort limit. ``tau_ff`` is inverse dynamics of the reference with the root
residual wrench handed to the supporting feet by least squares (MuJoCo's soft
contacts give about zero force at zero penetration, so dropping the residual
would leave the stance legs without gravity support).

Two replays are run:

* **open loop** (``mujoco.rollout``): nothing but the actuators;
* **assisted**: a stabilising PD on the root pose error applies an external
  wrench through ``xfrc_applied``, with gains ``m w^2, 2 zeta m w`` (and the
  root's rotational inertia for the torque), ``w = 2 pi assist_frequency_hz``.
  Its size, in % of body weight and N m, grades how dynamically consistent
  the motion is.
"""

from __future__ import annotations

import copy
import functools

import mujoco
import mujoco.rollout
import numpy as np
from numpy.typing import NDArray

from motions import Motion
from motions.rotations import matrix_from_quat, yaw_from_quat
from validate.dynamic import GRAVITY
from validate.result import CheckResult
from validate.thresholds import Physics
from validate.trace import RobotModel, Trace

__all__ = ["feedforward", "reference", "physics_checks"]

STAGE = "physics"
FloatArray = NDArray[np.float64]


def feedforward(trace: Trace, support: NDArray[np.bool_]) -> FloatArray:
    """Joint torques (T, nv - 6) that realise the reference with the feet carrying the root residual.

    Args:
        trace: Kinematic replay (free-floating inverse dynamics, foot Jacobians).
        support: (T, 2) feet that may carry load.
    """
    qfrc = trace.qfrc_inverse
    t = qfrc.shape[0]
    jac = trace.foot_jac  # (T, 2, 6, nv)
    tau = qfrc[:, 6:].copy()
    for k in range(t):
        feet = np.flatnonzero(support[k])
        if feet.size == 0:
            continue
        b = np.concatenate([jac[k, f, :, :6].T for f in feet], axis=1)  # (6, 6 * n)
        wrench, *_ = np.linalg.lstsq(b, qfrc[k, :6], rcond=None)
        for i, f in enumerate(feet):
            tau[k] -= jac[k, f, :, 6:].T @ wrench[6 * i: 6 * i + 6]
    return tau


def reference(motion: Motion, trace: Trace, tau: FloatArray, frames: int) -> dict[str, FloatArray]:
    """The reference over ``frames`` frames, tiling a looping clip with its loop offset."""
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
        root_pos[sel] = motion.loop.transform_positions(root_pos[sel], int(tile))
        root_quat[sel] = motion.loop.transform_quats(root_quat[sel], int(tile))
        lin[sel] = motion.loop.transform_vectors(lin[sel], int(tile))
        ang[sel] = motion.loop.transform_vectors(ang[sel], int(tile))
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
    """First fallen frame (or len), horizontal drift (m) and heading error (rad) per frame."""
    q_xyzw = qpos_frames[:, [4, 5, 6, 3]]  # MuJoCo wxyz -> xyzw
    height_ok = qpos_frames[:, 2] >= th.fall_height_frac * ref["root_pos"][:, 2]
    z_sim = matrix_from_quat(q_xyzw)[:, :, 2]
    z_ref = matrix_from_quat(ref["root_quat"])[:, :, 2]
    tilt = np.degrees(np.arccos(np.clip(np.sum(z_sim * z_ref, axis=1), -1.0, 1.0)))
    bad = ~(height_ok & (tilt <= th.fall_tilt_max_deg)) | ~np.isfinite(qpos_frames).all(axis=1)
    fall = int(np.argmax(bad)) if bad.any() else len(bad)
    drift = np.linalg.norm(qpos_frames[:, :2] - ref["root_pos"][:, :2], axis=1)
    heading = yaw_from_quat(q_xyzw) - yaw_from_quat(ref["root_quat"])
    heading = np.abs((heading + np.pi) % (2 * np.pi) - np.pi)
    return fall, drift, heading


def _contact_agreement(model: mujoco.MjModel, rm: RobotModel, qpos_frames: FloatArray,
                       contacts: NDArray[np.bool_], th: Physics) -> float:
    data = mujoco.MjData(model)
    low = np.zeros_like(contacts)
    sites = list(rm.foot_sites)
    for k, q in enumerate(qpos_frames):
        data.qpos[:] = q
        mujoco.mj_kinematics(model, data)
        low[k] = data.site_xpos[sites, 2] <= th.contact_height_max_m
    near = np.zeros_like(contacts)
    for f in (0, 1):
        for s in np.flatnonzero(np.diff(contacts[:, f].astype(np.int8))) + 1:
            near[max(0, s - 2): s + 2, f] = True
    keep = ~near
    return float(np.mean((low == contacts)[keep])) if keep.any() else 1.0


def physics_checks(motion: Motion, rm: RobotModel, trace: Trace, support: NDArray[np.bool_],
                   th: Physics) -> list[CheckResult]:
    """Open-loop and assisted replays; one ``physics_replay`` check with every metric."""
    model = _replay_model(id(rm), rm)
    dt = float(model.opt.timestep)
    fps = motion.fps
    duration = th.duration_s if motion.loop.looping else min(th.duration_s, motion.span)
    frames = int(np.floor(duration * fps + 1e-9)) + 1
    if frames < 2:
        return [CheckResult("physics_replay", STAGE, True, {"simulated_s": 0.0}, "")]
    duration = (frames - 1) / fps
    steps = int(round(duration / dt))
    tau = feedforward(trace, support)
    ref = reference(motion, trace, tau, frames)
    kp = model.actuator_gainprm[:, 0].copy()
    kv = -model.actuator_biasprm[:, 2].copy()
    safe = np.where(kp > 0, kp, 1.0)
    target = ref["q"] + np.where(kp > 0, kv / safe, 0.0) * ref["qd"] + np.where(kp > 0, 1.0 / safe, 0.0) * ref["tau"]
    ctrl = _interp(target, fps, dt, steps)
    frame_step = np.minimum(np.round(np.arange(frames) / fps / dt).astype(np.int64), steps)

    data = mujoco.MjData(model)
    data.qpos[:] = trace.qpos[0]
    data.qvel[:] = trace.qvel[0]
    mujoco.mj_forward(model, data)
    spec = mujoco.mjtState.mjSTATE_FULLPHYSICS
    state0 = np.empty(mujoco.mj_stateSize(model, spec))
    mujoco.mj_getState(model, data, state0, spec)

    # Open loop.
    states, _ = mujoco.rollout.rollout(model, data, state0, ctrl[None])
    qadr = 1 + np.arange(model.nq)  # FULLPHYSICS = [time, qpos, qvel, act, ...]
    qpos_steps = np.concatenate([state0[None, qadr], states[0][:, qadr]], axis=0)
    open_q = qpos_steps[frame_step]
    fall, drift, heading = _outcome(open_q, ref, th)
    survived_open = fall >= frames
    end = max(min(fall, frames) - 1, 0)

    # Assisted.
    assist_q, force_pct, torque = _assisted(model, rm, data, state0, ctrl, ref, frame_step, fps, dt, th)
    a_fall, a_drift, a_heading = _outcome(assist_q, ref, th)
    survived_assist = a_fall >= frames
    mean_pct = float(np.mean(force_pct)) if force_pct.size else 0.0
    contact = _contact_agreement(model, rm, open_q[:max(fall, 1)], ref["contacts"][:max(fall, 1)], th)

    metrics = {
        "simulated_s": duration,
        "open_loop_survived": bool(survived_open),
        "open_loop_survival_s": min(fall, frames - 1) / fps if not survived_open else duration,
        "open_loop_drift_m": float(drift[end]),
        "open_loop_heading_error_deg": float(np.degrees(heading[end])),
        "open_loop_contact_agreement_frac": contact,
        "assisted_survived": bool(survived_assist),
        "assist_force_mean_pct": mean_pct,
        "assist_force_p95_pct": float(np.percentile(force_pct, 95)) if force_pct.size else 0.0,
        "assist_force_max_pct": float(np.max(force_pct)) if force_pct.size else 0.0,
        "assist_torque_mean_nm": float(np.mean(torque)) if torque.size else 0.0,
        "assist_torque_max_nm": float(np.max(torque)) if torque.size else 0.0,
        "assisted_drift_m": float(a_drift[-1]),
        "assisted_heading_error_deg": float(np.degrees(a_heading[-1])),
    }
    ok = survived_open or (survived_assist and mean_pct <= th.assist_force_mean_max_pct)
    if ok:
        reason = ""
    elif not survived_assist:
        reason = (f"falls open loop after {metrics['open_loop_survival_s']:.2f} s and even with the root assist "
                  f"after {min(a_fall, frames - 1) / fps:.2f} s")
    else:
        reason = (f"falls open loop after {metrics['open_loop_survival_s']:.2f} s; staying up needs a root assist "
                  f"of {mean_pct:.1f} % of body weight on average (limit {th.assist_force_mean_max_pct:.1f} %)")
    return [CheckResult("physics_replay", STAGE, ok, metrics, reason)]


def _assisted(model: mujoco.MjModel, rm: RobotModel, data: mujoco.MjData, state0: FloatArray, ctrl: FloatArray,
              ref: dict[str, FloatArray], frame_step: NDArray[np.int64], fps: float, dt: float,
              th: Physics) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Replay with the root PD; qpos at frame times, assist force (% weight) and torque (N m) per step."""
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
    # Reference root state at every step (linear interpolation; quaternions re-normalised).
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
    torque = np.empty(steps)
    err = np.empty(3)
    rot = np.empty(9)
    xfrc = data.xfrc_applied
    for i in range(steps):
        qpos, qvel = data.qpos, data.qvel
        mujoco.mju_subQuat(err, quat_wxyz[i], qpos[3:7])  # body-frame rotation from current to reference
        mujoco.mju_quat2Mat(rot, qpos[3:7])
        r = rot.reshape(3, 3)
        f = kp_f * (pos[i] - qpos[:3]) + kd_f * (lin[i] - qvel[:3])
        tq = kp_t * (r @ err) + kd_t * (ang[i] - r @ qvel[3:6])
        xfrc[body, :3] = f
        xfrc[body, 3:] = tq
        force_pct[i] = 100.0 * np.sqrt(f @ f) / weight
        torque[i] = np.sqrt(tq @ tq)
        data.ctrl[:] = ctrl[i]
        mujoco.mj_step(model, data)
        qpos_steps[i + 1] = data.qpos
    xfrc[body] = 0.0
    return qpos_steps[frame_step], force_pct, torque
