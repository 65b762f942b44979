"""Velocity commands: the per-step command whose clip achieves a body-frame velocity.

A policy is commanded in body velocities ``(vx, vy, wz)`` (m/s, m/s, rad/s,
heading frame), the planner in steps ``(dx, dy, dtheta)`` per step. The naive
conversion ``d = v T`` (``T`` the step duration) is off: a turning walk's steps
are applied in each support foot's frame, so the walk drifts sideways, and the
trunk does not move exactly like the feet. Here the step is chosen so that the
clip's **achieved** mean velocity, measured as :attr:`motions.Motion.achieved`
measures it (the root velocity averaged in the root's heading frame; the yaw
rate of the loop), equals the command:

1. ``dtheta = wz T`` exactly: a gait cycle of two steps turns by ``2 dtheta`` in
   ``2 T``.
2. Planner model: ``(dx, dy)`` such that the cycle displacement of the planned
   footholds (placo's footstep rule), seen as a constant body twist over the
   cycle (the SE(2) logarithm over the cycle time), is ``(vx, vy, wz)`` minus a
   bias (:func:`planner_step`, a 2-D Newton solve; microseconds).
3. The gait cycle is solved (whole body, ZMP corrected) and its achieved mean
   velocity measured; the bias becomes the measured minus the modelled
   velocity, and step 2 and 3 repeat until the achieved velocity is within
   :data:`FIT_TOLERANCE` of the command (two or three solves).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from gait_generator.corrected_walk import CorrectedWalk, correct_walk
from gait_generator.errors import CommandError, PlanningError
from gait_generator.placo_adapter import FootstepPlanner, wholebody_ik
from gait_generator.preset import Preset
from gait_generator.timing import StepTiming
from gait_generator.walk_plan import WalkPlan, plan_walk
from motions import Command
from motions.loop import Loop
from motions.planar import Planar
from motions.velocities import achieved_velocity
from robots import Robot

__all__ = [
    "FIT_TOLERANCE",
    "VELOCITY_LIMIT",
    "VelocityCommand",
    "VelocityFit",
    "cycle_velocity",
    "fit_velocity",
    "planner_step",
    "planner_velocity",
    "velocity_tolerance",
]

FloatArray = NDArray[np.float64]

VELOCITY_LIMIT = 10.0
"""Largest ``|vx|``, ``|vy|`` (m/s) or ``|wz|`` (rad/s) accepted from any source (a larger one is a mistake)."""

FIT_TOLERANCE = (2e-4, 2e-4)
"""The fit stops once ``|achieved - command|`` of ``vx`` and ``vy`` are within these (m/s); ``wz`` is exact."""

MAX_SOLVES = 6
"""Most whole-body solves of one fit (two or three are the rule)."""


@dataclass(frozen=True)
class VelocityCommand:
    """A body-frame velocity command.

    Attributes:
        vx: Forward velocity (m/s), heading frame.
        vy: Lateral velocity (m/s), left positive.
        wz: Yaw rate (rad/s), counter-clockwise positive.
    """

    vx: float
    vy: float
    wz: float

    @classmethod
    def checked(cls, values: object, where: str = "velocity") -> VelocityCommand:
        """``values`` = ``(vx, vy, wz)`` checked: three finite numbers within :data:`VELOCITY_LIMIT`.

        Raises:
            CommandError: Not three numbers, or one is not finite or beyond the limit.
        """
        if isinstance(values, (str, bytes)) or not hasattr(values, "__len__") or len(values) != 3:  # type: ignore[arg-type]
            raise CommandError(f"{where} = {values!r}: expected three numbers (vx m/s, vy m/s, wz rad/s)")
        out = []
        for key, value in zip(("vx", "vy", "wz"), values):  # type: ignore[call-overload]
            if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
                raise CommandError(f"{where}: {key} = {value!r} is not a number")
            if not (math.isfinite(value) and abs(value) <= VELOCITY_LIMIT):
                unit = "rad/s" if key == "wz" else "m/s"
                raise CommandError(f"{where}: {key} = {value!r} {unit} is not a finite number within "
                                   f"+-{VELOCITY_LIMIT:g}")
            out.append(float(value) + 0.0)
        return cls(*out)

    def as_tuple(self) -> tuple[float, float, float]:
        """``(vx, vy, wz)``."""
        return (self.vx, self.vy, self.wz)


def velocity_tolerance(command: VelocityCommand) -> tuple[float, float, float]:
    """The accuracy a clip's achieved velocity must have: 2 % per axis, at least 5 mm/s and 0.01 rad/s."""
    return (max(0.02 * abs(command.vx), 0.005), max(0.02 * abs(command.vy), 0.005), max(0.02 * abs(command.wz), 0.01))


