"""The support timeline of a walk: footholds in whole frames, swing targets and the ZMP reference.

A walk is a sequence of footholds per foot. Foothold ``h`` of a foot is planted
from frame ``h.start`` (touchdown) to frame ``h.end`` (lift-off), both
included; between two footholds the foot swings (:mod:`gait_generator.swing`).
Every event lies on a frame, so frame ``k`` at ``t = k / fps`` always knows
exactly which feet carry the robot.

The ZMP reference follows the load: on one foot it sits on that foot's anchor
(the sole centre moved by the preset's ``foot_zmp_target``); while both feet
are planted it moves from the old anchor to the new one along a quintic
(zero speed and acceleration at both ends). So the ZMP reaches the stance foot
exactly when the other foot lifts, and leaves it exactly when that foot lands.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.interpolate import CubicSpline

from gait_generator.lipm import PiecewisePolynomial
from gait_generator.swing import SwingState
from motions.planar import Planar
from robots.soles import SolePolygons, hull_distance, polygon_distance

__all__ = ["FootTargets", "Foothold", "Phase", "Timeline", "bump", "quintic"]

FloatArray = NDArray[np.float64]
SIDES = ("left", "right")


@dataclass(frozen=True)
class Foothold:
    """A foot planted on the floor.

    Attributes:
        side: 0 left, 1 right.
        pose: 4x4 sole pose (world, flat: yaw only).
        start: Touchdown frame (the first frame planted).
        end: Lift-off frame (the last frame planted).
    """

    side: int
    pose: FloatArray
    start: int
    end: int

    @property
    def yaw(self) -> float:
        """Heading of the foothold (rad)."""
        return float(np.arctan2(self.pose[1, 0], self.pose[0, 0]))

    def placed(self, transform: FloatArray, frame_shift: int = 0) -> Foothold:
        """This foothold moved into another world frame and shifted in time.

        Args:
            transform: 4x4 planar rigid transform from this foothold's world frame
                to the new one (m); it multiplies the pose on the left.
            frame_shift: Frames added to touchdown and lift-off.
        """
        return Foothold(self.side, transform @ self.pose, self.start + frame_shift, self.end + frame_shift)


@dataclass(frozen=True)
class Phase:
    """A support phase over frames ``[start, end)``.

    Attributes:
        start, end: Frame range.
        support: ``"left"``, ``"right"`` or ``"both"``.
        zmp_from, zmp_to: (2,) ZMP at the start and at the end of the phase (m, world);
            equal for single support.
        bump: True where the plan may add a free ZMP bump (the weight shift of a
            start or a stop, see :class:`gait_generator.lipm.Rest`).
    """

    start: int
    end: int
    support: str
    zmp_from: FloatArray
    zmp_to: FloatArray
    bump: bool = False


def quintic(a: FloatArray, b: FloatArray, duration: float) -> FloatArray:
    """(6, 2) coefficients in local time of the minimum-jerk move from ``a`` to ``b`` in ``duration``."""
    d = np.asarray(b, dtype=float) - np.asarray(a, dtype=float)
    out = np.zeros((6, 2))
    out[0] = a
    out[3] = 10.0 * d / duration**3
    out[4] = -15.0 * d / duration**4
    out[5] = 6.0 * d / duration**5
    return out


def bump(duration: float) -> FloatArray:
    """(7, 2) coefficients of ``64 s^3 (1 - s)^3`` with ``s = tau / duration`` (1 at mid-phase)."""
    out = np.zeros((7, 2))
    for power, value in ((3, 1.0), (4, -3.0), (5, 3.0), (6, -1.0)):
        out[power] = 64.0 * value / duration**power
    return out


@dataclass(frozen=True)
class FootTargets:
    """Sole targets of both feet at a set of frames (world frame).

    Attributes:
        poses: (n, 2, 4, 4) sole poses. vel: (n, 2, 3) sole-centre velocity (m/s).
        acc: (n, 2, 3) sole-centre acceleration (m/s^2). yaw, yaw_rate, yaw_acc: (n, 2) heading
        and its rates. planted: (n, 2) bool, the foot is on a foothold (carrying load).
    """

    poses: FloatArray
    vel: FloatArray
    acc: FloatArray
    yaw: FloatArray
    yaw_rate: FloatArray
    yaw_acc: FloatArray
    planted: NDArray[np.bool_]


@dataclass(frozen=True)
class Timeline:
    """Footholds and support phases of a plan of ``frames`` frames at ``fps``.

    Attributes:
        fps: Frame rate (Hz).
        frames: Plan length in frames (the plan spans ``[0, frames / fps]``).
        holds: Per side, the time-ordered footholds.
        phases: Support phases covering ``[0, frames)`` in order.
        foot_height: Swing apex (m). foot_rise_ratio: See :mod:`gait_generator.swing`.
        cycle_yaw: For a periodic timeline, the heading change of one period (rad);
            None for a plan that starts and ends standing.
    """

    fps: float
    frames: int
    holds: tuple[tuple[Foothold, ...], tuple[Foothold, ...]]
    phases: tuple[Phase, ...]
    foot_height: float
    foot_rise_ratio: float
    cycle_yaw: float | None = None

    def feet(self, frames: NDArray[np.int64]) -> FootTargets:
        """Sole targets at integer ``frames`` (may go past the plan for the last foothold)."""
        n = len(frames)
        pos = np.zeros((n, 2, 3))
        vel = np.zeros((n, 2, 3))
        acc = np.zeros((n, 2, 3))
        yaw = np.zeros((n, 2))
        yaw_rate = np.zeros((n, 2))
        yaw_acc = np.zeros((n, 2))
        planted = np.zeros((n, 2), dtype=bool)
        for side in (0, 1):
            holds = self.holds[side]
            for i, h in enumerate(holds):
                on = (frames >= h.start) & (frames <= h.end)
                if i == 0:
                    on |= frames < h.start
                if i == len(holds) - 1:
                    on |= frames > h.end
                pos[on, side] = h.pose[:3, 3]
                yaw[on, side] = h.yaw
                planted[on, side] = True
                if i + 1 < len(holds):
                    nxt = holds[i + 1]
                    swing = (frames > h.end) & (frames < nxt.start)
                    if swing.any():
                        length = nxt.start - h.end
                        tau = (frames[swing] - h.end) / length
                        state = SwingState(h.pose, nxt.pose, tau, length / self.fps, self.foot_height,
                                           self.foot_rise_ratio)
                        pos[swing, side], vel[swing, side], acc[swing, side] = state.pos, state.vel, state.acc
                        yaw[swing, side] = state.yaw
                        yaw_rate[swing, side], yaw_acc[swing, side] = state.yaw_rate, state.yaw_acc
        yaw = np.unwrap(yaw, axis=0) if n > 1 else yaw
        poses = Planar(pos[..., 0], pos[..., 1], yaw).pose(pos[..., 2])
        return FootTargets(poses, vel, acc, yaw, yaw_rate, yaw_acc, planted)

    def swing_progress(self, frame: float, side: int) -> float | None:
        """Normalised swing time in (0, 1) of foot ``side`` at a (fractional) frame, or None while planted."""
        holds = self.holds[side]
        for a, b in itertools.pairwise(holds):
            if a.end < frame < b.start:
                return (frame - a.end) / (b.start - a.end)
        return None

    def zmp_reference(self) -> tuple[PiecewisePolynomial, tuple[PiecewisePolynomial, ...]]:
        """The ZMP reference over the plan, and the bump shapes of its weight-shift phases.

        Returns:
            ``(zmp, bumps)``: the reference on the phase breaks, and one bump
            shape (same breaks, zero outside its phase) per phase marked ``bump``.
        """
        breaks = np.array([p.start for p in self.phases] + [self.phases[-1].end], dtype=float) / self.fps
        coeffs = np.zeros((len(self.phases), 7, 2))
        bumps = []
        for i, p in enumerate(self.phases):
            duration = (p.end - p.start) / self.fps
            coeffs[i, :6] = quintic(p.zmp_from, p.zmp_to, duration)
            if p.bump:
                shape = np.zeros_like(coeffs)
                shape[i] = bump(duration)
                bumps.append(PiecewisePolynomial(breaks, shape))
        return PiecewisePolynomial(breaks, coeffs), tuple(bumps)

    def rest_frames(self) -> tuple[int, ...]:
        """Frames strictly inside the plan where the robot stands still between two walks.

        Each is the end of a stop (a weight-shift ``bump`` double support that
        follows a single support) after which another walk starts (a later
        ``bump`` phase). The whole-body solve holds the CoM still over the ZMP
        there (:class:`gait_generator.lipm.Rest`), so each walk between two rests
        has its own start and stop bump.
        """
        phases = self.phases
        return tuple(p.end for i, p in enumerate(phases[1:], 1)
                     if p.bump and phases[i - 1].support != "both" and any(q.bump for q in phases[i + 1:]))

    def trunk(self, frames: NDArray, pitch: float) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Trunk orientation target (n, 3, 3), world, and its angular velocity and acceleration (n, 3).

        The trunk heads along :meth:`trunk_yaw` and is pitched by ``pitch`` (rad,
        positive leans forward); ``frames`` may be fractional.
        """
        yaw, rate, acc = self.trunk_yaw(frames)
        c, s = np.cos(yaw), np.sin(yaw)
        cp, sp = math.cos(pitch), math.sin(pitch)
        rot = np.zeros((len(yaw), 3, 3))
        # Rz(yaw) @ Ry(pitch)
        rot[:, 0, 0], rot[:, 0, 1], rot[:, 0, 2] = c * cp, -s, c * sp
        rot[:, 1, 0], rot[:, 1, 1], rot[:, 1, 2] = s * cp, c, s * sp
        rot[:, 2, 0], rot[:, 2, 1], rot[:, 2, 2] = -sp, 0.0, cp
        z = np.zeros_like(yaw)
        return rot, np.column_stack([z, z, rate]), np.column_stack([z, z, acc])

    def trunk_yaw(self, frames: NDArray[np.int64]) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Trunk heading (rad) and its first two time derivatives at ``frames``.

        The heading is a C2 cubic spline through the mean heading of the two
        planted soles at the middle of every double support (and at both ends of
        a standing plan, with zero rate). A steady turn therefore turns the trunk
        at a constant rate: no yaw acceleration, so the stance foot need not
        resist a yaw moment for the trunk and arms.
        """
        mids = np.array([(p.start + p.end) / 2 for p in self.phases if p.support == "both"], dtype=float)
        if mids.size == 0:  # no double support: the middle of each single support instead
            mids = np.array([(p.start + p.end) / 2 for p in self.phases], dtype=float)
        heading = self._mean_heading(mids)
        if self.cycle_yaw is not None:
            reps = np.arange(-2, 3)
            knots = (mids[None, :] + reps[:, None] * self.frames).ravel()
            values = (heading[None, :] + reps[:, None] * self.cycle_yaw).ravel()
            spline = CubicSpline(knots / self.fps, values, bc_type="natural")
        else:
            ends = np.array([0.0, float(self.frames)])
            knots = np.concatenate([ends[:1], mids[(mids > 0) & (mids < self.frames)], ends[1:]])
            values = self._mean_heading(knots)
            spline = CubicSpline(knots / self.fps, values, bc_type="clamped")
        t = np.asarray(frames, dtype=float) / self.fps
        return spline(t), spline(t, 1), spline(t, 2)

    def _mean_heading(self, frames: FloatArray) -> FloatArray:
        """Mean heading of the two soles at (possibly fractional) frames, unwrapped along the frames."""
        feet = self.feet(np.floor(frames).astype(np.int64))
        left, right = feet.yaw[:, 0], feet.yaw[:, 1]
        diff = (right - left + np.pi) % (2 * np.pi) - np.pi
        return np.unwrap(left + diff / 2)

    def zmp_support_distance(self, frames: NDArray[np.int64], zmp: FloatArray, soles: SolePolygons) -> FloatArray:
        """Signed distance (m) of the ZMP at ``frames`` to the contact polygon of the planted soles.

        Negative inside. The polygons are the soles' collision-geometry polygons
        (:mod:`robots.soles`) placed on the footholds.
        """
        feet = self.feet(frames)
        out = np.empty(len(frames))
        for i in range(len(frames)):
            placed = [soles.side(f) @ feet.poses[i, f, :2, :2].T + feet.poses[i, f, :2, 3]
                      for f in (0, 1) if feet.planted[i, f]]
            if len(placed) == 1:
                out[i] = polygon_distance(zmp[i : i + 1], placed[0])[0]
            else:
                out[i] = hull_distance(zmp[i], placed)
        return out
