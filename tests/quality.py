"""Quality checks every generated clip must pass (shared by the core and robot tests)."""

from __future__ import annotations

import numpy as np
from scipy.spatial.transform import Rotation

from motions import Motion
from robots import Robot

SLIP_TOL = 1e-4  # m per stance
FLOOR_TOL = 1e-4  # m below the floor
VEL_RMS_TOL = 0.02  # relative RMS
HERMITE_RMS_TOL = 0.005  # relative RMS of the Hermite step prediction (exact rates: IK round-off only)
HERMITE_RMS_TOL_WEIGHTED = 0.01  # five-joint legs: their large, frame-wise linear CoM correction leaves kinks


def stance_runs(contact: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) frame ranges where ``contact`` is True."""
    edges = np.flatnonzero(np.diff(np.r_[0, contact.astype(int), 0]))
    return list(zip(edges[::2], edges[1::2]))


def max_slip(motion: Motion) -> float:
    """Largest horizontal move of a sole while it is flagged in contact (m)."""
    worst = 0.0
    for col, feet in ((0, motion.left_foot_pos), (1, motion.right_foot_pos)):
        for a, b in stance_runs(motion.contacts[:, col]):
            worst = max(worst, float(np.abs(feet[a:b, :2] - feet[a, :2]).max()))
    return worst


def central(x: np.ndarray, fps: float) -> np.ndarray:
    return (x[2:] - x[:-2]) * fps / 2.0


def rel_rms(v: np.ndarray, ref: np.ndarray, floor: float = 1e-9) -> float:
    """RMS of ``v - ref`` relative to the RMS of ``ref`` (at least ``floor``)."""
    return float(np.sqrt(np.mean((v - ref) ** 2)) / max(np.sqrt(np.mean(ref**2)), floor))


def angular_from_quats(q: np.ndarray, fps: float) -> np.ndarray:
    r = Rotation.from_quat(q)  # scipy is xyzw
    return (r[2:] * r[:-2].inv()).as_rotvec() * fps / 2.0


def check_clip(motion: Motion, robot: Robot, step_duration: float | None = None) -> None:
    """Assert every quality property; raises AssertionError with the failing metric."""
    fps = motion.fps
    # Stance feet do not slip; soles stay above the floor. Five-joint legs slide a planted sole
    # while the trunk rolls in double support: the hips' spacing shrinks by 2 hip_y (1 - cos roll).
    tol = SLIP_TOL
    if motion.meta["ik"].startswith("weighted"):
        hip_y = motion.meta["preset_parameters"]["feet_spacing"] / 2
        tol += 2 * hip_y * (1 - np.cos(np.radians(motion.meta["trunk_roll_max_deg"])))
    assert max_slip(motion) <= tol, f"stance slip {max_slip(motion):.2e} m (limit {tol:.2e} m)"
    assert abs(motion.meta["stance_slip_max_m"] - max_slip(motion)) < 1e-12
    lowest = min(motion.left_foot_pos[:, 2].min(), motion.right_foot_pos[:, 2].min())
    assert lowest >= -FLOOR_TOL, f"sole {lowest:.2e} m below the floor"
    # Knees bend the declared way on every frame.
    for knee, sign in zip(robot.spec.knees, robot.spec.knee_signs):
        assert np.all(motion.joint(knee) * sign > 0), f"{knee} flips"
    # Joint limits.
    for name in motion.joint_names:
        lo, hi = robot.joint_limits(name)
        q = motion.joint(name)
        assert q.min() >= lo - 1e-9 and q.max() <= hi + 1e-9, f"{name} outside [{lo}, {hi}]"
    # Frame k at exactly k / fps; contact switches and footsteps on whole frames.
    assert np.array_equal(motion.times, np.arange(motion.num_frames) / fps)
    for t in np.r_[motion.footsteps.t_start, motion.footsteps.t_end]:
        assert abs(t * fps - round(t * fps)) < 1e-6, f"footstep time {t} is not on a frame"
    # Velocities (and accelerations) agree with positions: the motion between two
    # frames equals h/2 (v_k + v_k+1) + h^2/12 (a_k - a_k+1) up to fifth order.
    h = 1.0 / fps
    rot = Rotation.from_quat(motion.root_quat)
    pairs = (
        (np.diff(motion.joint_pos, axis=0), motion.joint_vel, motion.joint_acc),
        (np.diff(motion.root_pos, axis=0), motion.root_lin_vel, motion.root_lin_acc),
        ((rot[1:] * rot[:-1].inv()).as_rotvec(), motion.root_ang_vel, motion.root_ang_acc),
    )
    hermite_tol = HERMITE_RMS_TOL_WEIGHTED if motion.meta["ik"].startswith("weighted") else HERMITE_RMS_TOL
    for moved, vel, acc in pairs:
        predicted = 0.5 * h * (vel[1:] + vel[:-1]) + h * h / 12.0 * (acc[:-1] - acc[1:])
        error = rel_rms(predicted, moved, floor=1e-5)  # 10 um (or urad) per frame: a still quantity
        assert error <= hermite_tol, f"velocities off the positions: {error:.2e} relative RMS"
    if motion.loop.looping:  # a walking first frame moves; a clip from standing starts exactly at rest
        assert np.abs(motion.root_lin_vel[0]).max() > 0 or np.abs(motion.root_pos[1] - motion.root_pos[0]).max() == 0
    # Quaternion signs continuous.
    assert np.all(np.sum(motion.root_quat[1:] * motion.root_quat[:-1], axis=1) > 0)
    # Achieved velocity matches the command.
    if step_duration is not None:
        c, a = motion.command, motion.achieved
        if c.dtheta == 0.0:
            for want, got in ((c.dx, a.vx), (c.dy, a.vy)):
                if want != 0.0:
                    assert abs(got - want / step_duration) <= 0.03 * abs(want / step_duration), (want, got)
        else:
            want = c.dtheta / step_duration
            assert abs(a.yaw_rate - want) <= 0.03 * abs(want), (want, a.yaw_rate)
    if motion.loop.looping:
        check_seamless(motion)


def check_seamless(motion: Motion) -> None:
    """The jump from the last frame to the offset first frame is no larger than a normal step."""
    loop = motion.loop
    n = loop.num_cycles
    nxt_pos = loop.transform_positions(motion.root_pos[:1], n)[0]
    steps = np.linalg.norm(np.diff(motion.root_pos, axis=0), axis=1)
    seam = np.linalg.norm(nxt_pos - motion.root_pos[-1])
    assert seam <= steps.max() * 1.0001 + 1e-9, f"root seam {seam} > step {steps.max()}"
    jsteps = np.abs(np.diff(motion.joint_pos, axis=0)).max(axis=0)
    jseam = np.abs(motion.joint_pos[0] - motion.joint_pos[-1])
    assert np.all(jseam <= jsteps * 1.0001 + 1e-9), "joint seam larger than a normal frame step"
    for feet in (motion.left_foot_pos, motion.right_foot_pos):
        fsteps = np.linalg.norm(np.diff(feet, axis=0), axis=1)
        fseam = np.linalg.norm(loop.transform_positions(feet[:1], n)[0] - feet[-1])
        assert fseam <= fsteps.max() * 1.0001 + 1e-9
    nxt_q = loop.transform_quats(motion.root_quat[:1], n)[0]
    qsteps = Rotation.from_quat(motion.root_quat[1:]) * Rotation.from_quat(motion.root_quat[:-1]).inv()
    qseam = Rotation.from_quat(nxt_q) * Rotation.from_quat(motion.root_quat[-1]).inv()
    assert qseam.magnitude() <= qsteps.magnitude().max() * 1.0001 + 1e-9
