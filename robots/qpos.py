"""The ``qpos`` layout of a floating-base MuJoCo model, where xyzw and wxyz meet.

Layout (``nq = 7 + J``)::

    [x, y, z,  qw, qx, qy, qz,  joint_0 ... joint_{J-1}]

MuJoCo stores quaternions scalar first (wxyz); the rest of the project uses
xyzw. :func:`stack_qpos` and :func:`split_qpos` (and :func:`robots.mjcf.to_qpos`
and :func:`robots.mjcf.from_qpos`, which call them) are the only places where
the two orders meet. This module needs only a compiled model, so
:mod:`robots.collisions` can use it while :mod:`robots.mjcf` builds the model.
"""

from __future__ import annotations

import mujoco
import numpy as np
from numpy.typing import ArrayLike, NDArray

from motions.errors import MotionFormatError

__all__ = ["split_qpos", "stack_qpos"]


def _joint_qpos_addresses(m: mujoco.MjModel) -> NDArray[np.int64]:
    """qpos addresses of the moving joints, in model order (the free joint must be joint 0)."""
    if m.njnt == 0 or m.jnt_type[0] != mujoco.mjtJoint.mjJNT_FREE or m.jnt_qposadr[0] != 0:
        raise MotionFormatError("MuJoCo model has no free joint at qpos[0:7]; build it with robots.mjcf.model")
    return np.asarray(m.jnt_qposadr[1:], dtype=np.int64)


def _array(value: ArrayLike, name: str, width: int, frames: int | None) -> NDArray[np.float64]:
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[1] != width or (frames is not None and arr.shape[0] != frames):
        expected = f"({frames if frames is not None else 'T'}, {width})"
        raise MotionFormatError(f"{name}: expected shape {expected}, got {arr.shape}")
    return arr


def stack_qpos(
    m: mujoco.MjModel, root_pos: ArrayLike, root_quat_xyzw: ArrayLike, joint_pos: ArrayLike
) -> NDArray[np.float64]:
    """Stack root pose and joint angles into MuJoCo ``qpos`` rows.

    Args:
        m: A model whose joint 0 is a free joint at ``qpos[0:7]``.
        root_pos: (T, 3) root link position in the world (m).
        root_quat_xyzw: (T, 4) root link orientation, world from body, **xyzw**.
        joint_pos: (T, J) joint angles (rad) in the model's joint order.

    Returns:
        (T, nq) qpos rows; the root quaternion is stored **wxyz** as MuJoCo wants.

    Raises:
        MotionFormatError: The model has no free joint 0, or an array has the
            wrong shape (the message gives it).
    """
    addresses = _joint_qpos_addresses(m)
    pos = _array(root_pos, "root_pos", 3, None)
    frames = pos.shape[0]
    quat = _array(root_quat_xyzw, "root_quat_xyzw", 4, frames)
    joints = _array(joint_pos, "joint_pos", len(addresses), frames)
    qpos = np.zeros((frames, m.nq))
    qpos[:, 0:3] = pos
    qpos[:, 3] = quat[:, 3]
    qpos[:, 4:7] = quat[:, 0:3]
    qpos[:, addresses] = joints
    return qpos


def split_qpos(
    m: mujoco.MjModel, qpos: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Split MuJoCo ``qpos`` rows into root pose and joint angles (inverse of :func:`stack_qpos`).

    Args:
        m: As in :func:`stack_qpos`.
        qpos: (T, nq) rows, root quaternion wxyz.

    Returns:
        ``(root_pos (T, 3) m, root_quat_xyzw (T, 4), joint_pos (T, J) rad)``, joints
        in the model's joint order.

    Raises:
        MotionFormatError: The model has no free joint 0, or ``qpos`` has the wrong shape.
    """
    addresses = _joint_qpos_addresses(m)
    q = _array(qpos, "qpos", m.nq, None)
    quat = np.empty((q.shape[0], 4))
    quat[:, 0:3] = q[:, 4:7]
    quat[:, 3] = q[:, 3]
    return q[:, 0:3].copy(), quat, q[:, addresses].copy()
