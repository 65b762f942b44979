"""The walk's whole-body IK with placo: soles, CoM and trunk orientation, frame by frame.

Six-joint legs meet every target (:meth:`WholeBodyIK.solve`); five-joint legs
(no ankle roll) cannot, and find a weighted compromise
(:meth:`WholeBodyIK.solve_weighted`). Every solve is warm-started from the
previous one. Velocities and accelerations of a solved pose are not computed
here: see :mod:`gait_generator.dynamics`.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import placo

from gait_generator import newton
from gait_generator.errors import PlanningError
from gait_generator.placo_adapter.model import IKState, humanoid_model
from gait_generator.preset import Preset
from robots import Robot

__all__ = ["COM_WEIGHT", "WEIGHTED_DAMPING", "WholeBodyIK", "wholebody_ik"]

_DAMPING_UP, _DAMPING_DOWN = 10.0, 0.3
"""Five-joint legs: Levenberg-Marquardt factors on the weighted IK's damping after a rejected / accepted step."""
_NEWTON_FROM = 1e-4
"""Five-joint legs: Gauss-Newton step (rad) below which the weighted IK switches to Newton's method."""
COM_WEIGHT = 3e2
"""Five-joint legs: weight of the CoM target in the weighted IK (the trunk orientation weighs 1)."""
WEIGHTED_DAMPING = 1e-3
"""Five-joint legs: least step damping of the weighted IK (a regularisation of each step, not of the pose)."""


