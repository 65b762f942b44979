"""Keypoint IK with placo: both soles' and the trunk frame's poses, for cross-robot transfer.

A second ``KinematicsSolver`` on the robot's model (see
:mod:`gait_generator.transfer`): frame tasks on both soles (weight 1e4) and on
the trunk frame (weight 1, it yields first), joint limits on, joints the walk
does not drive masked.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import placo

from gait_generator.placo_adapter.model import IKState, humanoid_model
from robots import Robot

__all__ = ["KeypointIK", "KeypointState", "keypoint_ik"]


@dataclass(frozen=True)
class KeypointState(IKState):
    """:class:`~gait_generator.placo_adapter.model.IKState` after a keypoint IK solve, with its target errors.

    Attributes:
        foot_error: Largest sole position error of the two feet (m).
        foot_angle_error: Largest sole orientation error of the two feet (rad).
        trunk_error: Trunk position error (m).
        trunk_angle_error: Trunk orientation error (rad).
    """

    foot_error: float = 0.0
    foot_angle_error: float = 0.0
    trunk_error: float = 0.0
    trunk_angle_error: float = 0.0


def _rot_err(a: np.ndarray, b: np.ndarray) -> float:
    """Angle (rad) between two rotation matrices."""
    cos = (float(np.einsum("ij,ij->", a, b)) - 1.0) / 2.0  # (trace(a^T b) - 1) / 2
    if cos > 0.999:  # small angles: the chord is exact to 1e-7 relative and avoids arccos round-off
        return float(np.linalg.norm(a - b)) / np.sqrt(2.0)
    return float(np.arccos(max(cos, -1.0)))


def _feet_error(tl: np.ndarray, tr: np.ndarray, left: np.ndarray, right: np.ndarray) -> tuple[float, float]:
    """Largest sole position (m) and orientation (rad) error of the two feet."""
    pos = max(np.linalg.norm(tl[:3, 3] - left[:3, 3]), np.linalg.norm(tr[:3, 3] - right[:3, 3]))
    return float(pos), max(_rot_err(tl[:3, :3], left[:3, :3]), _rot_err(tr[:3, :3], right[:3, :3]))


class KeypointIK:
    """Keypoint IK (soles and trunk frame poses) on a robot's model.

    Args:
        robot: The robot.

    Raises:
        PlanningError: The model cannot be loaded, or the legs are neither six- nor five-joint legs.
    """

    def __init__(self, robot: Robot) -> None:
        self.robot = robot
        self.model = humanoid_model(robot)
        """The robot's shared placo model (:class:`~gait_generator.placo_adapter.model.HumanoidModel`)."""
        solver = placo.KinematicsSolver(self.model.placo)
        solver.enable_velocity_limits(False)
        for name in robot.joint_names:
            if name not in robot.spec.driven_joints:
                solver.mask_dof(name)
        self._tasks = (
            solver.add_frame_task("left_foot", np.eye(4)),
            solver.add_frame_task("right_foot", np.eye(4)),
            solver.add_frame_task("trunk", np.eye(4)),
        )
        self._tasks[0].configure("left_foot", "soft", 1e4, 1e4)
        self._tasks[1].configure("right_foot", "soft", 1e4, 1e4)
        self._tasks[2].configure("trunk", "soft", 1.0, 1.0)
        self._solver = solver

    def start(self, trunk: np.ndarray, seed: int) -> None:
        """Put the robot in its bent-knee initial posture with its trunk frame at ``trunk`` (4x4, world).

        The warm start of the first :meth:`solve` of a clip; seeds placo and
        pinocchio so the result is reproducible.
        """
        self.model.bent_knee_start(seed)
        m = self.model.placo
        m.set_T_world_frame("trunk", np.asarray(trunk, dtype=float))
        m.update_kinematics()

    def solve(self, left: np.ndarray, right: np.ndarray, trunk: np.ndarray, max_iterations: int,
              position_tol: float, angle_tol: float, step_tol: float = 1e-8) -> KeypointState:
        """Keypoint IK for one frame, warm-started from the current state.

        The soles are tracked with weight 1e4 (position and orientation), the trunk
        frame's pose with weight 1 (it yields first when the targets are
        inconsistent); joint limits are enforced by the solver. Iterates until the
        soles are within ``position_tol`` (m) / ``angle_tol`` (rad) and the largest
        joint step is below ``step_tol`` (rad), or ``max_iterations`` is reached. It
        does not raise when the tolerances are missed: the caller reads the errors.

        Args:
            left: 4x4 left sole target. right: 4x4 right sole target.
            trunk: 4x4 trunk frame target (world).
            max_iterations: Largest number of solver iterations.
            position_tol: Sole position tolerance (m). angle_tol: Sole orientation tolerance (rad).
            step_tol: Convergence threshold on the joint step (rad).

        Raises:
            PlanningError: placo's QP fails, or a knee ends up bent the wrong way.
        """
        m = self.model.placo
        targets = [np.asarray(t, dtype=float) for t in (left, right, trunk)]
        for task, target in zip(self._tasks, targets):
            task.T_world_frame = target
        q_prev = np.array(m.state.q)
        pos = ang = np.inf

        def met() -> bool:
            nonlocal q_prev, pos, ang
            q = np.array(m.state.q)
            step = float(np.abs(q[7:] - q_prev[7:]).max())
            q_prev = q
            pos, ang = _feet_error(m.get_T_world_left(), m.get_T_world_right(), left, right)
            return pos < position_tol and ang < angle_tol and step < step_tol

        it, _ = self.model.iterate(self._solver, met, max_iterations, "keypoint IK")
        self.model.check_knees()
        tt = np.array(m.get_T_world_frame("trunk"))
        return KeypointState(
            **self.model.state_fields(),
            iterations=it,
            foot_error=float(pos),
            foot_angle_error=float(ang),
            trunk_error=float(np.linalg.norm(tt[:3, 3] - trunk[:3, 3])),
            trunk_angle_error=_rot_err(tt[:3, :3], trunk[:3, :3]),
        )

    def joint_report(self) -> str:
        """Joints at or within 1e-3 rad of a limit, for error messages."""
        return self.model.joint_report()


@cache
def keypoint_ik(robot: Robot) -> KeypointIK:
    """The process-wide :class:`KeypointIK` of a robot (built on first use)."""
    return KeypointIK(robot)
