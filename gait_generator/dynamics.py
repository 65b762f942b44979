"""Multibody dynamics of a solved pose: exact velocities, accelerations and whole-body ZMP (pinocchio only).

Velocities and accelerations of a whole-body IK solution are exact: the IK's
task Jacobian is inverted for the targets' own rates (:meth:`Multibody.task_rates`),
so nothing is differentiated numerically. Five-joint legs, whose weighted IK has
no exact task inverse, difference neighbouring solutions instead
(:meth:`Multibody.differenced_rates`). The whole-body ZMP comes from the rate of
the centroidal momentum.

Configurations are pinocchio's (and placo's) layout: base position, base
quaternion xyzw, then the joints.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import pinocchio

from gait_generator.errors import PlanningError
from robots import Robot

__all__ = ["Multibody", "Rates", "multibody"]

_FRAMES = ("left_foot", "right_foot", "trunk")


@dataclass(frozen=True)
class Rates:
    """Exact first and second time derivatives of a solved pose.

    Attributes:
        root_lin_vel: (3,) root origin velocity, world (m/s).
        root_ang_vel: (3,) root angular velocity, world (rad/s).
        joint_vel: (J,) joint velocities, ``Robot.joint_names`` order (rad/s).
        root_lin_acc: (3,) root origin acceleration, world (m/s^2).
        root_ang_acc: (3,) root angular acceleration, world (rad/s^2).
        joint_acc: (J,) joint accelerations (rad/s^2).
        zmp: (2,) whole-body ZMP on the floor from the centroidal momentum rate, world (m).
    """

    root_lin_vel: np.ndarray
    root_ang_vel: np.ndarray
    joint_vel: np.ndarray
    root_lin_acc: np.ndarray
    root_ang_acc: np.ndarray
    joint_acc: np.ndarray
    zmp: np.ndarray


class Multibody:
    """The pinocchio model of a robot (floating base) with the walk's task frames.

    It is the model placo builds from the same URDF (equal field by field).

    Args:
        robot: The robot (its URDF with the injected ``left_foot``, ``right_foot`` and ``trunk`` frames).
    """

    def __init__(self, robot: Robot) -> None:
        self.robot = robot
        pm = pinocchio.buildModelFromUrdf(str(robot.placo_urdf_path), pinocchio.JointModelFreeFlyer())
        self.model = pm
        """The pinocchio model."""
        self._data = pm.createData()
        v_offset = {n: pm.joints[pm.getJointId(n)].idx_v for n in robot.joint_names}
        self._v_index = np.array([v_offset[n] for n in robot.joint_names])
        driven = [v_offset[n] for n in robot.joint_names if n in robot.spec.driven_joints]
        self._v_cols = np.r_[np.arange(6), np.array(driven, dtype=int)]
        self._frame_ids = tuple(pm.getFrameId(name) for name in _FRAMES)
        self._mass = float(pinocchio.computeTotalMass(pm))
        self._gravity = float(np.linalg.norm(pm.gravity.linear))

    def task_rates(self, q: np.ndarray, feet_vel: np.ndarray, feet_acc: np.ndarray, com_vel: np.ndarray,
                   com_acc: np.ndarray, trunk_vel: np.ndarray, trunk_acc: np.ndarray) -> Rates:
        """Exact velocities and accelerations of configuration ``q`` where the walk's IK tasks are met.

        The tasks (both soles' 6-D pose, the CoM and the trunk orientation)
        determine the driven joints of six-joint legs and the floating base;
        inverting their square Jacobian for the targets' rates gives
        ``v = J^-1 xd`` and ``a = J^-1 (xdd - Jd v)``. Joints the walk does not
        drive stay still. (Five-joint legs: :meth:`differenced_rates`.)

        Args:
            q: Configuration (pinocchio's layout) of the solved pose.
            feet_vel: (2, 6) sole twists [linear (m/s); angular (rad/s)], world, left then right.
            feet_acc: (2, 6) sole accelerations (classical: the sole centre's
                acceleration, and the angular acceleration), world.
            com_vel: (3,) CoM velocity (m/s). com_acc: (3,) CoM acceleration (m/s^2).
            trunk_vel: (3,) trunk angular velocity (rad/s). trunk_acc: (3,) its rate (rad/s^2).

        Raises:
            PlanningError: The task Jacobian is singular (e.g. straight knees).
        """
        pm, data = self.model, self._data
        jac = self._task_jacobian(q)
        target = np.concatenate([feet_vel[0], feet_vel[1], com_vel, trunk_vel])
        v = np.zeros(pm.nv)
        v[self._v_cols] = self._solve_tasks(jac, target)
        zero = np.zeros(pm.nv)
        pinocchio.forwardKinematics(pm, data, q, v, zero)
        drift = [pinocchio.getFrameClassicalAcceleration(pm, data, fid, pinocchio.LOCAL_WORLD_ALIGNED)
                 for fid in self._frame_ids]
        pinocchio.centerOfMass(pm, data, q, v, zero)
        bias = np.concatenate([drift[0].vector, drift[1].vector, data.acom[0], drift[2].angular])
        acc_target = np.concatenate([feet_acc[0], feet_acc[1], com_acc, trunk_acc])
        a = np.zeros(pm.nv)
        a[self._v_cols] = self._solve_tasks(jac, acc_target - bias)
        return self.rates(q, v, a)

    def differenced_rates(self, before: np.ndarray, now: np.ndarray, after: np.ndarray, h: float) -> Rates:
        """Velocities and accelerations of configuration ``now`` from its neighbours ``h`` s before and after.

        Central differences on the configuration manifold. Used for five-joint legs,
        whose weighted IK has no exact task inverse; with configurations solved to
        1e-12 rad and ``h`` = 1 ms the error is about 1e-4 of the rates.
        """
        pm = self.model
        back, ahead = pinocchio.difference(pm, now, before), pinocchio.difference(pm, now, after)
        return self.rates(now, (ahead - back) / (2.0 * h), (ahead + back) / (h * h))

    def rates(self, q: np.ndarray, v: np.ndarray, a: np.ndarray) -> Rates:
        """:class:`Rates` of configuration ``q`` moving with ``v`` and ``a`` (pinocchio's local base convention)."""
        pm, data = self.model, self._data
        rot = pinocchio.Quaternion(q[6], q[3], q[4], q[5]).toRotationMatrix()
        w, u = v[3:6], v[:3]
        lin_acc = rot @ (a[:3] + np.array([w[1] * u[2] - w[2] * u[1], w[2] * u[0] - w[0] * u[2],
                                            w[0] * u[1] - w[1] * u[0]]))
        pinocchio.computeCentroidalMomentumTimeVariation(pm, data, q, v, a)
        rate = data.dhg
        com = data.com[0]
        fz = rate.linear[2] + self._mass * self._gravity
        zmp = np.array([com[0] - (com[2] * rate.linear[0] + rate.angular[1]) / fz,
                        com[1] - (com[2] * rate.linear[1] - rate.angular[0]) / fz])
        return Rates(root_lin_vel=rot @ v[:3], root_ang_vel=rot @ v[3:6], joint_vel=v[self._v_index],
                     root_lin_acc=lin_acc, root_ang_acc=rot @ a[3:6], joint_acc=a[self._v_index], zmp=zmp)

    @staticmethod
    def _solve_tasks(jac: np.ndarray, target: np.ndarray) -> np.ndarray:
        """``jac^-1 target``; PlanningError where the Jacobian is singular (a stretched or folded leg)."""
        try:
            out = np.linalg.solve(jac, target)
        except np.linalg.LinAlgError as exc:
            raise PlanningError(
                f"the IK task Jacobian is singular (a leg is stretched straight or folded): {exc}"
            ) from exc
        if not np.all(np.isfinite(out)):
            raise PlanningError("the IK task Jacobian is singular (a leg is stretched straight or folded)")
        return out

    def _task_jacobian(self, q: np.ndarray) -> np.ndarray:
        """(18, 18) Jacobian of [left sole 6-D, right sole 6-D, CoM, trunk angular velocity] (world).

        Columns: the floating base and the driven joints (six-joint legs).
        """
        pm, data = self.model, self._data
        pinocchio.computeJointJacobians(pm, data, q)
        pinocchio.updateFramePlacements(pm, data)
        left, right, trunk = (pinocchio.getFrameJacobian(pm, data, fid, pinocchio.LOCAL_WORLD_ALIGNED)
                              for fid in self._frame_ids)
        com = pinocchio.jacobianCenterOfMass(pm, data, q, False)
        return np.vstack([left, right, com, trunk[3:6]])[:, self._v_cols]


@cache
def multibody(robot: Robot) -> Multibody:
    """The process-wide :class:`Multibody` of a robot (built on first use)."""
    return Multibody(robot)
