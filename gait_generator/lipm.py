"""The linear inverted pendulum (LIPM), solved exactly for a piecewise-polynomial ZMP.

With the centre of mass at a constant height ``z_c`` the horizontal CoM ``c(t)``
and the ZMP ``p(t)`` obey ``c - c'' / omega^2 = p`` with ``omega = sqrt(g / z_c)``.
For a ZMP that is a polynomial on each segment the solution on that segment is

    c(tau) = P(tau) + A exp(omega (tau - T)) + B exp(-omega tau),
    P = p + p'' / omega^2 + p'''' / omega^4 + ...

(``tau`` is the time since the segment start, ``T`` its length; both exponentials
are at most 1 inside the segment, so long plans stay well conditioned). The
constants ``A, B`` (2-vectors per segment) follow from continuity of ``c`` and
``c'`` between segments and from boundary conditions:

* :class:`Periodic`: the walk repeats after the plan with a planar rigid offset,
  ``c(t + T) = R c(t) + o``; the ZMP must repeat the same way.
* :class:`Rest`: the robot stands still at both ends (``c = p``, ``c' = 0``). A
  ZMP plan rarely allows that by itself (the pendulum's unstable mode would
  diverge), so the ZMP gets free smooth "bumps" (2-vectors times a given shape)
  whose sizes are solved for together with the constants. This is how a walk
  starts: the ZMP first moves away from the first step.

Everything is continuous in time: :class:`CoMTrajectory` evaluates position,
velocity and acceleration at any time, whatever the output frame rate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse
import scipy.sparse.linalg
from numpy.typing import NDArray

from gait_generator.errors import PlanningError

__all__ = ["GRAVITY", "CoMTrajectory", "Periodic", "PiecewisePolynomial", "Rest", "solve_lipm"]

FloatArray = NDArray[np.float64]

GRAVITY = 9.81
"""Gravity magnitude ``g`` (m/s^2) of the pendulum (``omega = sqrt(g / z_c)``) and of every ZMP and load
estimate in the project; MuJoCo and pinocchio models carry their own gravity vector."""

TIME_TOL = 1e-9
"""Times (s) closer than this are the same instant (breaks are frame times k / fps)."""


@dataclass(frozen=True)
class PiecewisePolynomial:
    """A 2-D polynomial per segment, in local time.

    Attributes:
        breaks: (S + 1,) increasing segment boundaries (s).
        coeffs: (S, K, 2) coefficients: on segment i, ``p(t) = sum_k coeffs[i, k] (t - breaks[i])^k`` (m).
    """

    breaks: FloatArray
    coeffs: FloatArray

    @property
    def segments(self) -> int:
        """Number of segments S."""
        return int(self.coeffs.shape[0])

    def segment_of(self, t: ArrayLike) -> NDArray[np.int64]:
        """Segment index of each time (the last segment also holds its end time)."""
        i = np.searchsorted(self.breaks, np.asarray(t, dtype=float), side="right") - 1
        return np.clip(i, 0, self.segments - 1)

    def __call__(self, t: ArrayLike, derivative: int = 0) -> FloatArray:
        """Value (or a time derivative) at times ``t``, shape (n, 2)."""
        t = np.atleast_1d(np.asarray(t, dtype=float))
        i = self.segment_of(t)
        tau = t - self.breaks[i]
        return _poly_eval(self.coeffs[i], tau, derivative)

    def __add__(self, other: PiecewisePolynomial) -> PiecewisePolynomial:
        """Sum of two polynomials with the same breaks."""
        if self.breaks.shape != other.breaks.shape or np.any(self.breaks != other.breaks):
            raise ValueError("piecewise polynomials must share their breaks to be added")
        k = max(self.coeffs.shape[1], other.coeffs.shape[1])
        out = np.zeros((self.segments, k, 2))
        out[:, : self.coeffs.shape[1]] += self.coeffs
        out[:, : other.coeffs.shape[1]] += other.coeffs
        return PiecewisePolynomial(self.breaks, out)

    def refine(self, breaks: FloatArray) -> PiecewisePolynomial:
        """The same function on finer ``breaks`` (which must include every current break)."""
        breaks = np.asarray(breaks, dtype=float)
        i = self.segment_of(breaks[:-1] + TIME_TOL)  # a new break within TIME_TOL of an old one is that break
        shift = breaks[:-1] - self.breaks[i]
        return PiecewisePolynomial(breaks, _poly_shift(self.coeffs[i], shift))


ArrayLike = FloatArray | float | list


def _poly_eval(coeffs: FloatArray, tau: FloatArray, derivative: int) -> FloatArray:
    """Evaluate (n, K, 2) local polynomials at (n,) local times."""
    k = coeffs.shape[1]
    out = np.zeros((coeffs.shape[0], 2))
    for power in range(derivative, k):
        factor = 1.0
        for j in range(derivative):
            factor *= power - j
        out += factor * coeffs[:, power] * (tau ** (power - derivative))[:, None]
    return out


def _poly_shift(coeffs: FloatArray, shift: FloatArray) -> FloatArray:
    """Re-expand (n, K, 2) polynomials in ``tau`` around ``tau = shift`` (Taylor shift)."""
    _n, k, _ = coeffs.shape
    out = np.zeros_like(coeffs)
    from math import comb

    for power in range(k):
        for j in range(power + 1):
            out[:, j] += comb(power, j) * coeffs[:, power] * (shift ** (power - j))[:, None]
    return out


def _particular(coeffs: FloatArray, omega: float) -> FloatArray:
    """Coefficients of ``P = p + p''/w^2 + p''''/w^4 + ...`` for (S, K, 2) polynomials."""
    out = coeffs.copy()
    k = coeffs.shape[1]
    term = coeffs.copy()
    for _ in range(k // 2):
        deriv = np.zeros_like(term)
        for power in range(2, k):
            deriv[:, power - 2] = power * (power - 1) * term[:, power]
        term = deriv / omega**2
        out += term
    return out


@dataclass(frozen=True)
class Periodic:
    """Rotated-periodic boundary: ``c(t + T) = R c(t) + offset`` over the whole plan.

    Attributes:
        rotation: (2, 2) yaw rotation of one period.
        offset: (2,) translation of one period (m).
    """

    rotation: FloatArray
    offset: FloatArray


@dataclass(frozen=True)
class Rest:
    """The CoM stands still over the ZMP at both ends of the plan, and at given instants in between.

    Attributes:
        bumps: Scalar bump shapes, each a :class:`PiecewisePolynomial` on the
            plan's breaks whose two columns are equal; the solver adds
            ``v_j * bump_j`` to the ZMP with a free 2-vector ``v_j`` per bump.
            Give two bumps (one near each end) for a well-posed plan, and two
            more per instant of ``holds`` (the stop before it, the start after it).
        holds: Instants (s) strictly inside the plan, each on a break, where the
            robot stands still between two walks (``c = p``, ``c' = 0``); with a
            constant ZMP after it the CoM then stays still until the ZMP moves.
    """

    bumps: tuple[PiecewisePolynomial, ...]
    holds: tuple[float, ...] = ()


@dataclass(frozen=True)
class CoMTrajectory:
    """An exact LIPM solution.

    Attributes:
        zmp: The ZMP it was solved for (bumps included), m.
        omega: LIPM natural frequency (1/s).
        particular: (S, K, 2) particular-solution coefficients per segment.
        a: (S, 2) growing-mode constants. b: (S, 2) decaying-mode constants.
        bump_sizes: (nb, 2) solved bump sizes (empty for periodic plans).
    """

    zmp: PiecewisePolynomial
    omega: float
    particular: FloatArray
    a: FloatArray
    b: FloatArray
    bump_sizes: FloatArray

    def __call__(self, t: ArrayLike, derivative: int = 0) -> FloatArray:
        """CoM position (or its ``derivative``-th time derivative, 0..2) at ``t``, shape (n, 2)."""
        t = np.atleast_1d(np.asarray(t, dtype=float))
        i = self.zmp.segment_of(t)
        tau = t - self.zmp.breaks[i]
        length = np.diff(self.zmp.breaks)[i]
        w = self.omega
        grow = np.exp(w * (tau - length))[:, None] * w**derivative
        decay = np.exp(-w * tau)[:, None] * (-w) ** derivative
        return _poly_eval(self.particular[i], tau, derivative) + self.a[i] * grow + self.b[i] * decay


def solve_lipm(zmp: PiecewisePolynomial, omega: float, boundary: Periodic | Rest) -> CoMTrajectory:
    """Solve the LIPM for ``zmp`` with the given boundary conditions.

    Args:
        zmp: ZMP reference (m, world x/y), continuous at the breaks.
        omega: ``sqrt(g / com_height)`` (1/s).
        boundary: :class:`Periodic` or :class:`Rest`.

    Returns:
        The CoM trajectory (and, for :class:`Rest`, the ZMP with its bumps).

    Raises:
        PlanningError: The boundary conditions cannot be met (singular system).
    """
    s = zmp.segments
    lengths = np.diff(zmp.breaks)
    bumps = boundary.bumps if isinstance(boundary, Rest) else ()
    nb = len(bumps)
    part = _particular(zmp.coeffs, omega)
    bump_part = [_particular(b.coeffs, omega) for b in bumps]
    n = 4 * s + 2 * nb  # unknowns: A_i (2), B_i (2) per segment, then v_j (2) per bump
    e = np.exp(-omega * lengths)
    rows, cols, vals = [], [], []
    rhs = []

    def add(row: int, col: int, value: float) -> None:
        rows.append(row)
        cols.append(col)
        vals.append(value)

    def a_col(i: int, axis: int) -> int:
        return 4 * i + axis

    def b_col(i: int, axis: int) -> int:
        return 4 * i + 2 + axis

    def v_col(j: int, axis: int) -> int:
        return 4 * s + 2 * j + axis

    def end_terms(i: int, d: int) -> tuple[float, float]:
        """Coefficients of A_i, B_i in c^(d) at the end of segment i."""
        return omega**d, (-omega) ** d * e[i]

    def start_terms(i: int, d: int) -> tuple[float, float]:
        """Coefficients of A_i, B_i in c^(d) at the start of segment i."""
        return omega**d * e[i], (-omega) ** d

    def p_at(coeffs: FloatArray, i: int, tau: float, d: int) -> FloatArray:
        return _poly_eval(coeffs[i : i + 1], np.array([tau]), d)[0]

    # Continuity of c and c' between consecutive segments: rows 4 i + 2 d + axis (d the derivative).
    ii = np.arange(s - 1)
    rhs_junction = np.zeros(4 * (s - 1))
    for d in (0, 1):
        p_end = _poly_eval(part, lengths, d)
        p_start = _poly_eval(part, np.zeros(s), d)
        jump = p_start[1:] - p_end[:-1]
        bump_jumps = [_poly_eval(bp, lengths, d)[:-1, 0] - _poly_eval(bp, np.zeros(s), d)[1:, 0] for bp in bump_part]
        for axis in (0, 1):
            r = 4 * ii + 2 * d + axis
            for col, value in ((4 * ii + axis, np.full(s - 1, omega**d)),
                               (4 * ii + 2 + axis, (-omega) ** d * e[:-1]),
                               (4 * (ii + 1) + axis, -(omega**d) * e[1:]),
                               (4 * (ii + 1) + 2 + axis, np.full(s - 1, -((-omega) ** d)))):
                rows.extend(r.tolist())
                cols.extend(col.tolist())
                vals.extend(value.tolist())
            for j, bj in enumerate(bump_jumps):
                nz = np.flatnonzero(bj)
                rows.extend(r[nz].tolist())
                cols.extend([v_col(j, axis)] * len(nz))
                vals.extend(bj[nz].tolist())
            rhs_junction[r] = jump[:, axis]
    rhs.extend(rhs_junction.tolist())
    row = 4 * (s - 1)
    if isinstance(boundary, Periodic):
        rot = np.asarray(boundary.rotation, dtype=float)
        last = s - 1
        for d in (0, 1):
            ea, eb = end_terms(last, d)
            sa, sb = start_terms(0, d)
            target = rot @ p_at(part, 0, 0.0, d) - p_at(part, last, lengths[last], d)
            if d == 0:
                target = target + np.asarray(boundary.offset, dtype=float)
            for axis in (0, 1):
                add(row, a_col(last, axis), ea)
                add(row, b_col(last, axis), eb)
                for other in (0, 1):
                    if rot[axis, other]:
                        add(row, a_col(0, other), -rot[axis, other] * sa)
                        add(row, b_col(0, other), -rot[axis, other] * sb)
                rhs.append(target[axis])
                row += 1
    else:
        p0 = zmp(zmp.breaks[0])[0]
        p1 = zmp(zmp.breaks[-1])[0]
        ends = [(0, 0.0, start_terms(0, 0), start_terms(0, 1), p0),
                (s - 1, lengths[-1], end_terms(s - 1, 0), end_terms(s - 1, 1), p1)]
        for hold in boundary.holds:
            i = int(zmp.segment_of(np.array([hold + TIME_TOL]))[0])
            if i <= 0 or abs(zmp.breaks[i] - hold) > TIME_TOL:
                raise PlanningError(f"a rest instant at {hold} s is not a break strictly inside the plan")
            ends.append((i, 0.0, start_terms(i, 0), start_terms(i, 1), p_at(zmp.coeffs, i, 0.0, 0)))
        for i, tau, (ca0, cb0), (ca1, cb1), p_end in ends:
            for d, (ca, cb) in ((0, (ca0, cb0)), (1, (ca1, cb1))):
                value = p_at(part, i, tau, d)
                want = p_end if d == 0 else np.zeros(2)
                for axis in (0, 1):
                    add(row, a_col(i, axis), ca)
                    add(row, b_col(i, axis), cb)
                    for j, (bp, bump) in enumerate(zip(bump_part, bumps)):
                        bj = p_at(bp, i, tau, d)[0] - (p_at(bump.coeffs, i, tau, 0)[0] if d == 0 else 0.0)
                        if bj:
                            add(row, v_col(j, axis), bj)
                    rhs.append(want[axis] - value[axis])
                    row += 1
    if row != n:
        raise PlanningError(f"LIPM plan has {row} conditions for {n} unknowns (give two bumps for a rest plan, and "
                            "two more per rest instant in between)")
    matrix = scipy.sparse.csc_matrix((vals, (rows, cols)), shape=(n, n))
    try:
        with np.errstate(all="raise"):
            z = scipy.sparse.linalg.spsolve(matrix, np.asarray(rhs))
    except (RuntimeError, FloatingPointError, np.linalg.LinAlgError) as exc:
        raise PlanningError(f"the LIPM boundary conditions cannot be met: {exc}") from exc
    if not np.all(np.isfinite(z)):
        raise PlanningError("the LIPM boundary conditions cannot be met (singular system)")
    z4 = z[: 4 * s].reshape(s, 4)
    sizes = z[4 * s :].reshape(nb, 2)
    full, total_part = zmp, part
    for bump, bp, v in zip(bumps, bump_part, sizes):
        full = full + PiecewisePolynomial(bump.breaks, bump.coeffs[..., :1] * v)
        k = max(total_part.shape[1], bp.shape[1])
        grown = np.zeros((s, k, 2))
        grown[:, : total_part.shape[1]] += total_part
        grown[:, : bp.shape[1]] += bp[..., :1] * v
        total_part = grown
    return CoMTrajectory(zmp=full, omega=float(omega), particular=total_part, a=z4[:, :2], b=z4[:, 2:],
                         bump_sizes=sizes)
