"""The public entry point: a walk command and a preset in, a :class:`motions.Motion` out.

Stages:

1. footholds and support phases (:mod:`gait_generator.cycle`);
2. the whole-body solve, the exact LIPM CoM with the whole-body ZMP on the plan
   (:mod:`gait_generator.wholebody`), moved into the clip's world frame and, for
   a looping clip, tiled over whole cycles (:func:`looping_clip`, :func:`start_clip`);
3. assembly of the :class:`motions.Motion` (:func:`assemble`).
"""

from __future__ import annotations

import math
from dataclasses import fields

import numpy as np

from gait_generator import __version__
from gait_generator.cycle import SteadyCycle, planar_offset, standing_start, steady_cycle
from gait_generator.errors import CommandError, PlanningError, PresetError
from gait_generator.lipm import Periodic
from gait_generator.placo_adapter import PLACO_VERSION, session
from gait_generator.preset import Preset, resolve_preset
from gait_generator.timeline import Foothold, Timeline
from gait_generator.timing import FPS_RANGE, LENGTH_RANGE, StepTiming, snap_timing
from gait_generator.wholebody import WalkFrames, solve_walk
from motions import Command, Footsteps, Loop, Motion
from motions.rotations import quat_from_yaw, quat_make_continuous, quat_multiply, yaw_from_quat
from motions.velocities import achieved_velocity
from robots import Robot, load_robot
from robots.soles import polygon_distance, sole_polygons

__all__ = ["generate", "looping_clip", "start_clip", "assemble"]

_LOOP_CLOSURE_TOL = 1e-4
"""Largest joint mismatch (rad) between a cycle's frame 0 and the IK of the next cycle's frame 0."""

_POINTS = ("root_pos", "left", "right", "com")
_VECTORS = ("root_lin_vel", "root_ang_vel", "root_lin_acc", "root_ang_acc")


def _planar(yaw: float, pos: np.ndarray) -> np.ndarray:
    """4x4 planar rigid transform: yaw about z, then translation ``pos`` (3,)."""
    m = np.eye(4)
    c, s_ = math.cos(yaw), math.sin(yaw)
    m[:2, :2] = [[c, -s_], [s_, c]]
    m[:3, 3] = pos
    return m


def _moved(frames: WalkFrames, g: np.ndarray) -> WalkFrames:
    """Every world quantity of ``frames`` moved by the planar rigid transform ``g``."""
    rot = g[:3, :3]
    out = dict(frames.__dict__)
    for name in _POINTS:
        out[name] = getattr(frames, name) @ rot.T + g[:3, 3]
    for name in _VECTORS:
        out[name] = getattr(frames, name) @ rot.T
    out["zmp"] = frames.zmp @ rot[:2, :2].T + g[:2, 3]
    yaw = math.atan2(g[1, 0], g[0, 0])
    out["root_quat"] = quat_multiply(quat_from_yaw(np.full(len(frames.root_quat), yaw)), frames.root_quat)
    return WalkFrames(**out)


def _concat(parts: list[WalkFrames]) -> WalkFrames:
    first = parts[0]
    out = {}
    for f in fields(WalkFrames):
        value = getattr(first, f.name)
        arrays = isinstance(value, np.ndarray) and f.name != "bump_sizes"
        out[f.name] = np.concatenate([getattr(p, f.name) for p in parts]) if arrays else value
    return WalkFrames(**out)


def _footsteps(holds: list[tuple[Foothold, np.ndarray, int]], fps: float, last_frame: int) -> Footsteps:
    """Footsteps from (foothold, world transform, frame shift) triples, sorted by touchdown."""
    rows = []
    for hold, g, shift in holds:
        start, end = hold.start + shift, hold.end + shift
        if end < 0 or start > last_frame:
            continue
        pose = g @ hold.pose
        rows.append((start, end, hold.side, pose[:3, 3], math.atan2(pose[1, 0], pose[0, 0])))
    rows.sort(key=lambda r: (r[0], r[2]))
    return Footsteps(
        side=np.array([r[2] for r in rows], dtype=np.int8),
        pos=np.array([r[3] for r in rows]).reshape(-1, 3),
        yaw=np.array([r[4] for r in rows]),
        t_start=np.array([r[0] for r in rows], dtype=float) / fps,
        t_end=np.array([r[1] for r in rows], dtype=float) / fps,
    )


