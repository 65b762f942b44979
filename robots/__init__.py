"""Robots as data: spec files, the registry, and model builders for placo and MuJoCo."""

from robots.registry import BUILTIN_ROBOTS, list_robots, load_robot, spec_path
from robots.robot import FRAME_NAMES, Robot
from robots.spec import ActuatorGroup, CollisionSettings, FootSpec, RobotSpec, SweepSteps, load_spec

__all__ = [
    "BUILTIN_ROBOTS",
    "FRAME_NAMES",
    "ActuatorGroup",
    "CollisionSettings",
    "FootSpec",
    "Robot",
    "RobotSpec",
    "SweepSteps",
    "list_robots",
    "load_robot",
    "load_spec",
    "spec_path",
]
