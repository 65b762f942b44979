"""Velocities of a clip by central differences, looping clips differenced across their seam.

These are the file format's velocity conventions (docs/motion_format.md): every
stored velocity equals the central difference of the stored positions at the
clip's fps. A looping clip's first and last frames use their true neighbours:
the last frame moved back by the whole-clip offset and the first frame moved
forward by it.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from motions.derivatives import angular_velocity_world, finite_difference
from motions.loop import Loop
from motions.motion import Achieved
from motions.planar import Planar
from motions.rotations import yaw_from_quat

__all__ = ["achieved_velocity", "angular_rate", "clip_velocities", "joint_rate", "position_rate", "vector_rate"]

FloatArray = NDArray[np.float64]


def position_rate(pos: FloatArray, fps: float, loop: Loop) -> FloatArray:
    """Rate of world positions (T, 3) in units per second, world frame."""
    if not loop.looping:
        return finite_difference(pos, fps)
    n = loop.num_cycles
    return finite_difference(pos, fps, loop.transform_positions(pos[-1], -n), loop.transform_positions(pos[0], n))


def vector_rate(vec: FloatArray, fps: float, loop: Loop) -> FloatArray:
    """Rate of world vectors (T, 3) such as velocities (the loop offset only rotates them)."""
    if not loop.looping:
        return finite_difference(vec, fps)
    n = loop.num_cycles
    return finite_difference(vec, fps, loop.transform_vectors(vec[-1], -n), loop.transform_vectors(vec[0], n))


def joint_rate(joints: FloatArray, fps: float, loop: Loop) -> FloatArray:
    """Rate of joint positions (T, J), rad/s; a loop repeats its joints exactly."""
    if not loop.looping:
        return finite_difference(joints, fps)
    return finite_difference(joints, fps, joints[-1], joints[0])


def angular_rate(quat: FloatArray, fps: float, loop: Loop) -> FloatArray:
    """World-frame angular velocity (T, 3), rad/s, of xyzw orientations (T, 4)."""
    if not loop.looping:
        return angular_velocity_world(quat, fps)
    n = loop.num_cycles
    return angular_velocity_world(quat, fps, (loop.transform_quats(quat[-1], -n), loop.transform_quats(quat[0], n)))


def clip_velocities(
    root_pos: FloatArray, root_quat: FloatArray, joint_pos: FloatArray, loop: Loop, fps: float
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Root linear (world, m/s), root angular (world, rad/s) and joint (rad/s) velocities."""
    return position_rate(root_pos, fps, loop), angular_rate(root_quat, fps, loop), joint_rate(joint_pos, fps, loop)


def achieved_velocity(root_quat: FloatArray, root_lin_vel: FloatArray, loop: Loop, fps: float) -> Achieved:
    """Mean heading-frame velocity and mean yaw rate over a clip.

    ``vx``/``vy`` average the root velocity expressed in the root's heading frame
    (world rotated by the root yaw). The yaw rate is the loop's yaw per cycle
    over the cycle time for looping clips, else the heading change over the span.
    """
    heading = np.unwrap(yaw_from_quat(root_quat))
    local = Planar(0.0, 0.0, heading).rotate_inverse(root_lin_vel[:, :2])
    vx, vy = float(np.mean(local[:, 0])), float(np.mean(local[:, 1]))
    if loop.looping:
        yaw_rate = loop.cycle_offset_yaw * fps / loop.cycle_frames
    else:
        yaw_rate = float((heading[-1] - heading[0]) * fps / max(len(heading) - 1, 1))
    return Achieved(vx=vx, vy=vy, yaw_rate=yaw_rate)
