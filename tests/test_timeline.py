"""Timeline targets: swings leave and reach their footholds at rest, the trunk turns smoothly."""

from __future__ import annotations

import numpy as np
import pytest

from gait_generator.cycle import steady_cycle
from gait_generator.placo_adapter import FootstepPlanner, wholebody_ik
from gait_generator.preset import resolve_preset
from gait_generator.timing import snap_timing
from motions.planar import Planar
from robots import load_robot


@pytest.fixture(scope="module")
def timeline():
    robot = load_robot("mini_biped")
    preset = resolve_preset(robot.spec.presets, "medium", robot.name)
    ik = wholebody_ik(robot)
    ik.reset(preset, 0)
    return steady_cycle(FootstepPlanner(robot, preset), ik.feet_frames(), preset, snap_timing(preset, 60), 0.04, 0.0,
                        0.2).timeline


def test_feet_are_planted_exactly_on_their_footholds(timeline):
    frames = np.arange(timeline.frames + 1)
    feet = timeline.feet(frames)
    for side, holds in enumerate(timeline.holds):
        for h in holds:
            on = (frames >= h.start) & (frames <= h.end)
            np.testing.assert_allclose(feet.poses[on, side], np.broadcast_to(h.pose, (on.sum(), 4, 4)), atol=1e-15)
            assert np.all(feet.vel[on, side] == 0.0) and np.all(feet.acc[on, side] == 0.0)
    # In the air strictly between footholds.
    assert np.all(feet.poses[~feet.planted][:, 2, 3] > 0.0)


def test_swing_rates_are_the_derivatives_of_the_swing(timeline):
    frames = np.arange(timeline.frames + 1)
    feet = timeline.feet(frames)
    fine = 1.0 / 60
    pos = feet.poses[:, :, :3, 3]
    central = (pos[2:] - pos[:-2]) / (2 * fine)
    # Central differences at 60 fps agree with the exact rates to O(h^2).
    err = np.abs(central - feet.vel[1:-1]).max()
    assert err < 0.05 * np.abs(feet.vel).max()


def test_trunk_turns_at_a_constant_rate_in_a_steady_turn(timeline):
    frames = np.arange(timeline.frames + 1)
    yaw, rate, acc = timeline.trunk_yaw(frames)
    n = timeline.frames
    assert yaw[n] - yaw[0] == pytest.approx(timeline.cycle_yaw)
    np.testing.assert_allclose(rate, timeline.cycle_yaw / (n / 60), rtol=1e-9)
    np.testing.assert_allclose(acc, 0.0, atol=1e-9)


def test_a_placed_foothold_is_moved_and_shifted_but_keeps_its_side(timeline):
    hold = timeline.holds[1][0]
    move = Planar(0.3, -0.2, 0.7).pose()
    placed = hold.placed(move, 24)
    assert (placed.side, placed.start, placed.end) == (hold.side, hold.start + 24, hold.end + 24)
    np.testing.assert_array_equal(placed.pose, move @ hold.pose)
    assert placed.yaw == pytest.approx(hold.yaw + 0.7)
    assert hold.placed(move).start == hold.start  # no shift by default
