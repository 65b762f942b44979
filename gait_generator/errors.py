"""Errors of the generation stage (presets, commands, planning, robot proposals), rooted at the project's base class.

The root :class:`~motions.errors.GaitGeneratorError` lives in :mod:`motions.errors`,
the bottom layer; :mod:`gait_generator` re-exports it for callers.
"""

from __future__ import annotations

from motions.errors import GaitGeneratorError
from robots.errors import RobotSpecError

__all__ = [
    "CommandError",
    "CommandFileError",
    "PlanningError",
    "PresetError",
    "ProposalError",
    "ScheduleError",
]


class PresetError(GaitGeneratorError, ValueError):
    """A parameter preset file is missing, malformed or out of range."""


class CommandError(GaitGeneratorError, ValueError):
    """A walk command (dx, dy, dtheta per step) is outside the preset's limits."""


class CommandFileError(GaitGeneratorError, ValueError):
    """A ``--commands`` file is missing, malformed, or holds a non-finite value."""


class ScheduleError(CommandFileError):
    """A command schedule (``--schedule``) is missing, malformed, or holds a value outside its range."""


class PlanningError(GaitGeneratorError, RuntimeError):
    """Walk planning or whole-body IK failed (placo error, no convergence, knee flip)."""


class ProposalError(RobotSpecError):
    """``gait_robot init`` cannot decide a spec field from the URDF; the message names the field to fill in."""
