"""Per-frame walking labels of a clip: the gait phase, and which commanded step is in force.

The phase follows the library's convention (:mod:`motions.reference`): it runs
over a gait cycle of ``C = 2`` steps, ``phase = (k - k0) / C mod 1`` at frame
``k``, with ``k0`` the first frame of the walk's first single support (the left
foot lifts there, as at frame 0 of a steady cycle). It is NaN while the robot
stands: both feet planted outside a walking step, i.e. a stand, and the start
and end double supports of a walk. A walk's closing step (the one that brings
the feet side by side) still has a phase, but no command in force: the robot is
stopping.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gait_generator.timeline import Timeline
from gait_generator.timing import StepTiming
from motions.labels import looping_phase

__all__ = ["GaitLabels", "looping_labels", "plan_labels"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class GaitLabels:
    """Per-frame labels of a clip of T frames.

    Attributes:
        phase: (T,) gait phase in [0, 1), NaN while standing.
        step: (T,) index of the commanded step in force (0-based over the clip's
            commanded steps, closing steps not counted), -1 while standing or stopping.
    """

    phase: FloatArray
    step: NDArray[np.int64]

    def commands(self, velocities: ArrayLike) -> FloatArray:
        """(T, 3) command in force at each frame, zeros where no commanded step is.

        Args:
            velocities: One ``[vx, vy, wz]`` (m/s, m/s, rad/s, heading frame) for every
                step, shape (3,), or one per commanded step, shape (n, 3).
        """
        v = np.asarray(velocities, dtype=np.float64)
        out = np.zeros((len(self.step), 3))
        on = self.step >= 0
        out[on] = v if v.ndim == 1 else v[self.step[on]]
        return out


def looping_labels(frames: int, timing: StepTiming) -> GaitLabels:
    """Labels of a looping clip of whole cycles: ``phase = (k mod C) / C``, step ``k // step_frames``."""
    return GaitLabels(looping_phase(frames, timing.cycle_frames), np.arange(frames) // timing.step_frames)


def plan_labels(timeline: Timeline, frames: int, timing: StepTiming) -> GaitLabels:
    """Labels of frames ``0 .. frames - 1`` of a plan that starts and ends standing.

    A single support phase is walking; a double support is walking when single
    supports come right before and after it (the transfer between two steps).
    A walk starts at a single support that follows no walking phase, and its
    closing step is the single support followed by the stop (a ``bump`` double support).

    Args:
        timeline: The plan (phases on frames); the clip's frame ``k`` is its frame ``k``.
        frames: Frames of the clip (at most ``timeline.frames + 1``).
        timing: Frame-snapped step timing (cycle and step lengths).
    """
    phases = timeline.phases
    cycle, step = timing.cycle_frames, timing.step_frames
    phase = np.full(frames, np.nan)
    index = np.full(frames, -1, dtype=np.int64)
    walking = [p.support != "both" or (0 < i < len(phases) - 1 and phases[i - 1].support != "both"
                                       and phases[i + 1].support != "both")
               for i, p in enumerate(phases)]
    start, done = 0, 0  # first frame of the current walk; commanded steps of the walks before it
    for i, p in enumerate(phases):
        if not walking[i]:
            continue
        if i == 0 or not walking[i - 1]:
            start = p.start
        k = np.arange(p.start, min(p.end, frames))
        phase[k] = ((k - start) % cycle) / cycle
        closing = p.support != "both" and i + 1 < len(phases) and phases[i + 1].bump
        if closing:
            done += (p.start - start) // step
        else:
            index[k] = done + (k - start) // step
    return GaitLabels(phase, index)
