"""Change the frame rate of a motion clip, keeping looping clips exact loops.

Positions and joint angles are interpolated linearly, root orientations by slerp
(xyzw quaternions, made sign-continuous afterwards), contacts take the nearest
source frame. All velocities are then recomputed from the resampled positions
with the same finite differences the generator uses (``docs/motion_format.md``),
so they are consistent with the positions at the new rate.

Looping clips are resampled over the whole period ``T / fps`` and the samples
after the last stored frame are interpolated towards frame ``T`` (frame 0 moved
by the whole-clip loop offset), so the result is again an exact loop. Every gait
cycle must hold a whole number of frames at the new rate: the new cycle length
is ``round(cycle_period * requested_fps)`` frames and the output rate is set to
exactly ``new_cycle_frames / cycle_period``. When that differs from the request
(e.g. 60 fps, 24-frame cycles, 25 fps requested: 10 frames per 0.4 s cycle is
exactly 25 fps; 24 fps requested: 9.6 frames -> 10 frames at 25 fps) the exact
rate is what the clip records in ``fps`` and ``meta["resample"]``.

Non-looping clips keep their start; frame ``k`` is at ``k / fps`` for every
``k`` with ``k / fps <= span``, at exactly the requested rate.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
from numpy.typing import NDArray

from motions import Motion
from motions.loop import Loop
from motions.rotations import (
    quat_make_continuous,
    quat_normalize,
    quat_slerp,
)
from motions.velocities import clip_velocities

__all__ = ["recompute_velocities", "resample", "resampled_fps"]

FloatArray = NDArray[np.float64]

# Two rates closer than this (relative) are treated as equal: no resampling.
_SAME_RATE = 1e-12


def resampled_fps(motion: Motion, fps: float) -> float:
    """The exact output rate :func:`resample` uses for a requested ``fps``.

    Args:
        motion: The source clip.
        fps: Requested rate, frames per second, > 0.

    Returns:
        ``fps`` itself for a non-looping clip; for a looping clip the rate that
        makes each gait cycle a whole number of frames (see the module doc).

    Raises:
        ValueError: ``fps`` is not finite and positive, or leaves less than one
            frame per gait cycle.
    """
    fps = float(fps)
    if not (math.isfinite(fps) and fps > 0.0):
        raise ValueError(f"fps: {fps}, expected a finite rate > 0 frames per second")
    if not motion.loop.looping:
        return fps
    cycle_period = motion.loop.cycle_frames / motion.fps
    frames = round(cycle_period * fps)
    if frames < 1:
        raise ValueError(
            f"fps: {fps} gives less than one frame per {cycle_period:.4f} s gait cycle; expected a higher rate"
        )
    exact = frames / cycle_period
    return fps if abs(exact - fps) <= 1e-9 * fps else exact


def resample(motion: Motion, fps: float) -> Motion:
    """Resample ``motion`` to ``fps`` frames per second.

    Args:
        motion: The source clip.
        fps: Requested rate (frames/s). Looping clips may get a slightly
            different exact rate, see :func:`resampled_fps`.

    Returns:
        A new Motion at the new rate with recomputed velocities; the source is
        returned unchanged if the rate is already equal. ``meta["resample"]``
        records the source and requested rates.

    Raises:
        ValueError: Bad ``fps`` (see :func:`resampled_fps`).
    """
    new_fps = resampled_fps(motion, fps)
    if abs(new_fps - motion.fps) <= _SAME_RATE * motion.fps:
        return motion
    loop = motion.loop
    t_src = motion.num_frames
    if loop.looping:
        cycle_frames = round(loop.cycle_frames * new_fps / motion.fps)
        count = cycle_frames * loop.num_cycles
        new_loop = dataclasses.replace(loop, cycle_frames=cycle_frames)
    else:
        count = math.floor(motion.span * new_fps + 1e-9) + 1
        new_loop = loop
    # Source frame coordinate of every output frame, in [0, T) (looping) or [0, T-1].
    coord = np.arange(count) * (motion.fps / new_fps)
    if not loop.looping:
        coord = np.minimum(coord, t_src - 1)
    i0 = np.minimum(np.floor(coord + 1e-9).astype(np.int64), t_src - 1)
    frac = np.clip(coord - i0, 0.0, 1.0)
    i1 = i0 + 1  # may be T for a looping clip: the closing frame

    def positions(x: FloatArray, move: bool) -> FloatArray:
        ext = np.concatenate([x, _closing(x, loop, move)[None]]) if loop.looping else np.concatenate([x, x[-1:]])
        return ext[i0] * (1.0 - frac)[:, None] + ext[i1] * frac[:, None]

    q = motion.root_quat
    q_ext = np.concatenate([q, loop.transform_quats(q[0], loop.num_cycles)[None] if loop.looping else q[-1:]])
    root_quat = quat_make_continuous(quat_normalize(quat_slerp(q_ext[i0], q_ext[i1], frac)))
    zmp3 = np.concatenate([motion.zmp, np.zeros((t_src, 1))], axis=1)
    nearest = np.minimum(np.rint(coord).astype(np.int64), t_src if loop.looping else t_src - 1) % t_src

    meta = dict(motion.meta)
    meta["resample"] = {"source_fps": motion.fps, "requested_fps": float(fps), "fps": new_fps}
    out = dataclasses.replace(
        motion,
        fps=new_fps,
        root_pos=positions(motion.root_pos, True),
        root_quat=root_quat,
        joint_pos=positions(motion.joint_pos, False),
        left_foot_pos=positions(motion.left_foot_pos, True),
        right_foot_pos=positions(motion.right_foot_pos, True),
        com_pos=positions(motion.com_pos, True),
        zmp=positions(zmp3, True)[:, :2],
        contacts=motion.contacts[nearest],
        loop=new_loop,
        meta=meta,
        # Placeholders with the right shapes; replaced below.
        joint_vel=np.zeros((count, motion.num_joints)),
        root_lin_vel=np.zeros((count, 3)),
        root_ang_vel=np.zeros((count, 3)),
        joint_acc=None,
        root_lin_acc=None,
        root_ang_acc=None,
        command_per_frame=None if motion.command_per_frame is None else motion.command_per_frame[nearest],
        gait_phase=None if motion.gait_phase is None else _phase(motion.gait_phase, loop.looping, i0, i1, frac),
    )
    return recompute_velocities(out)


def _phase(phase: FloatArray, looping: bool, i0: NDArray[np.int64], i1: NDArray[np.int64],
           frac: FloatArray) -> FloatArray:
    """Gait phase (in [0, 1), NaN standing) between source frames ``i0`` and ``i1``, advancing forward mod 1.

    ``i1`` may be T for a looping clip (frame 0 of the next loop, same phase); NaN where either neighbour is NaN.
    """
    ext = np.concatenate([phase, phase[:1] if looping else phase[-1:]])
    a, b = ext[i0], ext[i1]
    out = (a + frac * ((b - a) % 1.0)) % 1.0
    return np.where(out >= 1.0, 0.0, out)  # (x % 1.0) rounds up to 1.0 for tiny negative x


def _closing(x: FloatArray, loop: Loop, move: bool) -> FloatArray:
    """Frame T of a looping signal: frame 0 moved by the whole-clip offset (or as is)."""
    return loop.transform_positions(x[0], loop.num_cycles) if move else x[0]


def recompute_velocities(motion: Motion) -> Motion:
    """Recompute root, joint and angular velocities from the positions at ``motion.fps``.

    Central differences inside the clip; at the ends of a looping clip the true
    neighbours (frames T-1 and 0 moved by the inverse / forward whole-clip
    offset), otherwise second-order one-sided differences, exactly as
    ``docs/motion_format.md`` specifies.

    Returns:
        A copy of ``motion`` with ``root_lin_vel``, ``root_ang_vel`` and
        ``joint_vel`` replaced, and no accelerations (differenced velocities have
        no exact accelerations to go with them).
    """
    lin, ang, jv = clip_velocities(motion.root_pos, motion.root_quat, motion.joint_pos, motion.loop, motion.fps)
    return dataclasses.replace(motion, root_lin_vel=lin, root_ang_vel=ang, joint_vel=jv, joint_acc=None,
                               root_lin_acc=None, root_ang_acc=None)
