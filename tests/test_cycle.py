"""Footholds and support phases: the steady cycle repeats exactly, a walk from standing starts and ends at rest."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from gait_generator.cycle import anchor, steady_cycle
from gait_generator.placo_adapter import FootstepPlanner, wholebody_ik
from gait_generator.preset import resolve_preset
from gait_generator.runs import standing_start
from gait_generator.timing import snap_timing
from motions.planar import Planar
from robots import load_robot


@pytest.fixture(scope="module")
def setup():
    robot = load_robot("mini_biped")
    preset = resolve_preset(robot.spec.presets, "medium", robot.name)
    timing = snap_timing(preset, 60)
    ik = wholebody_ik(robot)
    ik.reset(preset, 0)
    return (FootstepPlanner(robot, preset), ik.feet_frames()), preset, timing


@pytest.mark.parametrize("cmd", [(0.04, 0.0, 0.0), (0.0, 0.02, 0.0), (0.03, -0.01, 0.25), (0.0, 0.0, -0.3)])
def test_steady_cycle_maps_onto_the_next_by_its_offset(setup, cmd):
    s, preset, timing = setup
    cycle = steady_cycle(*s, preset, timing, *cmd)
    tl, g = cycle.timeline, cycle.offset
    n = timing.cycle_frames
    assert tl.frames == n and next(p.start for p in tl.phases) == 0 and tl.phases[-1].end == n
    assert all(a.end == b.start for a, b in zip(tl.phases, tl.phases[1:]))
    # Each foot's later foothold is its earlier one moved by the offset, one cycle later.
    for holds in tl.holds:
        for a, b in itertools.pairwise(holds):
            if b.start - a.start == n:
                np.testing.assert_allclose(b.pose, g @ a.pose, atol=1e-12)
    # The ZMP reference repeats under the offset: p(T) = R p(0) + o.
    zmp, _ = tl.zmp_reference()
    offset = Planar.from_matrix(g)
    np.testing.assert_allclose(zmp(n / 60)[0], offset.apply(zmp(0.0)[0]), atol=1e-12)
    assert offset.yaw == pytest.approx(2 * cmd[2])  # one cycle is two steps


def test_zmp_sits_on_the_stance_anchor_whenever_a_foot_is_in_the_air(setup):
    s, preset, timing = setup
    tl = steady_cycle(*s, preset, timing, 0.04, 0.01, 0.1).timeline
    frames = np.arange(tl.frames + 1)
    feet = tl.feet(frames)
    zmp, _ = tl.zmp_reference()
    p = zmp(frames / 60)
    for k in frames:
        up = ~feet.planted[k]
        if up.any():
            stance = int(np.flatnonzero(~up)[0])
            np.testing.assert_allclose(p[k], anchor(feet.poses[k, stance], stance, preset), atol=1e-12)


def test_walk_from_standing_starts_and_ends_on_both_feet(setup):
    s, preset, timing = setup
    tl = standing_start(*s, preset, timing, 0.03, 0.0, 0.1, 120)
    assert tl.phases[0].support == "both" and tl.phases[0].bump
    assert tl.phases[-1].support == "both" and tl.phases[-1].bump
    assert tl.frames >= 120 + timing.fps  # about a second of walking past the clip before the stop
    feet = tl.feet(np.array([0, tl.frames]))
    assert feet.planted.all()
