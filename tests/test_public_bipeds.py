"""A public biped from the example-robot-data package, proposed from its URDF alone, walks end to end.

Alexander (``alexander_v1.lowerBodyOnly.urdf``, 49 kg, no collision geometry:
its visual meshes stand in) is the quickest of the public bipeds that pass
(docs/robots.md, *Public bipeds*): ``gait_robot init`` writes the spec with no
hand edit, a medium clip is generated and passes validation, physics replay
included. Skipped when the package is not installed; its files are only read.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import gait_generator
import robots
import validate
from gait_generator.preset import load_preset
from robots.errors import RobotSpecError
from robots.spec import resolve_path
from validate.robot_cli import main

URDF = "example-robot-data://alexander_description/urdf/alexander_v1.lowerBodyOnly.urdf"


def _urdf() -> Path:
    try:
        return resolve_path(URDF, Path.cwd(), Path(__file__), "urdf")
    except RobotSpecError as exc:  # package missing, or this URDF not in it
        pytest.skip(f"{URDF}: {exc}")


def test_alexander_is_proposed_from_its_urdf_and_walks(tmp_path: Path) -> None:
    spec = tmp_path / "proposed.yaml"
    assert main(["init", str(_urdf()), "-o", str(spec)]) == 0
    assert yaml.safe_load(spec.read_text())["collisions"] == {"geometry": "visual"}
    robot = robots.load_robot(spec)
    medium = load_preset(robot.spec.presets["medium"])
    dx = round(medium.max_dx_forward / 2.0, 3)
    motion = gait_generator.generate(robot=str(spec), preset="medium", dx=dx, dtheta=medium.max_dtheta / 2.0,
                                     length=4.0)
    result = validate.validate_motion(motion, robot=str(spec))
    assert result.status == "pass", result.reasons
