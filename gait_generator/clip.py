"""Stage 3 of :func:`gait_generator.generate`: the solved walk in the clip's world frame.

The clip's world frame has its origin on the floor under the root at frame 0,
and the root heads along +x there. A looping clip repeats the solved gait cycle
``num_cycles`` times, each cycle moved by the per-cycle offset of the one
before; a clip from standing is the solved walk cut at the requested length
(the walk itself stops later). The footsteps are the plan's footholds moved
the same way, and each frame is labelled with its gait phase.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
from numpy.typing import NDArray

from gait_generator.corrected_walk import CorrectedWalk
from gait_generator.labels import GaitLabels, looping_labels, plan_labels
from gait_generator.timeline import Foothold
from gait_generator.timing import StepTiming
from gait_generator.walk_plan import WalkPlan
from gait_generator.wholebody import WalkFrames
from motions import Footsteps, Loop
from motions.planar import Planar
from motions.rotations import (
    quat_from_yaw,
    quat_make_continuous,
    quat_multiply,
    yaw_from_quat,
)

__all__ = ["Clip", "place_clip"]

FloatArray = NDArray[np.float64]

_POINTS = ("root_pos", "left", "right", "com")
"""World positions of :class:`WalkFrames` (m)."""
_VECTORS = ("root_lin_vel", "root_ang_vel", "root_lin_acc", "root_ang_acc")
"""World free vectors of :class:`WalkFrames` (rotate only)."""


@dataclass(frozen=True)
class Clip:
    """The frames of a clip in its own world frame, with its loop record and footsteps.

    Attributes:
        frames: The clip's frames, clip world frame (SI units, quaternions xyzw).
        loop: Loop record; the per-cycle offset is in the clip world frame.
        footsteps: Footholds touching down or lifting off within the clip, sorted
            by touchdown, clip world frame, times in s.
        solve: The whole-body solve the frames come from (planner world frame).
        labels: Per-frame gait phase and commanded step (:mod:`gait_generator.labels`).
    """

    frames: WalkFrames
    loop: Loop
    footsteps: Footsteps
    solve: CorrectedWalk
    labels: GaitLabels


def place_clip(plan: WalkPlan, solve: CorrectedWalk, timing: StepTiming, length: float) -> Clip:
    """Move a solved walk into the clip's world frame, and tile or cut it to ``length``.

    Args:
        plan: The timeline the walk was solved for (planner world frame).
        solve: Its whole-body solve (:func:`gait_generator.corrected_walk.correct_walk`).
        timing: Frame-snapped step timing.
        length: Requested length (s). A looping clip is rounded to whole cycles (at
            least one); a clip from standing has ``round(length * fps) + 1`` frames.
    """
    walk = solve.frames
    to_clip = np.linalg.inv(Planar(walk.root_pos[0, 0], walk.root_pos[0, 1], yaw_from_quat(walk.root_quat[0])).pose())
    holds = plan.timeline.holds
    if plan.cycle_offset is None:
        clip_frames = max(2, round(length * timing.fps) + 1)
        frames = _moved(walk.slice(0, clip_frames), to_clip)
        placed = [hold.placed(to_clip) for side in holds for hold in side]
        return Clip(frames, Loop(looping=False), _footsteps(placed, timing.fps, clip_frames - 1), solve,
                    plan_labels(plan.timeline, clip_frames, timing))
    cycle_frames = timing.cycle_frames
    first_cycle = _moved(walk.slice(0, cycle_frames), to_clip)
    offset = Planar.from_matrix(to_clip @ plan.cycle_offset @ np.linalg.inv(to_clip))
    num_cycles = max(1, round(length * timing.fps / cycle_frames))
    loop = Loop(looping=True, cycle_frames=cycle_frames, num_cycles=num_cycles,
                cycle_offset_pos=np.array([offset.x, offset.y, 0.0]), cycle_offset_yaw=float(offset.yaw))
    one_cycle = offset.pose()
    cycles = []
    placed = []
    cycle_move = np.eye(4)  # clip world: cycle 0 onto cycle k
    for k in range(num_cycles):
        cycles.append(_moved(first_cycle, cycle_move))
        # Each cycle's footholds but the first of each foot, which is the last one of the cycle before.
        placed += [hold.placed(cycle_move @ to_clip, k * cycle_frames) for side in holds for hold in side[1:]]
        cycle_move = one_cycle @ cycle_move
    placed += [hold.placed(to_clip) for side in holds for hold in side[:1]]
    frames = _concatenated(cycles)
    frames.root_quat = quat_make_continuous(frames.root_quat)
    return Clip(frames, loop, _footsteps(placed, timing.fps, num_cycles * cycle_frames - 1), solve,
                looping_labels(num_cycles * cycle_frames, timing))


def _moved(frames: WalkFrames, transform: FloatArray) -> WalkFrames:
    """Every world quantity of ``frames`` moved by the 4x4 planar rigid ``transform``."""
    rotation = transform[:3, :3]
    out = dict(frames.__dict__)
    for name in _POINTS:
        out[name] = getattr(frames, name) @ rotation.T + transform[:3, 3]
    for name in _VECTORS:
        out[name] = getattr(frames, name) @ rotation.T
    out["zmp"] = frames.zmp @ rotation[:2, :2].T + transform[:2, 3]
    yaw = Planar.from_matrix(transform).yaw
    out["root_quat"] = quat_multiply(quat_from_yaw(np.full(len(frames.root_quat), yaw)), frames.root_quat)
    return WalkFrames(**out)


def _concatenated(parts: list[WalkFrames]) -> WalkFrames:
    """Frames of ``parts`` one after the other; per-solve scalars and ``bump_sizes`` from the first part."""
    first = parts[0]
    out = {}
    for field in fields(WalkFrames):
        value = getattr(first, field.name)
        per_frame = isinstance(value, np.ndarray) and field.name != "bump_sizes"
        out[field.name] = np.concatenate([getattr(part, field.name) for part in parts]) if per_frame else value
    return WalkFrames(**out)


def _footsteps(holds: list[Foothold], fps: float, last_frame: int) -> Footsteps:
    """Footsteps of the footholds planted at some frame in ``0 .. last_frame``, sorted by touchdown then side."""
    rows = []
    for hold in holds:
        if hold.end < 0 or hold.start > last_frame:
            continue
        rows.append((hold.start, hold.end, hold.side, hold.pose[:3, 3], float(Planar.from_matrix(hold.pose).yaw)))
    rows.sort(key=lambda row: (row[0], row[2]))
    return Footsteps(
        side=np.array([row[2] for row in rows], dtype=np.int8),
        pos=np.array([row[3] for row in rows]).reshape(-1, 3),
        yaw=np.array([row[4] for row in rows]),
        t_start=np.array([row[0] for row in rows], dtype=float) / fps,
        t_end=np.array([row[1] for row in rows], dtype=float) / fps,
    )
