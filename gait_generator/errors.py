"""Typed exception hierarchy shared by every stage of the project.

Every error raised on bad input derives from :class:`GaitGeneratorError`, so a
caller can catch the whole family at once. Messages name the offending file, key
and the allowed range or shape.
"""

from __future__ import annotations

__all__ = [
    "GaitGeneratorError",
    "PresetError",
    "CommandError",
    "RobotSpecError",
    "MotionFormatError",
    "PlanningError",
    "OutputError",
    "RetargetError",
]


class GaitGeneratorError(Exception):
    """Base class of every error this project raises on purpose."""


class PresetError(GaitGeneratorError, ValueError):
    """A parameter preset file is missing, malformed or out of range."""


class CommandError(GaitGeneratorError, ValueError):
    """A walk command (dx, dy, dtheta per step) is outside the preset's limits."""


class RobotSpecError(GaitGeneratorError, ValueError):
    """A robot spec file, or the URDF it names, is missing or inconsistent."""


class MotionFormatError(GaitGeneratorError, ValueError):
    """A motion file is missing, truncated, corrupt or of an unsupported version."""


class PlanningError(GaitGeneratorError, RuntimeError):
    """Walk planning or whole-body IK failed (placo error, no convergence, knee flip)."""


class OutputError(GaitGeneratorError, OSError):
    """An output location cannot be written."""


class RetargetError(GaitGeneratorError, ValueError):
    """A motion cannot be exported to a consumer format (unmapped joint, bad mapping table, unsupported joint)."""
