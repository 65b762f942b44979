"""Swing-foot trajectories: planted at both ends with zero velocity and acceleration."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from gait_generator.swing import swing_pose, swing_profile


def pose(x: float, y: float, yaw: float) -> np.ndarray:
    m = np.eye(4)
    m[:2, :2] = [[np.cos(yaw), -np.sin(yaw)], [np.sin(yaw), np.cos(yaw)]]
    m[:2, 3] = [x, y]
    return m


@given(h=st.floats(0.0, 0.2), rise=st.floats(0.0, 0.45))
def test_profile_starts_and_ends_at_rest(h, rise):
    eps = 1e-4
    tau = np.array([0.0, eps, 2 * eps, 1 - 2 * eps, 1 - eps, 1.0])
    s, z = swing_profile(tau, h, rise)
    assert s[0] == 0.0 and s[-1] == 1.0 and z[0] == 0.0 and z[-1] == 0.0
    # Velocity and acceleration vanish at both ends (third-order contact).
    assert abs(z[1]) <= 64 * h * eps**3 + 1e-15 and abs(z[-2]) <= 64 * h * eps**3 + 1e-15
    mid = swing_profile(np.array([0.5]), h, rise)[1][0]
    assert abs(mid - h) < 1e-12


def test_pose_reaches_footholds_and_stays_flat():
    a, b = pose(0.0, 0.05, 0.0), pose(0.1, 0.06, 0.3)
    out = swing_pose(a, b, np.linspace(0, 1, 11), 0.03, 0.2)
    np.testing.assert_allclose(out[0], a, atol=1e-15)
    np.testing.assert_allclose(out[-1], b, atol=1e-15)
    np.testing.assert_allclose(out[:, 2, :3], [[0, 0, 1]] * 11)  # z axis stays vertical: flat sole
    assert out[:, 2, 3].max() == 0.03


def test_swing_rates_are_exact_derivatives():
    from gait_generator.swing import SwingState

    a, b = pose(0.0, 0.05, 0.0), pose(0.1, 0.06, 0.3)
    tau = np.linspace(0.05, 0.95, 19)
    duration, h = 0.2, 1e-6
    state = SwingState(a, b, tau, duration, 0.03, 0.1)
    ahead = SwingState(a, b, tau + h / duration, duration, 0.03, 0.1)
    behind = SwingState(a, b, tau - h / duration, duration, 0.03, 0.1)
    np.testing.assert_allclose((ahead.pos - behind.pos) / (2 * h), state.vel, atol=1e-5)
    np.testing.assert_allclose((ahead.vel - behind.vel) / (2 * h), state.acc, rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose((ahead.yaw - behind.yaw) / (2 * h), state.yaw_rate, atol=1e-6)
