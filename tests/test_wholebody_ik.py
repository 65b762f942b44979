"""The whole-body IK: deterministic initial pose with correctly bent knees, and its failures."""

from __future__ import annotations

import numpy as np
import pytest

from gait_generator.errors import PlanningError
from gait_generator.placo_adapter import wholebody_ik
from gait_generator.preset import load_preset
from robots import load_robot


@pytest.fixture(scope="module")
def mini():
    robot = load_robot("mini_biped")
    return robot, wholebody_ik(robot), load_preset(robot.spec.presets["medium"])


def test_knees_bend_the_right_way_for_every_seed(mini):
    # Unseeded placo scripts end with a backwards knee in about 15 % of seeds.
    robot, ik, preset = mini
    knees = []
    for seed in range(40):
        ik.reset(preset, seed)
        knees.append(ik.knee_angles())
    knees = np.array(knees)
    assert np.all(knees * np.array(robot.spec.knee_signs) > 0.3)


def test_initial_pose_is_deterministic(mini):
    _, ik, preset = mini
    ik.reset(preset, 5)
    a = ik.feet_frames()
    ik.reset(preset, 123)
    ik.reset(preset, 5)
    b = ik.feet_frames()
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])


def test_standing_pose_follows_the_preset(mini):
    _, ik, preset = mini
    ik.reset(preset, 0)
    left, right = ik.feet_frames()
    assert np.linalg.norm(left[:3, 3] - right[:3, 3]) == pytest.approx(preset.feet_spacing, abs=1e-3)
    assert ik.pose_targets()[2][2] == pytest.approx(preset.com_height, abs=1e-3)


def test_unreachable_targets_raise_planning_error(mini):
    _, ik, preset = mini
    ik.reset(preset, 0)
    left, right = ik.feet_frames()
    far = left.copy()
    far[2, 3] += 1.0  # one metre above the floor: beyond the leg
    with pytest.raises(PlanningError, match="did not converge"):
        ik.solve(far, right, np.array([0.0, 0.0, 0.2]), np.eye(3), 20, 1e-5, 1e-3)


def test_one_ik_per_robot_and_five_joint_legs_are_weighted():
    mini, five = load_robot("mini_biped"), load_robot("mini_biped5")
    assert wholebody_ik(mini) is wholebody_ik(mini)
    assert not wholebody_ik(mini).weighted and wholebody_ik(five).weighted
