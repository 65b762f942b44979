"""Property tests for motions.planar, against scipy's Rotation and matrix products."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.spatial.transform import Rotation

from motions.planar import Planar

_coord = st.floats(-10.0, 10.0, allow_nan=False)
_yaw = st.floats(-4.0 * np.pi, 4.0 * np.pi, allow_nan=False)
planars = st.builds(Planar, _coord, _coord, _yaw)
points3 = st.tuples(_coord, _coord, _coord).map(np.array)


def _scipy_pose(p: Planar) -> np.ndarray:
    """The 4x4 pose of ``p`` from scipy: rotation about z by yaw, then translation (x, y, 0)."""
    out = np.eye(4)
    out[:3, :3] = Rotation.from_euler("z", float(p.yaw)).as_matrix()
    out[:2, 3] = [p.x, p.y]
    return out


@given(planars, points3)
def test_apply_matches_scipy(p: Planar, point: np.ndarray) -> None:
    expected = Rotation.from_euler("z", float(p.yaw)).apply(point) + [p.x, p.y, 0.0]
    np.testing.assert_allclose(p.apply(point), expected, atol=1e-12)
    np.testing.assert_allclose(p.apply(point[:2]), expected[:2], atol=1e-12)
    np.testing.assert_allclose(p.rotate(point), expected - [p.x, p.y, 0.0], atol=1e-12)


@given(planars)
def test_matrices_match_scipy(p: Planar) -> None:
    rot = Rotation.from_euler("z", float(p.yaw)).as_matrix()
    np.testing.assert_allclose(p.rotation3(), rot, atol=1e-15)
    np.testing.assert_allclose(p.rotation(), rot[:2, :2], atol=1e-15)
    np.testing.assert_allclose(p.pose(), _scipy_pose(p), atol=1e-15)
    np.testing.assert_allclose(p.matrix(), _scipy_pose(p)[[0, 1, 3]][:, [0, 1, 3]], atol=1e-15)


@given(planars, planars, points3)
def test_compose_applies_other_first(a: Planar, b: Planar, point: np.ndarray) -> None:
    ab = a.compose(b)
    np.testing.assert_allclose(ab.apply(point), a.apply(b.apply(point)), atol=1e-9)
    np.testing.assert_allclose(ab.pose(), _scipy_pose(a) @ _scipy_pose(b), atol=1e-9)
    assert ab.yaw == a.yaw + b.yaw  # yaws add, unwrapped


@given(planars, points3)
def test_inverse_undoes(p: Planar, point: np.ndarray) -> None:
    inv = p.inverse()
    np.testing.assert_allclose(inv.apply(p.apply(point)), point, atol=1e-9)
    np.testing.assert_allclose(p.apply_inverse(p.apply(point)), point, atol=1e-9)
    np.testing.assert_allclose(p.rotate_inverse(p.rotate(point)), point, atol=1e-9)
    np.testing.assert_allclose(inv.pose(), np.linalg.inv(_scipy_pose(p)), atol=1e-9)
    np.testing.assert_allclose(p.compose(inv).to_vector(), [0.0, 0.0, 0.0], atol=1e-9)


@given(planars, st.floats(-1.0, 1.0, allow_nan=False))
def test_matrix_and_vector_round_trips(p: Planar, z: float) -> None:
    wrapped = (p.yaw + np.pi) % (2.0 * np.pi) - np.pi
    for back in (Planar.from_matrix(p.pose(z)), Planar.from_matrix(p.matrix())):
        assert back.x == p.x and back.y == p.y
        assert np.isclose(np.cos(back.yaw - wrapped), 1.0, atol=1e-12)
    assert p.pose(z)[2, 3] == z
    again = Planar.from_vector(p.to_vector())
    assert (again.x, again.y, again.yaw) == (p.x, p.y, p.yaw)


def test_identity_changes_nothing() -> None:
    pts = np.random.default_rng(0).normal(size=(5, 3))
    np.testing.assert_array_equal(Planar.identity().apply(pts), pts)
    np.testing.assert_array_equal(Planar.identity().pose(), np.eye(4))


def test_batches_are_row_wise() -> None:
    rng = np.random.default_rng(1)
    vec = rng.normal(size=(7, 3))
    pts = rng.normal(size=(7, 3))
    batch = Planar.from_vector(vec)
    assert batch.shape == (7,)
    singles = [Planar(*row) for row in vec]
    np.testing.assert_array_equal(batch.apply(pts), [p.apply(q) for p, q in zip(singles, pts)])
    np.testing.assert_array_equal(batch.rotate_inverse(pts), [p.rotate_inverse(q) for p, q in zip(singles, pts)])
    np.testing.assert_array_equal(batch.pose(pts[:, 2]), [p.pose(z) for p, z in zip(singles, pts[:, 2])])
    np.testing.assert_array_equal(batch.rotation3(), [p.rotation3() for p in singles])
    np.testing.assert_array_equal(batch.inverse().to_vector(), [p.inverse().to_vector() for p in singles])
    # One transform over many points, and a batch sharing one translation.
    np.testing.assert_array_equal(singles[0].apply(pts), [singles[0].apply(q) for q in pts])
    shared = Planar(0.5, -0.2, vec[:, 2])
    np.testing.assert_array_equal(shared.translation, np.tile([0.5, -0.2], (7, 1)))


def test_rejects_bad_shapes() -> None:
    with pytest.raises(ValueError, match=r"shape \(4,\)"):
        Planar.from_vector(np.zeros(4))
    with pytest.raises(ValueError, match=r"shape \(2, 2\)"):
        Planar.from_matrix(np.eye(2))
    with pytest.raises(ValueError, match="do not broadcast"):
        Planar(np.zeros(3), np.zeros(2), 0.0)
    with pytest.raises(ValueError, match=r"points: shape \(4,\)"):
        Planar.identity().apply(np.zeros(4))