def _log(pose: Planar) -> FloatArray:
    """The constant twist ``(vx, vy, wz)`` (per unit time) whose exponential over time 1 is ``pose``."""
    theta = float(pose.yaw)
    if abs(theta) < 1e-6:
        a, b = 1.0 - theta * theta / 6.0, theta / 2.0
    else:
        a, b = math.sin(theta) / theta, (1.0 - math.cos(theta)) / theta
    # pose.translation = V (vx, vy) with V = [[a, -b], [b, a]]
    det = a * a + b * b
    x, y = float(pose.x), float(pose.y)
    return np.array([(a * x + b * y) / det, (-b * x + a * y) / det, theta])


def planner_velocity(planner: FootstepPlanner, preset: Preset, timing: StepTiming, dx: float, dy: float,
                     dtheta: float) -> FloatArray:
    """The planner model of a step command's velocity: the gait cycle's foothold displacement as a constant twist.

    Returns:
        ``(vx, vy, wz)`` (m/s, m/s, rad/s) in the frame midway between the standing feet.
    """
    right = Planar(0.0, -preset.feet_spacing / 2.0, 0.0).pose()
    left = planner.next_footstep("right", right, dx, dy, dtheta)
    again = planner.next_footstep("left", left, dx, dy, dtheta)
    cycle = Planar.from_matrix(again @ np.linalg.inv(right))
    return _log(cycle) * timing.fps / timing.cycle_frames


def planner_step(planner: FootstepPlanner, preset: Preset, timing: StepTiming, target: FloatArray) -> Command:
    """The step command whose :func:`planner_velocity` is ``target`` (Newton on ``dx, dy``; ``dtheta = wz T``).

    Args:
        target: ``(vx, vy, wz)`` (m/s, m/s, rad/s).
    """
    step_time = timing.step_duration
    dtheta = float(target[2]) * step_time + 0.0
    d = np.asarray(target[:2], dtype=float) * step_time
    h = 1e-6
    for _ in range(20):
        v = planner_velocity(planner, preset, timing, d[0], d[1], dtheta)[:2]
        residual = v - target[:2]
        if np.abs(residual).max() < 1e-12:
            break
        jac = np.column_stack([
            (planner_velocity(planner, preset, timing, d[0] + h, d[1], dtheta)[:2] - v) / h,
            (planner_velocity(planner, preset, timing, d[0], d[1] + h, dtheta)[:2] - v) / h,
        ])
        d = d - np.linalg.solve(jac, residual)
    return Command(dx=float(d[0]) + 0.0, dy=float(d[1]) + 0.0, dtheta=dtheta)


def cycle_velocity(plan: WalkPlan, solve: CorrectedWalk, timing: StepTiming) -> FloatArray:
    """Achieved mean ``(vx, vy, wz)`` of one solved gait cycle, measured as :attr:`motions.Motion.achieved` is.

    The root velocity is averaged in the root's heading frame over frames
    ``0 .. C - 1``; a looping clip tiles this cycle, rotating velocities and
    headings together, so the clip's mean is the same.
    """
    n = timing.cycle_frames
    assert plan.cycle_offset is not None, "a gait cycle's plan"
    offset = Planar.from_matrix(plan.cycle_offset)
    loop = Loop(looping=True, cycle_frames=n, num_cycles=1, cycle_offset_pos=np.r_[offset.translation, 0.0],
                cycle_offset_yaw=float(offset.yaw))
    a = achieved_velocity(solve.frames.root_quat[:n], solve.frames.root_lin_vel[:n], loop, timing.fps)
    return np.array([a.vx, a.vy, a.yaw_rate])


