"""Errors of the retargeting stage, rooted at the project's base class."""

from __future__ import annotations

from motions.errors import GaitGeneratorError

__all__ = ["RetargetError"]


class RetargetError(GaitGeneratorError, ValueError):
    """A motion cannot be exported to a consumer format (unmapped joint, bad mapping table, unsupported joint)."""
