"""Smooth swing-foot trajectories, with exact time derivatives.

Each swing runs between two planted footholds with zero velocity and zero
acceleration at lift-off and at touchdown:

* height ``z(tau) = h * 64 tau^3 (1 - tau)^3`` (apex ``h`` at mid-swing);
* horizontal position and yaw follow the minimum-jerk profile
  ``10 s^3 - 15 s^4 + 6 s^5`` of ``s``, where ``s`` ramps from 0 to 1 between
  ``rise`` and ``1 - rise`` of the swing, so the foot first lifts and finally
  sets down vertically.

``tau`` is the normalised swing time in [0, 1]; derivatives with respect to
time divide by the swing duration once per order.
"""

from __future__ import annotations

import numpy as np
from numpy.polynomial import polynomial as P
from numpy.typing import NDArray

from motions.planar import Planar

__all__ = ["SwingState", "swing_pose", "swing_profile"]

FloatArray = NDArray[np.float64]

_MIN_JERK = np.array([0.0, 0.0, 0.0, 10.0, -15.0, 6.0])
_HEIGHT = 64.0 * np.array([0.0, 0.0, 0.0, 1.0, -3.0, 3.0, -1.0])


def swing_profile(tau: FloatArray, height: float, rise: float, derivative: int = 0) -> tuple[FloatArray, FloatArray]:
    """Progress of a swing, or its derivative with respect to ``tau``.

    Args:
        tau: Normalised swing time in [0, 1].
        height: Apex height above the floor (m).
        rise: Fraction of the swing spent lifting (and, at the end, setting down)
            before horizontal motion starts, in [0, 0.5).
        derivative: Order of the derivative with respect to ``tau`` (0, 1 or 2).

    Returns:
        ``(horizontal, z)``: horizontal progress in [0, 1] and the foot height (m),
        or their ``derivative``-th derivatives.
    """
    tau = np.asarray(tau, dtype=float)
    z = height * P.polyval(tau, P.polyder(_HEIGHT, derivative) if derivative else _HEIGHT)
    span = max(1.0 - 2.0 * rise, 1e-9)
    u = (tau - rise) / span
    inside = (u > 0.0) & (u < 1.0)
    coeffs = P.polyder(_MIN_JERK, derivative) if derivative else _MIN_JERK
    s = np.where(inside, P.polyval(np.clip(u, 0.0, 1.0), coeffs), 0.0) / span**derivative
    if derivative == 0:
        s = np.where(u >= 1.0, 1.0, s)
    return s, z


class SwingState:
    """Sole pose, velocity and acceleration along a swing (world frame, flat sole).

    Attributes:
        pos: (n, 3) sole centre (m). vel: (n, 3) m/s. acc: (n, 3) m/s^2.
        yaw: (n,) heading (rad). yaw_rate: (n,) rad/s. yaw_acc: (n,) rad/s^2.
    """

    def __init__(self, start: FloatArray, end: FloatArray, tau: FloatArray, duration: float, height: float,
                 rise: float) -> None:
        tau = np.asarray(tau, dtype=float)
        yaw0 = np.arctan2(start[1, 0], start[0, 0])
        dyaw = np.arctan2(end[1, 0], end[0, 0]) - yaw0
        dyaw = (dyaw + np.pi) % (2 * np.pi) - np.pi
        delta = end[:3, 3] - start[:3, 3]
        out = []
        for d in (0, 1, 2):
            s, z = swing_profile(tau, height, rise, d)
            scale = duration**-d
            pos = s[:, None] * delta[None, :] + np.outer(z, [0.0, 0.0, 1.0])
            out.append((pos * scale, s * dyaw * scale))
        self.pos = start[:3, 3] + out[0][0]
        self.vel, self.acc = out[1][0], out[2][0]
        self.yaw = yaw0 + out[0][1]
        self.yaw_rate, self.yaw_acc = out[1][1], out[2][1]

    def poses(self) -> FloatArray:
        """(n, 4, 4) sole poses (flat, yaw only)."""
        return Planar(self.pos[:, 0], self.pos[:, 1], self.yaw).pose(self.pos[:, 2])


def swing_pose(start: FloatArray, end: FloatArray, tau: FloatArray, height: float, rise: float) -> FloatArray:
    """Sole poses along a swing from ``start`` to ``end``.

    Args:
        start: 4x4 planted sole pose at lift-off (world, flat on the floor).
        end: 4x4 planted sole pose at touchdown (world, flat on the floor).
        tau: (n,) normalised swing times in [0, 1].
        height: Apex height (m). rise: See :func:`swing_profile`.

    Returns:
        (n, 4, 4) sole poses, flat (yaw only), world frame.
    """
    return SwingState(start, end, tau, 1.0, height, rise).poses()
