"""AWD / Open Duck JSON export (rimim/AWD ``awd/utils/bdx/amp_motion_loader.py``).

Each frame is one flat row; ``Frame_offset`` and ``Frame_size`` (one-element
lists holding a dict) give every field's start column and width::

    root_pos 3 | root_quat 4 (xyzw, w >= 0) | joints_pos N | left_toe_pos 3 | right_toe_pos 3 |
    world_linear_vel 3 | world_angular_vel 3 | joints_vel N | left_toe_vel 3 | right_toe_vel 3 |
    foot_contacts 2

Toe positions and velocities are the sole centres in the **world** frame (the
file says so in ``"Toe_frame": "world"``).

**Clip length.** The loader keeps ``K = T - 120`` frames, sets the clip length
``L = round((K - 1) * FrameDuration)`` (whole seconds) and maps time ``t`` to
frame ``t * K / L``. That is frame ``t * fps`` only when ``K = L * fps``. So the
file holds ``T = 120 + L * fps`` frames for a whole number ``L >= 1`` of seconds
and, for a looping clip, whole gait cycles (``T = c * cycle_frames``, the cycles
tiled from the clip, each moved by the loop offset): :func:`plan_clip` takes the
smallest such ``c``; a non-looping clip is cut to the longest such ``T``. The
loader then returns frame ``t * fps`` for every ``t`` in ``[0, (K - 1) / fps]``;
over the last ``1 / fps`` of its ``L`` seconds it holds frame ``K - 1``, and it
wraps by ``t % L`` without any loop offset.

**Heading.** The loader makes ``w >= 0`` on every kept frame and interpolates
pairs without taking the shorter arc, so two consecutive frames on either side
of heading +-180 degrees come back up to 180 degrees wrong. When a kept frame's
heading comes within :data:`HEADING_MARGIN` of +-180 degrees, the whole clip is
turned about the world z axis so its heading range is centred on 0 (recorded in
``"Heading_offset"``, rad, added to every heading, positions and vectors
rotated with it). A kept span that turns more than ``2 (pi - HEADING_MARGIN)``
cannot be written this way.

**Resampling.** If no ``c`` gives whole seconds within :data:`MAX_SECONDS`
(rates like 49.6 fps), or the needed span turns too far, the clip is resampled
(:func:`retarget.resample.resample`) to the rate ``cycle_frames' / cycle_period``
nearest its own for which a short whole-second span exists; the manifest note
says so. If none exists between half and twice the rate, a RetargetError.

Registered as the ``awd`` export format (:data:`FORMAT`): one ``.json`` per clip,
no other files; the manifest records each file's rate (its ``FPS``).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from motions import Motion
from motions.rotations import quat_canonical_w_positive, quat_from_yaw, quat_multiply, yaw_from_quat
from motions.velocities import position_rate
from retarget.errors import RetargetError
from retarget.formats import ClipFile, ExportFormat, ExportRun, register_format
from retarget.mapping import JointMapping
from retarget.resample import resample

__all__ = ["FORMAT", "HEADING_MARGIN", "LOADER_TRIM_FRAMES", "MAX_SECONDS", "MIN_SPAN", "TOE_FRAME", "Plan",
           "awd_clip", "dumps", "min_frames", "plan_clip"]

LOADER_TRIM_FRAMES = 120
"""Frames the AWD loader drops from the end of every clip (``Frames[:-120]``)."""
MIN_SPAN = 1.0
"""Seconds a clip must keep after the loader's trimming (its length ``L`` is at least 1 s)."""
MAX_SECONDS = 60.0
"""Longest file (s) :func:`plan_clip` tiles a looping clip to before it resamples instead."""
HEADING_MARGIN = 0.2
"""Closest (rad) a kept frame's heading may come to +-pi before the clip is turned (see the module doc)."""
TOE_FRAME = "world"
"""Frame of ``left_toe_pos`` / ``right_toe_pos`` (and their velocities), written as ``Toe_frame``."""
_WHOLE = 1e-6


def min_frames(fps: float) -> int:
    """Fewest frames a clip needs: the 120 trimmed plus ``MIN_SPAN`` s, ``120 + ceil(MIN_SPAN * fps)``."""
    return LOADER_TRIM_FRAMES + math.ceil(MIN_SPAN * fps - 1e-9)


@dataclass(frozen=True)
class Plan:
    """How a clip is written for the AWD loader.

    Attributes:
        motion: The clip the frames come from (the source, or resampled).
        frames: Frames written, ``T = 120 + seconds * fps``.
        seconds: The loader's clip length ``L`` (s), a whole number.
        cycles: Gait cycles written (0 for a non-looping clip).
        heading: Yaw (rad) added to the world frame so no kept heading nears +-pi.
        note: What was done, for the manifest.
    """

    motion: Motion
    frames: int
    seconds: int
    cycles: int
    heading: float
    note: str


