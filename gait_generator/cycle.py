"""Footholds and support phases of the steady gait cycle (a walk from standing: :mod:`gait_generator.runs`).

Footsteps come from placo's repetitive footstep planner: each step is the
previous foothold moved by the command (placo's ``opposite_footstep``), and the
left foot moves first. For a fixed command the walk is exactly periodic: one
cycle (two steps) maps onto the next by the rigid planar offset ``G = R_2 R_0^-1``
(``R_0``, ``R_2`` the right foot's footholds one cycle apart).

The steady cycle (frames ``0 .. N``, ``N = 2 (single + double)``):

* frames ``[0, s)``: single support on the right foot, the left foot swings;
* frames ``[s, s + d)``: double support, the ZMP moves onto the left foot;
* frames ``[s + d, 2 s + d)``: single support on the left foot;
* frames ``[2 s + d, N)``: double support, the ZMP moves onto the right foot.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from gait_generator.placo_adapter import FootstepPlanner
from gait_generator.preset import Preset
from gait_generator.timeline import Foothold, Phase, Timeline
from gait_generator.timing import StepTiming
from motions.planar import Planar

__all__ = ["SteadyCycle", "anchor", "steady_cycle"]

FloatArray = NDArray[np.float64]
_SIDE = {"left": 0, "right": 1}


@dataclass(frozen=True)
class SteadyCycle:
    """One gait cycle of a fixed command.

    Attributes:
        timeline: Footholds and phases over frames ``0 .. N``.
        offset: 4x4 planar rigid transform mapping the cycle onto the next (world);
            :meth:`motions.planar.Planar.from_matrix` gives its ``(x, y, yaw)``.
    """

    timeline: Timeline
    offset: FloatArray


def anchor(pose: FloatArray, side: int, preset: Preset) -> FloatArray:
    """ZMP target (2,) on a planted sole: the sole centre moved by ``foot_zmp_target`` (y outward)."""
    local = np.array([preset.foot_zmp_target_x, preset.foot_zmp_target_y * (1.0 if side == 0 else -1.0), 0.0, 1.0])
    return (pose @ local)[:2]


def _walk_phases(holds_in_order: list[Foothold], first_frame: int, timing: StepTiming, preset: Preset,
                 start_zmp: FloatArray) -> list[Phase]:
    """Single and double supports of consecutive steps, each step landing foothold ``i``.

    ``holds_in_order[i]`` lands at the end of step ``i``'s single support; the stance
    foot of step ``i`` is the other foot, whose ZMP anchor starts the phase list.
    """
    s, d = timing.single_support_frames, timing.double_support_frames
    phases = []
    zmp = start_zmp
    for i, hold in enumerate(holds_in_order[:-1]):
        k = first_frame + i * (s + d)
        stance = "right" if hold.side == 0 else "left"
        phases.append(Phase(k, k + s, stance, zmp, zmp))
        nxt = anchor(hold.pose, hold.side, preset)
        if d:
            phases.append(Phase(k + s, k + s + d, "both", zmp, nxt))
        zmp = nxt
    return phases


def steady_cycle(planner: FootstepPlanner, feet: tuple[FloatArray, FloatArray], preset: Preset,
                 timing: StepTiming, dx: float, dy: float, dtheta: float) -> SteadyCycle:
    """The steady gait cycle of command ``(dx, dy, dtheta)`` per step.

    ``planner`` is configured for ``preset``; ``feet`` are the left and right
    standing sole poses (4x4, world, flat on the floor). placo's footstep plan is
    checked for clipped steps first.

    Raises:
        CommandError: placo's planner would move a step (feet too close).
    """
    planner.plan(*feet, dx, dy, dtheta, 16)  # raises CommandError where placo would clip a step
    r0 = feet[1]
    l1 = planner.next_footstep("right", r0, dx, dy, dtheta)
    r2 = planner.next_footstep("left", l1, dx, dy, dtheta)
    offset = r2 @ np.linalg.inv(r0)
    s, d = timing.single_support_frames, timing.double_support_frames
    n = timing.cycle_frames
    inv = np.linalg.inv(offset)
    left = (Foothold(0, inv @ l1, -n + s, 0), Foothold(0, l1, s, n), Foothold(0, offset @ l1, n + s, 2 * n))
    right = (Foothold(1, r0, -n, s + d), Foothold(1, r2, 2 * s + d, n + s + d))
    phases = _walk_phases([left[1], right[1], left[2]], 0, timing, preset, anchor(r0, 1, preset))
    timeline = Timeline(timing.fps, n, (left, right), tuple(phases), preset.foot_height, preset.foot_rise_ratio,
                        cycle_yaw=float(Planar.from_matrix(offset).yaw))
    return SteadyCycle(timeline=timeline, offset=offset)
