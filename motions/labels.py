"""Command labels of clips for command-conditioned training: velocity keys and per-frame labels.

A clip is keyed by the body velocity it stands for: its velocity command
(``meta["velocity_command"]``, clips made with ``generate(velocity=...)``),
else its achieved mean velocity (:attr:`motions.Motion.achieved`). Per frame,
a clip is labelled with the command in force (``command_per_frame``, (T, 3),
``[vx, vy, wz]`` in m/s, m/s, rad/s) and its gait phase (``gait_phase``, (T,),
in [0, 1), NaN while standing); files written before these fields existed get
them derived (a looping clip: its velocity on every frame and phase
``(k mod C) / C``; any other clip: its velocity and NaN phases).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from motions.motion import Motion

__all__ = ["FrameSample", "frame_labels", "looping_phase", "velocity_key"]

FloatArray = NDArray[np.float64]


def velocity_key(motion: Motion) -> FloatArray:
    """``(vx, vy, wz)`` the clip stands for: its velocity command if it has one, else its achieved mean velocity."""
    wanted = motion.meta.get("velocity_command")
    if isinstance(wanted, dict) and all(isinstance(wanted.get(k), (int, float)) for k in ("vx", "vy", "wz")):
        return np.array([wanted["vx"], wanted["vy"], wanted["wz"]], dtype=np.float64)
    a = motion.achieved
    return np.array([a.vx, a.vy, a.yaw_rate])


def frame_labels(motion: Motion) -> tuple[FloatArray, FloatArray]:
    """``(command_per_frame (T, 3), gait_phase (T,))`` of a clip: stored, else derived (see the module doc)."""
    if motion.command_per_frame is not None and motion.gait_phase is not None:
        return motion.command_per_frame, motion.gait_phase
    t = motion.num_frames
    command = np.tile(velocity_key(motion), (t, 1))
    phase = looping_phase(t, motion.loop.cycle_frames) if motion.loop.looping else np.full(t, np.nan)
    return command, phase


def looping_phase(frames: int, cycle_frames: int) -> FloatArray:
    """Gait phase of a looping clip's frames: ``(k mod C) / C``, phase 0 at the start of the first single support."""
    k = np.arange(frames)
    return (k % cycle_frames) / cycle_frames


@dataclass(frozen=True)
class FrameSample:
    """Frames drawn from a library, with their labels (N rows).

    Attributes:
        clip: Index of each frame's clip, (N,), int64.
        frame: Frame index within its clip, (N,), int64; its time is ``frame / fps``.
        time: ``frame / fps`` of each frame (s), (N,).
        command: Command label ``[vx, vy, wz]`` (m/s, m/s, rad/s), (N, 3).
        phase: Gait phase in [0, 1), NaN while standing, (N,).
    """

    clip: NDArray[np.int64]
    frame: NDArray[np.int64]
    time: FloatArray
    command: FloatArray
    phase: FloatArray
