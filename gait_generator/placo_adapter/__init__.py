"""The one package that calls placo (pinned to 0.10.2; its API changes between releases).

Each module owns one job on a robot's placo model:

* :mod:`~gait_generator.placo_adapter.model`: loading the placo ``HumanoidRobot``
  of a robot (once per robot and process), its indices, forward kinematics;
* :mod:`~gait_generator.placo_adapter.footsteps`: placo's repetitive footstep planner;
* :mod:`~gait_generator.placo_adapter.wholebody_ik`: the walk's whole-body IK;
* :mod:`~gait_generator.placo_adapter.keypoint_ik`: keypoint IK for cross-robot transfer;
* :mod:`~gait_generator.placo_adapter.leg_geometry`: leg proportions at the zero pose.

Everything placo returns is converted to numpy here, so the rest of the project
never sees a placo object. Quaternions leave this package in xyzw order. The
multibody dynamics of a solved pose (exact rates, whole-body ZMP) need pinocchio
only: :mod:`gait_generator.dynamics`.
"""

from __future__ import annotations

from gait_generator.placo_adapter.footsteps import FootstepPlanner
from gait_generator.placo_adapter.keypoint_ik import (
    KeypointIK,
    KeypointState,
    keypoint_ik,
)
from gait_generator.placo_adapter.leg_geometry import LegGeometry, leg_geometry
from gait_generator.placo_adapter.model import (
    PLACO_VERSION,
    HumanoidModel,
    IKState,
    PoseFrames,
    forward_kinematics,
    humanoid_model,
)
from gait_generator.placo_adapter.wholebody_ik import WholeBodyIK, wholebody_ik

__all__ = [
    "PLACO_VERSION",
    "FootstepPlanner",
    "HumanoidModel",
    "IKState",
    "KeypointIK",
    "KeypointState",
    "LegGeometry",
    "PoseFrames",
    "WholeBodyIK",
    "forward_kinematics",
    "humanoid_model",
    "keypoint_ik",
    "leg_geometry",
    "wholebody_ik",
]
