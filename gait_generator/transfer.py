"""Cross-robot gait transfer: move a clip generated on robot A onto robot B by keypoint IK.

The keypoints of the source clip are its trunk pose and its two sole poses
(soles flat, with the yaw the source's forward kinematics gives them). They are
scaled into the target's proportions and tracked with placo's keypoint IK
(:mod:`gait_generator.placo_adapter.keypoint_ik`) on the target:

* **Scale factors.** ``leg_ratio`` = target / source leg length (hip pitch joint
  to sole, vertical, zero pose) scales heights and everything sagittal;
  ``width_ratio`` = target / source hip width (lateral distance between the hip
  pitch joints) scales lateral offsets from the feet midline.
* **Feet midline frame** (per frame): origin at the horizontal midpoint of the two
  soles, x along the mean yaw of the two feet. A keypoint with local coordinates
  ``(x, y, z)`` in it goes to ``(leg_ratio x, width_ratio y, leg_ratio z)`` in the
  target's midline frame, whose origin is the source origin scaled by
  ``leg_ratio`` (same yaw). Step lengths, lateral steps and turning radii therefore
  scale by ``leg_ratio``, the feet spacing by ``width_ratio``, and yaw is kept.
  The map commutes with the loop offset, so a looping clip still loops with its
  translation scaled by ``leg_ratio``.
* **Trunk.** The scaled point is the midpoint of the hip pitch joints (fixed in
  the trunk frame at the zero pose); the trunk keeps the source's orientation.
* **Stance feet never slip.** Each stance foot is held at its scaled pose of the
  run's first frame for the whole contact run. The anisotropic scaling moves a
  stance foot slightly while the midline turns; the swing that follows absorbs
  that difference, blended in by the source swing foot's horizontal progress,
  so the swing keeps the source's (scaled) height profile.

Timing is unchanged: same fps, frames, contacts and loop cycle.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gait_generator.errors import PlanningError
from gait_generator.placo_adapter import (
    PLACO_VERSION,
    KeypointState,
    forward_kinematics,
    keypoint_ik,
    leg_geometry,
)
from motions import Command, Footsteps, Loop, Motion
from motions.planar import Planar
from motions.rotations import quat_make_continuous
from motions.velocities import achieved_velocity, clip_velocities
from robots import Robot

__all__ = ["FOOT_ERROR_LIMIT", "IK_ANGLE_TOL", "IK_POSITION_TOL", "transfer_motion"]

FOOT_ERROR_LIMIT = 5e-3
"""Largest sole position error (m) a transferred clip may have; beyond it the transfer fails."""
IK_POSITION_TOL = 1e-5
"""Sole position tolerance of the keypoint IK (m)."""
IK_ANGLE_TOL = 1e-4
"""Sole orientation tolerance of the keypoint IK (rad)."""
_FIRST_FRAME_ITERATIONS = 300
_FRAME_ITERATIONS = 50
_LOOP_CLOSURE_TOL = 1e-3
"""Largest joint mismatch (rad) between frame 0 and the IK of frame 0 moved by one cycle."""


def _yaw_of(rot: np.ndarray) -> np.ndarray:
    """Yaw (rad) of the x axis of rotation matrices (..., 3, 3) projected on the ground."""
    return np.arctan2(rot[..., 1, 0], rot[..., 0, 0])


def _pose(pos: np.ndarray, yaw: np.ndarray) -> np.ndarray:
    """Flat 4x4 poses (..., 4, 4) from positions (..., 3) and yaws (...)."""
    return Planar(pos[..., 0], pos[..., 1], yaw).pose(pos[..., 2])


def _stance_runs(contact: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) frame ranges where ``contact`` is True."""
    edges = np.flatnonzero(np.diff(np.r_[0, contact.astype(int), 0]))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist()))


class _Scaling:
    """The keypoint map from the source's feet midline frame to the target's."""

    def __init__(self, left: np.ndarray, right: np.ndarray, left_yaw: np.ndarray, right_yaw: np.ndarray,
                 leg_ratio: float, width_ratio: float) -> None:
        self.origin = np.column_stack([(left[:, :2] + right[:, :2]) / 2.0, np.zeros(len(left))])
        self.heading = Planar(0.0, 0.0, np.arctan2(np.sin(left_yaw) + np.sin(right_yaw),
                                                   np.cos(left_yaw) + np.cos(right_yaw)))
        self.factors = np.array([leg_ratio, width_ratio, leg_ratio])
        self.leg_ratio = leg_ratio

    def points(self, p: np.ndarray) -> np.ndarray:
        """Map world points (T, 3), one per frame."""
        local = self.heading.rotate_inverse(p - self.origin) * self.factors
        return self.heading.rotate(local) + self.leg_ratio * self.origin