def _whole_seconds(kept: int, fps: float) -> int | None:
    seconds = kept / fps
    return round(seconds) if kept > 0 and abs(seconds - round(seconds)) < _WHOLE and round(seconds) >= MIN_SPAN \
        else None


def _yaw(motion: Motion, frames: int) -> np.ndarray:
    """Unwrapped heading (rad) of the first ``frames`` frames of the clip tiled by its loop."""
    idx, reps = np.arange(frames) % motion.num_frames, np.arange(frames) // motion.num_frames
    yaw = np.unwrap(yaw_from_quat(motion.root_quat))[idx]
    return yaw + reps * motion.loop.clip_offset()[1]


def _heading(motion: Motion, kept: int) -> float | None:
    """Yaw to add so the kept frames stay within ``pi - HEADING_MARGIN`` of 0 (0 if they do), None if impossible."""
    yaw = _yaw(motion, kept)
    limit = math.pi - HEADING_MARGIN
    if np.abs(np.angle(np.exp(1j * yaw))).max() <= limit:  # never near +-pi, so never across it
        return 0.0
    if np.ptp(yaw) > 2.0 * limit:
        return None
    centre = 0.5 * (yaw.min() + yaw.max())
    return float(np.angle(np.exp(-1j * centre)))  # the same turn, written in (-pi, pi]


