"""Finding the steady gait cycle in a plan, and closing it exactly.

For a fixed command placo's plan settles into a periodic walk: one cycle (two
steps) repeats, offset by a rigid planar motion. We pick the cycle with the
smallest periodicity error, then remove the tiny residual (about 1e-5 m) with a
linear ramp so that the cycle closes exactly and can be tiled without a seam.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gait_generator.errors import PlanningError
from gait_generator.placo_adapter import PlacoPlan, SupportPhase
from gait_generator.timing import StepTiming

__all__ = ["SteadyCycle", "find_steady_cycle", "close_cycle", "planar_offset", "periodic_com_shift"]

PERIODICITY_TOLERANCE = 1e-3
"""Largest CoM periodicity error (m) accepted before ramp closing; above it the plan has not settled."""


@dataclass(frozen=True)
class SteadyCycle:
    """The steady cycle of a plan.

    Attributes:
        first_support: Index of the cycle's first support phase (a single support).
        t_start: Plan time (s) at which the cycle starts (a whole frame).
        offset: 4x4 rigid transform mapping the cycle onto the next one (world).
        periodicity_error: Largest CoM mismatch between this cycle and the next (m).
        phases: The cycle's support phases (4 with double support, else 2).
    """

    first_support: int
    t_start: float
    offset: np.ndarray
    periodicity_error: float
    phases: list[SupportPhase]


def _apply(transform: np.ndarray, points: np.ndarray) -> np.ndarray:
    return points @ transform[:3, :3].T + transform[:3, 3]


def find_steady_cycle(plan: PlacoPlan, timing: StepTiming) -> SteadyCycle:
    """Return the most periodic whole cycle of ``plan``.

    Candidate cycles start at a single support of the plan's first stance side.
    Each is compared with the cycle after it: the CoM, sampled at every frame,
    must map onto the next cycle's through the footsteps' rigid offset.

    Raises:
        PlanningError: The cycle length on the trajectory is not the snapped one
            (placo rounded differently), or no cycle has settled.
    """
    supports = plan.supports()
    per_cycle = 4 if timing.double_support_frames else 2
    singles = [i for i, s in enumerate(supports) if s.side != "both"]
    if not singles:
        raise PlanningError("the plan has no single-support phase")
    first_side = supports[singles[0]].side
    frames = np.arange(timing.cycle_frames + 1) / timing.fps
    best: SteadyCycle | None = None
    for i in singles:
        if supports[i].side != first_side or i + 2 * per_cycle >= len(supports):
            continue
        nxt = supports[i + per_cycle]
        if nxt.side != first_side:
            continue
        length = nxt.t_start - supports[i].t_start
        if abs(length * timing.fps - timing.cycle_frames) > 1e-6:
            raise PlanningError(
                f"cycle on the trajectory lasts {length:.6f} s, expected {timing.cycle_frames} frames at {timing.fps} fps"
            )
        offset = nxt.frame @ np.linalg.inv(supports[i].frame)
        here = plan.sample(supports[i].t_start + frames).com
        there = plan.sample(nxt.t_start + frames).com
        error = float(np.abs(_apply(offset, here) - there).max())
        if best is None or error < best.periodicity_error:
            best = SteadyCycle(i, supports[i].t_start, offset, error, supports[i : i + per_cycle])
    if best is None or best.periodicity_error > PERIODICITY_TOLERANCE:
        raise PlanningError(
            "the walk did not settle into a periodic cycle "
            f"(best CoM periodicity error {best.periodicity_error if best else float('inf'):.2e} m)"
        )
    return best


def close_cycle(points: np.ndarray, offset: np.ndarray) -> np.ndarray:
    """Make N+1 samples of a cycle close exactly under ``offset``.

    Args:
        points: (N + 1, 3) samples at frames 0..N of the cycle (world, m); frame N
            is the next cycle's frame 0.
        offset: 4x4 rigid transform from one cycle to the next.

    Returns:
        (N + 1, 3) samples with the seam mismatch removed by a linear ramp, so that
        ``out[N] == offset * out[0]``.
    """
    n = points.shape[0] - 1
    mismatch = points[n] - _apply(offset, points[:1])[0]
    ramp = (np.arange(n + 1) / n)[:, None]
    return points - ramp * mismatch


def planar_offset(transform: np.ndarray) -> tuple[np.ndarray, float]:
    """Split a planar rigid transform into (translation (3,) with z = 0, yaw)."""
    yaw = float(np.arctan2(transform[1, 0], transform[0, 0]))
    pos = np.array([transform[0, 3], transform[1, 3], 0.0])
    return pos, yaw


def periodic_com_shift(zmp_shift: np.ndarray, omega: float, fps: float, yaw: float) -> np.ndarray:
    """CoM offset that moves the ZMP of a cycle by ``zmp_shift``, under the LIPM.

    Solves ``d - d'' / omega^2 = zmp_shift`` over one cycle of N frames with the
    cycle's own boundary condition: frame N is frame 0 turned by the cycle's yaw
    (``d_N = R d_0``, ``d_-1 = R^T d_N-1``), by central differences at ``fps``.

    Args:
        zmp_shift: (N, 2) wanted ZMP change at frames 0..N-1 (world x, y; m).
        omega: LIPM natural frequency ``sqrt(g / com_height)`` (1/s).
        fps: Frame rate (Hz).
        yaw: Yaw of the cycle offset (rad).

    Returns:
        (N + 1, 2) CoM offset at frames 0..N (frame N is the next cycle's frame 0).
    """
    n = len(zmp_shift)
    a = (fps / omega) ** 2
    c, s = np.cos(yaw), np.sin(yaw)
    rot = np.array([[c, -s], [s, c]])
    m = np.zeros((2 * n, 2 * n))
    eye = np.eye(2)
    for k in range(n):
        rows = slice(2 * k, 2 * k + 2)
        m[rows, rows] += (1.0 + 2.0 * a) * eye
        nxt, prv = (k + 1) % n, (k - 1) % n
        m[rows, 2 * nxt : 2 * nxt + 2] -= a * (rot if k == n - 1 else eye)
        m[rows, 2 * prv : 2 * prv + 2] -= a * (rot.T if k == 0 else eye)
    d = np.linalg.solve(m, zmp_shift.reshape(-1)).reshape(n, 2)
    return np.vstack([d, d[:1] @ rot.T])