def _extend(x: np.ndarray, loop: Loop, kind: str) -> np.ndarray:
    """A looping clip's sequence with the previous and next loop copies around it (3T frames)."""
    n = loop.num_cycles
    if kind == "pos":
        return np.concatenate([loop.transform_positions(x, -n), x, loop.transform_positions(x, n)])
    if kind == "yaw":
        yaw = loop.offset(n)[1]
        return np.concatenate([x - yaw, x, x + yaw])
    return np.concatenate([x, x, x])


def _hold_stance(contact: np.ndarray, scaled: np.ndarray, yaw: np.ndarray, source: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray, float]:
    """Hold each stance run at its first frame and blend the difference into the swings.

    Args:
        contact: (T,) contact flags of one foot.
        scaled: (T, 3) scaled sole positions. yaw: (T,) sole yaws (rad).
        source: (T, 3) source sole positions (for the swing progress).

    Returns:
        Sole target positions (T, 3), yaws (T,), and the largest correction (m).
    """
    pos, yaw_out = scaled.copy(), yaw.copy()
    runs = _stance_runs(contact)
    # Correction (position, yaw) at the end of each run; zero at its first frame.
    ends: list[tuple[int, np.ndarray, float]] = []
    for a, b in runs:
        pos[a:b], yaw_out[a:b] = scaled[a], yaw[a]
        ends.append((b - 1, scaled[a] - scaled[b - 1], float(yaw[a] - yaw[b - 1])))
    worst = max((float(np.linalg.norm(d)) for _, d, _ in ends), default=0.0)
    total = len(contact)
    gaps = [(0 if i == 0 else runs[i - 1][1], a) for i, (a, _) in enumerate(runs)]
    if runs and runs[-1][1] < total:
        gaps.append((runs[-1][1], total))
    if not runs:
        gaps.append((0, total))
    for i, (a, b) in enumerate(gaps):
        if a >= b:
            continue
        before = next((e for e in ends if e[0] == a - 1), None)
        d0, y0 = (before[1], before[2]) if before else (np.zeros(3), 0.0)
        if b >= total:  # the swing does not land inside the clip: keep the lift-off correction
            alpha = np.zeros(b - a)
        elif a == 0:  # the clip starts in the swing: nothing to blend from
            alpha = np.ones(b - a)
        else:
            p0, p1 = source[a - 1, :2], source[b, :2]
            span = p1 - p0
            if float(span @ span) > 1e-12:
                alpha = np.clip((source[a:b, :2] - p0) @ span / float(span @ span), 0.0, 1.0)
            else:
                alpha = (np.arange(a, b) - (a - 1)) / (b - (a - 1))
        pos[a:b] += (1.0 - alpha)[:, None] * d0
        yaw_out[a:b] += (1.0 - alpha) * y0
    return pos, yaw_out, worst


def _footsteps(src: Footsteps, held: tuple[np.ndarray, np.ndarray], held_yaw: tuple[np.ndarray, np.ndarray],
               contacts: np.ndarray, fps: float, first: int) -> Footsteps:
    """Scaled footsteps: each step takes the held sole pose of the stance run it covers.

    ``held``/``held_yaw``/``contacts`` may be an extended sequence whose clip frame 0
    is at index ``first``.
    """
    pos, yaw = [], []
    for side, ts, te in zip(src.side, src.t_start, src.t_end):
        k = first + round((ts + te) / 2.0 * fps)
        k = min(max(k, 0), len(contacts) - 1)
        col = contacts[:, int(side)]
        on = np.flatnonzero(col)
        if on.size == 0:
            raise PlanningError(f"footstep of side {int(side)} at t = {ts:.3f} s has no contact frame")
        k = int(on[np.argmin(np.abs(on - k))])
        pos.append(held[int(side)][k])
        yaw.append(held_yaw[int(side)][k])
    return Footsteps(side=src.side, pos=np.array(pos).reshape(-1, 3), yaw=np.array(yaw),
                     t_start=src.t_start, t_end=src.t_end)


def _solve(robot: Robot, left: np.ndarray, right: np.ndarray, trunk: np.ndarray, seed: int) -> list[KeypointState]:
    ik = keypoint_ik(robot)
    ik.start(trunk[0], seed)
    states = []
    for k in range(len(trunk)):
        state = ik.solve(left[k], right[k], trunk[k], _FIRST_FRAME_ITERATIONS if k == 0 else _FRAME_ITERATIONS,
                         IK_POSITION_TOL, IK_ANGLE_TOL)
        if state.foot_error > FOOT_ERROR_LIMIT:
            raise PlanningError(
                f"frame {k} of {len(trunk)}: the target '{robot.name}' cannot reach the scaled feet "
                f"(sole error {state.foot_error * 1e3:.2f} mm > {FOOT_ERROR_LIMIT * 1e3:.1f} mm); "
                f"joints {ik.joint_report()}"
            )
        states.append(state)
    return states