def _check_zmp_targets(rob: Robot, pre: Preset) -> None:
    """Raise :class:`PresetError` if a ZMP target is not ``zmp_margin`` inside the sole's contact polygon."""
    soles = sole_polygons(rob)
    for side in (0, 1):
        target = np.array([[pre.foot_zmp_target_x, pre.foot_zmp_target_y * (1.0 if side == 0 else -1.0)]])
        inside = -float(polygon_distance(target, soles.side(side))[0])
        if inside < pre.zmp_margin:
            raise PresetError(
                f"{pre.path}: keys 'foot_zmp_target_x'/'foot_zmp_target_y': the ZMP target "
                f"({target[0, 0]:.4f}, {target[0, 1]:.4f}) m lies {inside * 1e3:.1f} mm inside the "
                f"{'left' if side == 0 else 'right'} sole's contact polygon, less than zmp_margin = "
                f"{pre.zmp_margin * 1e3:.1f} mm (the polygon spans x {soles.side(side)[:, 0].min():.4f}.."
                f"{soles.side(side)[:, 0].max():.4f}, y {soles.side(side)[:, 1].min():.4f}.."
                f"{soles.side(side)[:, 1].max():.4f} m)"
            )


def _check_zmp_support(rob: Robot, pre: Preset, timeline: Timeline, walk: WalkFrames, frames: int,
                       require: bool = True) -> float:
    """Smallest margin (m) of the planned ZMP inside the planted soles; PlanningError below ``zmp_margin``."""
    distance = timeline.zmp_support_distance(np.arange(frames), walk.zmp[:frames], sole_polygons(rob))
    k = int(np.argmax(distance))
    if require and -distance[k] < pre.zmp_margin - 1e-9:
        raise PlanningError(
            f"the planned ZMP is only {-distance[k] * 1e3:.1f} mm inside the soles' contact polygon at frame {k} "
            f"(preset zmp_margin {pre.zmp_margin * 1e3:.1f} mm); a start or stop this fast needs a longer "
            "startend_double_support_ratio"
        )
    return float(-distance[k])


def _check_request(preset: Preset, dx: float, dy: float, dtheta: float, length: float, fps: float) -> None:
    preset.check_command(dx, dy, dtheta)
    lo, hi = LENGTH_RANGE
    if not (isinstance(length, (int, float)) and math.isfinite(length) and lo <= length <= hi):
        raise CommandError(f"length = {length!r} s is outside the allowed range [{lo:g}, {hi:g}]")
    if not (isinstance(fps, (int, float)) and math.isfinite(fps)):
        raise CommandError(f"fps = {fps!r} must be a number in [{FPS_RANGE[0]:g}, {FPS_RANGE[1]:g}]")


def looping_clip(rob: Robot, pre: Preset, timing: StepTiming, cycle: SteadyCycle, length: float,
                 require_support: bool = True) -> tuple[WalkFrames, Loop, Footsteps, dict]:
    """Stage 2 of a looping clip: solve one steady cycle, then tile whole cycles in the clip's world frame.

    Args:
        rob: The robot. pre: The preset. timing: Frame-snapped timing.
        cycle: The steady cycle (:func:`gait_generator.cycle.steady_cycle`); its
            session must be reset and configured.
        length: Requested length (s), rounded to whole cycles.
        require_support: Raise :class:`PlanningError` if the planned ZMP comes closer
            than ``zmp_margin`` to the soles' edge. False builds such a clip anyway
            (for testing a validator on a reference the robot cannot follow).

    Returns:
        ``(frames, loop, footsteps, info)``: the clip's frames, its loop record,
        footsteps, and metadata of the solve.
    """
    s = session(rob)
    n = timing.cycle_frames
    offset_pos, offset_yaw = planar_offset(cycle.offset)
    c, sn = math.cos(offset_yaw), math.sin(offset_yaw)
    boundary = Periodic(np.array([[c, -sn], [sn, c]]), offset_pos[:2])
    walk = solve_walk(s, pre, cycle.timeline, boundary, n + 1, "right")
    margin = _check_zmp_support(rob, pre, cycle.timeline, walk, n, require_support)
    closure = float(np.abs(walk.joints[n] - walk.joints[0]).max())
    if closure > _LOOP_CLOSURE_TOL:
        raise PlanningError(f"the gait cycle does not close: joint mismatch {closure:.2e} rad at the seam")
    g = np.linalg.inv(_planar(float(yaw_from_quat(walk.root_quat[0])), np.r_[walk.root_pos[0, :2], 0.0]))
    one = _moved(walk.slice(0, n), g)
    clip_pos, clip_yaw = planar_offset(g @ cycle.offset @ np.linalg.inv(g))
    count = max(1, round(length * timing.fps / n))
    loop = Loop(looping=True, cycle_frames=n, num_cycles=count, cycle_offset_pos=clip_pos, cycle_offset_yaw=clip_yaw)
    tiles = []
    step = np.eye(4)
    holds = []
    unit = _planar(clip_yaw, clip_pos)
    for k in range(count):
        tiles.append(_moved(one, step))
        holds += [(h, step @ g, k * n) for side in cycle.timeline.holds for h in side[1:]]
        step = unit @ step
    holds += [(h, g, 0) for side in cycle.timeline.holds for h in side[:1]]
    clip = _concat(tiles)
    clip.root_quat = quat_make_continuous(clip.root_quat)
    info = {"loop_closure_joint_error": closure, "ik_frames_solved": n + 1, "zmp_support_margin_min": margin,
            "ik_iterations_per_frame": walk.iterations / (n + 1)}
    return clip, loop, _footsteps(holds, timing.fps, count * n - 1), info


