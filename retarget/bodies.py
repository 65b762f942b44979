"""World-frame body states of a robot from MuJoCo: poses and instantaneous velocities at given qpos and qvel.

For every body of the model except the world body, in MuJoCo order:

* position: the body frame origin (``data.xpos``), m, world frame;
* orientation: body to world (``data.xquat``), returned **xyzw**, made
  sign-continuous along time per body;
* linear velocity: the velocity of the body frame origin, m/s, world frame;
* angular velocity: rad/s, world frame.

The velocities are MuJoCo's instantaneous ones, what mjlab's ``csv_to_npz``
records from its simulator (``body_link_lin_vel_w`` / ``body_link_ang_vel_w``):
after ``mj_kinematics``, ``mj_comPos`` and ``mj_comVel`` each body's spatial
velocity ``cvel`` (about the centre of mass of its kinematic tree) is moved to
the body origin, ``v = v_c + omega x (x_body - c)``. This is
``mj_objectVelocity(..., mjOBJ_XBODY, ..., flg_local=0)``, computed for all
bodies at once.

The root's ``qvel`` is MuJoCo's free-joint convention: linear velocity in the
world frame, angular velocity in the **body** frame (:func:`qvel_rows` converts).
"""

from __future__ import annotations

import mujoco
import numpy as np
from numpy.typing import NDArray

from motions.rotations import matrix_from_quat, quat_make_continuous, wxyz_to_xyzw

__all__ = ["BodyStates", "body_names", "body_states", "qvel_rows"]

FloatArray = NDArray[np.float64]


class BodyStates:
    """Poses and velocities of B bodies at N states (arrays described in the module doc).

    Attributes:
        pos: (N, B, 3) m. quat: (N, B, 4) xyzw. lin_vel: (N, B, 3) m/s. ang_vel: (N, B, 3) rad/s.
    """

    def __init__(self, pos: FloatArray, quat: FloatArray, lin_vel: FloatArray, ang_vel: FloatArray) -> None:
        self.pos, self.quat, self.lin_vel, self.ang_vel = pos, quat, lin_vel, ang_vel

    def select(self, index: list[int]) -> BodyStates:
        """The states of the bodies at ``index`` (a reordering or subset of the body axis)."""
        return BodyStates(self.pos[:, index], self.quat[:, index], self.lin_vel[:, index], self.ang_vel[:, index])


def body_names(m: mujoco.MjModel) -> list[str]:
    """Names of the model's bodies in MuJoCo order, world body excluded."""
    return [m.body(i).name for i in range(1, m.nbody)]


def qvel_rows(root_quat_xyzw: FloatArray, root_lin_vel: FloatArray, root_ang_vel_world: FloatArray,
              joint_vel: FloatArray) -> FloatArray:
    """MuJoCo ``qvel`` rows (N, 6 + J) of a floating-base robot whose free joint is joint 0.

    Args:
        root_quat_xyzw: Root orientation (N, 4), xyzw, body to world.
        root_lin_vel: Root origin velocity (N, 3), m/s, world frame.
        root_ang_vel_world: Root angular velocity (N, 3), rad/s, world frame.
        joint_vel: Joint velocities (N, J), rad/s, in qvel order.

    Returns:
        ``[v_world, R^T omega_world, joint_vel]`` per row.
    """
    rot = matrix_from_quat(root_quat_xyzw)
    local = np.einsum("nji,nj->ni", rot, root_ang_vel_world)
    return np.concatenate([root_lin_vel, local, joint_vel], axis=1)


def body_states(m: mujoco.MjModel, qpos: FloatArray, qvel: FloatArray) -> BodyStates:
    """Body states of every non-world body at each (qpos, qvel) row.

    Args:
        m: The compiled model.
        qpos: (N, nq) positions (root quaternion wxyz, MuJoCo's order).
        qvel: (N, nv) velocities (root angular velocity in the body frame).

    Returns:
        The states, bodies in MuJoCo order (index 0 is the floating-base root link).

    Raises:
        ValueError: ``qpos`` / ``qvel`` do not have the model's widths or the same rows.
    """
    if qpos.ndim != 2 or qpos.shape[1] != m.nq or qvel.shape != (qpos.shape[0], m.nv):
        raise ValueError(f"qpos {qpos.shape} / qvel {qvel.shape}: expected (N, {m.nq}) and (N, {m.nv})")
    data = mujoco.MjData(m)
    frames, bodies = qpos.shape[0], m.nbody - 1
    pos = np.empty((frames, bodies, 3))
    quat = np.empty((frames, bodies, 4))
    lin = np.empty((frames, bodies, 3))
    ang = np.empty((frames, bodies, 3))
    roots = m.body_rootid[1:]
    for k in range(frames):
        data.qpos[:] = qpos[k]
        data.qvel[:] = qvel[k]
        mujoco.mj_kinematics(m, data)
        mujoco.mj_comPos(m, data)
        mujoco.mj_comVel(m, data)
        cvel = data.cvel[1:]  # [angular, linear] at subtree_com of each body's tree root
        pos[k] = data.xpos[1:]
        quat[k] = data.xquat[1:]
        ang[k] = cvel[:, :3]
        lin[k] = cvel[:, 3:] + np.cross(cvel[:, :3], pos[k] - data.subtree_com[roots])
    return BodyStates(pos, quat_make_continuous(wxyz_to_xyzw(quat)), lin, ang)
