"""Property tests for motions.derivatives: finite differences of signals and orientations (xyzw)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial.transform import Rotation

from motions.derivatives import angular_velocity_world, finite_difference
from motions.rotations import expmap_to_quat, quat_from_yaw, quat_multiply

IDENTITY = np.array([0.0, 0.0, 0.0, 1.0])

_component = st.floats(-1.0, 1.0, allow_nan=False)
unit_quats = (
    st.tuples(_component, _component, _component, _component)
    .map(np.array)
    .filter(lambda q: np.linalg.norm(q) > 0.1)
    .map(lambda q: q / np.linalg.norm(q))
)


@settings(max_examples=200)
@given(
    omega=st.tuples(*[st.floats(-10.0, 10.0)] * 3).map(np.array),
    q0=unit_quats,
    fps=st.floats(30.0, 1000.0),
    num=st.integers(2, 12),
    flips=st.lists(st.booleans(), min_size=12, max_size=12),
)
def test_constant_rate_angular_velocity_is_exact(
    omega: np.ndarray, q0: np.ndarray, fps: float, num: int, flips: list[bool]
) -> None:
    def sample(k: np.ndarray) -> np.ndarray:
        # World-frame constant rate: q(t) = exp(omega t) * q0.
        return quat_multiply(expmap_to_quat(np.outer(k / fps, omega)), q0)

    frames = np.arange(num)
    quats = sample(frames) * np.where(flips[:num], -1.0, 1.0)[:, None]  # double cover must not matter
    expected = np.broadcast_to(omega, (num, 3))
    np.testing.assert_allclose(angular_velocity_world(quats, fps), expected, rtol=0, atol=1e-9)
    wrap = (sample(np.array([-1]))[0], -sample(np.array([num]))[0])
    np.testing.assert_allclose(angular_velocity_world(quats, fps, wrap=wrap), expected, rtol=0, atol=1e-9)


def test_angular_velocity_requires_two_frames_or_wrap() -> None:
    with pytest.raises(ValueError, match="at least 2 frames"):
        angular_velocity_world(IDENTITY[None], 50.0)
    omega = angular_velocity_world(IDENTITY[None], 50.0, wrap=(quat_from_yaw(-0.01), quat_from_yaw(0.01)))
    np.testing.assert_allclose(omega, [[0.0, 0.0, 0.5]], atol=1e-12)


@given(
    coeffs=st.tuples(*[st.floats(-5.0, 5.0)] * 3),
    fps=st.floats(10.0, 500.0),
    num=st.integers(3, 30),
)
def test_finite_difference_exact_for_quadratics(coeffs: tuple[float, float, float], fps: float, num: int) -> None:
    a, b, c = coeffs
    t = np.arange(num) / fps
    x = a + b * t + c * t**2
    np.testing.assert_allclose(finite_difference(x, fps), b + 2 * c * t, rtol=0, atol=1e-8)


def test_finite_difference_first_frame_not_zero() -> None:
    fps = 60.0
    x = np.outer(np.arange(5) / fps, [0.3, -0.1, 0.0])  # constant velocity
    np.testing.assert_allclose(finite_difference(x, fps), np.tile([0.3, -0.1, 0.0], (5, 1)), atol=1e-12)
    np.testing.assert_allclose(finite_difference(x[:2], fps), np.tile([0.3, -0.1, 0.0], (2, 1)), atol=1e-12)


def test_finite_difference_uses_neighbours() -> None:
    fps, period = 40.0, 40
    x = np.sin(2 * np.pi * np.arange(period) / period)
    periodic = finite_difference(x, fps, before=x[-1], after=x[0])
    # Every frame, ends included, is the central difference of the periodic signal.
    np.testing.assert_allclose(periodic, (np.roll(x, -1) - np.roll(x, 1)) * fps / 2, atol=1e-12)
    one_sided = finite_difference(x, fps, before=x[-1])
    np.testing.assert_allclose(one_sided[0], periodic[0], atol=1e-12)
    np.testing.assert_allclose(one_sided[-1], (3 * x[-1] - 4 * x[-2] + x[-3]) * fps / 2, atol=1e-12)
    single = finite_difference(np.array([1.0]), 10.0, before=np.array(0.0), after=np.array(4.0))
    np.testing.assert_allclose(single, [20.0])


def test_finite_difference_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="fps"):
        finite_difference(np.zeros(4), 0.0)
    with pytest.raises(ValueError, match="before"):
        finite_difference(np.zeros((4, 3)), 10.0, before=np.zeros(2))
    with pytest.raises(ValueError, match="at least 2 frames"):
        finite_difference(np.zeros(1), 10.0)


@given(st.lists(st.floats(-100.0, 100.0), min_size=3, max_size=40), st.floats(10.0, 500.0))
def test_finite_difference_matches_numpy_gradient(samples: list[float], fps: float) -> None:
    x = np.array(samples)
    expected = np.gradient(x, 1.0 / fps, edge_order=2)
    np.testing.assert_allclose(finite_difference(x, fps), expected, rtol=1e-12, atol=1e-12 * fps * np.abs(x).max())


@given(st.lists(unit_quats, min_size=3, max_size=12), st.floats(10.0, 500.0))
def test_angular_velocity_inside_matches_scipy(quats: list[np.ndarray], fps: float) -> None:
    q = np.array(quats)
    # Rotations between frames k-1 and k+1 must stay below pi for the difference to mean anything.
    steps = Rotation.from_quat(q[2:]) * Rotation.from_quat(q[:-2]).inv()
    expected = steps.as_rotvec() * fps / 2.0
    np.testing.assert_allclose(angular_velocity_world(q, fps)[1:-1], expected, rtol=1e-9, atol=1e-9 * fps)
