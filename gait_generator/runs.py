"""Footholds and support phases of walks that start and stop: stands, and runs of steps with a per-step command.

A plan is a sequence of blocks. A :class:`Stand` keeps both feet planted with
the ZMP still between them. A :class:`Run` is one walk from standing to
standing, laid out like this:

* the start double support (``startend_frames``, a weight-shift ``bump`` phase)
  moves the ZMP from between the feet onto the right foot;
* one step per command, the left foot first: single support (the other foot
  swings to the foothold of placo's rule, :meth:`FootstepPlanner.next_footstep`,
  with *that step's* command), then double support moving the ZMP onto it;
* placo's closing step (zero command: the feet side by side) and the end double
  support (``startend_frames``, a ``bump`` phase) bringing the ZMP between the feet.

So a command change takes effect at the very next step. Every step is checked
like placo's own plan: a step placo would move (feet too close) is refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from gait_generator.commands import Command3
from gait_generator.cycle import anchor
from gait_generator.errors import CommandError
from gait_generator.placo_adapter import FootstepPlanner
from gait_generator.preset import Preset
from gait_generator.timeline import Foothold, Phase, Timeline
from gait_generator.timing import StepTiming

__all__ = ["PlannedStep", "Run", "RunsPlan", "Stand", "plan_runs", "standing_start"]

FloatArray = NDArray[np.float64]

_NAMES = ("left", "right")
_CLOSING: Command3 = (0.0, 0.0, 0.0)


@dataclass(frozen=True)
class Stand:
    """Both feet planted, the ZMP still between them.

    Attributes:
        frames: Frames of standing (at least 0).
    """

    frames: int


@dataclass(frozen=True)
class Run:
    """One walk from standing to standing.

    Attributes:
        commands: The command of each step, in order (the closing step not included; at least one).
        where: Per step, where its command comes from (e.g. ``"schedule.yaml: segments[2]"``),
            prefixed to a :class:`CommandError` about that step; empty for no prefix.
    """

    commands: tuple[Command3, ...]
    where: tuple[str, ...] = ()


@dataclass(frozen=True)
class PlannedStep:
    """One step of a plan.

    Attributes:
        side: The foot that moves (0 left, 1 right).
        lift: Lift-off frame (the first frame of its single support).
        land: Touchdown frame.
        command: Its command (m, m, rad per step); zero for a closing step.
        closing: The step that brings the feet side by side at the end of a run.
        run: Index of its run in the plan (0-based).
    """

    side: int
    lift: int
    land: int
    command: Command3
    closing: bool
    run: int


@dataclass(frozen=True)
class RunsPlan:
    """A plan of stands and runs.

    Attributes:
        timeline: Footholds and phases (planner world frame), at rest at both ends.
        steps: Every step in order, closing steps included.
    """

    timeline: Timeline
    steps: tuple[PlannedStep, ...]


def plan_runs(planner: FootstepPlanner, feet: tuple[FloatArray, FloatArray], preset: Preset, timing: StepTiming,
              blocks: Sequence[Stand | Run]) -> RunsPlan:
    """The timeline of a sequence of stands and runs, from standing feet.

    Args:
        planner: placo's footstep planner configured for ``preset``.
        feet: Left and right standing sole poses (4x4, planner world frame, flat on the floor).
        preset: The walk preset (ZMP targets, swing apex).
        timing: Frame-snapped step timing.
        blocks: Stands and runs in order; at least one run.

    Raises:
        CommandError: A step placo's planner would move (feet too close); the message
            starts with the step's ``Run.where``.
    """
    s, d, sd = timing.single_support_frames, timing.double_support_frames, timing.startend_frames
    holds: list[list[Foothold]] = [[Foothold(0, feet[0], 0, 0)], [Foothold(1, feet[1], 0, 0)]]
    phases: list[Phase] = []
    steps: list[PlannedStep] = []
    zmp = _centre(holds[0][-1], holds[1][-1])
    k = 0
    for block in blocks:
        if isinstance(block, Stand):
            if block.frames:
                phases.append(Phase(k, k + block.frames, "both", zmp, zmp))
                k += block.frames
            continue
        run = len({step.run for step in steps})
        stance_zmp = anchor(holds[1][-1].pose, 1, preset)  # the right foot carries the first step
        phases.append(Phase(k, k + sd, "both", zmp, stance_zmp, bump=True))
        k += sd
        zmp = stance_zmp
        moving = 0
        commands = [*block.commands, _CLOSING]
        for i, command in enumerate(commands):
            closing = i == len(commands) - 1
            stance = holds[1 - moving][-1]
            try:
                pose = planner.next_footstep(_NAMES[stance.side], stance.pose, *command, check=not closing)
            except CommandError as exc:
                where = block.where[i] if i < len(block.where) else ""
                raise CommandError(f"{where}: {exc}" if where else str(exc)) from None
            last = holds[moving][-1]
            holds[moving][-1] = Foothold(moving, last.pose, last.start, k)  # lift-off at the start of the swing
            landed = Foothold(moving, pose, k + s, k + s)
            holds[moving].append(landed)
            steps.append(PlannedStep(moving, k, k + s, command, closing, run))
            phases.append(Phase(k, k + s, _NAMES[stance.side], zmp, zmp))
            k += s
            if closing:
                centre = _centre(stance, landed)
                phases.append(Phase(k, k + sd, "both", zmp, centre, bump=True))
                k += sd
                zmp = centre
            else:
                nxt = anchor(pose, moving, preset)
                if d:
                    phases.append(Phase(k, k + d, "both", zmp, nxt))
                    k += d
                zmp = nxt
            moving = 1 - moving
    if not steps:
        raise CommandError("a plan of stands only has no steps: use a standing clip instead")
    for side in (0, 1):
        last = holds[side][-1]
        holds[side][-1] = Foothold(side, last.pose, last.start, k)
    timeline = Timeline(timing.fps, k, (tuple(holds[0]), tuple(holds[1])), tuple(phases), preset.foot_height,
                        preset.foot_rise_ratio)
    return RunsPlan(timeline, tuple(steps))


def _centre(a: Foothold, b: Foothold) -> FloatArray:
    """(2,) midpoint of two sole centres (m, world)."""
    return (a.pose[:2, 3] + b.pose[:2, 3]) / 2


def standing_start(planner: FootstepPlanner, feet: tuple[FloatArray, FloatArray], preset: Preset,
                   timing: StepTiming, dx: float, dy: float, dtheta: float, frames: int) -> Timeline:
    """A walk of one command that starts and ends standing, long enough to cover ``frames`` frames of walking.

    One :class:`Run` of placo's plan: the start double support shifts the weight
    onto the first stance foot; the closing step and the end double support
    bring the robot back to rest about a second after ``frames``. ``planner`` and
    ``feet`` as in :func:`plan_runs`.

    Raises:
        CommandError: placo's planner would move a step (feet too close).
    """
    step = timing.step_frames
    tail = int(np.ceil(timing.fps / step)) + 2  # about a second of walking past the clip, then the stop
    steps = int(np.ceil(max(frames - timing.startend_frames, 0) / step)) + tail
    return plan_runs(planner, feet, preset, timing, [Run(((dx, dy, dtheta),) * (steps - 1))]).timeline
