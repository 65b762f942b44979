"""Multibody dynamics: the exact task rates are the derivatives of the IK solution; the model is placo's."""

from __future__ import annotations

import numpy as np
import pinocchio
import pytest

from gait_generator.dynamics import multibody
from gait_generator.placo_adapter import humanoid_model, wholebody_ik
from gait_generator.preset import load_preset
from robots import load_robot


@pytest.mark.parametrize("name", ["mini_biped", "mini_biped5"])
def test_the_model_is_placos_but_for_narrowed_knee_limits(name):
    robot = load_robot(name)
    ours, placos = multibody(robot).model, pinocchio.Model(humanoid_model(robot).placo.model)
    narrowed = np.flatnonzero(ours.lowerPositionLimit != placos.lowerPositionLimit)
    narrowed = np.union1d(narrowed, np.flatnonzero(ours.upperPositionLimit != placos.upperPositionLimit))
    knees = [ours.joints[ours.getJointId(k)].idx_q for k in robot.spec.knees]
    assert narrowed.tolist() == (sorted(knees) if humanoid_model(robot).five_joint_legs else [])
    placos.lowerPositionLimit, placos.upperPositionLimit = ours.lowerPositionLimit, ours.upperPositionLimit
    assert ours == placos


def test_rates_are_the_derivatives_of_the_ik_solution():
    # Solve the IK at t - h, t, t + h for targets moving at known rates: the exact velocity
    # and acceleration of the solution at t match its central differences.
    robot = load_robot("mini_biped")
    ik, body = wholebody_ik(robot), multibody(robot)
    ik.reset(load_preset(robot.spec.presets["medium"]), 0)
    left, right = ik.feet_frames()
    com0 = np.array([0.01, -0.02, 0.21])
    v_com, a_com = np.array([0.1, 0.05, 0.0]), np.array([0.5, -0.3, 0.0])
    foot_v, foot_a = np.array([0.2, 0.0, 0.1]), np.array([0.0, 0.4, -1.0])

    def state(t: float):
        lf = left.copy()
        lf[2, 3] = 0.02
        lf[:3, 3] += foot_v * t + 0.5 * foot_a * t * t
        com = com0 + v_com * t + 0.5 * a_com * t * t
        return ik.solve(lf, right, com, np.eye(3), 100, 1e-12, 1e-10)

    h = 1e-3
    minus, plus = state(-h), state(h)
    mid = state(0.0)
    feet_vel = np.zeros((2, 6))
    feet_acc = np.zeros((2, 6))
    feet_vel[0, :3], feet_acc[0, :3] = foot_v, foot_a
    rates = body.task_rates(ik.configuration, feet_vel, feet_acc, v_com, a_com, np.zeros(3), np.zeros(3))
    # O(h^2) differencing
    np.testing.assert_allclose(rates.joint_vel, (plus.joints - minus.joints) / (2 * h), atol=1e-4)
    np.testing.assert_allclose(rates.joint_acc, (plus.joints - 2 * mid.joints + minus.joints) / h**2, atol=2e-2)
    np.testing.assert_allclose(rates.root_lin_vel, (plus.root_pos - minus.root_pos) / (2 * h), atol=1e-6)
    # Differencing the same three configurations gives the same rates (to the differencing error).
    q = {}
    for t in (-h, 0.0, h):
        state(t)
        q[t] = ik.configuration
    diffed = body.differenced_rates(q[-h], q[0.0], q[h], h)
    np.testing.assert_allclose(diffed.joint_vel, rates.joint_vel, atol=1e-4)
    np.testing.assert_allclose(diffed.root_lin_acc, rates.root_lin_acc, atol=2e-2)


def test_the_zmp_of_a_static_pose_is_under_the_com():
    robot = load_robot("mini_biped")
    ik, body = wholebody_ik(robot), multibody(robot)
    ik.reset(load_preset(robot.spec.presets["medium"]), 0)
    q = ik.configuration
    zero = np.zeros(body.model.nv)
    rates = body.rates(q, zero, zero)
    np.testing.assert_allclose(rates.zmp, ik.pose_targets()[2][:2], atol=1e-12)
    assert not np.any(rates.joint_vel) and not np.any(rates.root_lin_acc)
