"""Stage 2 of :func:`gait_generator.generate`: the whole-body solve of a plan, ZMP-corrected.

:func:`gait_generator.wholebody.solve_walk` solves the IK at every frame and
moves the CoM until the whole-body ZMP (leg momentum included) follows the
planned ZMP. This stage chooses its boundary (rotated-periodic for a gait
cycle, at rest for a walk from standing), then checks the result: the planned
ZMP must stay ``zmp_margin`` inside the planted soles, and a gait cycle must
close (its last frame is the next cycle's first).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gait_generator.errors import PlanningError
from gait_generator.lipm import Periodic
from gait_generator.placo_adapter import wholebody_ik
from gait_generator.preset import Preset
from gait_generator.walk_plan import WalkPlan
from gait_generator.wholebody import WalkFrames, solve_walk
from motions.planar import Planar
from robots import Robot
from robots.soles import sole_polygons

__all__ = ["LOOP_CLOSURE_TOL", "CorrectedWalk", "correct_walk", "cycle_boundary"]

LOOP_CLOSURE_TOL = 1e-4
"""Largest joint mismatch (rad) between a cycle's frame 0 and the IK of the next cycle's frame 0."""


@dataclass(frozen=True)
class CorrectedWalk:
    """Solved frames of a plan with the whole-body ZMP on the planned ZMP.

    Attributes:
        frames: Every solved frame, planner world frame (SI units, quaternions
            xyzw). A gait cycle has ``cycle_frames + 1`` (the last one is the
            next cycle's first); a walk from standing has the whole walk,
            ``timeline.frames + 1``.
        support_margin: Smallest distance (m) of the planned ZMP inside the
            planted soles' contact polygon over the checked frames.
        loop_closure: Largest joint mismatch (rad) between the first and the last
            frame of a gait cycle; None for a walk from standing.
    """

    frames: WalkFrames
    support_margin: float
    loop_closure: float | None = None

    @property
    def solved_frames(self) -> int:
        """Frames the IK solved."""
        return len(self.frames.root_pos)

    @property
    def iterations_per_frame(self) -> float:
        """Mean IK iterations per solved frame (last ZMP correction pass)."""
        return self.frames.iterations / self.solved_frames


def correct_walk(robot: Robot, preset: Preset, plan: WalkPlan, require_support: bool = True) -> CorrectedWalk:
    """Solve a plan's whole-body motion with the ZMP correction, and check it.

    Args:
        robot: The robot; its whole-body IK (:func:`gait_generator.placo_adapter.wholebody_ik`) must be
            reset to the standing pose of ``preset`` the plan started from.
        preset: The walk preset (``zmp_margin``, CoM height, trunk pitch).
        plan: The timeline (:func:`gait_generator.walk_plan.plan_walk`).
        require_support: Raise if the planned ZMP of a gait cycle comes closer
            than ``zmp_margin`` to the soles' edge. False solves such a cycle
            anyway (to test a validator on a reference the robot cannot follow);
            a walk from standing is always checked.

    Raises:
        PlanningError: IK fails, a knee flips, the whole-body ZMP does not
            converge, the ZMP leaves the soles' margin, or a gait cycle does not close.
    """
    timeline = plan.timeline
    if plan.cycle_offset is None:
        frames = solve_walk(wholebody_ik(robot), preset, timeline, None, timeline.frames + 1, "left")
        margin = _support_margin(robot, preset, plan, frames, timeline.frames + 1, True)
        return CorrectedWalk(frames, margin)
    cycle_frames = timeline.frames
    frames = solve_walk(wholebody_ik(robot), preset, timeline, cycle_boundary(plan), cycle_frames + 1, "right")
    margin = _support_margin(robot, preset, plan, frames, cycle_frames, require_support)
    closure = float(np.abs(frames.joints[cycle_frames] - frames.joints[0]).max())
    if closure > LOOP_CLOSURE_TOL:
        raise PlanningError(f"the gait cycle does not close: joint mismatch {closure:.2e} rad at the seam")
    return CorrectedWalk(frames, margin, closure)


def cycle_boundary(plan: WalkPlan) -> Periodic:
    """The periodic boundary of a gait cycle's plan: one cycle maps onto the next by its planar offset."""
    assert plan.cycle_offset is not None, "a gait cycle's plan"
    offset = Planar.from_matrix(plan.cycle_offset)
    return Periodic(offset.rotation(), offset.translation)


def _support_margin(robot: Robot, preset: Preset, plan: WalkPlan, walk: WalkFrames, checked_frames: int,
                    require: bool) -> float:
    """Smallest margin (m) of the planned ZMP inside the planted soles over frames ``0 .. checked_frames - 1``.

    Raises:
        PlanningError: ``require`` and the margin is below the preset's ``zmp_margin``.
    """
    distance = plan.timeline.zmp_support_distance(np.arange(checked_frames), walk.zmp[:checked_frames],
                                                  sole_polygons(robot))
    worst = int(np.argmax(distance))
    if require and -distance[worst] < preset.zmp_margin - 1e-9:
        raise PlanningError(
            f"the planned ZMP is only {-distance[worst] * 1e3:.1f} mm inside the soles' contact polygon at frame "
            f"{worst} (preset zmp_margin {preset.zmp_margin * 1e3:.1f} mm); a start or stop this fast needs a longer "
            "startend_double_support_ratio"
        )
    return float(-distance[worst])
