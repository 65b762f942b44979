"""Keypoint IK: it reaches the keypoints of a reachable pose, reproducibly, and reports its errors."""

from __future__ import annotations

import numpy as np
import pytest

from gait_generator.placo_adapter import forward_kinematics, keypoint_ik
from robots import load_robot


@pytest.fixture(scope="module")
def mini():
    robot = load_robot("mini_biped")
    q = np.array([robot.spec.initial_posture.get(n, 0.0) for n in robot.joint_names])
    frames = forward_kinematics(robot, np.array([[0.0, 0.0, 0.25]]), np.array([[0.0, 0.0, 0.0, 1.0]]), q[None])
    return robot, frames


def test_the_keypoints_of_a_reachable_pose_are_met(mini):
    robot, frames = mini
    ik = keypoint_ik(robot)
    trunk = frames.trunk[0].copy()
    trunk[:3, 3] += [0.005, -0.003, 0.004]  # start a little away from the pose
    ik.start(trunk, 0)
    state = ik.solve(frames.left[0], frames.right[0], frames.trunk[0], 300, 1e-6, 1e-5)
    assert state.foot_error < 1e-6 and state.foot_angle_error < 1e-5
    assert state.trunk_error < 1e-4 and state.trunk_angle_error < 1e-3
    np.testing.assert_allclose(state.left, frames.left[0][:3, 3], atol=1e-6)


def test_the_solve_is_reproducible(mini):
    robot, frames = mini
    ik = keypoint_ik(robot)
    out = []
    for _ in range(2):
        ik.start(frames.trunk[0], 7)
        out.append(ik.solve(frames.left[0], frames.right[0], frames.trunk[0], 50, 1e-6, 1e-5).joints)
    np.testing.assert_array_equal(out[0], out[1])


def test_unreachable_feet_are_reported_not_raised(mini):
    robot, frames = mini
    far = frames.left[0].copy()
    far[1, 3] += 0.1  # 10 cm outward: beyond the hip roll's reach with the trunk held
    ik = keypoint_ik(robot)
    ik.start(frames.trunk[0], 0)
    state = ik.solve(far, frames.right[0], frames.trunk[0], 30, 1e-6, 1e-5)
    assert state.foot_error > 1e-3 and state.iterations == 30

