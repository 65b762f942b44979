"""Errors raised by the validation stage, rooted at the project's base class."""

from __future__ import annotations

from motions.errors import GaitGeneratorError

__all__ = ["MotionInputError", "ThresholdError", "ValidationError"]


class ValidationError(GaitGeneratorError):
    """Base class of every error the validator raises on purpose."""


class ThresholdError(ValidationError, ValueError):
    """A thresholds YAML file is missing, malformed, or has an unknown key or a wrong type."""


class MotionInputError(ValidationError, ValueError):
    """A motion cannot be validated: unreadable, non-finite, or made for another robot."""
