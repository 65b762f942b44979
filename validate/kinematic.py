"""Kinematic checks of a motion replayed in MuJoCo (:mod:`validate.trace`).

Each check returns a :class:`~validate.result.CheckResult` whose name is the
reason code reported on failure. Stance is detected from the replayed sole
geometry (lowest sole corner below ``stance_height_max_m`` and vertical sole
speed below ``stance_vertical_speed_max_m_s``), never from contact flags.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from motions import Motion
from motions.derivatives import finite_difference
from motions.rotations import quat_conjugate, quat_multiply, quat_to_expmap
from validate.result import CheckResult
from validate.thresholds import Kinematic
from validate.trace import RobotModel, Trace, joint_columns

__all__ = ["kinematic_checks", "runs", "stance_mask"]

STAGE = "kinematic"
FEET = ("left", "right")


def runs(mask: NDArray[np.bool_]) -> list[tuple[int, int]]:
    """``[start, end)`` frame ranges where ``mask`` is True."""
    edges = np.flatnonzero(np.diff(np.r_[0, mask.astype(np.int8), 0]))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist()))


def _derivative(x: NDArray[np.float64], fps: float) -> NDArray[np.float64]:
    return finite_difference(x, fps) if x.shape[0] >= 3 else np.zeros_like(x)


def stance_mask(trace: Trace, fps: float, th: Kinematic) -> NDArray[np.bool_]:
    """(T, 2) stance of each foot from the replayed soles: low and not moving vertically."""
    low = trace.corners[..., 2].min(axis=2) <= th.stance_height_max_m
    vz = np.abs(_derivative(trace.feet_pos[..., 2], fps))
    return low & (vz <= th.stance_vertical_speed_max_m_s)


def _check(name: str, passed: bool, metrics: dict, reason: str) -> CheckResult:
    return CheckResult(name, STAGE, bool(passed), metrics, "" if passed else reason)


def _t(motion: Motion, k: int) -> str:
    return f"frame {k} (t = {k / motion.fps:.3f} s)"


def kinematic_checks(motion: Motion, rm: RobotModel, trace: Trace, th: Kinematic) -> list[CheckResult]:
    """Run every kinematic check; see ``validate/thresholds.yaml`` for the thresholds."""
    robot = rm.robot
    out: list[CheckResult] = []
    fps = motion.fps

    # Sole penetration: sole corners and foot collision geoms.
    depth = np.maximum(-trace.corners[..., 2].min(axis=2), trace.foot_floor_depth)  # (T, 2)
    k, f = np.unravel_index(int(np.argmax(depth)), depth.shape)
    worst = float(depth[k, f])
    out.append(_check("sole_penetration", worst <= th.sole_penetration_max_m,
                      {"sole_penetration_max_m": worst, "frame": int(k)},
                      f"{FEET[f]} sole {worst * 1e3:.1f} mm below the floor at {_t(motion, k)} "
                      f"(limit {th.sole_penetration_max_m * 1e3:.1f} mm)"))

    k = int(np.argmax(trace.body_floor_depth))
    worst = float(trace.body_floor_depth[k])
    out.append(_check("body_floor_contact", worst <= th.body_floor_penetration_max_m,
                      {"body_floor_penetration_max_m": worst, "frame": k},
                      f"a non-foot body is {worst * 1e3:.1f} mm into the floor at {_t(motion, k)}"))

    k = int(np.argmax(trace.self_depth))
    worst = float(trace.self_depth[k])
    out.append(_check("self_collision", worst <= th.self_collision_depth_max_m,
                      {"self_collision_depth_max_m": worst, "frame": k, "bodies": trace.self_pair[k]},
                      f"bodies {trace.self_pair[k]} interpenetrate by {worst * 1e3:.1f} mm at {_t(motion, k)} "
                      f"(limit {th.self_collision_depth_max_m * 1e3:.1f} mm)"))

    # Joint position and velocity limits (URDF), in robot joint order.
    cols = joint_columns(motion, robot)
    q = motion.joint_pos[:, cols]
    lower = np.array([robot.joint_limits(n)[0] for n in robot.joint_names])
    upper = np.array([robot.joint_limits(n)[1] for n in robot.joint_names])
    limited = np.array([robot.info.joints[n].type != "continuous" for n in robot.joint_names])
    excess = np.where(limited, np.maximum(lower - q, q - upper), -np.inf)
    k, j = np.unravel_index(int(np.argmax(excess)), excess.shape)
    worst = float(max(excess[k, j], 0.0))
    name = robot.joint_names[j]
    out.append(_check("joint_limit", worst <= th.joint_limit_tolerance_rad,
                      {"joint_limit_excess_max_rad": worst, "joint": name, "frame": int(k)},
                      f"{name} = {q[k, j]:.3f} rad at {_t(motion, k)} is {worst:.3f} rad outside "
                      f"[{lower[j]:.3f}, {upper[j]:.3f}]"))

    vlim = np.array([robot.info.joints[n].velocity for n in robot.joint_names])
    vlim = np.where(vlim > 0, vlim, np.inf)
    speed = np.maximum(np.abs(motion.joint_vel[:, cols]), np.abs(_derivative(q, fps)))
    frac = speed / vlim
    k, j = np.unravel_index(int(np.argmax(frac)), frac.shape)
    worst = float(frac[k, j])
    name = robot.joint_names[j]
    out.append(_check("joint_velocity_limit", worst <= th.joint_velocity_limit_frac,
                      {"joint_velocity_max_frac": worst, "joint": name, "frame": int(k)},
                      f"{name} moves at {speed[k, j]:.2f} rad/s at {_t(motion, k)}, "
                      f"{worst:.2f} x its URDF limit {vlim[j]:.2f} rad/s"))

    # Knee direction.
    bends = np.stack([motion.joint(kn) * sign for kn, sign in zip(robot.spec.knees, robot.spec.knee_signs)], axis=1)
    k, i = np.unravel_index(int(np.argmin(bends)), bends.shape)
    bad = int(np.count_nonzero((bends <= th.knee_bend_min_rad).any(axis=1)))
    out.append(_check("knee_direction", bad == 0,
                      {"knee_bend_min_rad": float(bends[k, i]), "flipped_frames": bad},
                      f"{robot.spec.knees[i]} bends the wrong way on {bad} frames "
                      f"(angle x bend_sign = {bends[k, i]:.3f} rad at {_t(motion, k)})"))

    # Stance slip and swing clearance from the replayed soles.
    stance = stance_mask(trace, fps, th)
    slip, slip_at, slip_foot = 0.0, 0, 0
    clearance, clear_at, clear_foot, swings = np.inf, 0, 0, 0
    for f in (0, 1):
        xy = trace.feet_pos[:, f, :2]
        for a, b in runs(stance[:, f]):
            d = np.linalg.norm(xy[a:b] - xy[a], axis=1)
            i = int(np.argmax(d))
            if d[i] > slip:
                slip, slip_at, slip_foot = float(d[i]), a + i, f
        for a, b in runs(~stance[:, f]):
            if a == 0 or b == motion.num_frames:
                continue  # a swing cut by the clip's ends
            swings += 1
            peak = float(trace.feet_pos[a:b, f, 2].max())
            if peak < clearance:
                clearance, clear_at, clear_foot = peak, a, f
    out.append(_check("stance_slip", slip <= th.stance_slip_max_m,
                      {"stance_slip_max_m": slip, "frame": slip_at},
                      f"{FEET[slip_foot]} stance foot slides {slip * 1e3:.1f} mm by {_t(motion, slip_at)} "
                      f"(limit {th.stance_slip_max_m * 1e3:.1f} mm)"))
    clearance_value = clearance if swings else None
    out.append(_check("swing_clearance", swings == 0 or clearance >= th.swing_clearance_min_m,
                      {"swing_clearance_min_m": clearance_value, "swings": swings},
                      f"{FEET[clear_foot]} swing from {_t(motion, clear_at)} lifts only {clearance * 1e3:.1f} mm "
                      f"(minimum {th.swing_clearance_min_m * 1e3:.1f} mm)"))

    # Root rotation continuity and translation teleports.
    dt = 1.0 / fps
    quat = motion.root_quat
    if motion.num_frames >= 2:
        dots = np.sum(quat[1:] * quat[:-1], axis=1)
        rot = quat_to_expmap(quat_multiply(quat[1:], quat_conjugate(quat[:-1])))  # world-frame rotation per frame
        step = np.linalg.norm(rot, axis=1)
        omega = motion.root_ang_vel
        jump = np.linalg.norm(rot - 0.5 * (omega[1:] + omega[:-1]) * dt, axis=1)
        k_step, k_jump = int(np.argmax(step)), int(np.argmax(jump))
        flips = int(np.count_nonzero(dots < 0))
        ok = flips == 0 and step[k_step] <= th.root_rotation_step_max_rad and jump[k_jump] <= th.root_rotation_jump_max_rad
        why = (f"{flips} quaternion sign flips" if flips else
               f"root turns {step[k_step]:.3f} rad in one frame at {_t(motion, k_step)}"
               if step[k_step] > th.root_rotation_step_max_rad else
               f"root rotation jumps {jump[k_jump]:.3f} rad beyond its angular velocity at {_t(motion, k_jump)}")
        out.append(_check("quat_continuity", ok,
                          {"root_rotation_step_max_rad": float(step[k_step]),
                           "root_rotation_jump_max_rad": float(jump[k_jump]), "sign_flips": flips}, why))
        disp = np.diff(motion.root_pos, axis=0)
        pred = 0.5 * (motion.root_lin_vel[1:] + motion.root_lin_vel[:-1]) * dt
        err = np.linalg.norm(disp - pred, axis=1)
        k = int(np.argmax(err))
        out.append(_check("root_teleport", err[k] <= th.root_teleport_max_m,
                          {"root_teleport_max_m": float(err[k]), "frame": k + 1},
                          f"root jumps {np.linalg.norm(disp[k]) * 1e3:.1f} mm between frames {k} and {k + 1} "
                          f"where its velocity predicts {np.linalg.norm(pred[k]) * 1e3:.1f} mm "
                          f"(mismatch {err[k] * 1e3:.1f} mm, limit {th.root_teleport_max_m * 1e3:.1f} mm)"))

    # Stored data vs MuJoCo.
    stored = np.stack([motion.left_foot_pos, motion.right_foot_pos], axis=1)
    err = np.linalg.norm(stored - trace.feet_pos, axis=2)
    k, f = np.unravel_index(int(np.argmax(err)), err.shape)
    out.append(_check("feet_agreement", err[k, f] <= th.feet_agreement_max_m,
                      {"feet_error_max_m": float(err[k, f]), "frame": int(k)},
                      f"stored {FEET[f]}_foot_pos is {err[k, f] * 1e3:.1f} mm from MuJoCo's {FEET[f]}_foot site "
                      f"at {_t(motion, k)}"))
    err = np.linalg.norm(motion.com_pos - trace.com, axis=1)
    k = int(np.argmax(err))
    out.append(_check("com_agreement", err[k] <= th.com_agreement_max_m,
                      {"com_error_max_m": float(err[k]), "frame": k},
                      f"stored com_pos is {err[k] * 1e3:.1f} mm from MuJoCo's centre of mass at {_t(motion, k)}"))

    # Contact flags: on exactly on the frames where that sole touches the floor, no tolerance window.
    touching = trace.corners[..., 2].min(axis=2) <= th.contact_height_max_m
    mismatch = motion.contacts != touching
    frac = float(mismatch.mean()) if mismatch.size else 0.0
    where = np.argwhere(mismatch)
    if len(where):
        k, f = int(where[0, 0]), int(where[0, 1])
        height = float(trace.corners[k, f, :, 2].min())
        first = (f" first at {_t(motion, k)}: {FEET[f]} flag {'on' if motion.contacts[k, f] else 'off'}, "
                 f"sole {height * 1e3:.2f} mm above the floor")
    else:
        first = ""
    out.append(_check("contact_agreement", frac <= th.contact_mismatch_max_frac,
                      {"contact_mismatch_frac": frac, "contact_mismatch_frames": int(mismatch.any(axis=1).sum())},
                      f"stored contacts disagree with the soles' floor contact on {frac:.1%} of foot-frames{first}"))

    out.append(_fps_check(motion, th))
    return out


def _fps_check(motion: Motion, th: Kinematic) -> CheckResult:
    """Stored velocities (and accelerations) vs the displacement between consecutive frames at the stored fps.

    Over one frame ``h`` the displacement is ``h/2 (v_k + v_k+1) + h^2/12 (a_k - a_k+1)`` to
    fifth order (Hermite); without stored accelerations the trapezoid term alone
    (third order). A wrong ``fps`` shows as a least-squares ratio far from 1.
    """
    if motion.num_frames < 3:
        return _check("fps_consistency", True, {"velocity_ratio": None}, "")
    fps = motion.fps
    h = 1.0 / fps
    moved = np.concatenate([
        np.diff(motion.root_pos, axis=0),
        quat_to_expmap(quat_multiply(motion.root_quat[1:], quat_conjugate(motion.root_quat[:-1]))),
        np.diff(motion.joint_pos, axis=0),
    ], axis=1)
    vel = np.concatenate([motion.root_lin_vel, motion.root_ang_vel, motion.joint_vel], axis=1)
    predicted = 0.5 * h * (vel[1:] + vel[:-1])
    if motion.has_accelerations:
        acc = np.concatenate([motion.root_lin_acc, motion.root_ang_acc, motion.joint_acc], axis=1)
        predicted += h * h / 12.0 * (acc[:-1] - acc[1:])
    energy = float(np.sum(moved**2))
    if energy < 1e-18:
        ratio, rel = 1.0, float(np.sqrt(np.mean(predicted**2))) * fps
    else:
        ratio = float(np.sum(predicted * moved) / energy)
        rel = float(np.sqrt(np.sum((predicted - moved) ** 2) / energy))
    ok = abs(ratio - 1.0) <= th.fps_velocity_ratio_tolerance and rel <= th.fps_velocity_rms_rel_max
    if abs(ratio - 1.0) > th.fps_velocity_ratio_tolerance and ratio > 0:
        why = (f"stored velocities are {ratio:.2f} x the motion between frames at the stored {fps:g} fps: "
               f"the fps metadata looks wrong (the velocities fit {fps * ratio:.4g} fps)")
    else:
        why = (f"stored velocities predict the motion between frames at {fps:g} fps only to {rel:.1%} RMS "
               f"(limit {th.fps_velocity_rms_rel_max:.0%})")
    return _check("fps_consistency", ok, {"velocity_ratio": ratio, "velocity_rms_rel": rel, "fps": fps}, why)
