"""A standing plan with left-right weight shifts: both feet planted, the ZMP moving from one foot to the other.

The ZMP starts between the feet, moves onto the right foot's anchor (the point
a stance foot carries the ZMP on while walking), moves across to the left
foot's anchor without stopping, back, and so on, then returns between the
feet; the centre of mass follows through the LIPM (:mod:`gait_generator.lipm`),
at rest at both ends, and lags behind the ZMP (about 60 % of the way to a foot
on mini_biped, 50 % on G1), so both legs stay within reach. Frames, with ``sd``
the start/end double support of the preset's step timing:

* centre to a foot, and back at the end: ``sd`` frames each (a start's weight
  shift; both are ``bump`` phases, as the start and the stop of a walk);
* one foot to the other: ``2 sd`` frames (holding the ZMP on a foot would let
  the CoM reach it, which stretches the other leg beyond reach);
* as many shifts as fit in the length; the frames left over are quiet
  standing, half before the first shift and half after the last.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from gait_generator.cycle import anchor
from gait_generator.errors import CommandError
from gait_generator.preset import Preset
from gait_generator.timeline import Foothold, Phase, Timeline
from gait_generator.timing import StepTiming

__all__ = ["min_standing_frames", "weight_shifts"]

FloatArray = NDArray[np.float64]


def min_standing_frames(timing: StepTiming) -> int:
    """Fewest frames of a standing plan: one shift onto a foot and back (``2 sd``)."""
    return 2 * timing.startend_frames


def weight_shifts(feet: tuple[FloatArray, FloatArray], preset: Preset, timing: StepTiming, frames: int) -> Timeline:
    """The standing plan of ``frames`` frames (see the module docstring).

    Args:
        feet: Left and right standing sole poses (4x4, planner world frame, flat on the floor).
        preset: The walk preset (ZMP targets). timing: Frame-snapped step timing.
        frames: Plan length in frames.

    Raises:
        CommandError: ``frames`` is shorter than :func:`min_standing_frames`.
    """
    sd = timing.startend_frames
    least = min_standing_frames(timing)
    if frames < least:
        raise CommandError(f"a standing clip with weight shifts needs at least {least / timing.fps:g} s "
                           f"({least} frames at {timing.fps:g} fps), got {frames / timing.fps:g} s")
    across = 2 * sd
    shifts = 1 + (frames - least) // across
    spare = frames - least - (shifts - 1) * across
    centre = (feet[0][:2, 3] + feet[1][:2, 3]) / 2
    anchors = (anchor(feet[0], 0, preset), anchor(feet[1], 1, preset))
    phases: list[Phase] = []
    k = 0

    def add(length: int, zmp_from: FloatArray, zmp_to: FloatArray, bump: bool = False) -> None:
        nonlocal k
        if length:
            phases.append(Phase(k, k + length, "both", zmp_from, zmp_to, bump))
            k += length

    add(spare // 2, centre, centre)
    side = 1  # onto the right foot first, as a walk starts
    add(sd, centre, anchors[side], bump=True)
    for _ in range(shifts - 1):
        add(2 * sd, anchors[side], anchors[1 - side])
        side = 1 - side
    add(sd, anchors[side], centre, bump=True)
    add(spare - spare // 2, centre, centre)
    holds = ((Foothold(0, feet[0], 0, k),), (Foothold(1, feet[1], 0, k),))
    return Timeline(timing.fps, k, holds, tuple(phases), preset.foot_height, preset.foot_rise_ratio)
