"""placo's footstep planner: plans follow the command step by step, and clipped steps are refused."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from gait_generator.errors import CommandError
from gait_generator.placo_adapter import FootstepPlanner
from gait_generator.preset import load_preset
from robots import load_robot


@pytest.fixture(scope="module")
def planner():
    robot = load_robot("mini_biped")
    preset = load_preset(robot.spec.presets["medium"])
    left, right = np.eye(4), np.eye(4)
    left[1, 3], right[1, 3] = preset.feet_spacing / 2, -preset.feet_spacing / 2
    return FootstepPlanner(robot, preset), (left, right), preset


def test_the_plan_starts_from_the_standing_feet_and_follows_the_command(planner):
    # The left foot moves first; each step but the closing one is the previous foothold moved by the command.
    steps, (left, right), _ = planner
    cmd = (0.03, 0.0, 0.2)
    plan = steps.plan(left, right, *cmd, 6)
    assert [side for side, _ in plan[:2]] == ["left", "right"]
    np.testing.assert_allclose(plan[0][1], left, atol=1e-12)
    np.testing.assert_allclose(plan[1][1], right, atol=1e-12)
    assert len(plan) == 2 + 6  # the standing feet, then the steps (the last one closes the walk)
    for (side, pose), (next_side, next_pose) in itertools.pairwise(plan[1:-1]):
        assert next_side != side
        np.testing.assert_allclose(next_pose, steps.next_footstep(side, pose, *cmd), atol=1e-12)


def test_a_step_placo_would_move_is_a_command_error(planner):
    steps, (left, right), _ = planner
    with pytest.raises(CommandError, match="feet too close"):
        steps.plan(left, right, -0.03, -0.03, -0.3, 4)  # within the preset's limits, but the feet would overlap
