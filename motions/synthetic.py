"""An analytic, exactly looping Motion for tests and examples (no planner needed).

The root moves like a unicycle: a constant body-frame velocity ``(vx, vy)`` and a
constant yaw rate, so it follows a circle (or a line) and every gait cycle is the
previous one moved by the same planar rigid offset. Joints follow sinusoids with
the cycle period. The feet swing on a sine, rigidly attached to the heading
frame; they are kinematically tidy but not physically meaningful (they slide).
Velocities are central differences of the positions with the loop neighbours at
the ends, and the root angular velocity is the exact world-frame rate.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from motions.loop import Loop
from motions.motion import Achieved, Command, Footsteps, Motion
from motions.planar import Planar
from motions.rotations import quat_from_yaw, quat_multiply
from motions.velocities import angular_rate, joint_rate, position_rate

__all__ = ["synthetic_walk"]

FloatArray = NDArray[np.float64]

_DEFAULT_JOINTS = (
    "left_hip_pitch",
    "left_knee",
    "left_ankle",
    "right_hip_pitch",
    "right_knee",
    "right_ankle",
)


def _heading_integral(yaw_rate: float, t: FloatArray) -> FloatArray:
    """``M(t) = integral_0^t Rz(yaw_rate * s) ds`` restricted to xy, shape (len(t), 2, 2)."""
    if yaw_rate == 0.0:
        c, s = t, np.zeros_like(t)
    else:
        c = np.sin(yaw_rate * t) / yaw_rate
        s = (1.0 - np.cos(yaw_rate * t)) / yaw_rate
    return np.stack([np.stack([c, -s], axis=-1), np.stack([s, c], axis=-1)], axis=-2)


def synthetic_walk(
    *,
    fps: float = 50.0,
    cycle_frames: int = 40,
    num_cycles: int = 2,
    vx: float = 0.1,
    vy: float = 0.0,
    yaw_rate: float = 0.2,
    root_height: float = 0.2,
    trunk_pitch: float = -0.05,
    foot_spacing: float = 0.16,
    foot_lift: float = 0.04,
    joint_names: Sequence[str] = _DEFAULT_JOINTS,
) -> Motion:
    """Build a looping analytic walk clip.

    Args:
        fps: Frames per second.
        cycle_frames: Frames per gait cycle (two steps); must be even.
        num_cycles: Number of gait cycles; the clip has ``cycle_frames * num_cycles`` frames.
        vx: Forward velocity in the heading frame, m/s.
        vy: Lateral velocity in the heading frame, m/s.
        yaw_rate: Heading rate about world z, rad/s.
        root_height: Mean root height, m.
        trunk_pitch: Constant trunk pitch about the body y axis, rad.
        foot_spacing: Lateral distance between the sole centres, m.
        foot_lift: Peak swing height of a sole, m.
        joint_names: Names of the joints; each follows its own sinusoid.

    Returns:
        A valid looping Motion starting at the origin with heading 0.
    """
    if cycle_frames < 2 or cycle_frames % 2:
        raise ValueError(f"cycle_frames: {cycle_frames}, expected an even number >= 2")
    num = cycle_frames * num_cycles
    t = np.arange(num) / fps
    cycle_time = cycle_frames / fps
    phase = 2.0 * np.pi * np.arange(num) / cycle_frames  # rad, one turn per cycle
    heading = yaw_rate * t
    v_body = np.array([vx, vy])

    def root_xy(times: FloatArray) -> FloatArray:
        return _heading_integral(yaw_rate, times) @ v_body

    root_pos = np.column_stack([root_xy(t), root_height + 0.005 * np.cos(2.0 * phase)])
    tilt = np.array([0.0, np.sin(0.5 * trunk_pitch), 0.0, np.cos(0.5 * trunk_pitch)])
    root_quat = quat_multiply(quat_from_yaw(heading), tilt)

    loop = Loop(
        looping=True,
        cycle_frames=cycle_frames,
        num_cycles=num_cycles,
        cycle_offset_pos=np.append(root_xy(np.array([cycle_time]))[0], 0.0),
        cycle_offset_yaw=yaw_rate * cycle_time,
    )

    amplitude = 0.1 + 0.05 * np.arange(len(joint_names))
    joint_pos = amplitude * np.sin(phase[:, None] + np.arange(len(joint_names)))

    # Left swings in the first half cycle, right in the second; a sole is on
    # the ground (z = 0, in contact) whenever it is not swinging.
    in_cycle = np.arange(num) % cycle_frames
    half = cycle_frames // 2
    feet, contacts = [], []
    for sign, swing_start in ((1.0, 0), (-1.0, half)):
        swing_phase = (in_cycle - swing_start) / half  # in (0, 1) while swinging
        swinging = (swing_phase > 0.0) & (swing_phase < 1.0)
        lift = np.where(swinging, foot_lift * np.sin(np.pi * swing_phase), 0.0)
        offset = Planar(0.0, 0.0, heading).rotate([0.0, sign * 0.5 * foot_spacing])
        feet.append(np.column_stack([root_pos[:, :2] + offset, lift]))
        contacts.append(~swinging)

    # One footstep per half cycle: the right foot stands while the left swings first.
    step_frames = np.arange(0, num, half)
    step_side = (np.arange(step_frames.size) + 1) % 2
    step_pos = np.array([feet[side][frame] for frame, side in zip(step_frames, step_side)])

    return Motion(
        fps=fps,
        joint_names=tuple(joint_names),
        root_pos=root_pos,
        root_quat=root_quat,
        joint_pos=joint_pos,
        joint_vel=joint_rate(joint_pos, fps, loop),
        root_lin_vel=position_rate(root_pos, fps, loop),
        root_ang_vel=angular_rate(root_quat, fps, loop),
        left_foot_pos=feet[0],
        right_foot_pos=feet[1],
        contacts=np.column_stack(contacts),
        com_pos=root_pos - np.array([0.0, 0.0, 0.03]),
        zmp=root_pos[:, :2],
        footsteps=Footsteps(
            side=step_side,
            pos=step_pos,
            yaw=heading[step_frames],
            t_start=step_frames / fps,
            t_end=(step_frames + half) / fps,
        ),
        command=Command(dx=vx * cycle_time / 2.0, dy=vy * cycle_time / 2.0, dtheta=yaw_rate * cycle_time / 2.0),
        achieved=Achieved(vx=vx, vy=vy, yaw_rate=yaw_rate),
        loop=loop,
        meta={"robot": "synthetic", "generator": "motions.synthetic.synthetic_walk", "fps": fps},
    )
