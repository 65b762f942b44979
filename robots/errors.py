"""Errors of the robot layer (specs, URDF, meshes, MuJoCo models), rooted at the project's base class."""

from __future__ import annotations

from motions.errors import GaitGeneratorError

__all__ = ["MeshError", "RobotSpecError", "UntrustedPathError"]


class RobotSpecError(GaitGeneratorError, ValueError):
    """A robot spec file, or the URDF it names, is missing or inconsistent."""


class MeshError(RobotSpecError):
    """A mesh file cannot be converted into a format MuJoCo reads; the message names the file."""


class UntrustedPathError(RobotSpecError):
    """A file names its robot (or a table) by a path, which is never followed."""
