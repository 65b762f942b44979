"""Stand test: does the robot stay up holding its initial posture on its own actuators?

The robot starts at rest in its standing initial posture
(:func:`robots.collisions.rest_qpos`: ``initial_posture`` over
``default_posture``, root upright, soles on the floor) in its MuJoCo model
(:func:`robots.mjcf.model`, self-collisions as the spec says), and every
position actuator holds its joint's posture angle with the spec's gains. Nothing
else acts on it. It has fallen when the root drops below
``fall_height_frac`` of its start height or tilts more than
``fall_tilt_max_deg`` (the physics replay's thresholds, ``validate/thresholds.yaml``),
or the simulation diverges (MuJoCo's bad-acceleration warning).
"""

from __future__ import annotations

from dataclasses import dataclass

import mujoco
import numpy as np

from robots import Robot, mjcf
from robots.collisions import rest_qpos
from validate.thresholds import Physics, load_thresholds

__all__ = ["StandResult", "stand"]


@dataclass(frozen=True)
class StandResult:
    """Outcome of :func:`stand` (world frame, z up).

    Attributes:
        duration_s: Time asked for (s).
        simulated_s: Time simulated (s): ``duration_s``, or up to the fall.
        stayed_up: The robot never fell.
        trunk_drop_m: Height of the ``trunk`` site at the start minus at the end (m);
            positive when it sank.
        com_drift_m: Horizontal distance the whole-body centre of mass moved (m).
        tilt_deg: Angle between the root's z axis and the vertical at the end (deg).
    """

    duration_s: float
    simulated_s: float
    stayed_up: bool
    trunk_drop_m: float
    com_drift_m: float
    tilt_deg: float


def stand(robot: Robot, duration: float = 2.0, thresholds: Physics | None = None) -> StandResult:
    """Hold the initial posture for ``duration`` seconds in MuJoCo.

    Args:
        robot: The robot.
        duration: Simulated time (s), > 0.
        thresholds: Fall criteria; default the physics section of
            :func:`validate.load_thresholds` for this robot.

    Returns:
        The result; the measures are taken at the end, or at the fall.

    Raises:
        ValueError: ``duration`` is not positive.
        RobotSpecError: The model cannot be built (:func:`robots.mjcf.model`).
    """
    if not duration > 0.0:
        raise ValueError(f"duration: {duration} s, expected > 0")
    th = thresholds or load_thresholds().for_robot(robot.name).physics
    model = mjcf.model(robot)
    data = mujoco.MjData(model)
    data.qpos[:] = rest_qpos(model, robot)
    posture = {**robot.posture(), **robot.spec.initial_posture}
    for name in robot.joint_names:
        data.actuator(name).ctrl[0] = posture.get(name, 0.0)
    mujoco.mj_forward(model, data)
    root = int(model.jnt_bodyid[0])
    trunk = model.site("trunk").id
    height0 = float(data.xpos[root, 2])
    trunk0 = float(data.site_xpos[trunk, 2])
    com0 = data.subtree_com[root, :2].copy()
    min_height = th.fall_height_frac * height0
    max_tilt = np.radians(th.fall_tilt_max_deg)
    steps = max(1, round(duration / model.opt.timestep))
    done, up = 0, True
    for done in range(1, steps + 1):
        mujoco.mj_step(model, data)
        tilt = float(np.arccos(np.clip(data.xmat[root, 8], -1.0, 1.0)))
        unstable = data.warning[mujoco.mjtWarning.mjWARN_BADQACC].number > 0  # MuJoCo reset the state
        if unstable or data.xpos[root, 2] < min_height or tilt > max_tilt:
            up = False
            break
    mujoco.mj_kinematics(model, data)
    mujoco.mj_comPos(model, data)
    return StandResult(
        duration_s=float(duration),
        simulated_s=done * float(model.opt.timestep),
        stayed_up=up,
        trunk_drop_m=trunk0 - float(data.site_xpos[trunk, 2]),
        com_drift_m=float(np.linalg.norm(data.subtree_com[root, :2] - com0)),
        tilt_deg=float(np.degrees(np.arccos(np.clip(data.xmat[root, 8], -1.0, 1.0)))),
    )
