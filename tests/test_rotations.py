"""Property tests for motions.rotations (all quaternions xyzw)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from scipy.spatial.transform import Rotation, Slerp

from motions.rotations import (
    expmap_to_quat,
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


@given(unit_quats, unit_quats, st.floats(0.0, 1.0))
def test_hand_written_maps_agree_with_scipy(a: np.ndarray, b: np.ndarray, t: float) -> None:
    ra, rb = Rotation.from_quat(a), Rotation.from_quat(b)
    assert same_rotation(quat_multiply(a, b), (ra * rb).as_quat(), atol=1e-12)
    np.testing.assert_allclose(quat_conjugate(a), ra.inv().as_quat(), atol=0)
    np.testing.assert_allclose(matrix_from_quat(a), ra.as_matrix(), atol=1e-12)
    np.testing.assert_allclose(quat_to_expmap(a), ra.as_rotvec(), atol=1e-12)
    np.testing.assert_allclose(expmap_to_quat(ra.as_rotvec()), ra.as_quat(canonical=True), atol=1e-12)
    assert same_rotation(quat_slerp(a, b, t), Slerp([0.0, 1.0], Rotation.concatenate([ra, rb]))(t).as_quat())
    x_axis = ra.as_matrix()[:, 0]
    if np.hypot(x_axis[0], x_axis[1]) > 1e-6:  # the heading is undefined when x points straight up or down
        assert abs(np.cos(yaw_from_quat(a) - ra.as_euler("ZYX")[0]) - 1.0) < 1e-12