def transfer_motion(motion: Motion, source: Robot, target: Robot, seed: int = 0) -> tuple[Motion, dict[str, Any]]:
    """Transfer a walking clip from ``source`` to ``target`` by scaled keypoint IK.

    Args:
        motion: A clip of ``source`` (its joint names must be the source robot's).
        source: The robot the clip was made for.
        target: The robot to move it onto.
        seed: Seeds placo for the first frame's IK (same seed, same result).

    Returns:
        ``(clip, metrics)``: the target's clip (same fps, frames, contacts and loop
        cycle; loop translation, footsteps and command scaled) and the metrics also
        stored in ``clip.meta``: ``leg_ratio``, ``width_ratio`` and
        ``retarget_error`` (sole position and trunk pose errors against the
        scaled keypoints, max and mean over the clip, m and rad).

    Raises:
        ValueError: The clip's joints are not the source robot's.
        PlanningError: IK fails, a sole misses its target by more than
            :data:`FOOT_ERROR_LIMIT`, a knee bends the wrong way, or the
            transferred cycle does not close.
    """
    if tuple(motion.joint_names) != tuple(source.joint_names):
        raise ValueError(
            f"motion joints {list(motion.joint_names)[:4]}... are not those of source robot '{source.name}' "
            f"({list(source.joint_names)[:4]}...)"
        )
    g_src, g_tgt = leg_geometry(source), leg_geometry(target)
    leg_ratio = g_tgt.leg_length / g_src.leg_length
    width_ratio = g_tgt.hip_width / g_src.hip_width
    loop, fps, total = motion.loop, motion.fps, motion.num_frames

    fk = forward_kinematics(source, motion.root_pos, motion.root_quat, motion.joint_pos)
    src_feet = (motion.left_foot_pos, motion.right_foot_pos)
    src_yaw = (_yaw_of(fk.left[:, :3, :3]), _yaw_of(fk.right[:, :3, :3]))
    hips = fk.trunk[:, :3, 3] + np.einsum("tij,j->ti", fk.trunk[:, :3, :3], g_src.hip_offset)
    zmp3 = np.column_stack([motion.zmp, np.zeros(total)])
    contacts = motion.contacts
    first = 0
    if loop.looping:  # work on [previous copy, clip, next copy] so runs and swings wrap around
        src_feet = tuple(_extend(p, loop, "pos") for p in src_feet)
        src_yaw = tuple(_extend(np.unwrap(y), loop, "yaw") for y in src_yaw)
        hips, zmp3 = _extend(hips, loop, "pos"), _extend(zmp3, loop, "pos")
        trunk_rot = _extend(fk.trunk[:, :3, :3], loop, "copy")
        copy_yaw = np.repeat([-1, 0, 1], total) * loop.offset(loop.num_cycles)[1]
        trunk_rot = np.einsum("tij,tjk->tik", Planar(0.0, 0.0, copy_yaw).rotation3(), trunk_rot)
        contacts = _extend(contacts, loop, "copy")
        first = total
    else:
        src_yaw = tuple(np.unwrap(y) for y in src_yaw)
        trunk_rot = fk.trunk[:, :3, :3]

    scale = _Scaling(src_feet[0], src_feet[1], src_yaw[0], src_yaw[1], leg_ratio, width_ratio)
    held, held_yaw, correction = [], [], 0.0
    for col in (0, 1):
        p, y, c = _hold_stance(contacts[:, col], scale.points(src_feet[col]), src_yaw[col], src_feet[col])
        held.append(p)
        held_yaw.append(y)
        correction = max(correction, c)
    hips_t = scale.points(hips)
    zmp_t = scale.points(zmp3)[:, :2]
    clip = slice(first, first + total)
    left_t, right_t = _pose(held[0][clip], held_yaw[0][clip]), _pose(held[1][clip], held_yaw[1][clip])
    trunk_t = np.zeros((total, 4, 4))
    trunk_t[:, :3, :3] = trunk_rot[clip]
    trunk_t[:, :3, 3] = hips_t[clip] - np.einsum("tij,j->ti", trunk_rot[clip], g_tgt.hip_offset)
    trunk_t[:, 3, 3] = 1.0

    if loop.looping:
        offset_pos = np.array([loop.cycle_offset_pos[0], loop.cycle_offset_pos[1], 0.0]) * leg_ratio
        offset_pos[2] = loop.cycle_offset_pos[2]
        out_loop = Loop(looping=True, cycle_frames=loop.cycle_frames, num_cycles=loop.num_cycles,
                        cycle_offset_pos=offset_pos, cycle_offset_yaw=loop.cycle_offset_yaw)
        n = loop.cycle_frames
        # Solve one cycle plus the next cycle's first frame (to check that it closes), then tile.
        g = _pose(out_loop.cycle_offset_pos, np.array(out_loop.cycle_offset_yaw))
        nxt = [g @ t[0] for t in (left_t, right_t, trunk_t)]
        states = _solve(target, np.r_[left_t[:n], nxt[0][None]], np.r_[right_t[:n], nxt[1][None]],
                        np.r_[trunk_t[:n], nxt[2][None]], seed)
        closure = float(np.abs(states[n].joints - states[0].joints).max())
        if closure > _LOOP_CLOSURE_TOL:
            raise PlanningError(f"the transferred cycle does not close: joint mismatch {closure:.2e} rad")
        cycle = states[:n]
        reps = loop.num_cycles

        def tile(x: np.ndarray, kind: str) -> np.ndarray:
            if kind == "pos":
                return np.concatenate([out_loop.transform_positions(x, c) for c in range(reps)])
            if kind == "quat":
                return np.concatenate([out_loop.transform_quats(x, c) for c in range(reps)])
            return np.concatenate([x] * reps)
    else:
        out_loop = Loop(looping=False)
        states = _solve(target, left_t, right_t, trunk_t, seed)
        closure = 0.0
        cycle = states

        def tile(x: np.ndarray, kind: str) -> np.ndarray:
            return x

    root_pos = tile(np.array([s.root_pos for s in cycle]), "pos")
    root_quat = quat_make_continuous(tile(quat_make_continuous(np.array([s.root_quat for s in cycle])), "quat"))
    joints = tile(np.array([s.joints for s in cycle]), "copy")
    left = tile(np.array([s.left for s in cycle]), "pos")
    right = tile(np.array([s.right for s in cycle]), "pos")
    com = tile(np.array([s.com for s in cycle]), "pos")

    lin_vel, ang_vel, joint_vel = clip_velocities(root_pos, root_quat, joints, out_loop, fps)
    footsteps = _footsteps(motion.footsteps, tuple(held), tuple(held_yaw), contacts, fps, first)

    # Errors against the scaled keypoints over the whole clip (the tiled cycles repeat the solved ones).
    out_trunk = forward_kinematics(target, root_pos, root_quat, joints).trunk
    foot_err = np.maximum(np.linalg.norm(left - left_t[:, :3, 3], axis=1),
                          np.linalg.norm(right - right_t[:, :3, 3], axis=1))
    rel = np.einsum("tji,tjk->tik", out_trunk[:, :3, :3], trunk_t[:, :3, :3])
    trunk_ang = np.arccos(np.clip((np.trace(rel, axis1=1, axis2=2) - 1.0) / 2.0, -1.0, 1.0))
    trunk_pos = np.linalg.norm(out_trunk[:, :3, 3] - trunk_t[:, :3, 3], axis=1)
    error = {
        "foot_pos_max": float(foot_err.max()),
        "foot_pos_mean": float(foot_err.mean()),
        "trunk_rot_max": float(trunk_ang.max()),
        "trunk_rot_mean": float(trunk_ang.mean()),
        "trunk_pos_max": float(trunk_pos.max()),
        "trunk_pos_mean": float(trunk_pos.mean()),
    }
    metrics: dict[str, Any] = {
        "leg_ratio": leg_ratio,
        "width_ratio": width_ratio,
        "source_leg_length": g_src.leg_length,
        "target_leg_length": g_tgt.leg_length,
        "source_hip_width": g_src.hip_width,
        "target_hip_width": g_tgt.hip_width,
        "stance_hold_correction_max": correction,
        "loop_closure_joint_error": closure,
        "ik_iterations_per_frame": sum(s.iterations for s in states) / len(states),
        "retarget_error": error,
    }
    meta = dict(motion.meta)
    meta.update(metrics)
    meta.update({
        "robot": target.name,
        "robot_spec": str(target.spec.path.name),
        "transferred_from": source.name,
        "transfer": "gait_generator.transfer.transfer_motion",
        "placo_version": PLACO_VERSION,
        "seed": int(seed),
        "source_seed": motion.meta.get("seed"),
        "ik_frames_solved": len(states),
    })
    c = motion.command
    out = Motion(
        fps=fps,
        joint_names=target.joint_names,
        root_pos=root_pos,
        root_quat=root_quat,
        joint_pos=joints,
        joint_vel=joint_vel,
        root_lin_vel=lin_vel,
        root_ang_vel=ang_vel,
        left_foot_pos=left,
        right_foot_pos=right,
        contacts=motion.contacts,
        com_pos=com,
        zmp=zmp_t[clip],
        footsteps=footsteps,
        command=Command(dx=c.dx * leg_ratio, dy=c.dy * leg_ratio, dtheta=c.dtheta),
        achieved=achieved_velocity(root_quat, lin_vel, out_loop, fps),
        loop=out_loop,
        meta=meta,
    )
    return out, metrics
