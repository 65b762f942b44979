"""Stage 1 of :func:`gait_generator.generate`: the support timeline of a clip.

A looping clip is planned as one steady gait cycle plus the planar offset that
maps it onto the next cycle (:func:`gait_generator.cycle.steady_cycle`); a clip
from standing as the whole walk, start and stop included
(:func:`gait_generator.runs.standing_start`). Both are placed in the planner's
world frame (placo's), not yet in the clip's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from gait_generator.cycle import steady_cycle
from gait_generator.placo_adapter import FootstepPlanner
from gait_generator.preset import Preset
from gait_generator.runs import standing_start
from gait_generator.timeline import Timeline
from gait_generator.timing import StepTiming
from motions import Command

__all__ = ["WalkPlan", "plan_walk"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class WalkPlan:
    """Footholds and support phases of a clip, before the whole-body solve.

    Attributes:
        timeline: Footholds and phases, planner world frame. For a looping clip it
            covers one gait cycle, frames ``0 .. cycle_frames``; for a walk from
            standing the whole walk, stop included.
        cycle_offset: For a looping clip, the 4x4 planar rigid transform (planner
            world frame, m) mapping one cycle onto the next; None for a walk from
            standing.
    """

    timeline: Timeline
    cycle_offset: FloatArray | None = None

    @property
    def looping(self) -> bool:
        """True for one steady gait cycle that the clip repeats."""
        return self.cycle_offset is not None


def plan_walk(planner: FootstepPlanner, feet: tuple[FloatArray, FloatArray], preset: Preset, timing: StepTiming,
              command: Command, length: float, with_start: bool) -> WalkPlan:
    """The timeline of a clip of ``command`` per step.

    Args:
        planner: placo's footstep planner configured for ``preset``.
        feet: Left and right standing sole poses (4x4, planner world frame, flat on the floor).
        preset: The walk preset.
        timing: Frame-snapped step timing.
        command: Step per step (m, m, rad), heading frame.
        length: Requested clip length (s); a walk from standing is planned to stop after it.
        with_start: Plan a walk from standing instead of one steady cycle.

    Raises:
        CommandError: placo's footstep planner would move a step (feet too close).
        PlanningError: The stop of a walk from standing has no frames.
    """
    if with_start:
        clip_frames = max(2, round(length * timing.fps) + 1)
        return WalkPlan(standing_start(planner, feet, preset, timing, command.dx, command.dy, command.dtheta,
                                       clip_frames))
    cycle = steady_cycle(planner, feet, preset, timing, command.dx, command.dy, command.dtheta)
    return WalkPlan(cycle.timeline, cycle.offset)
