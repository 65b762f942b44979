"""The placo humanoid model of a robot, loaded once per robot and process.

Loading a model is slow (seconds for a robot with meshes), so every job of the
adapter (:mod:`~gait_generator.placo_adapter.wholebody_ik`,
:mod:`~gait_generator.placo_adapter.keypoint_ik`,
:mod:`~gait_generator.placo_adapter.leg_geometry`) works on the one
:class:`HumanoidModel` of its robot (:func:`humanoid_model`). Each job sets the
whole state it starts from (:meth:`HumanoidModel.bent_knee_start`, a full
configuration), so none depends on what another left behind; solvers, tasks and
caches belong to the jobs. Quaternions leave this module in xyzw order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import numpy as np
import pinocchio
import placo

from gait_generator.errors import PlanningError
from motions.console import quiet_native_output
from robots import Robot

__all__ = [
    "KNEE_MIN_BEND",
    "PLACO_VERSION",
    "HumanoidModel",
    "IKState",
    "PoseFrames",
    "forward_kinematics",
    "humanoid_model",
]

PLACO_VERSION = "0.10.2"
"""The placo release this adapter is written for (pinned in ``pyproject.toml``; its API changes between releases)."""

KNEE_MIN_BEND = 0.1
"""Five-joint legs: least knee bend (rad) an IK may use (the weighted IK's optimum could otherwise flip a knee)."""


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


class HumanoidModel:
    """A robot's placo ``HumanoidRobot`` with its joint and frame indices.

    Five-joint legs (no ankle roll) have their knee limits narrowed to
    :data:`KNEE_MIN_BEND` on the bent side, for every solver of the model.

    Args:
        robot: The robot (its URDF with the injected frames is loaded).

    Raises:
        PlanningError: placo cannot load the URDF, or the legs are neither six-
            nor five-joint legs.
    """

    def __init__(self, robot: Robot) -> None:
        self.robot = robot
        try:
            with quiet_native_output():  # placo's "Can't find head frames" warnings: shown with -v only
                self.placo = placo.HumanoidRobot(str(robot.placo_urdf_path), placo.Flags.ignore_collisions)
                """The placo model (for the adapter's modules only)."""
        except Exception as exc:  # placo raises plain RuntimeError
            raise PlanningError(f"placo cannot load robot '{robot.name}' ({robot.spec.urdf}): {exc}") from exc
        m = self.placo
        self.q_index = np.array([m.get_joint_offset(n) for n in robot.joint_names])
        """Positions of ``Robot.joint_names`` in the configuration vector."""
        driven = [m.get_joint_v_offset(n) for n in robot.joint_names if n in robot.spec.driven_joints]
        self.v_cols = np.r_[np.arange(6), np.array(driven, dtype=int)]
        """Tangent directions that move: the floating base and the driven joints."""
        self.frame_ids = tuple(m.model.getFrameId(name) for name in ("left_foot", "right_foot", "trunk"))
        """pinocchio frame ids of the left sole, right sole and trunk."""
        held = len(self.v_cols) - 15  # unknowns left once both soles (12) and the CoM (3) are held
        if held not in (1, 3):
            raise PlanningError(
                f"robot '{robot.name}': {len(driven)} driven joints; the walk drives the two legs, with 6 joints "
                "each (hip yaw, roll, pitch, knee, ankle pitch, roll) or 5 (no ankle roll)"
            )
        self.five_joint_legs = held == 1
        """Legs without ankle roll: the whole-body IK is a weighted compromise."""
        if self.five_joint_legs:  # keep the knees on their bent branch
            for knee, sign in zip(robot.spec.knees, robot.spec.knee_signs):
                lo, hi = m.get_joint_limits(knee)
                m.set_joint_limits(knee, max(lo, KNEE_MIN_BEND) if sign > 0 else lo,
                                   hi if sign > 0 else min(hi, -KNEE_MIN_BEND))

    def bent_knee_start(self, seed: int) -> None:
        """Seed placo and pinocchio, and put every joint at its initial (else default) posture."""
        placo.seed(int(seed) & 0xFFFFFFFF)
        pinocchio.seed(int(seed) & 0xFFFFFFFF)
        m = self.placo
        m.reset()
        spec = self.robot.spec
        for name in self.robot.joint_names:
            m.set_joint(name, spec.initial_posture.get(name, spec.default_posture.get(name, 0.0)))
        m.update_kinematics()

    def check_knees(self) -> None:
        """Raise :class:`PlanningError` if a knee is not bent the declared way."""
        spec = self.robot.spec
        for knee, sign in zip(spec.knees, spec.knee_signs):
            angle = self.placo.get_joint(knee)
            if angle * sign <= 0.0:
                raise PlanningError(f"knee '{knee}' bends the wrong way ({angle:.4f} rad, bend sign {sign:+d})")

    def knee_angles(self) -> tuple[float, float]:
        """Current (left, right) knee angles (rad)."""
        left, right = self.robot.spec.knees
        return (self.placo.get_joint(left), self.placo.get_joint(right))

    def joint_report(self) -> str:
        """Joints at or within 1e-3 rad of a limit, for error messages."""
        out = []
        for name in self.robot.spec.driven_joints:
            lo, hi = self.placo.get_joint_limits(name)
            q = self.placo.get_joint(name)
            if q <= lo + 1e-3 or q >= hi - 1e-3:
                out.append(f"{name}={q:.4f} at limit [{lo:.4f}, {hi:.4f}]")
        return ", ".join(out) or "none at a limit"

    @property
    def configuration(self) -> np.ndarray:
        """The current configuration vector (pinocchio's layout, xyzw base quaternion; for saving and restoring)."""
        return np.array(self.placo.state.q)

    @configuration.setter
    def configuration(self, q: np.ndarray) -> None:
        self.placo.state.q = np.asarray(q, dtype=float)
        self.placo.update_kinematics()

    def state_fields(self) -> dict[str, np.ndarray]:
        """The current state as :class:`IKState` fields (xyzw root quaternion, joints by name)."""
        m = self.placo
        q = np.array(m.state.q)
        return {
            "root_pos": q[:3],
            "root_quat": q[3:7],
            "joints": q[self.q_index],
            "left": np.array(m.get_T_world_left())[:3, 3],
            "right": np.array(m.get_T_world_right())[:3, 3],
            "com": np.array(m.com_world()),
            "trunk": np.array(m.get_T_world_frame("trunk"))[:3, :3],
        }

    def iterate(self, solver: placo.KinematicsSolver, met: Callable[[], bool], max_iterations: int,
                what: str) -> tuple[int, bool]:
        """Run ``solver`` until ``met()`` after an iteration; return (iterations, whether met).

        Raises:
            PlanningError: placo's QP fails (``what`` names the solver in the message).
        """
        m = self.placo
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

    def forward_kinematics(self, root_pos: np.ndarray, root_quat: np.ndarray, joints: np.ndarray) -> PoseFrames:
        """World frames of the trunk and the soles, and the CoM, for a batch of states.

        Args:
            root_pos: (T, 3) floating-base positions, world (m).
            root_quat: (T, 4) floating-base orientations, world, xyzw.
            joints: (T, J) joint angles in ``Robot.joint_names`` order (rad).

        Leaves the model in the last state.
        """
        m = self.placo
        q = np.array(m.state.q)
        trunk, left, right, com = [], [], [], []
        for pos, quat, angles in zip(root_pos, root_quat, joints):
            q[:3], q[3:7], q[self.q_index] = pos, quat, angles
            m.state.q = q
            m.update_kinematics()
            trunk.append(np.array(m.get_T_world_frame("trunk")))
            left.append(np.array(m.get_T_world_left()))
            right.append(np.array(m.get_T_world_right()))
            com.append(np.array(m.com_world()))
        return PoseFrames(trunk=np.array(trunk), left=np.array(left), right=np.array(right), com=np.array(com))


@cache
def humanoid_model(robot: Robot) -> HumanoidModel:
    """The process-wide :class:`HumanoidModel` of a robot (loaded on first use)."""
    return HumanoidModel(robot)


def forward_kinematics(robot: Robot, root_pos: np.ndarray, root_quat: np.ndarray, joints: np.ndarray) -> PoseFrames:
    """World trunk and sole frames and the CoM of a batch of ``robot`` states.

    See :meth:`HumanoidModel.forward_kinematics`.
    """
    return humanoid_model(robot).forward_kinematics(root_pos, root_quat, joints)