def start_clip(rob: Robot, pre: Preset, timing: StepTiming, timeline: Timeline,
               length: float) -> tuple[WalkFrames, Loop, Footsteps, dict]:
    """Stage 2 of a clip from standing: solve the whole plan, cut at ``length`` (it stops later).

    ``timeline`` comes from :func:`gait_generator.cycle.standing_start`; see
    :func:`looping_clip` for the rest.
    """
    s = session(rob)
    frames = max(2, round(length * timing.fps) + 1)
    walk = solve_walk(s, pre, timeline, None, timeline.frames + 1, "left")
    margin = _check_zmp_support(rob, pre, timeline, walk, timeline.frames + 1)
    g = np.linalg.inv(_planar(float(yaw_from_quat(walk.root_quat[0])), np.r_[walk.root_pos[0, :2], 0.0]))
    clip = _moved(walk.slice(0, frames), g)
    holds = [(h, g, 0) for side in timeline.holds for h in side]
    info = {"start_frames": timing.startend_frames, "weight_shift_bumps": walk.bump_sizes.tolist(),
            "zmp_support_margin_min": margin,
            "ik_frames_solved": timeline.frames + 1, "ik_iterations_per_frame": walk.iterations / (timeline.frames + 1)}
    return clip, Loop(looping=False), _footsteps(holds, timing.fps, frames - 1), info


def generate(
    robot: str = "mini_biped",
    preset: str = "medium",
    dx: float = 0.0,
    dy: float = 0.0,
    dtheta: float = 0.0,
    length: float = 10.0,
    fps: float = 60,
    seed: int = 0,
    with_start: bool = False,
) -> Motion:
    """Generate one reference walking clip.

    By default the clip is steady-state walking over whole gait cycles that loops
    seamlessly (frame k + cycle_frames equals frame k moved by the recorded
    per-cycle root offset). With ``with_start`` it starts from standing instead
    and does not loop.

    Velocities and accelerations are exact (analytic, not differenced), and the
    whole-body ZMP (leg momentum included) follows the planned ZMP, which stays
    on the stance sole whenever one foot is in the air.

    Args:
        robot: Registered robot name or robot spec file.
        preset: Preset name of that robot, or a preset YAML file.
        dx: Forward step per step (m), in the robot's heading frame.
        dy: Lateral step per step (m), left positive.
        dtheta: Heading change per step (rad), counter-clockwise positive.
        length: Clip length (s); rounded to whole cycles for looping clips.
        fps: Frame rate (Hz); frame k lies at exactly t = k / fps.
        seed: Seeds placo's initial-pose solve; the same seed gives the same file.
        with_start: Record the start from standing (non-looping clip).

    Returns:
        The motion, in a world frame whose origin is under the root at frame 0,
        with the root heading along +x at frame 0.

    Raises:
        RobotSpecError: Unknown or invalid robot.
        PresetError: Unknown or invalid preset, or fps out of range.
        CommandError: Command beyond the preset's step limits, bad length, or ``with_start``
            for five-joint legs.
        PlanningError: placo fails, IK does not converge, or a knee flips.
    """
    rob = load_robot(robot)
    pre = resolve_preset(rob.spec.presets, preset, rob.name)
    _check_request(pre, dx, dy, dtheta, length, fps)
    _check_zmp_targets(rob, pre)
    timing = snap_timing(pre, float(fps))
    s = session(rob)
    s.configure(pre)
    s.reset(seed)
    if with_start and s.weighted:
        raise CommandError(
            f"robot '{rob.name}': with_start is not available for five-joint legs: with both soles flat the "
            "CoM cannot shift sideways onto one foot from standing (see docs/robots.md, 'Five-joint legs'); "
            "generate looping clips instead")
    if with_start:
        frames = max(2, round(length * timing.fps) + 1)
        timeline = standing_start(s, pre, timing, dx, dy, dtheta, frames)
        clip, loop, footsteps, info = start_clip(rob, pre, timing, timeline, length)
    else:
        cycle = steady_cycle(s, pre, timing, dx, dy, dtheta)
        clip, loop, footsteps, info = looping_clip(rob, pre, timing, cycle, length)
    return assemble(rob, pre, timing, clip, loop, footsteps, info,
                    Command(dx=float(dx), dy=float(dy), dtheta=float(dtheta)), seed, length, with_start)


