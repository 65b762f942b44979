"""Property tests for motions.rotations (all quaternions xyzw)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from motions.rotations import (
    angular_velocity_world,
    expmap_to_quat,
    finite_difference,
    matrix_from_quat,
    quat_canonical_w_positive,
    quat_conjugate,
    quat_from_matrix,
    quat_from_yaw,
    quat_make_continuous,
    quat_multiply,
    quat_normalize,
    quat_slerp,
    quat_to_expmap,
    wxyz_to_xyzw,
    xyzw_to_wxyz,
    yaw_from_quat,
)

IDENTITY = np.array([0.0, 0.0, 0.0, 1.0])

_component = st.floats(-1.0, 1.0, allow_nan=False)
unit_quats = (
    st.tuples(_component, _component, _component, _component)
    .map(np.array)
    .filter(lambda q: np.linalg.norm(q) > 0.1)
    .map(lambda q: q / np.linalg.norm(q))
)
# Rotation vectors with angle strictly below pi, including tiny ones.
rotvecs = st.tuples(
    st.tuples(_component, _component, _component).map(np.array).filter(lambda v: np.linalg.norm(v) > 1e-3),
    st.floats(0.0, np.pi - 1e-3),
    st.sampled_from([1.0, 1.0, 1e-3, 1e-6, 1e-9]),
).map(lambda a: a[0] / np.linalg.norm(a[0]) * a[1] * a[2])


def same_rotation(a: np.ndarray, b: np.ndarray, atol: float = 1e-9) -> bool:
    """True if a and b are the same rotation (q or -q)."""
    return bool(np.all(np.abs(np.abs(np.sum(a * b, axis=-1)) - 1.0) < atol))


@given(unit_quats)
def test_identity_is_neutral(q: np.ndarray) -> None:
    np.testing.assert_allclose(quat_multiply(q, IDENTITY), q, atol=1e-12)
    np.testing.assert_allclose(quat_multiply(IDENTITY, q), q, atol=1e-12)


@given(unit_quats)
def test_conjugate_is_inverse(q: np.ndarray) -> None:
    np.testing.assert_allclose(quat_multiply(q, quat_conjugate(q)), IDENTITY, atol=1e-12)
    np.testing.assert_allclose(quat_multiply(quat_conjugate(q), q), IDENTITY, atol=1e-12)


@given(unit_quats)
@example(np.array([0.0, 0.0, 1.0, 0.0]))  # half-turn: w == 0
@example(np.array([0.0, -0.6, 0.8, 0.0]))
def test_double_cover(q: np.ndarray) -> None:
    # quat_canonical_w_positive breaks the w == 0 tie, so every map below is
    # exactly sign-invariant, half-turns included.
    np.testing.assert_allclose(matrix_from_quat(q), matrix_from_quat(-q), atol=1e-12)
    np.testing.assert_allclose(quat_to_expmap(q), quat_to_expmap(-q), atol=1e-12)
    np.testing.assert_allclose(yaw_from_quat(q), yaw_from_quat(-q), atol=1e-12)
    np.testing.assert_allclose(quat_canonical_w_positive(q), quat_canonical_w_positive(-q), atol=0)


@given(unit_quats, unit_quats)
def test_product_composes_matrices(a: np.ndarray, b: np.ndarray) -> None:
    np.testing.assert_allclose(
        matrix_from_quat(quat_multiply(a, b)), matrix_from_quat(a) @ matrix_from_quat(b), atol=1e-12
    )


@given(unit_quats)
def test_matrix_round_trip(q: np.ndarray) -> None:
    matrix = matrix_from_quat(q)
    np.testing.assert_allclose(matrix @ matrix.T, np.eye(3), atol=1e-12)
    back = quat_from_matrix(matrix)
    assert back[3] >= 0.0
    assert same_rotation(back, q, atol=1e-12)


def test_matrix_conversion_matches_scipy() -> None:
    from scipy.spatial.transform import Rotation

    rotations = Rotation.random(500, random_state=0)
    q = rotations.as_quat()  # scipy is xyzw too
    np.testing.assert_allclose(matrix_from_quat(q), rotations.as_matrix(), atol=1e-12)
    assert same_rotation(quat_from_matrix(rotations.as_matrix()), q)
    np.testing.assert_allclose(quat_to_expmap(q), Rotation.from_quat(quat_canonical_w_positive(q)).as_rotvec(), atol=1e-12)


def test_vectorised_over_leading_axes() -> None:
    rng = np.random.default_rng(0)
    q = quat_normalize(rng.normal(size=(2, 3, 4)))
    assert quat_multiply(q, q).shape == (2, 3, 4)
    assert quat_multiply(q, IDENTITY).shape == (2, 3, 4)
    assert matrix_from_quat(q).shape == (2, 3, 3, 3)
    assert quat_from_matrix(matrix_from_quat(q)).shape == (2, 3, 4)
    assert quat_to_expmap(q).shape == (2, 3, 3)
    assert expmap_to_quat(quat_to_expmap(q)).shape == (2, 3, 4)
    assert yaw_from_quat(q).shape == (2, 3)
    assert quat_slerp(q, IDENTITY, np.full((2, 3), 0.5)).shape == (2, 3, 4)


@given(rotvecs)
def test_expmap_round_trip(v: np.ndarray) -> None:
    q = expmap_to_quat(v)
    assert abs(np.linalg.norm(q) - 1.0) < 1e-12
    assert q[3] >= 0.0
    np.testing.assert_allclose(quat_to_expmap(q), v, atol=1e-12, rtol=1e-9)


@given(unit_quats)
def test_log_angle_in_zero_pi_and_round_trip(q: np.ndarray) -> None:
    v = quat_to_expmap(q)
    assert 0.0 <= np.linalg.norm(v) <= np.pi + 1e-12
    np.testing.assert_allclose(expmap_to_quat(v), quat_canonical_w_positive(q), atol=1e-12)


@given(unit_quats, unit_quats)
def test_slerp_endpoints_and_midpoint(q0: np.ndarray, q1: np.ndarray) -> None:
    ends = quat_slerp(q0, q1, np.array([0.0, 1.0]))
    np.testing.assert_allclose(ends[0], q0, atol=1e-12)
    assert same_rotation(ends[1], q1)
    mid = quat_slerp(q0, q1, 0.5)
    half_a = np.linalg.norm(quat_to_expmap(quat_multiply(quat_conjugate(q0), mid)))
    half_b = np.linalg.norm(quat_to_expmap(quat_multiply(quat_conjugate(mid), q1)))
    assert abs(half_a - half_b) < 1e-9


@given(st.lists(st.tuples(unit_quats, st.booleans()), min_size=1, max_size=20))
def test_make_continuous(samples: list[tuple[np.ndarray, bool]]) -> None:
    q = np.array([-quat if flip else quat for quat, flip in samples])
    out = quat_make_continuous(q)
    np.testing.assert_array_equal(out[0], q[0])
    assert np.all(np.sum(out[1:] * out[:-1], axis=-1) >= 0.0)
    assert np.all((out == q).all(axis=-1) | (out == -q).all(axis=-1))


@given(st.floats(-np.pi + 1e-9, np.pi), unit_quats)
def test_yaw_round_trip_and_heading(yaw: float, q: np.ndarray) -> None:
    assert abs(yaw_from_quat(quat_from_yaw(yaw)) - yaw) < 1e-12
    # Heading is the body x axis projected on the world xy plane.
    x_axis = matrix_from_quat(q)[:, 0]
    if np.hypot(x_axis[0], x_axis[1]) > 1e-6:
        assert abs(yaw_from_quat(q) - np.arctan2(x_axis[1], x_axis[0])) < 1e-9


@given(st.floats(-3.0, 3.0), st.floats(-1.5, 1.5))
def test_yaw_ignores_pitch(yaw: float, pitch: float) -> None:
    pitched = np.array([0.0, np.sin(pitch / 2), 0.0, np.cos(pitch / 2)])
    assert abs(yaw_from_quat(quat_multiply(quat_from_yaw(yaw), pitched)) - yaw) < 1e-9


@given(unit_quats)
def test_wxyz_round_trip(q: np.ndarray) -> None:
    np.testing.assert_array_equal(wxyz_to_xyzw(xyzw_to_wxyz(q)), q)
    np.testing.assert_array_equal(xyzw_to_wxyz(q), [q[3], q[0], q[1], q[2]])


def test_normalize_rejects_zero() -> None:
    with pytest.raises(ValueError, match="zero"):
        quat_normalize(np.zeros(4))
    with pytest.raises(ValueError, match=r"\(\.\.\., 4\)"):
        quat_multiply(np.zeros(3), IDENTITY)


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
