"""Stage 4 of :func:`gait_generator.generate`: the :class:`motions.Motion` of a placed clip.

Adds what the file records beyond the frames: the achieved velocity, the
command, the per-frame command and gait phase, and the provenance of the solve (robot, preset, seed, versions,
timing, solver figures) in ``meta``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from gait_generator.clip import Clip
from gait_generator.placo_adapter import PLACO_VERSION, forward_kinematics, wholebody_ik
from gait_generator.preset import Preset
from gait_generator.timing import StepTiming
from gait_generator.velocity import VelocityFit
from gait_generator.version import __version__
from gait_generator.wholebody import WalkFrames
from motions import Command, Motion
from motions.velocities import achieved_velocity
from robots import Robot

__all__ = ["assemble"]


def assemble(robot: Robot, preset: Preset, timing: StepTiming, clip: Clip, command: Command, seed: int,
             length: float, with_start: bool, fit: VelocityFit | None = None, velocity: ArrayLike | None = None,
             extra_meta: dict[str, Any] | None = None) -> Motion:
    """The motion file content of a placed clip, with its achieved velocity, per-frame labels and provenance.

    Args:
        robot: The robot. preset: The walk preset. timing: Frame-snapped step timing.
        clip: The clip in its world frame (:func:`gait_generator.clip.place_clip`).
        command: The walk command it was generated for (per step).
        seed: The seed of placo's initial-pose solve.
        length: The requested length (s), recorded next to the clip's actual length.
        with_start: The clip starts from standing.
        fit: The velocity fit that chose ``command``, if the clip was commanded in velocity.
        velocity: The velocity command ``[vx, vy, wz]`` (m/s, m/s, rad/s, heading frame)
            written in ``command_per_frame`` on every frame of a commanded step: one
            for all steps, shape (3,), or one per commanded step, shape (n, 3). None:
            the command of ``fit``, else the clip's achieved mean velocity.
        extra_meta: Keys added to ``meta`` (e.g. a schedule's segments).
    """
    frames, loop, solve = clip.frames, clip.loop, clip.solve
    total = len(frames.root_pos)
    achieved = achieved_velocity(frames.root_quat, frames.root_lin_vel, loop, timing.fps)
    if velocity is None:
        velocity = fit.command.as_tuple() if fit is not None else (achieved.vx, achieved.vy, achieved.yaw_rate)
    meta = {
        "robot": robot.name,
        "robot_spec": str(robot.spec.path.name),
        "preset": preset.name,
        "preset_parameters": preset.parameters(),
        "seed": int(seed),
        "generator": "gait_generator",
        "generator_version": __version__,
        "placo_version": PLACO_VERSION,
        "timing": timing.as_dict(preset),
        "with_start": bool(with_start),
        "requested_length": float(length),
        "length": total / timing.fps if loop.looping else (total - 1) / timing.fps,
        "zmp_correction_iterations": frames.zmp_iterations,
        "multibody_zmp_error_max": frames.zmp_error,
        "com_correction_max": frames.correction_max,
        "ik": "weighted (five-joint legs)" if wholebody_ik(robot).weighted else "exact",
        "trunk_roll_max_deg": math.degrees(frames.trunk_roll_max),
        "trunk_yaw_offset_max_deg": math.degrees(frames.trunk_yaw_max),
        "stance_slip_max_m": _stance_slip(frames),
        "start_frames": 0 if loop.looping else timing.startend_frames,
        "ik_frames_solved": solve.solved_frames,
        "ik_iterations_per_frame": solve.iterations_per_frame,
        "zmp_support_margin_min": solve.support_margin,
    }
    if wholebody_ik(robot).weighted:
        meta["planted_sole_tilt_max_deg"] = _planted_tilt(robot, solve.frames)
    if fit is not None:
        meta.update(fit.meta())
    if solve.loop_closure is not None:
        meta["loop_closure_joint_error"] = solve.loop_closure
    else:
        meta["weight_shift_bumps"] = solve.frames.bump_sizes.tolist()
    meta.update(extra_meta or {})
    return Motion(
        fps=timing.fps,
        joint_names=robot.joint_names,
        root_pos=frames.root_pos,
        root_quat=frames.root_quat,
        joint_pos=frames.joints,
        joint_vel=frames.joint_vel,
        root_lin_vel=frames.root_lin_vel,
        root_ang_vel=frames.root_ang_vel,
        left_foot_pos=frames.left,
        right_foot_pos=frames.right,
        contacts=frames.contacts,
        com_pos=frames.com,
        zmp=frames.zmp,
        footsteps=clip.footsteps,
        command=command,
        achieved=achieved,
        loop=loop,
        meta=meta,
        joint_acc=frames.joint_acc,
        root_lin_acc=frames.root_lin_acc,
        root_ang_acc=frames.root_ang_acc,
        command_per_frame=clip.labels.commands(velocity),
        gait_phase=clip.labels.phase,
    )


def _planted_tilt(robot: Robot, frames: WalkFrames) -> float:
    """Largest tilt of a sole on the floor (deg): five-joint legs rest a sole on its lowest edge instead of flat."""
    poses = forward_kinematics(robot, frames.root_pos, frames.root_quat, frames.joints)
    worst = 0.0
    for side, soles in enumerate((poses.left, poses.right)):
        planted = frames.contacts[:, side]
        if planted.any():
            worst = max(worst, float(np.degrees(np.arccos(np.clip(soles[planted, 2, 2], -1.0, 1.0))).max()))
    return worst


def _stance_slip(frames: WalkFrames) -> float:
    """Largest horizontal move of a sole within one run of frames flagged in contact (m).

    Zero to round-off: six-joint legs meet their sole targets exactly, and five-joint
    legs are placed onto them last (:func:`gait_generator.newton.place_soles`).
    """
    worst = 0.0
    for side, feet in enumerate((frames.left, frames.right)):
        edges = np.flatnonzero(np.diff(np.r_[0, frames.contacts[:, side].astype(int), 0]))
        for first, stop in zip(edges[::2], edges[1::2]):
            worst = max(worst, float(np.abs(feet[first:stop, :2] - feet[first, :2]).max()))
    return worst
