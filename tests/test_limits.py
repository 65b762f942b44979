"""Proposed presets within the joints' ranges and velocity limits (``gait_generator/propose/stride.py``, ``limits.py``).

The stride model (the legs solved along a steady walk) is checked against the
generator itself on the built-in mini_biped, then a mini_biped whose hip pitch,
knee and ankle turn at 8 rad/s instead of 20 (written by the test) is proposed
from its URDF: the Froude-scaled fast preset's largest step is too fast for it,
the proposed presets' largest steps are not. Real placo and MuJoCo.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

import gait_generator
import robots
import validate
from gait_generator.preset import load_preset
from gait_generator.propose.analysis import analysis_of
from gait_generator.propose.rules import RANGE_MARGIN
from gait_generator.propose.stride import StrideModel, WalkShape
from tests.synthetic import user_robot
from validate.robot_cli import main

SLOW = 8.0
"""rad/s: velocity limit of the slow biped's hip pitch, knee and ankle pitch (mini_biped: 20)."""


def _slow_joints(_links: dict[str, ET.Element], root: ET.Element) -> None:
    for joint in root.findall("joint"):
        if joint.get("name", "").endswith(("hip_pitch", "knee", "_ankle")):
            joint.find("limit").set("velocity", str(SLOW))


def test_the_stride_model_agrees_with_the_generator() -> None:
    robot = robots.load_robot("mini_biped")
    preset = load_preset(robot.spec.presets["medium"])
    an = analysis_of(robot.spec.urdf)
    bend = an.bend_for(preset.com_height)
    shape = WalkShape(com_height=preset.com_height, single_support=preset.single_support_duration, bend=bend,
                      foot_height=preset.foot_height, feet_spacing=preset.feet_spacing,
                      double_support_ratio=preset.double_support_ratio, rise=preset.foot_rise_ratio,
                      trunk_pitch=math.radians(preset.trunk_pitch_deg))
    crouch = {**an.bent(an.left, bend), **an.bent(an.right, bend)}
    stride = StrideModel(an.model, (an.left, an.right), robot.posture(), crouch, shape).evaluate((0.04, 0.0, 0.0))
    motion = gait_generator.generate(robot="mini_biped", preset="medium", dx=0.04, length=2.0)
    for joint in ("left_hip_pitch", "left_knee", "left_ankle", "right_hip_roll"):
        q = motion.joint(joint)
        assert stride.span[joint] == pytest.approx((q.min(), q.max()), abs=RANGE_MARGIN)
        peak = float(np.abs(motion.joint_velocity(joint)).max())
        assert stride.rates[joint] / preset.single_support_duration == pytest.approx(peak, rel=0.15)


def test_presets_of_a_slow_jointed_biped_respect_its_velocity_limits(tmp_path: Path) -> None:
    slow = user_robot(tmp_path, "slow_joints", _slow_joints)
    # mini_biped's own fast preset on it: its largest step is too fast for the joints
    fast = load_preset(robots.load_robot("mini_biped").spec.presets["fast"])
    motion = gait_generator.generate(robot=str(slow), preset="fast", dx=fast.max_dx_forward, length=2.0)
    result = validate.validate_motion(motion, robot=str(slow), physics=False)
    assert any(reason.startswith("joint_velocity_limit") for reason in result.reasons)

    spec = tmp_path / "proposed.yaml"
    assert main(["init", str(tmp_path / "slow_joints.urdf"), "-o", str(spec)]) == 0
    proposed = robots.load_robot(spec)
    for name in ("slow", "medium", "fast"):
        preset = load_preset(proposed.spec.presets[name])
        motion = gait_generator.generate(robot=str(spec), preset=name, dx=preset.max_dx_forward, length=2.0)
        result = validate.validate_motion(motion, robot=str(spec), physics=False)
        assert result.status == "pass", (name, result.reasons)
    assert load_preset(proposed.spec.presets["fast"]).single_support_duration > fast.single_support_duration
    assert "lengthened" in (tmp_path / "proposed_presets" / "fast.yaml").read_text()
