"""The public entry point: a walk command and a preset in, a :class:`motions.Motion` out.

:func:`generate` checks the request, then runs four stages, each with a typed result:

1. the support timeline, footholds and phases (:func:`gait_generator.walk_plan.plan_walk`);
2. the whole-body solve with the whole-body ZMP on the plan, checked against the
   soles and, for a gait cycle, for closure (:func:`gait_generator.corrected_walk.correct_walk`);
3. the clip in its own world frame, tiled over whole cycles or cut to length,
   with its footsteps (:func:`gait_generator.clip.place_clip`);
4. assembly of the :class:`motions.Motion` (:func:`gait_generator.assembly.assemble`).
"""

from __future__ import annotations

import math

import numpy as np

from gait_generator.assembly import assemble
from gait_generator.clip import place_clip
from gait_generator.corrected_walk import correct_walk
from gait_generator.errors import CommandError, PresetError
from gait_generator.placo_adapter import FootstepPlanner, wholebody_ik
from gait_generator.preset import Preset, resolve_preset
from gait_generator.timing import LENGTH_RANGE, StepTiming, snap_timing
from gait_generator.velocity import VelocityCommand, fit_velocity
from gait_generator.walk_plan import plan_walk
from motions import Command, Motion
from robots import Robot, load_robot
from robots.soles import polygon_distance, sole_polygons

__all__ = ["check_weight_shift", "generate", "prepared"]


def generate(
    robot: str = "mini_biped",
    preset: str = "medium",
    dx: float = 0.0,
    dy: float = 0.0,
    dtheta: float = 0.0,
    length: float = 10.0,
    fps: float = 60,
    seed: int = 0,
    with_start: bool = False,
    velocity: tuple[float, float, float] | None = None,
) -> Motion:
    """Generate one reference walking clip.

    By default the clip is steady-state walking over whole gait cycles that loops
    seamlessly (frame k + cycle_frames equals frame k moved by the recorded
    per-cycle root offset). With ``with_start`` it starts from standing instead
    and does not loop.

    Velocities and accelerations are exact (analytic, not differenced), and the
    whole-body ZMP (leg momentum included) follows the planned ZMP, which stays
    on the stance sole whenever one foot is in the air.

    Args:
        robot: Registered robot name or robot spec file.
        preset: Preset name of that robot, or a preset YAML file.
        dx: Forward step per step (m), in the robot's heading frame.
        dy: Lateral step per step (m), left positive.
        dtheta: Heading change per step (rad), counter-clockwise positive.
        length: Clip length (s); rounded to whole cycles for looping clips.
        fps: Frame rate (Hz); frame k lies at exactly t = k / fps.
        seed: Seeds placo's initial-pose solve; the same seed gives the same file.
        with_start: Record the start from standing (non-looping clip).
        velocity: Body-frame velocity command ``(vx, vy, wz)`` (m/s, m/s, rad/s, heading
            frame) instead of a step command: the step is chosen so that the clip's
            achieved mean velocity (``motion.achieved``) equals it within 0.2 mm/s
            (:mod:`gait_generator.velocity`; for ``with_start``, the steady walk's).
            The file records both commands. Not combinable with ``dx``/``dy``/``dtheta``.

    Returns:
        The motion, in a world frame whose origin is under the root at frame 0,
        with the root heading along +x at frame 0.

    Raises:
        RobotSpecError: Unknown or invalid robot.
        PresetError: Unknown or invalid preset, or fps not a number in the allowed range.
        CommandError: Command beyond the preset's step limits, bad length, ``velocity``
            given with a step command, or ``with_start`` for five-joint legs.
        PlanningError: placo fails, IK does not converge, or a knee flips.
    """
    walker = load_robot(robot)
    walk_preset = resolve_preset(walker.spec.presets, preset, walker.name)
    wanted = None
    if velocity is not None:
        if (dx, dy, dtheta) != (0.0, 0.0, 0.0):
            raise CommandError(f"give either velocity = {velocity!r} or a step command (dx, dy, dtheta) = "
                               f"({dx!r}, {dy!r}, {dtheta!r}), not both")
        wanted = VelocityCommand.checked(velocity)
    command = _checked_command(walk_preset, dx, dy, dtheta, length)
    _check_zmp_targets(walker, walk_preset)
    timing = snap_timing(walk_preset, fps)
    ik = wholebody_ik(walker)
    ik.reset(walk_preset, seed)
    if with_start:
        check_weight_shift(walker, "with_start")
    feet = ik.feet_frames()
    fit = None
    if wanted is not None:
        fit = fit_velocity(walker, walk_preset, timing, wanted, seed, feet)
        command = fit.step
    if fit is not None and not with_start:
        plan, solve = fit.plan, fit.solve
    else:
        ik.reset(walk_preset, seed)
        plan = plan_walk(FootstepPlanner(walker, walk_preset), feet, walk_preset, timing, command, length, with_start)
        solve = correct_walk(walker, walk_preset, plan)
    clip = place_clip(plan, solve, timing, length)
    return assemble(walker, walk_preset, timing, clip, command, seed, length, with_start, fit)