def _plan_loop(motion: Motion, max_frames: int) -> tuple[int, int, float] | None | str:
    """``(cycles, seconds, heading)`` of the smallest fitting cycle count, None if none, "turn" if it turns too far."""
    fps, cycle = motion.fps, motion.loop.cycle_frames
    for cycles in range(1, max_frames // cycle + 1):
        seconds = _whole_seconds(cycles * cycle - LOADER_TRIM_FRAMES, fps)
        if seconds is None:
            continue
        heading = _heading(motion, cycles * cycle - LOADER_TRIM_FRAMES)
        return (cycles, seconds, heading) if heading is not None else "turn"
    return None


def plan_clip(motion: Motion) -> Plan:
    """Choose the frames of a clip for the AWD loader (see the module doc).

    Raises:
        RetargetError: A non-looping clip too short (or turning too far) for any
            whole-second span, or a looping clip no rate between half and twice
            its own fits (the message gives the numbers).
    """
    fps = motion.fps
    if not motion.loop.looping:
        for seconds in range(int((motion.num_frames - LOADER_TRIM_FRAMES) / fps + 1e-9), 0, -1):
            kept = seconds * fps
            if abs(kept - round(kept)) > _WHOLE:
                continue
            heading = _heading(motion, round(kept))
            if heading is not None:
                frames = LOADER_TRIM_FRAMES + round(kept)
                return Plan(motion, frames, seconds, 0, heading,
                            f"{frames} of {motion.num_frames} frames, not looping ({seconds} s kept by the loader)")
        raise RetargetError(
            f"non-looping clip of {motion.num_frames} frames at {fps:g} fps has no whole-second span after the "
            f"AWD loader drops {LOADER_TRIM_FRAMES} frames (it needs at least {min_frames(fps)} frames, "
            f"whole seconds at this rate, and a kept heading range under {2 * (math.pi - HEADING_MARGIN):.2f} rad)")
    loop = motion.loop
    found = _plan_loop(motion, round(MAX_SECONDS * fps))
    if isinstance(found, tuple):
        cycles, seconds, heading = found
        return Plan(motion, cycles * loop.cycle_frames, seconds, cycles, heading,
                    f"{cycles} gait cycles ({cycles * loop.cycle_frames} frames, {seconds} s kept by the loader)")
    period = loop.cycle_frames / fps
    candidates = sorted(range(max(1, math.ceil(period * fps / 2)), math.floor(period * fps * 2) + 1),
                        key=lambda n: (abs(n / period - fps), -n))  # ties: the higher rate
    for per_cycle in candidates:
        if per_cycle == loop.cycle_frames:
            continue
        moved = resample(motion, per_cycle / period)
        found = _plan_loop(moved, round(MAX_SECONDS * moved.fps))
        if isinstance(found, tuple):
            cycles, seconds, heading = found
            return Plan(moved, cycles * per_cycle, seconds, cycles, heading,
                        f"resampled to {moved.fps:.6g} fps ({per_cycle} frames per cycle) so whole cycles leave whole "
                        f"seconds after the loader's trim: {cycles} gait cycles ({cycles * per_cycle} frames, "
                        f"{seconds} s kept by the loader)")
    raise RetargetError(
        f"looping clip ({loop.cycle_frames} frames per {period:.4f} s cycle at {fps:g} fps, turning "
        f"{loop.cycle_offset_yaw:.3f} rad per cycle): no whole number of cycles up to {MAX_SECONDS:g} s leaves a "
        f"whole number of seconds after the AWD loader drops {LOADER_TRIM_FRAMES} frames with a kept heading range "
        f"under {2 * (math.pi - HEADING_MARGIN):.2f} rad, at {fps:g} fps or any rate from {fps / 2:g} to "
        f"{2 * fps:g} fps")


def _layout(num_joints: int) -> tuple[dict[str, int], dict[str, int]]:
    sizes = {
        "root_pos": 3, "root_quat": 4, "joints_pos": num_joints, "left_toe_pos": 3, "right_toe_pos": 3,
        "world_linear_vel": 3, "world_angular_vel": 3, "joints_vel": num_joints, "left_toe_vel": 3,
        "right_toe_vel": 3, "foot_contacts": 2,
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
        motion: The clip (at the export rate; :func:`plan_clip` may resample it).
        mapping: Joint mapping to the target robot.
        joint_names: Target joints, in the order written to ``Joints``.
        weight: ``MotionWeight``.
        wrap: Write looping clips as ``"Wrap"``; False writes ``"Clamp"``.

    Returns:
        ``(document, note)``; the note says how the length was chosen.

    Raises:
        RetargetError: See :func:`plan_clip`; unmapped joints.
    """
    plan = plan_clip(motion)
    motion = plan.motion
    fps, loop, total = motion.fps, motion.loop, plan.frames
    joints, joint_vel = mapping.apply(motion, joint_names)
    feet = [motion.left_foot_pos, motion.right_foot_pos]
    toe_vel = [position_rate(f, fps, loop) for f in feet]
    idx = np.arange(total) % motion.num_frames
    reps = np.arange(total) // motion.num_frames  # whole-clip repetitions of each output frame
    turn = quat_from_yaw(plan.heading)
    c, s = math.cos(plan.heading), math.sin(plan.heading)
    rot = np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])

    def tiled(x: np.ndarray, kind: str) -> np.ndarray:
        out = x[idx].copy()
        for r in np.unique(reps[reps > 0]):
            sel = reps == r
            cycles = int(r) * loop.num_cycles
            out[sel] = (loop.transform_positions(out[sel], cycles) if kind == "pos" else
                        loop.transform_vectors(out[sel], cycles) if kind == "vec" else
                        loop.transform_quats(out[sel], cycles))
        if kind == "quat":
            return quat_multiply(turn, out)
        return out @ rot.T

    offsets, sizes = _layout(len(joint_names))
    columns = {
        "root_pos": tiled(motion.root_pos, "pos"),
        "root_quat": quat_canonical_w_positive(tiled(motion.root_quat, "quat")),
        "joints_pos": joints[idx],
        "left_toe_pos": tiled(feet[0], "pos"),
        "right_toe_pos": tiled(feet[1], "pos"),
        "world_linear_vel": tiled(motion.root_lin_vel, "vec"),
        "world_angular_vel": tiled(motion.root_ang_vel, "vec"),
        "joints_vel": joint_vel[idx],
        "left_toe_vel": tiled(toe_vel[0], "vec"),
        "right_toe_vel": tiled(toe_vel[1], "vec"),
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
        "Heading_offset": plan.heading,
        "Trajectory_length": plan.seconds,
        "Frame_offset": [offsets],
        "Frame_size": [sizes],
        "Frames": frames.tolist(),
    }
    note = plan.note + (f", turned {plan.heading:+.4f} rad about z to keep the heading off +-180 deg"
                        if plan.heading else "")
    return doc, note


def dumps(doc: dict[str, Any]) -> bytes:
    """JSON text of a document (floats written with full precision, no NaN)."""
    return (json.dumps(doc, allow_nan=False) + "\n").encode()


def _write_clip(motion: Motion, mapping: JointMapping, run: ExportRun, weight: float) -> ClipFile:
    doc, note = awd_clip(motion, mapping, list(run.joint_order), weight, run.wrap)
    return ClipFile(dumps(doc), len(doc["Frames"]), note, fps=doc["FPS"])


FORMAT = register_format(ExportFormat(
    name="awd",
    extension=".json",
    summary="AWD / Open Duck JSON clips (frame layout in Frame_offset / Frame_size)",
    frames="120 frames plus whole seconds (whole gait cycles for loops, resampled if no cycle count fits), "
           "heading kept off +-180 deg",
    write_clip=_write_clip,
))
"""The ``awd`` export format."""
