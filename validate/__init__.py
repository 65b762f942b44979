"""Validation stage: replay reference motions in MuJoCo and grade them.

* :mod:`validate.trace` - one kinematic/inverse-dynamics pass per motion;
* :mod:`validate.kinematic` - penetration, self-collision, limits, slip, teleports, fps;
* :mod:`validate.dynamic` - ZMP in the support polygon, friction cone, no pulling;
* :mod:`validate.physics` - open-loop and assisted physics replay;
* :mod:`validate.runner` - files, directories, indexes, parallel workers;
* :mod:`validate.grades` - grades merged into the motions' ``index.json``;
* :mod:`validate.report` - JSON and HTML reports; :mod:`validate.cli` - ``gait_validate``.

Thresholds live in ``validate/thresholds.yaml`` (:func:`load_thresholds`).
"""

from __future__ import annotations

from validate.errors import MotionInputError, ThresholdError, ValidationError
from validate.grades import write_index_validation
from validate.result import CheckResult, MotionResult
from validate.runner import discover, validate_file, validate_items, validate_motion
from validate.thresholds import Thresholds, load_thresholds

__all__ = [
    "CheckResult",
    "MotionInputError",
    "MotionResult",
    "ThresholdError",
    "Thresholds",
    "ValidationError",
    "discover",
    "load_thresholds",
    "validate_file",
    "validate_items",
    "validate_motion",
    "write_index_validation",
]
