"""Closing a gait cycle exactly, and splitting planar offsets."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, strategies as st

from gait_generator.cycle import close_cycle, planar_offset


def planar(yaw: float, x: float, y: float) -> np.ndarray:
    m = np.eye(4)
    m[:2, :2] = [[math.cos(yaw), -math.sin(yaw)], [math.sin(yaw), math.cos(yaw)]]
    m[:2, 3] = [x, y]
    return m


@given(
    yaw=st.floats(-0.7, 0.7), x=st.floats(-0.2, 0.2), y=st.floats(-0.2, 0.2),
    n=st.integers(2, 60), noise=st.floats(0.0, 1e-3),
)
def test_closed_cycle_maps_onto_the_next(yaw, x, y, n, noise):
    rng = np.random.default_rng(n)
    offset = planar(yaw, x, y)
    pts = rng.normal(size=(n + 1, 3))
    pts[n] = pts[0] @ offset[:3, :3].T + offset[:3, 3] + noise
    out = close_cycle(pts, offset)
    np.testing.assert_allclose(out[n], out[0] @ offset[:3, :3].T + offset[:3, 3], atol=1e-12)
    np.testing.assert_array_equal(out[0], pts[0])
    assert np.abs(out - pts).max() <= noise * math.sqrt(3) + 1e-12


@given(yaw=st.floats(-3.0, 3.0), x=st.floats(-1, 1), y=st.floats(-1, 1))
def test_planar_offset_round_trip(yaw, x, y):
    pos, got = planar_offset(planar(yaw, x, y))
    assert abs(got - yaw) < 1e-12
    np.testing.assert_allclose(pos, [x, y, 0.0], atol=1e-15)


@given(yaw=st.floats(-0.6, 0.6), n=st.integers(8, 60))
def test_periodic_com_shift_moves_the_lipm_zmp_by_the_request(yaw, n):
    from gait_generator.cycle import periodic_com_shift

    fps, omega = 60.0, 6.8
    rng = np.random.default_rng(n)
    want = rng.normal(scale=0.01, size=(n, 2))
    d = periodic_com_shift(want, omega, fps, yaw)
    rot = planar(yaw, 0, 0)[:2, :2]
    np.testing.assert_allclose(d[n], rot @ d[0], atol=1e-15)
    ext = np.vstack([d[n - 1 : n] @ rot, d])  # frame -1 is frame N-1 turned back
    acc = (ext[2:] - 2 * ext[1:-1] + ext[:-2]) * fps**2
    np.testing.assert_allclose(d[:n] - acc / omega**2, want, atol=1e-12)