@dataclass(frozen=True)
class VelocityFit:
    """The step command fitted to a velocity command, with the last solve of its gait cycle.

    Attributes:
        command: The velocity command.
        step: The per-step command chosen.
        achieved: The gait cycle's achieved mean ``(vx, vy, wz)`` with that step.
        solves: Whole-body solves the fit took.
        plan: The steady-cycle plan of ``step``.
        solve: Its whole-body solve (reusable by a looping clip).
    """

    command: VelocityCommand
    step: Command
    achieved: FloatArray
    solves: int
    plan: WalkPlan
    solve: CorrectedWalk

    @property
    def error(self) -> FloatArray:
        """``achieved - command`` per axis (m/s, m/s, rad/s)."""
        return self.achieved - np.array(self.command.as_tuple())

    def meta(self) -> dict[str, object]:
        """What a motion file records about the fit."""
        return {"velocity_command": {"vx": self.command.vx, "vy": self.command.vy, "wz": self.command.wz},
                "velocity_fit_solves": self.solves,
                "velocity_fit_error": {"vx": float(self.error[0]), "vy": float(self.error[1]),
                                       "wz": float(self.error[2])}}


def fit_velocity(robot: Robot, preset: Preset, timing: StepTiming, command: VelocityCommand, seed: int,
                 feet: tuple[FloatArray, FloatArray]) -> VelocityFit:
    """Choose the per-step command whose steady gait cycle achieves ``command`` (see the module docstring).

    Args:
        robot: The robot. preset: The walk preset. timing: Frame-snapped step timing.
        command: The velocity command.
        seed: Seed of placo's initial-pose solve (the IK is reset with it before each solve).
        feet: Left and right standing sole poses (4x4, planner world frame).

    Raises:
        CommandError: The step the command needs is beyond the preset's step limits.
        PlanningError: A solve fails, or the fit does not reach the tolerance of
            :func:`velocity_tolerance` in :data:`MAX_SOLVES` solves.
    """
    planner = FootstepPlanner(robot, preset)
    target = np.array(command.as_tuple())
    bias = np.zeros(3)
    ik = wholebody_ik(robot)
    last: tuple[Command, FloatArray, WalkPlan, CorrectedWalk] | None = None
    for solves in range(1, MAX_SOLVES + 1):
        step = planner_step(planner, preset, timing, target - bias)
        try:
            preset.check_command(step.dx, step.dy, step.dtheta)
        except CommandError as exc:
            raise CommandError(f"velocity ({command.vx:g} m/s, {command.vy:g} m/s, {command.wz:g} rad/s) needs the "
                               f"step ({step.dx:.4f} m, {step.dy:.4f} m, {step.dtheta:.4f} rad): {exc}") from None
        ik.reset(preset, seed)
        plan = plan_walk(planner, feet, preset, timing, step, timing.cycle_frames / timing.fps, False)
        solve = correct_walk(robot, preset, plan)
        achieved = cycle_velocity(plan, solve, timing)
        last = (step, achieved, plan, solve)
        if np.all(np.abs(achieved[:2] - target[:2]) <= FIT_TOLERANCE):
            break
        model = planner_velocity(planner, preset, timing, step.dx, step.dy, step.dtheta)
        bias = np.r_[achieved[:2] - model[:2], 0.0]
    assert last is not None
    step, achieved, plan, solve = last
    fit = VelocityFit(command, step, achieved, solves, plan, solve)
    tolerance = velocity_tolerance(command)
    if np.any(np.abs(fit.error) > tolerance):
        raise PlanningError(
            f"velocity ({command.vx:g}, {command.vy:g}, {command.wz:g}): the closest step "
            f"({step.dx:.4f}, {step.dy:.4f}, {step.dtheta:.4f}) achieves ({achieved[0]:.4f}, {achieved[1]:.4f}, "
            f"{achieved[2]:.4f}) after {solves} solves, beyond the tolerance {tolerance}")
    return fit
