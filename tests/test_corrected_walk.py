"""Stage 2 of generate(): the ZMP-corrected whole-body solve, its support margin and its seam."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from gait_generator.corrected_walk import LOOP_CLOSURE_TOL, correct_walk
from gait_generator.errors import PlanningError
from gait_generator.walk_plan import WalkPlan
from tests.stages import planned, stages


def test_a_gait_cycle_is_solved_one_frame_past_its_end_and_closes():
    run = stages()
    n = run.timing.cycle_frames
    assert run.solve.solved_frames == len(run.solve.frames.joints) == n + 1
    assert run.solve.loop_closure == float(np.abs(run.solve.frames.joints[n] - run.solve.frames.joints[0]).max())
    assert run.solve.loop_closure <= LOOP_CLOSURE_TOL
    assert run.solve.support_margin >= run.preset.zmp_margin
    assert run.solve.iterations_per_frame == run.solve.frames.iterations / (n + 1)


def test_a_walk_from_standing_is_solved_to_rest_and_has_no_seam():
    run = stages(with_start=True)
    assert run.solve.solved_frames == run.plan.timeline.frames + 1
    assert run.solve.loop_closure is None
    assert run.solve.support_margin >= run.preset.zmp_margin


def _outward(plan: WalkPlan, shift: float) -> WalkPlan:
    """The plan with its ZMP reference ``shift`` m outward of the nearest planted sole's centre line."""
    def moved(phase):
        feet = plan.timeline.feet(np.array([phase.start]))
        out = []
        for zmp in (phase.zmp_from, phase.zmp_to):
            side = int(np.argmin([np.linalg.norm(zmp - feet.poses[0, f, :2, 3]) for f in (0, 1)]))
            out.append(zmp + shift * feet.poses[0, side, :2, 1] * (1.0 if side == 0 else -1.0))
        return dataclasses.replace(phase, zmp_from=out[0], zmp_to=out[1])

    timeline = dataclasses.replace(plan.timeline, phases=tuple(moved(p) for p in plan.timeline.phases))
    return WalkPlan(timeline, plan.cycle_offset)


def test_a_planned_zmp_off_the_soles_is_refused_unless_the_caller_asks_for_it():
    robot, preset, _, plan = planned(with_start=False)
    shifted = _outward(plan, 0.03)  # the soles are 5.5 cm wide: just past their outer edge
    with pytest.raises(PlanningError, match="mm inside the soles' contact polygon at frame"):
        correct_walk(robot, preset, shifted)
    planned(with_start=False)  # the IK back to its standing pose for the second solve
    solve = correct_walk(robot, preset, shifted, require_support=False)
    assert solve.support_margin < 0.0  # outside the soles
