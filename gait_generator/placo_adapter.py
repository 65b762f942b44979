"""The one module that calls placo (pinned to 0.10.2; its API changes between releases).

placo provides the footstep planner, the humanoid model (pinocchio underneath)
and the whole-body IK solver. Velocities and accelerations of a solved pose are
exact: the IK's task Jacobians are inverted for the targets' own rates
(:meth:`PlacoSession.rates`), so nothing is differentiated numerically.

Everything placo returns is converted to numpy here, so the rest of the project
never sees a placo object. Quaternions leave this module in xyzw order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import placo
import pinocchio

from gait_generator import newton
from gait_generator.errors import CommandError, PlanningError
from gait_generator.preset import Preset
from robots import Robot

__all__ = [
    "PLACO_VERSION",
    "IKState",
    "KeypointState",
    "LegGeometry",
    "PoseFrames",
    "Rates",
    "PlacoSession",
    "session",
]

PLACO_VERSION = "0.10.2"

_DAMPING_UP, _DAMPING_DOWN = 10.0, 0.3
"""Five-joint legs: Levenberg-Marquardt factors on the weighted IK's damping after a rejected / accepted step."""
_NEWTON_FROM = 1e-4
"""Five-joint legs: Gauss-Newton step (rad) below which the weighted IK switches to Newton's method."""
KNEE_MIN_BEND = 0.1
"""Five-joint legs: least knee bend (rad) the weighted IK may use (its optimum could otherwise flip a knee)."""
COM_WEIGHT = 3e2
"""Five-joint legs: weight of the CoM target in the weighted IK (the trunk orientation weighs 1)."""
WEIGHTED_DAMPING = 1e-3
"""Five-joint legs: least step damping of the weighted IK (a regularisation of each step, not of the pose)."""

_LOCAL_AXES = {"JointModelRX": np.eye(3)[0], "JointModelRY": np.eye(3)[1], "JointModelRZ": np.eye(3)[2]}
"""Joint axis in the joint frame for pinocchio's axis-aligned revolute joints."""


def _joint_axis(joint: "pinocchio.JointModel") -> np.ndarray | None:
    """A revolute joint's axis in its own frame (also mirrored ones, e.g. ``0 -1 0``); None otherwise."""
    name = joint.shortname()
    if name == "JointModelRevoluteUnaligned":
        return np.array(joint.extract().axis, dtype=float)
    return _LOCAL_AXES.get(name)

_SIDES = {"left": placo.HumanoidRobot_Side.left, "right": placo.HumanoidRobot_Side.right}


@dataclass(frozen=True)
class IKState:
    """Robot state after an IK solve.

    Attributes:
        root_pos: (3,) floating-base position, world (m).
        root_quat: (4,) floating-base orientation, world, xyzw.
        joints: (J,) joint angles in ``Robot.joint_names`` order (rad).
        left: (3,) left sole centre, world (m).
        right: (3,) right sole centre, world (m).
        com: (3,) CoM, world (m).
        trunk: (3, 3) trunk frame orientation, world.
        iterations: IK iterations used.
    """

    root_pos: np.ndarray
    root_quat: np.ndarray
    joints: np.ndarray
    left: np.ndarray
    right: np.ndarray
    com: np.ndarray
    trunk: np.ndarray
    iterations: int


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


@dataclass(frozen=True)
class LegGeometry:
    """Leg proportions of a robot at its zero pose (all joints 0, trunk frame = world).

    Attributes:
        hip_joints: ``(left, right)`` hip pitch joints: on each leg, the joint closest
            to the trunk whose axis is the trunk's y axis at the zero pose.
        leg_length: Vertical distance from the hip pitch joints to the soles (m),
            mean of both legs.
        hip_width: Lateral distance between the two hip pitch joints (m).
        hip_offset: (3,) midpoint of the two hip pitch joints in the trunk frame (m).
    """

    hip_joints: tuple[str, str]
    leg_length: float
    hip_width: float
    hip_offset: np.ndarray


@dataclass(frozen=True)
class PoseFrames:
    """World frames of a batch of robot states (forward kinematics), T states.

    Attributes:
        trunk: (T, 4, 4) trunk frame pose.
        left: (T, 4, 4) left sole pose.
        right: (T, 4, 4) right sole pose.
        com: (T, 3) CoM (m).
    """

    trunk: np.ndarray
    left: np.ndarray
    right: np.ndarray
    com: np.ndarray


