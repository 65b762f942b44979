"""The error :func:`robots.propose.propose` raises when it cannot decide a spec field."""

from __future__ import annotations

from gait_generator.errors import RobotSpecError

__all__ = ["ProposalError"]


class ProposalError(RobotSpecError):
    """``gait_robot init`` cannot decide a spec field from the URDF; the message names the field to fill in."""
