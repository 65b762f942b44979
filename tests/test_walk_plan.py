"""Stage 1 of generate(): one steady gait cycle with its offset, or a whole walk from standing."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from motions.planar import Planar
from tests.stages import COMMAND, LENGTH, planned


def test_a_looping_plan_is_one_cycle_and_the_offset_onto_the_next():
    _, _, timing, plan = planned(with_start=False)
    assert plan.looping
    assert plan.timeline.frames == timing.cycle_frames
    offset = Planar.from_matrix(plan.cycle_offset)
    assert float(offset.yaw) == pytest.approx(2 * COMMAND.dtheta, abs=1e-12)  # two steps per cycle
    assert plan.timeline.cycle_yaw == pytest.approx(float(offset.yaw), abs=1e-15)
    # The offset maps each foot's foothold onto the same foot's foothold one cycle later.
    compared = 0
    for holds in plan.timeline.holds:
        for this, nxt in itertools.pairwise(holds):
            if nxt.start - this.start == timing.cycle_frames:
                np.testing.assert_allclose(plan.cycle_offset @ this.pose, nxt.pose, atol=1e-12)
                compared += 1
    assert compared >= 2


def test_a_plan_from_standing_starts_and_stops_with_a_weight_shift_after_the_clip():
    _, _, timing, plan = planned(with_start=True)
    assert not plan.looping and plan.cycle_offset is None
    assert plan.timeline.cycle_yaw is None
    assert plan.timeline.frames > round(LENGTH * timing.fps)  # the stop comes after the clip
    first, last = plan.timeline.phases[0], plan.timeline.phases[-1]
    assert (first.support, first.bump, first.start, first.end) == ("both", True, 0, timing.startend_frames)
    assert (last.support, last.bump, last.end) == ("both", True, plan.timeline.frames)
