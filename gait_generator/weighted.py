"""Five-joint legs: the whole-body frame solved as a weighted compromise, and its rates.

A leg without ankle roll cannot keep its sole flat, the trunk level and the CoM
on its plan all at once (see
:meth:`~gait_generator.placo_adapter.WholeBodyIK.solve_weighted`). Each frame is
the optimum of a weighted IK; its velocities and accelerations are central
differences of optima solved ``DIFF_STEP`` s before and after (the optimum moves
smoothly with the targets and is found to round-off by Newton's method).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.spatial.transform import Rotation, Slerp

from gait_generator.dynamics import Multibody, Rates
from gait_generator.lipm import CoMTrajectory
from gait_generator.placo_adapter import IKState, WholeBodyIK
from gait_generator.preset import Preset
from gait_generator.timeline import Timeline

__all__ = ["DIFF_STEP", "SOLE_WEIGHT", "SWING_ORIENTATION_WEIGHT", "solve_frame", "targets_at"]

FloatArray = NDArray[np.float64]

SOLE_WEIGHT = 1e4
"""Five-joint legs: weight of the sole position targets, and of their orientation but in mid-swing."""
SWING_ORIENTATION_WEIGHT = 10.0
"""Five-joint legs: weight of a swinging sole's orientation in mid-swing: its tilt in the air gives first."""
WEIGHTED_STEP_TOL = 1e-8
"""Five-joint legs: the weighted IK stops when no joint moves more than this (rad)."""
DIFF_STEP = 1e-3
"""Five-joint legs: time step (s) of the central differences that give the rates."""
_WEIGHTED_ITERATIONS = 300
_HOMOTOPY_STEPS = 10
_FIRST_FRAME_ITERATIONS = 200


def targets_at(timeline: Timeline, com_traj: CoMTrajectory, preset: Preset, frame: float) -> tuple:
    """Targets at a (fractional) frame, in :meth:`.WholeBodyIK.solve_weighted`'s order.

    Returns:
        Left and right sole poses (4x4, world), CoM (3,) (m), trunk orientation
        (3x3) and the soles' (2, 2) [position, orientation] weights: ``SOLE_WEIGHT``
        but for a swinging sole's orientation, which eases to
        ``SWING_ORIENTATION_WEIGHT`` in mid-swing and back.
    """
    at = np.array([frame])
    feet = timeline.feet(at)
    com = np.r_[com_traj(at / timeline.fps)[0], preset.com_height]
    trunk = timeline.trunk(at, preset.trunk_pitch)[0][0]
    weights = np.full((2, 2), SOLE_WEIGHT)
    for side in (0, 1):
        progress = timeline.swing_progress(frame, side)
        if progress is not None:  # from "held flat" to free and back (64 s^3 (1-s)^3 is flat at both ends)
            b = 64.0 * progress**3 * (1.0 - progress) ** 3
            weights[side, 1] = SOLE_WEIGHT ** (1.0 - b) * SWING_ORIENTATION_WEIGHT**b
    return feet.poses[0, 0], feet.poses[0, 1], com, trunk, weights


def _blend(start: tuple, end: tuple, b: float) -> tuple:
    """Targets a fraction ``b`` of the way from ``start`` to ``end`` (poses interpolated, weights kept)."""

    def pose(a: FloatArray, z: FloatArray) -> FloatArray:
        out = np.eye(4)
        out[:3, :3] = Slerp([0.0, 1.0], Rotation.from_matrix([a[:3, :3], z[:3, :3]]))(b).as_matrix()
        out[:3, 3] = (1 - b) * a[:3, 3] + b * z[:3, 3]
        return out

    trunk = Slerp([0.0, 1.0], Rotation.from_matrix([start[3], end[3]]))(b).as_matrix()
    return pose(start[0], end[0]), pose(start[1], end[1]), (1 - b) * start[2] + b * end[2], trunk, *end[4:]


def solve_frame(ik: WholeBodyIK, body: Multibody, timeline: Timeline, com_traj: CoMTrajectory, preset: Preset,
                k: int, first: bool) -> tuple[IKState, Rates]:
    """The weighted IK at frame ``k`` and its rates, differenced from solves ``DIFF_STEP`` s away.

    ``ik`` holds the previous frame's pose, or with ``first`` the standing pose: the
    targets are then walked in from it in ``_HOMOTOPY_STEPS`` steps, so the knees
    stay on their bent branch. ``body`` (the same robot's) differences the solves.
    """
    targets = targets_at(timeline, com_traj, preset, k)
    if first:
        start = ik.pose_targets()
        for blend in np.linspace(0.0, 1.0, _HOMOTOPY_STEPS + 1)[1:-1]:
            ik.solve_weighted(*_blend(start, targets, blend), _WEIGHTED_ITERATIONS, 1e-6)
    state = ik.solve_weighted(*targets, _FIRST_FRAME_ITERATIONS if first else _WEIGHTED_ITERATIONS,
                              WEIGHTED_STEP_TOL)
    now = ik.configuration
    h = DIFF_STEP
    neighbours = []
    for shift in (-h, h):
        neighbours.append(ik.solve_weighted(*targets_at(timeline, com_traj, preset, k + shift * timeline.fps),
                                            _WEIGHTED_ITERATIONS, WEIGHTED_STEP_TOL, reuse_hessian=True))
        neighbours[-1] = ik.configuration
        ik.configuration = now
    return state, body.differenced_rates(neighbours[0], now, neighbours[1], h)