def _stance_slip(clip: WalkFrames) -> float:
    """Largest horizontal move of a sole within one run of frames flagged in contact (m).

    Zero to round-off for six-joint legs; five-joint legs slide their planted soles
    slightly while the trunk rolls in double support (about ``hip_y (1 - cos roll)``).
    """
    worst = 0.0
    for side, feet in enumerate((clip.left, clip.right)):
        edges = np.flatnonzero(np.diff(np.r_[0, clip.contacts[:, side].astype(int), 0]))
        for a, b in zip(edges[::2], edges[1::2]):
            worst = max(worst, float(np.abs(feet[a:b, :2] - feet[a, :2]).max()))
    return worst


def assemble(rob: Robot, pre: Preset, timing: StepTiming, clip: WalkFrames, loop: Loop, footsteps: Footsteps,
             info: dict, command: Command, seed: int, length: float, with_start: bool) -> Motion:
    """Stage 3: the :class:`motions.Motion` of solved frames, with its achieved velocity and provenance."""
    total = len(clip.root_pos)
    achieved = achieved_velocity(clip.root_quat, clip.root_lin_vel, loop, timing.fps)
    meta = {
        "robot": rob.name,
        "robot_spec": str(rob.spec.path.name),
        "preset": pre.name,
        "preset_parameters": pre.parameters(),
        "seed": int(seed),
        "generator": "gait_generator",
        "generator_version": __version__,
        "placo_version": PLACO_VERSION,
        "timing": timing.as_dict(pre),
        "with_start": bool(with_start),
        "requested_length": float(length),
        "length": total / timing.fps if loop.looping else (total - 1) / timing.fps,
        "zmp_correction_iterations": clip.zmp_iterations,
        "multibody_zmp_error_max": clip.zmp_error,
        "com_correction_max": clip.correction_max,
        "ik": "weighted (five-joint legs)" if session(rob).weighted else "exact",
        "trunk_roll_max_deg": math.degrees(clip.trunk_roll_max),
        "trunk_yaw_offset_max_deg": math.degrees(clip.trunk_yaw_max),
        "stance_slip_max_m": _stance_slip(clip),
        "start_frames": 0,
        **info,
    }
    return Motion(
        fps=timing.fps,
        joint_names=rob.joint_names,
        root_pos=clip.root_pos,
        root_quat=clip.root_quat,
        joint_pos=clip.joints,
        joint_vel=clip.joint_vel,
        root_lin_vel=clip.root_lin_vel,
        root_ang_vel=clip.root_ang_vel,
        left_foot_pos=clip.left,
        right_foot_pos=clip.right,
        contacts=clip.contacts,
        com_pos=clip.com,
        zmp=clip.zmp,
        footsteps=footsteps,
        command=command,
        achieved=achieved,
        loop=loop,
        meta=meta,
        joint_acc=clip.joint_acc,
        root_lin_acc=clip.root_lin_acc,
        root_ang_acc=clip.root_ang_acc,
    )