def check_weight_shift(robot: Robot, what: str) -> None:
    """Refuse a clip that shifts the weight from standing (``what``) for five-joint legs.

    Raises:
        CommandError: The robot's legs have five joints (its whole-body IK is weighted).
    """
    if wholebody_ik(robot).weighted:
        raise CommandError(
            f"robot '{robot.name}': {what} is not available for five-joint legs: with both soles flat the "
            "CoM cannot shift sideways onto one foot from standing (see docs/robots.md, 'Five-joint legs'); "
            "generate looping clips instead")


def prepared(robot: str, preset: str, fps: float, seed: int) -> tuple[Robot, Preset, StepTiming]:
    """The robot, its preset and the step timing of a generation, with the IK reset to the standing pose.

    Raises:
        RobotSpecError: Unknown or invalid robot.
        PresetError: Unknown or invalid preset, a ZMP target too close to the sole's edge, or a bad fps.
    """
    walker = load_robot(robot)
    walk_preset = resolve_preset(walker.spec.presets, preset, walker.name)
    _check_zmp_targets(walker, walk_preset)
    timing = snap_timing(walk_preset, fps)
    wholebody_ik(walker).reset(walk_preset, seed)
    return walker, walk_preset, timing


def _checked_command(preset: Preset, dx: float, dy: float, dtheta: float, length: float) -> Command:
    """The command per step, after checking it against the preset's step limits and the length range.

    Raises:
        CommandError: A step beyond the preset's limits, or ``length`` (s) outside :data:`LENGTH_RANGE`.
    """
    preset.check_command(dx, dy, dtheta)
    lo, hi = LENGTH_RANGE
    if not (isinstance(length, (int, float)) and math.isfinite(length) and lo <= length <= hi):
        raise CommandError(f"length = {length!r} s is outside the allowed range [{lo:g}, {hi:g}]")
    return Command(dx=float(dx), dy=float(dy), dtheta=float(dtheta))


def _check_zmp_targets(robot: Robot, preset: Preset) -> None:
    """Raise :class:`PresetError` if a ZMP target is not ``zmp_margin`` inside the sole's contact polygon."""
    soles = sole_polygons(robot)
    for side in (0, 1):
        target = np.array([[preset.foot_zmp_target_x, preset.foot_zmp_target_y * (1.0 if side == 0 else -1.0)]])
        sole = soles.side(side)
        inside = -float(polygon_distance(target, sole)[0])
        if inside < preset.zmp_margin:
            raise PresetError(
                f"{preset.path}: keys 'foot_zmp_target_x'/'foot_zmp_target_y': the ZMP target "
                f"({target[0, 0]:.4f}, {target[0, 1]:.4f}) m lies {inside * 1e3:.1f} mm inside the "
                f"{'left' if side == 0 else 'right'} sole's contact polygon, less than zmp_margin = "
                f"{preset.zmp_margin * 1e3:.1f} mm (the polygon spans x {sole[:, 0].min():.4f}.."
                f"{sole[:, 0].max():.4f}, y {sole[:, 1].min():.4f}..{sole[:, 1].max():.4f} m)"
            )
