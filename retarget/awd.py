"""AWD / Open Duck JSON export (rimim/AWD ``awd/utils/bdx/amp_motion_loader.py``).

Each frame is one flat row; ``Frame_offset`` and ``Frame_size`` (one-element
lists holding a dict) give every field's start column and width::

    root_pos 3 | root_quat 4 (xyzw, w >= 0) | joints_pos N | left_toe_pos 3 | right_toe_pos 3 |
    world_linear_vel 3 | world_angular_vel 3 | joints_vel N | left_toe_vel 3 | right_toe_vel 3 |
    foot_contacts 2

Toe positions and velocities are the sole centres in the **world** frame (the
file says so in ``"Toe_frame": "world"``). The loader drops the last 120 frames
and rounds the remaining span to whole seconds; looping clips are tiled with
whole gait cycles until at least :data:`MIN_SPAN` seconds survive the trimming
(:func:`min_frames`).

Registered as the ``awd`` export format (:data:`FORMAT`): one ``.json`` per clip,
no other files.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

from motions import Motion
from motions.rotations import quat_canonical_w_positive
from motions.velocities import position_rate
from retarget.errors import RetargetError
from retarget.formats import ClipFile, ExportFormat, ExportRun, register_format
from retarget.mapping import JointMapping

__all__ = ["FORMAT", "LOADER_TRIM_FRAMES", "MIN_SPAN", "TOE_FRAME", "awd_clip", "dumps", "min_frames"]

LOADER_TRIM_FRAMES = 120
"""Frames the AWD loader drops from the end of every clip (``Frames[:-120]``)."""
MIN_SPAN = 1.0
"""Seconds a clip must still span after the loader's trimming, so its rounded length is >= 1 s."""
TOE_FRAME = "world"
"""Frame of ``left_toe_pos`` / ``right_toe_pos`` (and their velocities), written as ``Toe_frame``."""


def min_frames(fps: float) -> int:
    """Fewest frames a clip needs: ``120`` trimmed plus a span of ``MIN_SPAN`` s, ``121 + ceil(MIN_SPAN * fps)``."""
    return LOADER_TRIM_FRAMES + 1 + math.ceil(MIN_SPAN * fps - 1e-9)


def _layout(num_joints: int) -> tuple[dict[str, int], dict[str, int]]:
    sizes = {
        "root_pos": 3,
        "root_quat": 4,
        "joints_pos": num_joints,
        "left_toe_pos": 3,
        "right_toe_pos": 3,
        "world_linear_vel": 3,
        "world_angular_vel": 3,
        "joints_vel": num_joints,
        "left_toe_vel": 3,
        "right_toe_vel": 3,
        "foot_contacts": 2,
    }
    offsets, start = {}, 0
    for name, size in sizes.items():
        offsets[name] = start
        start += size
    return offsets, sizes


