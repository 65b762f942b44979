"""Held arms turned clear of the walking legs (``gait_generator/propose/clearance.py``).

The robot is mini_biped with two arms the test adds: a cylinder hanging from a
shoulder-roll joint on each side of the trunk, 3 mm from the thigh in the
standing posture (so MuJoCo keeps the pair colliding) and inside it as the
thigh swings. ``gait_robot init`` must hold the arms out, mirrored; then a walk
passes the validator's self-collision check, which it fails with the arms
hanging at 0. Real placo and MuJoCo.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import yaml

import gait_generator
import robots
import validate
from gait_generator.preset import load_preset
from gait_generator.propose import propose
from gait_generator.propose.analysis import analysis_of
from gait_generator.propose.clearance import clear_held
from tests.synthetic import user_robot
from validate.robot_cli import main

ARM = (0.07, 0.1, 0.008)
"""Shoulder lateral offset, arm length and radius (m)."""


def _arms(_links: dict[str, ET.Element], root: ET.Element) -> None:
    y, length, radius = ARM
    for side, sign in (("left", 1), ("right", -1)):
        link = ET.SubElement(root, "link", name=f"{side}_arm")
        inertial = ET.SubElement(link, "inertial")
        ET.SubElement(inertial, "origin", xyz=f"0 0 {-length / 2}", rpy="0 0 0")
        ET.SubElement(inertial, "mass", value="0.05")
        ET.SubElement(inertial, "inertia", ixx="5e-5", iyy="5e-5", izz="2e-6", ixy="0", ixz="0", iyz="0")
        for tag in ("visual", "collision"):
            element = ET.SubElement(link, tag)
            ET.SubElement(element, "origin", xyz=f"0 0 {-length / 2}", rpy="0 0 0")
            ET.SubElement(ET.SubElement(element, "geometry"), "cylinder", radius=str(radius), length=str(length))
        joint = ET.SubElement(root, "joint", name=f"{side}_shoulder_roll", type="revolute")
        ET.SubElement(joint, "parent", link="base")
        ET.SubElement(joint, "child", link=f"{side}_arm")
        ET.SubElement(joint, "origin", xyz=f"0 {sign * y} 0", rpy="0 0 0")
        ET.SubElement(joint, "axis", xyz="1 0 0")
        ET.SubElement(joint, "limit", lower="-1.5", upper="1.5", effort="1", velocity="10")


def _walk_collides(spec: Path) -> list[str]:
    medium = load_preset(robots.load_robot(spec).spec.presets["medium"])
    motion = gait_generator.generate(robot=str(spec), preset="medium", dx=medium.max_dx_forward, length=2.0)
    result = validate.validate_motion(motion, robot=str(spec), physics=False)
    return [reason for reason in result.reasons if reason.startswith("self_collision")]


def test_arms_near_the_thighs_are_held_out_mirrored(tmp_path: Path) -> None:
    user_robot(tmp_path, "armed", _arms)
    urdf = tmp_path / "armed.urdf"
    spec = tmp_path / "armed_proposed.yaml"
    assert main(["init", str(urdf), "-o", str(spec)]) == 0
    held = robots.load_robot(spec).spec.default_posture
    assert held["left_shoulder_roll"] > 0.0 and held["right_shoulder_roll"] == -held["left_shoulder_roll"]
    assert "turned away from the legs" in spec.read_text()
    assert not _walk_collides(spec)

    proposal = propose(urdf)
    assert clear_held(analysis_of(urdf), proposal.default_posture, [{}])[1] == []  # nothing left to turn

    hanging = tmp_path / "hanging.yaml"
    data = yaml.safe_load(spec.read_text())
    data["default_posture"].update(left_shoulder_roll=0.0, right_shoulder_roll=0.0)
    data["presets"] = str(tmp_path / "armed_proposed_presets")
    hanging.write_text(yaml.safe_dump(data, sort_keys=False))
    assert _walk_collides(hanging)
