"""Leg proportions of a robot, measured on its placo model at the zero pose."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import pinocchio

from gait_generator.errors import PlanningError
from gait_generator.placo_adapter.model import humanoid_model
from robots import Robot

__all__ = ["LegGeometry", "leg_geometry"]

_LOCAL_AXES = {"JointModelRX": np.eye(3)[0], "JointModelRY": np.eye(3)[1], "JointModelRZ": np.eye(3)[2]}
"""Joint axis in the joint frame for pinocchio's axis-aligned revolute joints."""


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


def _joint_axis(joint: pinocchio.JointModel) -> np.ndarray | None:
    """A revolute joint's axis in its own frame (also mirrored ones, e.g. ``0 -1 0``); None otherwise."""
    name = joint.shortname()
    if name == "JointModelRevoluteUnaligned":
        return np.array(joint.extract().axis, dtype=float)
    return _LOCAL_AXES.get(name)


@cache
def leg_geometry(robot: Robot) -> LegGeometry:
    """Leg length, hip width and hip position of ``robot`` at its zero pose (measured once per process).

    The model's configuration is restored afterwards.

    Raises:
        PlanningError: A leg has no hip pitch joint (no joint about the trunk y axis
            above the knee), or the model cannot be loaded.
    """
    model = humanoid_model(robot)
    m, pm = model.placo, model.placo.model
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
            m.state.q = saved
            m.update_kinematics()
            raise PlanningError(
                f"robot '{robot.name}': no hip pitch joint (axis along the trunk y axis) on the "
                f"{side} leg, joints {[pm.names[j] for j in chain]}"
            )
        hip = np.array(m.get_T_world_frame(pitch))[:3, 3]
        sole = np.array(m.get_T_world_frame(f"{side}_foot"))[:3, 3]
        hips.append(pitch)
        heights.append(float(hip[2] - sole[2]))
        points.append(hip)
    local = (np.linalg.inv(trunk) @ np.append((points[0] + points[1]) / 2.0, 1.0))[:3]
    m.state.q = saved
    m.update_kinematics()
    return LegGeometry(
        hip_joints=(hips[0], hips[1]),
        leg_length=float(np.mean(heights)),
        hip_width=float(abs((points[0] - points[1]) @ trunk[:3, 1])),
        hip_offset=local,
    )