def awd_clip(
    motion: Motion, mapping: JointMapping, joint_names: list[str], weight: float, wrap: bool = True
) -> tuple[dict[str, Any], str]:
    """Build the AWD JSON document of one clip.

    Args:
        motion: The clip (at the export rate).
        mapping: Joint mapping to the target robot.
        joint_names: Target joints, in the order written to ``Joints``.
        weight: ``MotionWeight``.
        wrap: Write looping clips as ``"Wrap"``; False writes ``"Clamp"``.

    Returns:
        ``(document, note)``; the note says how many cycles were tiled.

    Raises:
        RetargetError: A non-looping clip is shorter than :func:`min_frames`.
    """
    fps = motion.fps
    loop = motion.loop
    joints, joint_vel = mapping.apply(motion, joint_names)
    feet = [motion.left_foot_pos, motion.right_foot_pos]
    need = min_frames(fps)
    if loop.looping:
        n = loop.num_cycles
        toe_vel = [position_rate(f, fps, loop) for f in feet]
        cycles = max(n, math.ceil(need / loop.cycle_frames))
        total = cycles * loop.cycle_frames
        reps = np.arange(total) // motion.num_frames  # whole-clip repetitions of each output frame
        idx = np.arange(total) % motion.num_frames
        note = f"{cycles} gait cycles ({total} frames)" + (f", tiled from {n}" if cycles > n else "")
    else:
        if motion.num_frames < need:
            raise RetargetError(
                f"non-looping clip of {motion.num_frames} frames at {fps:g} fps is shorter than the "
                f"{need} frames the AWD loader needs (it drops {LOADER_TRIM_FRAMES}, then >= {MIN_SPAN:g} s)"
            )
        toe_vel = [position_rate(f, fps, loop) for f in feet]
        reps = np.zeros(motion.num_frames, dtype=np.int64)
        idx = np.arange(motion.num_frames)
        total = motion.num_frames
        note = f"{total} frames, not looping"

    def moved_pos(x: np.ndarray) -> np.ndarray:
        out = x[idx].copy()
        for r in np.unique(reps[reps > 0]):
            sel = reps == r
            out[sel] = loop.transform_positions(out[sel], int(r) * loop.num_cycles)
        return out

    def moved_vec(x: np.ndarray) -> np.ndarray:
        out = x[idx].copy()
        for r in np.unique(reps[reps > 0]):
            sel = reps == r
            out[sel] = loop.transform_vectors(out[sel], int(r) * loop.num_cycles)
        return out

    quat = motion.root_quat[idx].copy()
    for r in np.unique(reps[reps > 0]):
        sel = reps == r
        quat[sel] = loop.transform_quats(quat[sel], int(r) * loop.num_cycles)
    offsets, sizes = _layout(len(joint_names))
    columns = {
        "root_pos": moved_pos(motion.root_pos),
        "root_quat": quat_canonical_w_positive(quat),
        "joints_pos": joints[idx],
        "left_toe_pos": moved_pos(feet[0]),
        "right_toe_pos": moved_pos(feet[1]),
        "world_linear_vel": moved_vec(motion.root_lin_vel),
        "world_angular_vel": moved_vec(motion.root_ang_vel),
        "joints_vel": joint_vel[idx],
        "left_toe_vel": moved_vec(toe_vel[0]),
        "right_toe_vel": moved_vec(toe_vel[1]),
        "foot_contacts": motion.contacts[idx].astype(np.float64),
    }
    frames = np.concatenate([columns[name] for name in sizes], axis=1)
    meta = motion.meta
    doc: dict[str, Any] = {
        "LoopMode": "Wrap" if (loop.looping and wrap) else "Clamp",
        "FPS": float(fps),
        "FrameDuration": 1.0 / fps,
        "EnableCycleOffsetPosition": True,
        "EnableCycleOffsetRotation": True,
        "MotionWeight": float(weight),
        "Joints": list(joint_names),
        "Vel_x": motion.achieved.vx,
        "Vel_y": motion.achieved.vy,
        "Yaw": motion.achieved.yaw_rate,
        "Placo": dict(meta["preset_parameters"]) if isinstance(meta.get("preset_parameters"), dict) else {},
        "Command": {"dx": motion.command.dx, "dy": motion.command.dy, "dtheta": motion.command.dtheta},
        "Toe_frame": TOE_FRAME,
        "Frame_offset": [offsets],
        "Frame_size": [sizes],
        "Frames": frames.tolist(),
    }
    return doc, note


def dumps(doc: dict[str, Any]) -> bytes:
    """JSON text of a document (floats written with full precision, no NaN)."""
    return (json.dumps(doc, allow_nan=False) + "\n").encode()


def _write_clip(motion: Motion, mapping: JointMapping, run: ExportRun, weight: float) -> ClipFile:
    doc, note = awd_clip(motion, mapping, list(run.joint_order), weight, run.wrap)
    return ClipFile(dumps(doc), len(doc["Frames"]), note)


FORMAT = register_format(ExportFormat(
    name="awd",
    extension=".json",
    summary="AWD / Open Duck JSON clips (frame layout in Frame_offset / Frame_size)",
    frames="whole gait cycles, tiled to the loader's minimum length; non-looping clips as stored",
    write_clip=_write_clip,
))
"""The ``awd`` export format."""
