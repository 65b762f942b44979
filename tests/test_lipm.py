"""The exact LIPM solver: the pendulum equation, continuity and boundary conditions, by property."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from gait_generator.lipm import Periodic, PiecewisePolynomial, Rest, solve_lipm
from gait_generator.timeline import bump, quintic


def rotation(yaw: float) -> np.ndarray:
    return np.array([[np.cos(yaw), -np.sin(yaw)], [np.sin(yaw), np.cos(yaw)]])


def walking_zmp(yaw: float, step: np.ndarray, ss: float, ds: float) -> tuple[PiecewisePolynomial, Periodic]:
    """Two single supports and two quintic transfers, repeating under a rotated offset."""
    r = rotation(yaw)
    offset = step
    a, b = np.array([0.0, 0.05]), np.array([step[0] / 2, -0.05])
    a2 = r @ a + offset
    breaks = np.cumsum([0.0, ss, ds, ss, ds])
    coeffs = np.zeros((4, 6, 2))
    coeffs[0, 0], coeffs[2, 0] = a, b
    coeffs[1], coeffs[3] = quintic(a, b, ds), quintic(b, a2, ds)
    return PiecewisePolynomial(breaks, coeffs), Periodic(r, offset)


@settings(max_examples=30, deadline=None)
@given(yaw=st.floats(-0.4, 0.4), dx=st.floats(-0.2, 0.2), dy=st.floats(-0.05, 0.05),
       ss=st.floats(0.1, 0.6), ds=st.floats(1 / 30, 0.2), omega=st.floats(3.0, 10.0))
def test_periodic_solution_obeys_the_pendulum_and_repeats(yaw, dx, dy, ss, ds, omega):
    # Transfers last at least 1/30 s: timing snaps every phase to whole 1/30 s steps.
    zmp, bc = walking_zmp(yaw, np.array([dx, dy]), ss, ds)
    com = solve_lipm(zmp, omega, bc)
    t = np.linspace(0.0, zmp.breaks[-1], 401)
    # 0.1 um: a short transfer's particular solution and mode constants cancel (round-off ~1e-9 m).
    np.testing.assert_allclose(com(t) - com(t, 2) / omega**2, zmp(t), atol=1e-7)
    period = zmp.breaks[-1]
    np.testing.assert_allclose(com(period)[0], bc.rotation @ com(0.0)[0] + bc.offset, atol=1e-7)
    np.testing.assert_allclose(com(period, 1)[0], bc.rotation @ com(0.0, 1)[0], atol=1e-6)
    for b in zmp.breaks[1:-1]:  # position and velocity continuous at every break
        np.testing.assert_allclose(com(b - 1e-10), com(b + 1e-10), atol=1e-7)
        np.testing.assert_allclose(com(b - 1e-10, 1), com(b + 1e-10, 1), atol=1e-6)
    # The derivative is the derivative (not a differenced value). A short transfer makes the
    # particular solution and the mode constants large and cancelling (CoM round-off ~1e-11 m),
    # so the check differences over h = 1e-4 s, whose truncation error is far below the tolerance.
    h = 1e-4
    np.testing.assert_allclose((com(t[1:-1] + h) - com(t[1:-1] - h)) / (2 * h), com(t[1:-1], 1), atol=1e-4)


@settings(max_examples=20, deadline=None)
@given(side=st.floats(-0.08, 0.08), forward=st.floats(-0.1, 0.1), omega=st.floats(3.0, 10.0))
def test_rest_plan_starts_and_ends_still_over_the_zmp(side, forward, omega):
    start, stance, end = np.zeros(2), np.array([forward / 2, side]), np.array([forward, 0.0])
    breaks = np.array([0.0, 0.3, 0.8, 1.1])
    coeffs = np.zeros((3, 7, 2))
    coeffs[0, :6] = quintic(start, stance, 0.3)
    coeffs[1, 0] = stance
    coeffs[2, :6] = quintic(stance, end, 0.3)
    shapes = []
    for i in (0, 2):
        shape = np.zeros_like(coeffs)
        shape[i] = bump(0.3)
        shapes.append(PiecewisePolynomial(breaks, shape))
    com = solve_lipm(PiecewisePolynomial(breaks, coeffs), omega, Rest(tuple(shapes)))
    np.testing.assert_allclose(com(0.0)[0], start, atol=1e-9)
    np.testing.assert_allclose(com(1.1)[0], end, atol=1e-9)
    np.testing.assert_allclose(com(np.array([0.0, 1.1]), 1), 0.0, atol=1e-8)
    t = np.linspace(0.0, 1.1, 301)
    np.testing.assert_allclose(com(t) - com(t, 2) / omega**2, com.zmp(t), atol=1e-9)


def test_refining_the_breaks_changes_nothing():
    zmp, bc = walking_zmp(0.2, np.array([0.1, 0.02]), 0.3, 0.05)
    fine = zmp.refine(np.linspace(0.0, zmp.breaks[-1], 29))
    t = np.linspace(0.0, zmp.breaks[-1], 301)
    np.testing.assert_allclose(fine(t), zmp(t), atol=1e-12)
    np.testing.assert_allclose(solve_lipm(fine, 5.0, bc)(t), solve_lipm(zmp, 5.0, bc)(t), atol=1e-10)
