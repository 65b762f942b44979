"""Newton's method for the five-joint weighted IK: exact gradient, quadratic convergence, a true minimum."""

from __future__ import annotations

import numpy as np
import pinocchio
import pytest

from gait_generator import newton
from robots import load_robot


@pytest.fixture(scope="module")
def problem():
    robot = load_robot("mini_biped5")
    model = pinocchio.buildModelFromUrdf(str(robot.placo_urdf_path), pinocchio.JointModelFreeFlyer())
    data = model.createData()
    frames = tuple(model.getFrameId(name) for name in ("left_foot", "right_foot", "trunk"))
    driven = [model.joints[model.getJointId(n)].idx_v for n in robot.spec.driven_joints]
    cols = np.r_[np.arange(6), np.array(driven)]
    q = pinocchio.neutral(model)
    q[2] = 0.22
    for name, value in robot.spec.initial_posture.items():
        q[model.joints[model.getJointId(name)].idx_q] = value
    pinocchio.framesForwardKinematics(model, data, q)
    rng = np.random.default_rng(3)
    # Targets near, but not at, the pose: sole poses moved a few mm, a rolled trunk, a CoM off to the side.
    left, right = (data.oMf[f].homogeneous.copy() for f in frames[:2])
    left[:3, 3] += rng.normal(0, 0.003, 3)
    right[:3, 3] += rng.normal(0, 0.003, 3)
    com = pinocchio.centerOfMass(model, data, q) + np.array([0.0, 0.01, -0.005])
    trunk = pinocchio.rpy.rpyToMatrix(0.05, -0.05, 0.02)
    goal = newton.WeightedTargets(frames, left, right, com, trunk, np.array([[1e4, 1e4], [1e4, 10.0]]), 3e2, 1.0)
    return model, data, q, goal, cols


def test_the_jacobian_is_the_derivative_of_the_residuals(problem):
    model, data, q, goal, cols = problem
    r, jac = newton.residuals(model, data, q, goal, cols)
    h = 1e-6
    for i, col in enumerate(cols):
        v = np.zeros(model.nv)
        v[col] = h
        plus, _ = newton.residuals(model, data, pinocchio.integrate(model, q, v), goal)
        minus, _ = newton.residuals(model, data, pinocchio.integrate(model, q, -v), goal)
        np.testing.assert_allclose(jac[:, i], (plus - minus) / (2 * h), rtol=1e-5, atol=1e-5 * np.abs(jac).max())
    np.testing.assert_allclose(newton.cost(model, data, q, goal), r @ r)


def test_polish_reaches_a_strict_local_minimum_to_round_off(problem):
    model, data, q, goal, cols = problem
    out, iterations, step, _hess = newton.polish(model, data, q, goal, cols, 100, 1e-12, 0.05)
    assert step <= 1e-12 and iterations < 100
    r, jac = newton.residuals(model, data, out, goal, cols)
    assert np.abs(jac.T @ r).max() < 1e-9  # first-order optimal
    assert np.linalg.eigvalsh(newton.hessian(model, data, out, goal, cols))[0] > 0  # and a minimum
    best = newton.cost(model, data, out, goal)
    rng = np.random.default_rng(0)
    for _ in range(20):  # no nearby configuration is better
        v = np.zeros(model.nv)
        v[cols] = rng.normal(0, 1e-4, len(cols))
        assert newton.cost(model, data, pinocchio.integrate(model, out, v), goal) > best


def test_polish_converges_quadratically_near_the_optimum(problem):
    model, data, q, goal, cols = problem
    near, *_ = newton.polish(model, data, q, goal, cols, 100, 1e-4, 0.05)
    steps = []
    current = near
    for _ in range(3):
        current, _, step, _ = newton.polish(model, data, current, goal, cols, 1, 0.0, 0.05)
        steps.append(step)
    assert steps[1] <= 1e-2 * steps[0] or steps[1] < 1e-12, steps


def test_the_trust_region_bounds_every_step(problem):
    model, data, q, goal, cols = problem
    out, _, _, _ = newton.polish(model, data, q, goal, cols, 1, 0.0, 1e-3)
    assert np.abs(pinocchio.difference(model, q, out)).max() <= 1e-3 + 1e-12


def test_place_soles_puts_each_sole_on_its_foothold_resting_on_its_lowest_corner(problem):
    """After the weighted optimum, each leg (trunk held) puts its sole exactly on its target position, with its
    lowest corner at the target height; the trunk does not move and the sole tilts only by what the leg can't undo."""
    model, data, q, goal, cols = problem
    out, *_ = newton.polish(model, data, q, goal, cols, 100, 1e-12, 0.05)
    legs = tuple(newton.leg_columns(model, f, cols) for f in goal.frames[:2])
    assert [len(leg) for leg in legs] == [5, 5] and not set(legs[0]) & set(legs[1])
    half = (0.05, 0.0275)
    placed = newton.place_soles(model, data, out, goal, legs, half)
    np.testing.assert_array_equal(placed[:7], out[:7])  # the floating base is held
    pinocchio.framesForwardKinematics(model, data, placed)
    corners = np.array([[sx * half[0], sy * half[1], 0.0] for sx in (-1, 1) for sy in (-1, 1)])
    for fid, target in zip(goal.frames[:2], (goal.left, goal.right)):
        pose = data.oMf[fid]
        np.testing.assert_allclose(pose.translation[:2], target[:2, 3], atol=1e-12)
        lowest = (corners @ pose.rotation.T + pose.translation)[:, 2].min()
        assert abs(lowest - target[2, 3]) < 1e-12
        tilt = np.linalg.norm(pinocchio.log3(target[:3, :3].T @ pose.rotation))
        assert tilt < 0.05  # what a five-joint leg cannot take out, at these few-mm targets
    again = newton.place_soles(model, data, placed, goal, legs, half)
    np.testing.assert_allclose(again, placed, atol=1e-12)  # already placed: nothing moves
