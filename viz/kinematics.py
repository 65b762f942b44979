"""Per-frame poses of a clip for previews: body frames, soles and loop offsets.

Poses are 4x4 homogeneous transforms, world from body, in metres. The root
quaternion of a :class:`motions.Motion` is xyzw; :func:`robots.mjcf.to_qpos` is
the only place where it is converted to MuJoCo's wxyz.
"""

from __future__ import annotations

from dataclasses import dataclass

import mujoco
import numpy as np
from numpy.typing import NDArray

from motions import Motion
from motions.errors import MotionFormatError
from motions.planar import Planar
from robots import Robot, mjcf

__all__ = ["ClipPoses", "clip_poses", "loop_transform"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class ClipPoses:
    """Forward kinematics of every frame of a clip.

    Attributes:
        body_names: Names of the B bodies (the world body excluded), model order.
        body_ids: MuJoCo body ids of those bodies, shape (B,).
        body_pose: World-from-body transforms, shape (T, B, 4, 4), m.
        sole_pose: World-from-sole transforms of the ``left_foot`` and
            ``right_foot`` sites, shape (T, 2, 4, 4), columns [left, right].
    """

    body_names: tuple[str, ...]
    body_ids: NDArray[np.int64]
    body_pose: FloatArray
    sole_pose: FloatArray


def _check_joints(motion: Motion, robot: Robot) -> None:
    if tuple(motion.joint_names) != tuple(robot.joint_names):
        raise MotionFormatError(
            f"joint_names: the motion's {len(motion.joint_names)} joints {list(motion.joint_names)[:4]}... "
            f"differ from robot '{robot.name}' ({len(robot.joint_names)} joints {list(robot.joint_names)[:4]}...)"
        )


def clip_poses(motion: Motion, robot: Robot) -> ClipPoses:
    """Run ``mujoco.mj_kinematics`` on every frame of ``motion``.

    Args:
        motion: The clip (root quaternion xyzw).
        robot: The robot the clip was made for; its joints must match the clip's.

    Returns:
        Body and sole poses of every frame.

    Raises:
        MotionFormatError: The clip's joints are not the robot's.
    """
    _check_joints(motion, robot)
    model = mjcf.model(robot)
    data = mujoco.MjData(model)
    qpos = mjcf.to_qpos(model, motion.root_pos, motion.root_quat, motion.joint_pos)
    ids = np.arange(1, model.nbody, dtype=np.int64)
    sites = [model.site(name).id for name in ("left_foot", "right_foot")]
    frames = motion.num_frames
    body_pose = np.tile(np.eye(4), (frames, len(ids), 1, 1))
    sole_pose = np.tile(np.eye(4), (frames, 2, 1, 1))
    for k in range(frames):
        data.qpos[:] = qpos[k]
        mujoco.mj_kinematics(model, data)
        body_pose[k, :, :3, 3] = data.xpos[ids]
        body_pose[k, :, :3, :3] = data.xmat[ids].reshape(-1, 3, 3)
        sole_pose[k, :, :3, 3] = data.site_xpos[sites]
        sole_pose[k, :, :3, :3] = data.site_xmat[sites].reshape(-1, 3, 3)
    names = tuple(model.body(int(i)).name for i in ids)
    return ClipPoses(body_names=names, body_ids=ids, body_pose=body_pose, sole_pose=sole_pose)


def loop_transform(motion: Motion, repetition: int) -> FloatArray:
    """The rigid offset applied to repetition ``repetition`` of a looping clip.

    Repetition ``n`` of a looping clip is the clip moved by the whole-clip loop
    offset applied ``n`` times (``motion.loop.offset(n * num_cycles)``), so the
    walk continues where the previous repetition ended. A non-looping clip
    replays in place (identity).

    Returns:
        World-from-world transform, shape (4, 4): yaw about z, then translation (m).
    """
    if not motion.loop.looping or repetition == 0:
        return np.eye(4)
    pos, yaw = motion.loop.offset(repetition * motion.loop.num_cycles)
    return Planar(pos[0], pos[1], yaw).pose(pos[2])