@dataclass(frozen=True)
class KeypointState(IKState):
    """:class:`IKState` after a keypoint IK solve, with how far it is from the targets.

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


def _angles(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Angles (rad) between stacks of rotation matrices (n, 3, 3)."""
    cos = (np.einsum("nij,nij->n", a, b) - 1.0) / 2.0
    chord = np.sqrt(np.einsum("nij->n", (a - b) ** 2) / 2.0)  # exact to 1e-7 relative at small angles
    return np.where(cos > 0.999, chord, np.arccos(np.clip(cos, -1.0, 1.0)))


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


class PlacoSession:
    """A placo humanoid model with its IK tasks, built once per robot and process.

    Args:
        robot: The robot (its URDF with the injected frames is loaded).
    """

    def __init__(self, robot: Robot) -> None:
        self.robot = robot
        try:
            self._model = placo.HumanoidRobot(str(robot.placo_urdf_path), placo.Flags.ignore_collisions)
        except Exception as exc:  # placo raises plain RuntimeError
            raise PlanningError(f"placo cannot load robot '{robot.name}' ({robot.spec.urdf}): {exc}") from exc
        self._q_index = np.array([self._model.get_joint_offset(n) for n in robot.joint_names])
        self._v_index = np.array([self._model.get_joint_v_offset(n) for n in robot.joint_names])
        driven = [self._model.get_joint_v_offset(n) for n in robot.joint_names if n in robot.spec.driven_joints]
        self._v_cols = np.r_[np.arange(6), np.array(driven, dtype=int)]
        pm = self._model.model
        self._data = pm.createData()
        self._frame_ids = tuple(pm.getFrameId(name) for name in ("left_foot", "right_foot", "trunk"))
        self._mass = float(pinocchio.computeTotalMass(pm))
        self._gravity = float(np.linalg.norm(pm.gravity.linear))
        self._solver = placo.KinematicsSolver(self._model)
        self._solver.enable_velocity_limits(False)
        self._tasks = placo.WalkTasks()
        self._tasks.initialize_tasks(self._solver, self._model)
        for name in robot.joint_names:
            if name not in robot.spec.driven_joints:
                self._solver.mask_dof(name)
        held = len(self._v_cols) - 15  # unknowns left once both soles (12) and the CoM (3) are held
        if held in (1, 3):
            self.weighted = held == 1
            """Five-joint legs (no ankle roll): the IK is a weighted compromise, see :meth:`solve_weighted`."""
            if self.weighted:  # Levenberg-Marquardt damping of the steps (the optimum is unchanged)
                self._damping = self._solver.add_regularization_task(WEIGHTED_DAMPING)
                self._hessian: np.ndarray | None = None
                for knee, sign in zip(robot.spec.knees, robot.spec.knee_signs):  # keep them on their branch
                    lo, hi = self._model.get_joint_limits(knee)
                    self._model.set_joint_limits(knee, max(lo, KNEE_MIN_BEND) if sign > 0 else lo,
                                                 hi if sign > 0 else min(hi, -KNEE_MIN_BEND))
        else:
            raise PlanningError(
                f"robot '{robot.name}': {len(driven)} driven joints; the walk drives the two legs, with 6 joints "
                "each (hip yaw, roll, pitch, knee, ankle pitch, roll) or 5 (no ankle roll)"
            )
        self._params = placo.HumanoidParameters()
        self._geometry: LegGeometry | None = None
        self._kp_solver: placo.KinematicsSolver | None = None
        self._kp_tasks: tuple = ()

    # -- parameters ---------------------------------------------------------------------------
    def configure(self, preset: Preset) -> None:
        """Set the footstep planner's and the standing pose's parameters from a preset."""
        p = self._params
        spec = self.robot.spec
        p.walk_com_height = preset.com_height
        p.walk_trunk_pitch = preset.trunk_pitch
        p.feet_spacing = preset.feet_spacing
        p.foot_length = spec.foot_length
        p.foot_width = spec.foot_width
        # Commands are range-checked against the preset before planning; placo's own
        # clipping is opened wide so it never silently shortens a step.
        p.walk_max_dx_forward = 10.0 * max(preset.max_dx_forward, 1e-3)
        p.walk_max_dx_backward = 10.0 * max(preset.max_dx_backward, 1e-3)
        p.walk_max_dy = 10.0 * max(preset.max_dy, 1e-3)
        p.walk_max_dtheta = 10.0 * max(preset.max_dtheta, 1e-3)
        p.walk_dtheta_spacing = 0.0  # no hidden lateral widening while turning: steps follow the command exactly

    # -- initial pose -------------------------------------------------------------------------
    def reset(self, seed: int) -> None:
        """Put the robot in its bent-knee posture and solve the initial standing pose.

        Seeds placo and pinocchio first, so the pose (and the knee branch) is the
        same on every run.

        Raises:
            PlanningError: placo fails, or a knee ends up bent the wrong way.
        """
        m = self._bent_knee_start(seed)
        self._configure_tasks_for_standing()
        try:
            self._tasks.reach_initial_pose(
                np.eye(4), self._params.feet_spacing, self._params.walk_com_height, self._params.walk_trunk_pitch
            )
        except Exception as exc:
            raise PlanningError(f"placo could not reach the initial pose: {exc}") from exc
        # reach_initial_pose adds random noise to every joint, masked ones included:
        # put the joints the walk does not drive back on their posture exactly.
        for name, angle in self.robot.posture().items():
            m.set_joint(name, angle)
        m.update_kinematics()
        self._configure_tasks_for_walking()
        self.check_knees()

    def _bent_knee_start(self, seed: int) -> "placo.HumanoidRobot":
        """Seed placo and pinocchio, and put every joint at its initial (else default) posture."""
        placo.seed(int(seed) & 0xFFFFFFFF)
        pinocchio.seed(int(seed) & 0xFFFFFFFF)
        m = self._model
        m.reset()
        spec = self.robot.spec
        for name in self.robot.joint_names:
            m.set_joint(name, spec.initial_posture.get(name, spec.default_posture.get(name, 0.0)))
        m.update_kinematics()
        return m

    def _configure_tasks_for_standing(self) -> None:
        t = self._tasks
        t.left_foot_task.configure("left_foot", "soft", 1.0, 1.0)
        t.right_foot_task.configure("right_foot", "soft", 1.0, 1.0)
        t.com_task.configure("com", "soft", 1.0)
        t.trunk_orientation_task.configure("trunk", "soft", 1.0)

    def _configure_tasks_for_walking(self) -> None:
        # Feet and CoM must be met (to 1e-5 m); the trunk orientation yields first.
        t = self._tasks
        t.left_foot_task.configure("left_foot", "soft", 1e3, 1e3)
        t.right_foot_task.configure("right_foot", "soft", 1e3, 1e3)
        t.com_task.configure("com", "soft", 1e2)
        t.trunk_orientation_task.configure("trunk", "soft", 1.0)

    def check_knees(self) -> None:
        """Raise :class:`PlanningError` if a knee is not bent the declared way."""
        spec = self.robot.spec
        for knee, sign in zip(spec.knees, spec.knee_signs):
            angle = self._model.get_joint(knee)
            if angle * sign <= 0.0:
                raise PlanningError(f"knee '{knee}' bends the wrong way ({angle:.4f} rad, bend sign {sign:+d})")

    def feet_frames(self) -> tuple[np.ndarray, np.ndarray]:
        """Current left and right sole poses flattened on the floor (4x4, world)."""
        return (
            np.array(placo.flatten_on_floor(self._model.get_T_world_left())),
            np.array(placo.flatten_on_floor(self._model.get_T_world_right())),
        )

    def move_base_to(self, target: np.ndarray, side: str) -> None:
        """Move the robot rigidly so that its ``side`` sole lands on ``target`` (4x4, world).

        Used to warm-start the IK of a cycle far from the initial pose without
        changing the joint configuration (and so the knee branch).
        """
        m = self._model
        current = m.get_T_world_left() if side == "left" else m.get_T_world_right()
        move = target @ np.linalg.inv(np.array(placo.flatten_on_floor(current)))
        m.set_T_world_fbase(move @ m.get_T_world_fbase())
        m.update_kinematics()

    # -- footsteps ------------------------------------------------------------------------------
    def footsteps(self, dx: float, dy: float, dtheta: float, steps: int) -> list[tuple[str, np.ndarray]]:
        """placo's repetitive footstep plan from the current standing feet.

        The left foot is the first stance foot. Returns ``(side, 4x4 sole pose)`` per
        footstep: the two standing feet, ``steps`` steps, and the closing step.

        Raises:
            CommandError: placo's planner would shorten or move a step (feet too close).
            PlanningError: placo's planner fails.
        """
        try:
            planner = placo.FootstepsPlannerRepetitive(self._params)
            planner.configure(float(dx), float(dy), float(dtheta), int(steps))
            left, right = self.feet_frames()
            footsteps = list(planner.plan(_SIDES["left"], left, right))
            self._check_not_clipped(planner, footsteps, dx, dy, dtheta)
        except CommandError:
            raise
        except Exception as exc:
            raise PlanningError(f"placo footstep planning failed for command ({dx}, {dy}, {dtheta}): {exc}") from exc
        names = {v: k for k, v in _SIDES.items()}
        return [(names[f.side], np.array(f.frame)) for f in footsteps]

    def next_footstep(self, side: str, pose: np.ndarray, dx: float, dy: float, dtheta: float) -> np.ndarray:
        """Sole pose (4x4) of the other foot's next step from ``side`` planted at ``pose`` (placo's rule)."""
        step = placo.Footstep(self._params.foot_width, self._params.foot_length)
        step.side = _SIDES[side]
        step.frame = np.asarray(pose, dtype=float)
        planner = placo.FootstepsPlannerRepetitive(self._params)
        return np.array(planner.opposite_footstep(step, float(dx), float(dy), float(dtheta)).frame)

    @staticmethod
    def _check_not_clipped(planner: "placo.FootstepsPlannerRepetitive", steps: list, dx: float, dy: float,
                           dtheta: float) -> None:
        """Raise :class:`CommandError` where placo shortened a step (e.g. to keep the feet apart)."""
        # steps[0:2] are the initial feet and the last one closes the walk; the rest follow the command.
        for a, b in zip(steps[1:-2], steps[2:-1]):
            expected = np.array(planner.opposite_footstep(a, dx, dy, dtheta).frame)
            if np.abs(expected - np.array(b.frame)).max() > 1e-9:
                gap = np.linalg.norm(expected[:2, 3] - np.array(b.frame)[:2, 3])
                raise CommandError(
                    f"command ({dx}, {dy}, {dtheta}) would make placo's footstep planner move a step by "
                    f"{gap * 1000:.1f} mm (feet too close or overlapping); use a smaller dy/dtheta or a wider "
                    "feet_spacing"
                )

    # -- IK -----------------------------------------------------------------------------------
    def solve(self, left: np.ndarray, right: np.ndarray, com: np.ndarray, trunk: np.ndarray,
              max_iterations: int, position_tol: float, angle_tol: float) -> IKState:
        """Solve whole-body IK for one frame, warm-started from the current state.

        Iterates until both soles are within ``position_tol`` (m) and ``angle_tol``
        (rad) of their targets, the CoM within ``position_tol`` and the trunk
        within ``angle_tol``: every task is met, so :meth:`rates` is exact.

        Args:
            left: 4x4 left sole target. right: 4x4 right sole target.
            com: (3,) CoM target. trunk: 3x3 trunk orientation target.
            max_iterations: Give up after this many solver iterations.
            position_tol: Foot and CoM tolerance (m). angle_tol: Foot and trunk tolerance (rad).

        Raises:
            PlanningError: The targets are not met within ``max_iterations``, or a knee bends the wrong way.
        """
        m = self._model
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

        it, converged = self._iterate(self._solver, met, max_iterations, "IK solver")
        if converged:
            self.check_knees()
            return IKState(**self._state_fields(), iterations=it)
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
        t = self._tasks
        t.com_task.configure("com", "soft", COM_WEIGHT)
        t.trunk_orientation_task.configure("trunk", "soft", 1.0)
        for side, task in enumerate((t.left_foot_task, t.right_foot_task)):
            task.configure(f"{('left', 'right')[side]}_foot", "soft", float(sole_weights[side, 0]),
                           float(sole_weights[side, 1]))
        t.update_tasks(left, right, com, trunk)
        m, pm = self._model, self._model.model
        goal = newton.WeightedTargets(self._frame_ids, left, right, com, trunk, sole_weights, COM_WEIGHT, 1.0)
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
        q, used, step, self._hessian = newton.polish(pm, self._data, q0, goal, self._v_cols, max_iterations,
                                                     step_tol, _NEWTON_FROM, self._hessian if reuse_hessian and self._hessian is not None else None)
        if step > step_tol:
            raise PlanningError(f"the weighted IK's Newton steps did not settle (last step {step:.1e} rad)")
        m.state.q = q
        m.update_kinematics()
        self.check_knees()
        return IKState(**self._state_fields(), iterations=it + used)

    def _iterate(self, solver: "placo.KinematicsSolver", met: Callable[[], bool], max_iterations: int,
                 what: str) -> tuple[int, bool]:
        """Run ``solver`` until ``met()`` after an iteration; return (iterations, whether met)."""
        m = self._model
        for it in range(1, max_iterations + 1):
            m.update_kinematics()
            try:
                solver.solve(True)
            except Exception as exc:
                raise PlanningError(f"placo {what} failed: {exc}") from exc
            m.update_kinematics()
            if met():
                return it, True
        return max_iterations, False

    def _state_fields(self) -> dict[str, np.ndarray]:
        """The current state as :class:`IKState` fields (xyzw root quaternion, joints by name)."""
        m = self._model
        q = np.array(m.state.q)
        return {
            "root_pos": q[:3],
            "root_quat": q[3:7],
            "joints": q[self._q_index],
            "left": np.array(m.get_T_world_left())[:3, 3],
            "right": np.array(m.get_T_world_right())[:3, 3],
            "com": np.array(m.com_world()),
            "trunk": np.array(m.get_T_world_frame("trunk"))[:3, :3],
        }

    def rates(self, feet_vel: np.ndarray, feet_acc: np.ndarray, com_vel: np.ndarray, com_acc: np.ndarray,
              trunk_vel: np.ndarray, trunk_acc: np.ndarray) -> Rates:
        """Exact velocities and accelerations of the current (solved) pose.

        The IK's tasks (both soles' 6-D pose, the CoM and the trunk orientation)
        determine the driven joints of six-joint legs and the floating base;
        inverting their square Jacobian for the targets' rates gives
        ``v = J^-1 xd`` and ``a = J^-1 (xdd - Jd v)``. Joints the walk does not
        drive stay still. (Five-joint legs: :meth:`differenced_rates`.)

        Args:
            feet_vel: (2, 6) sole twists [linear (m/s); angular (rad/s)], world, left then right.
            feet_acc: (2, 6) sole accelerations (classical: the sole centre's
                acceleration, and the angular acceleration), world.
            com_vel: (3,) CoM velocity (m/s). com_acc: (3,) CoM acceleration (m/s^2).
            trunk_vel: (3,) trunk angular velocity (rad/s). trunk_acc: (3,) its rate (rad/s^2).

        Raises:
            PlanningError: The task Jacobian is singular (e.g. straight knees).
        """
        pm, data = self._model.model, self._data
        q = np.array(self._model.state.q)
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
        return self._rates(q, v, a)

    def differenced_rates(self, before: np.ndarray, now: np.ndarray, after: np.ndarray, h: float) -> Rates:
        """Velocities and accelerations of configuration ``now`` from its neighbours ``h`` s before and after.

        Central differences on the configuration manifold. Used for five-joint legs,
        whose weighted IK has no exact task inverse; with configurations solved to
        1e-12 rad and ``h`` = 1 ms the error is about 1e-4 of the rates.
        """
        pm = self._model.model
        back, ahead = pinocchio.difference(pm, now, before), pinocchio.difference(pm, now, after)
        return self._rates(now, (ahead - back) / (2.0 * h), (ahead + back) / (h * h))

    def _rates(self, q: np.ndarray, v: np.ndarray, a: np.ndarray) -> Rates:
        """:class:`Rates` of configuration ``q`` moving with ``v`` and ``a`` (pinocchio's local base convention)."""
        pm, data = self._model.model, self._data
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

    def pose_targets(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The current pose as IK targets: (left sole 4x4, right sole 4x4, CoM (3,), trunk orientation 3x3)."""
        m = self._model
        return (np.array(m.get_T_world_left()), np.array(m.get_T_world_right()), np.array(m.com_world()),
                np.array(m.get_T_world_frame("trunk"))[:3, :3])

    @property
    def configuration(self) -> np.ndarray:
        """The current configuration vector (pinocchio's layout; for saving and restoring)."""
        return np.array(self._model.state.q)

    @configuration.setter
    def configuration(self, q: np.ndarray) -> None:
        self._model.state.q = np.asarray(q, dtype=float)
        self._model.update_kinematics()

    @staticmethod
    def _solve_tasks(jac: np.ndarray, target: np.ndarray) -> np.ndarray:
        """``jac^-1 target``; PlanningError where the Jacobian is singular (a stretched or folded leg)."""
        try:
            out = np.linalg.solve(jac, target)
        except np.linalg.LinAlgError as exc:
            raise PlanningError(f"the IK task Jacobian is singular (a leg is stretched straight or folded): {exc}") from exc
        if not np.all(np.isfinite(out)):
            raise PlanningError("the IK task Jacobian is singular (a leg is stretched straight or folded)")
        return out

    def _task_jacobian(self, q: np.ndarray) -> np.ndarray:
        """(18, 18) Jacobian of [left sole 6-D, right sole 6-D, CoM, trunk angular velocity] (world).

        Columns: the floating base and the driven joints (six-joint legs).
        """
        pm, data = self._model.model, self._data
        pinocchio.computeJointJacobians(pm, data, q)
        pinocchio.updateFramePlacements(pm, data)
        left, right, trunk = (pinocchio.getFrameJacobian(pm, data, fid, pinocchio.LOCAL_WORLD_ALIGNED)
                              for fid in self._frame_ids)
        com = pinocchio.jacobianCenterOfMass(pm, data, q, False)
        return np.vstack([left, right, com, trunk[3:6]])[:, self._v_cols]

    def knee_angles(self) -> tuple[float, float]:
        """Current (left, right) knee angles (rad)."""
        left, right = self.robot.spec.knees
        return (self._model.get_joint(left), self._model.get_joint(right))

    def joint_report(self) -> str:
        """Joints at or within 1e-3 rad of a limit, for error messages."""
        out = []
        for name in self.robot.spec.driven_joints:
            lo, hi = self._model.get_joint_limits(name)
            q = self._model.get_joint(name)
            if q <= lo + 1e-3 or q >= hi - 1e-3:
                out.append(f"{name}={q:.4f} at limit [{lo:.4f}, {hi:.4f}]")
        return ", ".join(out) or "none at a limit"

    # -- keypoint IK (cross-robot transfer) ----------------------------------------------------
    def leg_geometry(self) -> LegGeometry:
        """Leg length, hip width and hip position of the robot at its zero pose.

        Raises:
            PlanningError: A leg has no hip pitch joint (no joint about the trunk y axis
                above the knee).
        """
        if self._geometry is None:
            m, pm = self._model, self._model.model
            saved = np.array(m.state.q)
            m.reset()  # neutral configuration: floating base at the origin, all joints 0
            m.update_kinematics()
            trunk = np.array(m.get_T_world_frame("trunk"))
            hips, heights, points = [], [], []
            for side in ("left", "right"):
                joint = pm.frames[pm.getFrameId(f"{side}_foot")].parentJoint
                chain = []
                while joint > 1:  # joint 1 is the floating base
                    chain.append(int(joint))
                    joint = pm.parents[joint]
                pitch = None
                for j in reversed(chain):  # from the trunk down
                    axis = _joint_axis(pm.joints[j])
                    rot = np.array(m.get_T_world_frame(pm.names[j]))[:3, :3]
                    if axis is not None and abs((rot @ axis) @ trunk[:3, 1]) > 0.99:
                        pitch = pm.names[j]
                        break
                if pitch is None:
                    raise PlanningError(
                        f"robot '{self.robot.name}': no hip pitch joint (axis along the trunk y axis) on the "
                        f"{side} leg, joints {[pm.names[j] for j in chain]}"
                    )
                hip = np.array(m.get_T_world_frame(pitch))[:3, 3]
                sole = np.array(m.get_T_world_frame(f"{side}_foot"))[:3, 3]
                hips.append(pitch)
                heights.append(float(hip[2] - sole[2]))
                points.append(hip)
            local = (np.linalg.inv(trunk) @ np.append((points[0] + points[1]) / 2.0, 1.0))[:3]
            self._geometry = LegGeometry(
                hip_joints=(hips[0], hips[1]),
                leg_length=float(np.mean(heights)),
                hip_width=float(abs((points[0] - points[1]) @ trunk[:3, 1])),
                hip_offset=local,
            )
            m.state.q = saved
            m.update_kinematics()
        return self._geometry

    def forward_kinematics(self, root_pos: np.ndarray, root_quat: np.ndarray, joints: np.ndarray) -> PoseFrames:
        """World frames of the trunk and the soles, and the CoM, for a batch of states.

        Args:
            root_pos: (T, 3) floating-base positions, world (m).
            root_quat: (T, 4) floating-base orientations, world, xyzw.
            joints: (T, J) joint angles in ``Robot.joint_names`` order (rad).

        Leaves the model in the last state.
        """
        m = self._model
        q = np.array(m.state.q)
        trunk, left, right, com = [], [], [], []
        for pos, quat, angles in zip(root_pos, root_quat, joints):
            q[:3], q[3:7], q[self._q_index] = pos, quat, angles
            m.state.q = q
            m.update_kinematics()
            trunk.append(np.array(m.get_T_world_frame("trunk")))
            left.append(np.array(m.get_T_world_left()))
            right.append(np.array(m.get_T_world_right()))
            com.append(np.array(m.com_world()))
        return PoseFrames(trunk=np.array(trunk), left=np.array(left), right=np.array(right), com=np.array(com))

    def start_keypoints(self, trunk: np.ndarray, seed: int) -> None:
        """Put the robot in its bent-knee initial posture with its trunk frame at ``trunk`` (4x4, world).

        The warm start of the first :meth:`solve_keypoints` of a clip; seeds placo
        and pinocchio so the result is reproducible.
        """
        m = self._bent_knee_start(seed)
        m.set_T_world_frame("trunk", np.asarray(trunk, dtype=float))
        m.update_kinematics()

    def solve_keypoints(self, left: np.ndarray, right: np.ndarray, trunk: np.ndarray, max_iterations: int,
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
        m = self._model
        if self._kp_solver is None:
            solver = placo.KinematicsSolver(m)
            solver.enable_velocity_limits(False)
            for name in self.robot.joint_names:
                if name not in self.robot.spec.driven_joints:
                    solver.mask_dof(name)
            self._kp_tasks = (
                solver.add_frame_task("left_foot", np.eye(4)),
                solver.add_frame_task("right_foot", np.eye(4)),
                solver.add_frame_task("trunk", np.eye(4)),
            )
            self._kp_tasks[0].configure("left_foot", "soft", 1e4, 1e4)
            self._kp_tasks[1].configure("right_foot", "soft", 1e4, 1e4)
            self._kp_tasks[2].configure("trunk", "soft", 1.0, 1.0)
            self._kp_solver = solver
        targets = [np.asarray(t, dtype=float) for t in (left, right, trunk)]
        for task, target in zip(self._kp_tasks, targets):
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

        it, _ = self._iterate(self._kp_solver, met, max_iterations, "keypoint IK")
        self.check_knees()
        tt = np.array(m.get_T_world_frame("trunk"))
        return KeypointState(
            **self._state_fields(),
            iterations=it,
            foot_error=float(pos),
            foot_angle_error=float(ang),
            trunk_error=float(np.linalg.norm(tt[:3, 3] - trunk[:3, 3])),
            trunk_angle_error=_rot_err(tt[:3, :3], trunk[:3, :3]),
        )


@lru_cache(maxsize=None)
def session(robot: Robot) -> PlacoSession:
    """The process-wide :class:`PlacoSession` of a robot (built on first use)."""
    return PlacoSession(robot)
