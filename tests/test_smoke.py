"""One parametrized smoke test over every registered robot and each of its presets."""

from __future__ import annotations

import pytest

from gait_generator import generate
from gait_generator.preset import load_preset
from gait_generator.timing import snap_timing
from robots import list_robots, load_robot
from tests.quality import check_clip

CASES = [(r, p) for r in list_robots() for p in sorted(load_robot(r).spec.presets)]


@pytest.mark.parametrize("robot_name, preset", CASES)
@pytest.mark.parametrize("kind", ["forward", "turning"])
def test_every_robot_and_preset_walks(robot_name, preset, kind):
    robot = load_robot(robot_name)
    p = load_preset(robot.spec.presets[preset])
    dx = 0.6 * p.max_dx_forward if kind == "forward" else 0.0
    dtheta = 0.5 * p.max_dtheta if kind == "turning" else 0.0
    motion = generate(robot=robot_name, preset=preset, dx=dx, dtheta=dtheta, length=10.0)
    check_clip(motion, robot, snap_timing(p, 60).step_duration)