def _angles(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Angles (rad) between stacks of rotation matrices (n, 3, 3)."""
    cos = (np.einsum("nij,nij->n", a, b) - 1.0) / 2.0
    chord = np.sqrt(np.einsum("nij->n", (a - b) ** 2) / 2.0)  # exact to 1e-7 relative at small angles
    return np.where(cos > 0.999, chord, np.arccos(np.clip(cos, -1.0, 1.0)))


class WholeBodyIK:
    """placo's walk tasks (both soles' poses, the CoM, the trunk orientation) on a robot's model.

    Joints the walk does not drive are masked at their posture.

    Args:
        robot: The robot.

    Raises:
        PlanningError: The model cannot be loaded, or the legs are neither six- nor five-joint legs.
    """

    def __init__(self, robot: Robot) -> None:
        self.robot = robot
        self.model = humanoid_model(robot)
        """The robot's shared placo model (:class:`~gait_generator.placo_adapter.model.HumanoidModel`)."""
        self.weighted = self.model.five_joint_legs
        """Five-joint legs (no ankle roll): the IK is a weighted compromise, see :meth:`solve_weighted`."""
        m = self.model.placo
        self._data = m.model.createData()
        self._solver = placo.KinematicsSolver(m)
        self._solver.enable_velocity_limits(False)
        self._tasks = placo.WalkTasks()
        self._tasks.initialize_tasks(self._solver, m)
        for name in robot.joint_names:
            if name not in robot.spec.driven_joints:
                self._solver.mask_dof(name)
        if self.weighted:  # Levenberg-Marquardt damping of the steps (the optimum is unchanged)
            self._damping = self._solver.add_regularization_task(WEIGHTED_DAMPING)
            self._hessian: np.ndarray | None = None
            self._legs = tuple(newton.leg_columns(m.model, fid, self.model.v_cols) for fid in self.model.frame_ids[:2])
            self._sole_half = (robot.spec.foot_length / 2.0, robot.spec.foot_width / 2.0)

    # -- initial pose -------------------------------------------------------------------------
    def reset(self, preset: Preset, seed: int) -> None:
        """Put the robot in its bent-knee posture and solve the standing pose of ``preset``.

        Seeds placo and pinocchio first, so the pose (and the knee branch) is the
        same on every run.

        Args:
            preset: The walk preset (feet spacing, CoM height, trunk pitch).
            seed: Seed of placo's initial-pose noise.

        Raises:
            PlanningError: placo fails, or a knee ends up bent the wrong way.
        """
        self.model.bent_knee_start(seed)
        m = self.model.placo
        self._configure_tasks_for_standing()
        try:
            self._tasks.reach_initial_pose(np.eye(4), preset.feet_spacing, preset.com_height, preset.trunk_pitch)
        except Exception as exc:
            raise PlanningError(f"placo could not reach the initial pose: {exc}") from exc
        # reach_initial_pose adds random noise to every joint, masked ones included:
        # put the joints the walk does not drive back on their posture exactly.
        for name, angle in self.robot.posture().items():
            m.set_joint(name, angle)
        m.update_kinematics()
        self._configure_tasks_for_walking()
        self.model.check_knees()

    def _weigh_tasks(self, sole_weights: np.ndarray, com_weight: float) -> None:
        """Weights of the walk tasks: (2, 2) [position, orientation] per sole, the CoM; the trunk orientation 1."""
        t = self._tasks
        for side, task in enumerate((t.left_foot_task, t.right_foot_task)):
            task.configure(f"{('left', 'right')[side]}_foot", "soft", float(sole_weights[side, 0]),
                           float(sole_weights[side, 1]))
        t.com_task.configure("com", "soft", float(com_weight))
        t.trunk_orientation_task.configure("trunk", "soft", 1.0)

    def _configure_tasks_for_standing(self) -> None:
        self._weigh_tasks(np.ones((2, 2)), 1.0)

    def _configure_tasks_for_walking(self) -> None:
        self._weigh_tasks(np.full((2, 2), 1e3), 1e2)  # feet and CoM met to 1e-5 m; the trunk yields first

    def feet_frames(self) -> tuple[np.ndarray, np.ndarray]:
        """Current left and right sole poses flattened on the floor (4x4, world)."""
        m = self.model.placo
        return (np.array(placo.flatten_on_floor(m.get_T_world_left())),
                np.array(placo.flatten_on_floor(m.get_T_world_right())))

    def move_base_to(self, target: np.ndarray, side: str) -> None:
        """Move the robot rigidly so that its ``side`` sole lands on ``target`` (4x4, world).

        Used to warm-start the IK of a cycle far from the initial pose without
        changing the joint configuration (and so the knee branch).
        """
        m = self.model.placo
        current = m.get_T_world_left() if side == "left" else m.get_T_world_right()
        move = target @ np.linalg.inv(np.array(placo.flatten_on_floor(current)))
        m.set_T_world_fbase(move @ m.get_T_world_fbase())
        m.update_kinematics()

    def pose_targets(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The current pose as IK targets: (left sole 4x4, right sole 4x4, CoM (3,), trunk orientation 3x3)."""
        m = self.model.placo
        return (np.array(m.get_T_world_left()), np.array(m.get_T_world_right()), np.array(m.com_world()),
                np.array(m.get_T_world_frame("trunk"))[:3, :3])

    @property
    def configuration(self) -> np.ndarray:
        """The current configuration vector (pinocchio's layout, xyzw base quaternion; for saving and restoring)."""
        return self.model.configuration

    @configuration.setter
    def configuration(self, q: np.ndarray) -> None:
        self.model.configuration = q

    def knee_angles(self) -> tuple[float, float]:
        """Current (left, right) knee angles (rad)."""
        return self.model.knee_angles()

    def joint_report(self) -> str:
        """Joints at or within 1e-3 rad of a limit, for error messages."""
        return self.model.joint_report()

    # -- IK -----------------------------------------------------------------------------------
    def solve(self, left: np.ndarray, right: np.ndarray, com: np.ndarray, trunk: np.ndarray,
              max_iterations: int, position_tol: float, angle_tol: float) -> IKState:
        """Solve whole-body IK for one frame, warm-started from the current state.

        Iterates until both soles are within ``position_tol`` (m) and ``angle_tol``
        (rad) of their targets, the CoM within ``position_tol`` and the trunk
        within ``angle_tol``: every task is met, so the task rates of
        :meth:`gait_generator.dynamics.Multibody.task_rates` are exact.

        Args:
            left: 4x4 left sole target. right: 4x4 right sole target.
            com: (3,) CoM target. trunk: 3x3 trunk orientation target.
            max_iterations: Give up after this many solver iterations.
            position_tol: Foot and CoM tolerance (m). angle_tol: Foot and trunk tolerance (rad).

        Raises:
            PlanningError: The targets are not met within ``max_iterations``, or a knee bends the wrong way.
        """
        m = self.model.placo
        self._tasks.update_tasks(left, right, com, trunk)
        err = (np.inf, np.inf, np.inf, np.inf)

        targets = np.stack([left[:3, :3], right[:3, :3], trunk])

        def met() -> bool:
            nonlocal err
            tl, tr = m.get_T_world_left(), m.get_T_world_right()
            ang = _angles(np.stack([tl[:3, :3], tr[:3, :3], m.get_T_world_frame("trunk")[:3, :3]]), targets)
            dl, dr, dc = tl[:3, 3] - left[:3, 3], tr[:3, 3] - right[:3, 3], m.com_world() - com
            err = (max(dl @ dl, dr @ dr) ** 0.5, max(ang[0], ang[1]), float(dc @ dc) ** 0.5, ang[2])
            return err[0] < position_tol and err[2] < position_tol and err[1] < angle_tol and err[3] < angle_tol

        it, converged = self.model.iterate(self._solver, met, max_iterations, "IK solver")
        if converged:
            self.model.check_knees()
            return IKState(**self.model.state_fields(), iterations=it)
        raise PlanningError(
            f"IK did not converge in {max_iterations} iterations: foot error {err[0]:.2e} m, "
            f"foot angle {err[1]:.2e} rad, CoM error {err[2]:.2e} m, trunk angle {err[3]:.2e} rad "
            "(targets may be out of reach or past joint limits)"
        )

    def solve_weighted(self, left: np.ndarray, right: np.ndarray, com: np.ndarray, trunk: np.ndarray,
                       sole_weights: np.ndarray, max_iterations: int, step_tol: float,
                       reuse_hessian: bool = False) -> IKState:
        """IK for five-joint legs: soles stiff, the CoM and the trunk a weighted compromise.

        A leg without ankle roll cannot hold its sole flat, the trunk level and the
        CoM all at once. Each sole's position and orientation targets weigh
        ``sole_weights`` (a swinging sole's orientation less in mid-swing: its tilt
        in the air gives first); the CoM weighs ``COM_WEIGHT`` and the trunk
        orientation 1, so the trunk's roll sways the body. placo's Gauss-Newton
        steps, with Levenberg-Marquardt damping (a step that does not lower the
        weighted error is rejected and the damping raised), bring the pose near the
        optimum; Newton's method (:mod:`gait_generator.newton`) then converges onto
        it until the largest step is below ``step_tol``, so the optimum moves
        smoothly with the targets and can be differenced. (Hard sole constraints are
        not used: linearised, they make the QP infeasible whenever a target is
        slightly out of a five-joint leg's reach.)

        Args:
            left, right: 4x4 sole targets. com: (3,) CoM target. trunk: 3x3 trunk target.
            sole_weights: (2, 2) [position, orientation] weight of the left and right sole targets.
            max_iterations: Give up after this many solver iterations. step_tol: See above.
            reuse_hessian: Start Newton's method with the previous solve's Hessian (for
                targets near the previous ones; it is refreshed if it stops converging).

        Raises:
            PlanningError: No convergence within ``max_iterations``, or a knee bends the wrong way.
        """
        self._weigh_tasks(sole_weights, COM_WEIGHT)
        self._tasks.update_tasks(left, right, com, trunk)
        m = self.model.placo
        pm = m.model
        goal = newton.WeightedTargets(self.model.frame_ids, left, right, com, trunk, sole_weights, COM_WEIGHT, 1.0)
        step, damping = np.inf, WEIGHTED_DAMPING
        q0 = np.array(m.state.q)
        c0 = newton.cost(pm, self._data, q0, goal)
        it = 0
        try:
            while step > _NEWTON_FROM:
                it += 1
                if it > max_iterations:
                    raise PlanningError(f"the weighted IK did not settle in {max_iterations} iterations "
                                        f"(last step {step:.1e} rad)")
                self._damping.set_weight(damping)
                m.update_kinematics()
                try:
                    self._solver.solve(True)
                except Exception as exc:
                    raise PlanningError(f"placo weighted IK failed: {exc}") from exc
                q1 = np.array(m.state.q)
                c1 = newton.cost(pm, self._data, q1, goal)
                if c1 <= c0:  # accept; trust the Gauss-Newton model more
                    step = float(np.abs(q1 - q0).max())
                    q0, c0, damping = q1, c1, max(damping * _DAMPING_DOWN, WEIGHTED_DAMPING)
                else:  # reject: the step overshot (the weights are widely spread); damp harder
                    m.state.q = q0
                    damping *= _DAMPING_UP
        finally:
            self._damping.set_weight(WEIGHTED_DAMPING)
        start = self._hessian if reuse_hessian and self._hessian is not None else None
        q, used, step, self._hessian = newton.polish(pm, self._data, q0, goal, self.model.v_cols, max_iterations,
                                                     step_tol, _NEWTON_FROM, start)
        if step > step_tol:
            raise PlanningError(f"the weighted IK's Newton steps did not settle (last step {step:.1e} rad)")
        m.state.q = newton.place_soles(pm, self._data, q, goal, self._legs, self._sole_half)
        m.update_kinematics()
        self.model.check_knees()
        return IKState(**self.model.state_fields(), iterations=it + used)


@cache
def wholebody_ik(robot: Robot) -> WholeBodyIK:
    """The process-wide :class:`WholeBodyIK` of a robot (built on first use)."""
    return WholeBodyIK(robot)
