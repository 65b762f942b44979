"""gait_generator: reference walking motions for legged-robot imitation learning.

The public entry point is :func:`generate`, which plans a ZMP walk with placo and
returns a :class:`motions.Motion` sampled at exactly ``k / fps``;
:func:`generate_schedule` follows a command schedule (stand, walk, turn, stop)
and :func:`generate_stand` makes a standing clip with weight shifts. Heavy modules
(placo, pinocchio) are imported lazily, so ``import gait_generator`` is cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gait_generator.errors import CommandError, PlanningError, PresetError
from gait_generator.version import __version__
from motions.errors import GaitGeneratorError, MotionFormatError, OutputError
from robots.errors import RobotSpecError

__all__ = [
    "CommandError",
    "GaitGeneratorError",
    "MotionFormatError",
    "OutputError",
    "PlanningError",
    "PresetError",
    "RobotSpecError",
    "__version__",
    "generate",
    "generate_schedule",
    "generate_stand",
]

if TYPE_CHECKING:
    from gait_generator.pipeline import generate
    from gait_generator.scheduled import generate_schedule, generate_stand


def __getattr__(name: str) -> Any:
    if name == "generate":
        from gait_generator.pipeline import generate

        return generate
    if name in ("generate_schedule", "generate_stand"):
        from gait_generator import scheduled

        return getattr(scheduled, name)
    raise AttributeError(f"module 'gait_generator' has no attribute {name!r}")
