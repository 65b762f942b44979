"""Smooth swing-foot trajectories.

placo's swing foot lands with about 0.2 m/s of vertical speed and stops its
horizontal motion within one frame, which puts a kink in the knee at every
touchdown (18 rad/s knee speeds on mini_biped, and features a 30 fps export
cannot represent). We keep placo's planted footholds and replace each swing
between them with a trajectory whose velocity and acceleration are zero at
lift-off and touchdown:

* height ``z(tau) = h * 64 tau^3 (1 - tau)^3`` (apex ``h`` at mid-swing);
* horizontal position and yaw follow the minimum-jerk profile
  ``10 s^3 - 15 s^4 + 6 s^5`` of ``s``, where ``s`` ramps from 0 to 1 between
  ``rise`` and ``1 - rise`` of the swing, so the foot first lifts and finally
  sets down vertically.
"""

from __future__ import annotations

import numpy as np

__all__ = ["swing_profile", "swing_pose"]


def _min_jerk(s: np.ndarray) -> np.ndarray:
    s = np.clip(s, 0.0, 1.0)
    return s**3 * (10.0 - 15.0 * s + 6.0 * s**2)


def swing_profile(tau: np.ndarray, height: float, rise: float) -> tuple[np.ndarray, np.ndarray]:
    """Progress of a swing.

    Args:
        tau: Normalised swing time in [0, 1].
        height: Apex height above the floor (m).
        rise: Fraction of the swing spent lifting (and, at the end, setting down)
            before horizontal motion starts, in [0, 0.5).

    Returns:
        ``(horizontal, z)``: horizontal progress in [0, 1] and the foot height (m).
    """
    tau = np.asarray(tau, dtype=float)
    z = height * 64.0 * tau**3 * (1.0 - tau) ** 3
    span = max(1.0 - 2.0 * rise, 1e-9)
    return _min_jerk((tau - rise) / span), z


def swing_pose(start: np.ndarray, end: np.ndarray, tau: np.ndarray, height: float, rise: float) -> np.ndarray:
    """Sole poses along a swing from ``start`` to ``end``.

    Args:
        start: 4x4 planted sole pose at lift-off (world, flat on the floor).
        end: 4x4 planted sole pose at touchdown (world, flat on the floor).
        tau: (n,) normalised swing times in [0, 1].
        height: Apex height (m). rise: See :func:`swing_profile`.

    Returns:
        (n, 4, 4) sole poses, flat (yaw only), world frame.
    """
    s, z = swing_profile(tau, height, rise)
    yaw0 = np.arctan2(start[1, 0], start[0, 0])
    dyaw = np.arctan2(end[1, 0], end[0, 0]) - yaw0
    dyaw = (dyaw + np.pi) % (2 * np.pi) - np.pi
    yaw = yaw0 + s * dyaw
    out = np.zeros((len(s), 4, 4))
    out[:, 0, 0] = out[:, 1, 1] = np.cos(yaw)
    out[:, 1, 0] = np.sin(yaw)
    out[:, 0, 1] = -np.sin(yaw)
    out[:, 2, 2] = out[:, 3, 3] = 1.0
    out[:, :3, 3] = start[:3, 3] + s[:, None] * (end[:3, 3] - start[:3, 3])
    out[:, 2, 3] += z
    return out
