"""The public entry point: a walk command and a preset in, a :class:`motions.Motion` out."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from gait_generator import __version__
from gait_generator.cycle import close_cycle, find_steady_cycle, periodic_com_shift, planar_offset
from gait_generator.errors import CommandError, PlanningError
from gait_generator.placo_adapter import (
    PLACO_VERSION,
    IKState,
    PlacoPlan,
    PlacoSession,
    PlanSamples,
    SupportPhase,
    session,
)
from gait_generator.preset import Preset, resolve_preset
from gait_generator.swing import swing_pose
from gait_generator.timing import snap_timing
from motions import Command, Footsteps, Loop, Motion
from motions.rotations import (
    quat_from_yaw,
    quat_make_continuous,
    quat_multiply,
    yaw_from_quat,
)
from motions.velocities import achieved_velocity, clip_velocities
from robots import Robot, load_robot

__all__ = ["generate", "PLAN_STEPS", "IK_POSITION_TOL", "IK_ANGLE_TOL"]

PLAN_STEPS = 16
"""Steps planned per clip: enough for the start transient to fade (about 4x per cycle)
and for a cycle to lie clear of the stop transient."""
IK_POSITION_TOL = 1e-5
"""Foot and CoM tolerance of the IK (m); ten times tighter than the 0.1 mm requirement."""
IK_ANGLE_TOL = 1e-3
"""Foot orientation tolerance of the IK (rad)."""
_FIRST_FRAME_ITERATIONS = 200
_FRAME_ITERATIONS = 30
ZMP_ITERATIONS = 4
"""Largest number of CoM corrections for the whole-body ZMP."""
ZMP_TOL = 2.5e-3
"""Whole-body ZMP error (m) below which the CoM correction stops."""
GRAVITY = 9.81
_LOOP_CLOSURE_TOL = 1e-3
"""Largest joint mismatch (rad) between a cycle's frame 0 and the IK of the next cycle's frame 0."""


@dataclass
class _Frames:
    """IK results for a run of frames, in plan world coordinates."""

    root_pos: np.ndarray
    root_quat: np.ndarray
    joints: np.ndarray
    left: np.ndarray
    right: np.ndarray
    com: np.ndarray
    zmp: np.ndarray
    iterations: int

    _ARRAYS = ("root_pos", "root_quat", "joints", "left", "right", "com", "zmp")

    def slice(self, start: int, stop: int) -> "_Frames":
        """Frames ``start`` to ``stop - 1``."""
        return _Frames(**{k: getattr(self, k)[start:stop] for k in self._ARRAYS}, iterations=0)

    @classmethod
    def from_states(cls, states: list[IKState], com: np.ndarray, zmp: np.ndarray) -> "_Frames":
        return cls(
            root_pos=np.array([s.root_pos for s in states]),
            root_quat=quat_make_continuous(np.array([s.root_quat for s in states])),
            joints=np.array([s.joints for s in states]),
            left=np.array([s.left for s in states]),
            right=np.array([s.right for s in states]),
            com=com,
            zmp=zmp,
            iterations=sum(s.iterations for s in states),
        )


def _solve_run(s: PlacoSession, robot: Robot, left, right, com, trunk, first_iterations: int) -> list[IKState]:
    states = []
    for k in range(len(com)):
        try:
            state = s.solve(left[k], right[k], com[k], trunk[k],
                            first_iterations if k == 0 else _FRAME_ITERATIONS, IK_POSITION_TOL, IK_ANGLE_TOL)
        except PlanningError as exc:
            raise PlanningError(f"frame {k} of {len(com)}: {exc}; joints {s.joint_report()}") from exc
        states.append(state)
    return states


def _multibody_zmp(s: PlacoSession, states: list[IKState], offset: np.ndarray, fps: float) -> np.ndarray:
    """Whole-body ZMP (N, 2) of a cycle given its N + 1 solved frames (frame N = next cycle's frame 0)."""
    pos = np.array([st.root_pos for st in states])
    quat = quat_make_continuous(np.array([st.root_quat for st in states]))
    joints = np.array([st.joints for st in states])
    n = len(states) - 1
    back = np.linalg.inv(offset)
    return s.multibody_zmp(
        np.concatenate([_move_points(back, pos[n - 2 : n]), pos, _move_points(offset, pos[1:2])]),
        quat_make_continuous(np.concatenate([_move_quats(back, quat[n - 2 : n]), quat, _move_quats(offset, quat[1:2])])),
        np.concatenate([joints[n - 2 : n], joints, joints[1:2]]),
        fps,
    )


def _prefix_shift(shift: np.ndarray, frames: int, yaw: float) -> np.ndarray:
    """CoM shift (frames, 2) for a standing start: the cycle's shift continued backwards, faded in from 0."""
    n = len(shift) - 1
    k = np.arange(frames)
    back = (frames - k + n - 1) // n  # cycles between frame k and the first steady cycle
    phase = (k - frames) % n
    c, s_ = np.cos(-back * yaw), np.sin(-back * yaw)
    d = shift[phase]
    turned = np.column_stack([c * d[:, 0] - s_ * d[:, 1], s_ * d[:, 0] + c * d[:, 1]])
    r = k / max(frames, 1)
    return turned * (r**3 * (10 - 15 * r + 6 * r**2))[:, None]


def _smooth_swings(plan: PlacoPlan, phases: list[SupportPhase], times: np.ndarray, samples: PlanSamples,
                   preset: Preset) -> None:
    """Replace placo's swing-foot targets by :func:`gait_generator.swing.swing_pose`, in place."""
    for ph in phases:
        if ph.side == "both":
            continue
        inside = (times > ph.t_start + 1e-9) & (times < ph.t_end - 1e-9)
        if not inside.any():
            continue
        ends = plan.sample(np.array([ph.t_start, ph.t_end]))
        feet = samples.right if ph.side == "left" else samples.left
        start, end = (ends.right if ph.side == "left" else ends.left).copy()
        start[2, 3] = end[2, 3] = 0.0
        tau = (times[inside] - ph.t_start) / (ph.t_end - ph.t_start)
        feet[inside] = swing_pose(start, end, tau, preset.foot_height, preset.foot_rise_ratio)


def _yaw_matrix(yaw: float, pos: np.ndarray) -> np.ndarray:
    m = np.eye(4)
    c, s_ = math.cos(yaw), math.sin(yaw)
    m[:2, :2] = [[c, -s_], [s_, c]]
    m[:3, 3] = pos
    return m


def _move_points(g: np.ndarray, p: np.ndarray) -> np.ndarray:
    """World points (n, 3) moved by the 4x4 planar rigid transform ``g``."""
    return p @ g[:3, :3].T + g[:3, 3]


def _move_quats(g: np.ndarray, q: np.ndarray) -> np.ndarray:
    """World orientations (n, 4, xyzw) turned by the yaw of ``g``."""
    return quat_multiply(quat_from_yaw(np.full(len(q), math.atan2(g[1, 0], g[0, 0]))), q)


def _transform(frames: _Frames, g: np.ndarray) -> _Frames:
    """Apply a planar rigid transform to every world quantity."""
    zmp3 = np.column_stack([frames.zmp, np.zeros(len(frames.zmp))])
    return _Frames(
        root_pos=_move_points(g, frames.root_pos),
        root_quat=_move_quats(g, frames.root_quat),
        joints=frames.joints,
        left=_move_points(g, frames.left),
        right=_move_points(g, frames.right),
        com=_move_points(g, frames.com),
        zmp=_move_points(g, zmp3)[:, :2],
        iterations=frames.iterations,
    )


def _tile(cycle: _Frames, loop: Loop, count: int) -> _Frames:
    """Repeat a cycle ``count`` times, each moved by the loop's cycle offset."""
    parts = []
    for c in range(count):
        zmp3 = np.column_stack([cycle.zmp, np.zeros(len(cycle.zmp))])
        parts.append(
            _Frames(
                root_pos=loop.transform_positions(cycle.root_pos, c),
                root_quat=loop.transform_quats(cycle.root_quat, c),
                joints=cycle.joints,
                left=loop.transform_positions(cycle.left, c),
                right=loop.transform_positions(cycle.right, c),
                com=loop.transform_positions(cycle.com, c),
                zmp=loop.transform_positions(zmp3, c)[:, :2],
                iterations=0,
            )
        )
    return _concat(parts)


def _concat(parts: list[_Frames]) -> _Frames:
    return _Frames(
        **{name: np.concatenate([getattr(p, name) for p in parts]) for name in _Frames._ARRAYS},
        iterations=sum(p.iterations for p in parts),
    )


def _phase_timeline(prefix: list[SupportPhase], cycle: list[SupportPhase], t0: float, cycle_time: float,
                    count: int, cycle_offset: np.ndarray, g: np.ndarray) -> list[tuple[float, float, str, np.ndarray]]:
    """Support phases over the clip, in clip time and clip world: (t_start, t_end, side, frame)."""
    out = [(p.t_start, min(p.t_end, t0), p.side, g @ p.frame) for p in prefix if p.t_start < t0 - 1e-9]
    step = np.eye(4)
    for c in range(count + 1):
        for p in cycle:
            out.append((p.t_start - cycle[0].t_start + t0 + c * cycle_time,
                        p.t_end - cycle[0].t_start + t0 + c * cycle_time, p.side, g @ step @ p.frame))
        step = cycle_offset @ step
    return out


def _contacts(timeline, times: np.ndarray) -> np.ndarray:
    contacts = np.zeros((len(times), 2), dtype=bool)
    starts = np.array([p[0] for p in timeline])
    idx = np.searchsorted(starts, times + 1e-9, side="right") - 1
    for k, i in enumerate(idx):
        side = timeline[i][2]
        contacts[k] = (side in ("both", "left"), side in ("both", "right"))
    return contacts


def _footsteps(timeline) -> Footsteps:
    side, pos, yaw, t_start, t_end = [], [], [], [], []
    for i, (ts, te, s, frame) in enumerate(timeline):
        if s == "both":
            continue
        if i > 0 and timeline[i - 1][2] == "both":
            ts = timeline[i - 1][0]
        if i + 1 < len(timeline) and timeline[i + 1][2] == "both":
            te = timeline[i + 1][1]
        side.append(0 if s == "left" else 1)
        pos.append(frame[:3, 3])
        yaw.append(math.atan2(frame[1, 0], frame[0, 0]))
        t_start.append(ts)
        t_end.append(te)
    return Footsteps(side=np.array(side, dtype=np.int8), pos=np.array(pos), yaw=np.array(yaw),
                     t_start=np.array(t_start), t_end=np.array(t_end))


def _check_request(preset: Preset, dx: float, dy: float, dtheta: float, length: float, fps: float) -> None:
    preset.check_command(dx, dy, dtheta)
    if not (isinstance(length, (int, float)) and math.isfinite(length) and 0.1 <= length <= 3600.0):
        raise CommandError(f"length = {length!r} s is outside the allowed range [0.1, 3600]")
    if not (isinstance(fps, (int, float)) and math.isfinite(fps)):
        raise CommandError(f"fps = {fps!r} must be a number in [10, 1000]")


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
        CommandError: Command beyond the preset's step limits, or bad length.
        PlanningError: placo fails, IK does not converge, or a knee flips.
    """
    rob = load_robot(robot)
    pre = resolve_preset(rob.spec.presets, preset, rob.name)
    _check_request(pre, dx, dy, dtheta, length, fps)
    timing = snap_timing(pre, float(fps))
    s = session(rob)
    s.configure(pre, timing.single_support_frames, timing.double_support_frames, timing.fps, timing.substep)
    s.reset(seed)
    plan = s.plan(dx, dy, dtheta, PLAN_STEPS)
    cyc = find_steady_cycle(plan, timing)
    n = timing.cycle_frames

    phases = plan.supports()
    cycle_times = cyc.t_start + np.arange(n + 1) / timing.fps
    targets = plan.sample(cycle_times)
    _smooth_swings(plan, phases, cycle_times, targets, pre)
    com = close_cycle(targets.com, cyc.offset)
    zmp = close_cycle(np.column_stack([targets.zmp, np.zeros(n + 1)]), cyc.offset)[:, :2]

    # Steady cycle: solve the IK, then shift the CoM until the whole-body ZMP (swinging
    # legs included) follows the planned ZMP; placo's LIPM plan ignores leg momentum.
    stance = targets.left[0] if cyc.phases[0].side == "left" else targets.right[0]
    omega = math.sqrt(GRAVITY / pre.com_height)
    yaw = planar_offset(cyc.offset)[1]
    shift = np.zeros((n + 1, 2))
    for iteration in range(ZMP_ITERATIONS + 1):
        com_c = com + np.column_stack([shift, np.zeros(n + 1)])
        s.move_base_to(stance, cyc.phases[0].side)
        states = _solve_run(s, rob, targets.left, targets.right, com_c, targets.trunk, _FIRST_FRAME_ITERATIONS)
        zmp_error = _multibody_zmp(s, states, cyc.offset, timing.fps) - zmp[:n]
        residual = float(np.linalg.norm(zmp_error, axis=1).max())
        if residual < ZMP_TOL or iteration == ZMP_ITERATIONS:
            break
        shift += periodic_com_shift(-zmp_error, omega, timing.fps, yaw)

    prefix_frames = round(cyc.t_start * timing.fps) if with_start else 0
    if with_start:
        pre_times = np.arange(prefix_frames) / timing.fps
        pt = plan.sample(pre_times)
        _smooth_swings(plan, phases, pre_times, pt, pre)
        pre_com = pt.com + np.column_stack([_prefix_shift(shift, prefix_frames, yaw), np.zeros(prefix_frames)])
        com_all = np.concatenate([pre_com, com_c])
        s.reset(seed)
        states = _solve_run(s, rob, np.concatenate([pt.left, targets.left]), np.concatenate([pt.right, targets.right]),
                            com_all, np.concatenate([pt.trunk, targets.trunk]), _FIRST_FRAME_ITERATIONS)
        zmp_all = np.concatenate([pt.zmp, zmp])
    else:
        com_all, zmp_all = com_c, zmp
    frames = _Frames.from_states(states, com_all, zmp_all)

    closure = float(np.abs(frames.joints[-1] - frames.joints[prefix_frames]).max())
    if closure > _LOOP_CLOSURE_TOL:
        raise PlanningError(f"the gait cycle does not close: joint mismatch {closure:.2e} rad at the seam")

    # Clip world frame: root above the origin, heading +x, at frame 0.
    yaw0 = float(yaw_from_quat(frames.root_quat[0]))
    g = np.linalg.inv(_yaw_matrix(yaw0, np.array([frames.root_pos[0, 0], frames.root_pos[0, 1], 0.0])))
    frames = _transform(frames, g)
    offset_pos, offset_yaw = planar_offset(g @ cyc.offset @ np.linalg.inv(g))
    unit = Loop(looping=True, cycle_frames=n, num_cycles=1, cycle_offset_pos=offset_pos, cycle_offset_yaw=offset_yaw)
    prefix = frames.slice(0, prefix_frames)
    one_cycle = frames.slice(prefix_frames, prefix_frames + n)

    if with_start:
        total = max(prefix_frames + 1, round(length * timing.fps) + 1)
        count = math.ceil((total - prefix_frames) / n)
        clip = _concat([prefix, _tile(one_cycle, unit, count)])
        clip = clip.slice(0, total)
        loop = Loop(looping=False)
    else:
        count = max(1, round(length * timing.fps / n))
        clip = _tile(one_cycle, unit, count)
        loop = Loop(looping=True, cycle_frames=n, num_cycles=count, cycle_offset_pos=offset_pos,
                    cycle_offset_yaw=offset_yaw)
    clip.root_quat = quat_make_continuous(clip.root_quat)
    total = len(clip.root_pos)
    times = np.arange(total) / timing.fps

    lin_vel, ang_vel, joint_vel = clip_velocities(clip.root_pos, clip.root_quat, clip.joints, loop, timing.fps)

    timeline = _phase_timeline(
        phases if with_start else [], cyc.phases, prefix_frames / timing.fps, n / timing.fps, count,
        cyc.offset, g,
    )
    contacts = _contacts(timeline, times)
    footsteps = _footsteps([p for p in timeline if p[0] < times[-1] + 1.0 / timing.fps])

    achieved = achieved_velocity(clip.root_quat, lin_vel, loop, timing.fps)

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
        "plan_steps": PLAN_STEPS,
        "cycle_first_support": cyc.first_support,
        "periodicity_error": cyc.periodicity_error,
        "loop_closure_joint_error": closure,
        "ik_iterations_per_frame": frames.iterations / len(states),
        "zmp_correction_iterations": iteration,
        "multibody_zmp_error_max": residual,
        "com_shift_max": float(np.linalg.norm(shift, axis=1).max()),
        "ik_frames_solved": len(states),
        "start_frames": prefix_frames,
    }
    return Motion(
        fps=timing.fps,
        joint_names=rob.joint_names,
        root_pos=clip.root_pos,
        root_quat=clip.root_quat,
        joint_pos=clip.joints,
        joint_vel=joint_vel,
        root_lin_vel=lin_vel,
        root_ang_vel=ang_vel,
        left_foot_pos=clip.left,
        right_foot_pos=clip.right,
        contacts=contacts,
        com_pos=clip.com,
        zmp=clip.zmp,
        footsteps=footsteps,
        command=Command(dx=float(dx), dy=float(dy), dtheta=float(dtheta)),
        achieved=achieved,
        loop=loop,
        meta=meta,
    )
