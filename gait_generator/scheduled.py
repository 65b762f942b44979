"""Clips that start, stop, stand and change command: :func:`generate_schedule` and :func:`generate_stand`.

Both plan a timeline that starts and ends at rest, then run the stages of
:func:`gait_generator.generate` on it: the ZMP-corrected whole-body solve
(:func:`gait_generator.corrected_walk.correct_walk`), the clip in its own world
frame (:func:`gait_generator.clip.place_clip`, the whole plan) and the
:class:`motions.Motion` (:func:`gait_generator.assembly.assemble`), with the
per-frame ``command_per_frame`` and ``gait_phase``. The clips do not loop.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from gait_generator.assembly import assemble
from gait_generator.clip import place_clip
from gait_generator.corrected_walk import correct_walk
from gait_generator.errors import CommandError, PlanningError
from gait_generator.pipeline import check_weight_shift, prepared
from gait_generator.placo_adapter import FootstepPlanner, wholebody_ik
from gait_generator.preset import Preset
from gait_generator.schedule import Schedule, load_schedule, read_schedule
from gait_generator.schedule_plan import plan_schedule
from gait_generator.standing import weight_shifts
from gait_generator.timeline import Timeline
from gait_generator.timing import LENGTH_RANGE, StepTiming
from gait_generator.velocity import VelocityCommand, fit_velocity
from gait_generator.walk_plan import WalkPlan
from motions import Command, Motion
from robots import Robot

__all__ = ["generate_schedule", "generate_stand"]


def generate_schedule(robot: str = "mini_biped", preset: str = "medium",
                      schedule: str | os.PathLike[str] | Schedule | Any = None, fps: float = 60,
                      seed: int = 0) -> Motion:
    """Generate one clip that follows a command schedule, from standing to standing.

    The segments are snapped to whole steps and laid out as stands and walking
    runs (:mod:`gait_generator.schedule_plan`); each step uses its segment's
    command, so a change takes effect at the next step.

    Args:
        robot: Registered robot name or robot spec file.
        preset: Preset name of that robot, or a preset YAML file.
        schedule: A schedule file (YAML), a :class:`~gait_generator.schedule.Schedule`,
            or an already-parsed document (a list of segments or ``{segments: [...]}``).
        fps: Frame rate (Hz); frame k lies at exactly t = k / fps.
        seed: Seeds placo's initial-pose solve; the same seed gives the same file.

    Returns:
        The motion (non-looping), in a world frame whose origin is under the root at
        frame 0, heading +x there. ``command`` is zero (the command changes along the
        clip: see ``command_per_frame`` and ``meta["schedule"]``).

    Raises:
        ScheduleError: A malformed schedule (names the file and key).
        CommandError: A segment beyond the preset's step limits, feet too close, or five-joint legs.
        PlanningError: placo fails, IK does not converge, a knee flips, or the ZMP leaves the soles.
    """
    if isinstance(schedule, (str, os.PathLike)):
        schedule = load_schedule(schedule)
    elif not isinstance(schedule, Schedule):
        schedule = read_schedule(schedule)
    walker, walk_preset, timing = prepared(robot, preset, fps, seed)
    check_weight_shift(walker, "a schedule (it starts from standing)")
    ik = wholebody_ik(walker)
    feet = ik.feet_frames()
    fitted = _fitted_steps(walker, walk_preset, timing, schedule, seed, feet)
    ik.reset(walk_preset, seed)  # the fits leave the IK on their last gait cycle
    planned = plan_schedule(FootstepPlanner(walker, walk_preset), feet, walk_preset, timing, schedule, fitted)
    if planned.plan.timeline.frames / timing.fps > LENGTH_RANGE[1]:
        raise CommandError(f"{schedule.source}: the planned clip lasts {planned.plan.timeline.frames / timing.fps:g} "
                           f"s, more than {LENGTH_RANGE[1]:g} s")
    return _solved(walker, walk_preset, timing, planned.plan.timeline, seed, planned.velocities, planned.meta)


def _fitted_steps(robot: Robot, preset: Preset, timing: StepTiming, schedule: Schedule, seed: int,
                  feet: tuple[np.ndarray, np.ndarray]) -> dict[tuple[float, float, float], tuple[float, float, float]]:
    """Per distinct velocity of the schedule, the step whose steady walk achieves it (:func:`fit_velocity`).

    Raises:
        CommandError: A velocity needs a step beyond the preset's limits (the message names the segment).
        PlanningError: A velocity's steady walk cannot be solved (the message names the segment).
    """
    out: dict[tuple[float, float, float], tuple[float, float, float]] = {}
    for i, segment in enumerate(schedule.segments):
        if segment.kind != "velocity" or segment.values is None or tuple(segment.values) in out:
            continue
        try:
            step = fit_velocity(robot, preset, timing, VelocityCommand.checked(segment.values), seed, feet).step
        except (CommandError, PlanningError) as exc:
            raise type(exc)(f"{schedule.where(i)}: {exc}") from None
        out[tuple(segment.values)] = (step.dx, step.dy, step.dtheta)
    return out


def generate_stand(robot: str = "mini_biped", preset: str = "medium", length: float = 10.0, fps: float = 60,
                   seed: int = 0) -> Motion:
    """Generate a standing clip with left-right weight shifts (:mod:`gait_generator.standing`).

    Both feet stay planted; the ZMP moves from one foot to the other and the CoM follows.

    Args:
        robot: Registered robot name or robot spec file.
        preset: Preset name of that robot, or a preset YAML file (its timing and ZMP targets).
        length: Clip length (s); the clip has ``round(length * fps) + 1`` frames.
        fps: Frame rate (Hz). seed: Seeds placo's initial-pose solve.

    Raises:
        CommandError: ``length`` outside :data:`gait_generator.timing.LENGTH_RANGE` or too
            short for one weight shift, or five-joint legs.
        PlanningError: IK does not converge or the ZMP leaves the soles.
    """
    lo, hi = LENGTH_RANGE
    if not (isinstance(length, (int, float)) and lo <= length <= hi):
        raise CommandError(f"length = {length!r} s is outside the allowed range [{lo:g}, {hi:g}]")
    walker, walk_preset, timing = prepared(robot, preset, fps, seed)
    check_weight_shift(walker, "a standing clip with weight shifts")
    timeline = weight_shifts(wholebody_ik(walker).feet_frames(), walk_preset, timing, round(length * timing.fps))
    moves = sum(not np.array_equal(p.zmp_from, p.zmp_to) for p in timeline.phases)  # the last returns to the centre
    return _solved(walker, walk_preset, timing, timeline, seed, np.zeros(3),
                   {"standing": {"weight_shifts": moves - 1, "requested_length": float(length)}})


def _solved(robot: Robot, preset: Preset, timing: StepTiming, timeline: Timeline, seed: int, velocities: np.ndarray,
            meta: dict[str, Any]) -> Motion:
    """Solve, place and assemble a plan that starts and ends at rest; the clip is the whole plan.

    Args:
        robot: The robot, its IK reset to the standing pose the plan starts from.
        preset: The walk preset. timing: Frame-snapped step timing.
        timeline: The plan (planner world frame). seed: Seed of placo's initial-pose solve.
        velocities: ``[vx, vy, wz]`` (m/s, m/s, rad/s) of each commanded step, (n, 3), or one for all, (3,).
        meta: Keys added to the clip's ``meta``.
    """
    plan = WalkPlan(timeline)
    solve = correct_walk(robot, preset, plan)
    length = timeline.frames / timing.fps
    clip = place_clip(plan, solve, timing, length)
    return assemble(robot, preset, timing, clip, Command(dx=0.0, dy=0.0, dtheta=0.0), seed, length, True,
                    velocity=velocities, extra_meta=meta)
