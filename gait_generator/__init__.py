"""gait_generator: reference walking motions for legged-robot imitation learning.

The public entry point is :func:`generate`, which plans a ZMP walk with placo and
returns a :class:`motions.Motion` sampled at exactly ``k / fps``. Heavy modules
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
]

if TYPE_CHECKING:
    from gait_generator.pipeline import generate


def __getattr__(name: str) -> Any:
    if name == "generate":
        from gait_generator.pipeline import generate

        return generate
    raise AttributeError(f"module 'gait_generator' has no attribute {name!r}")
