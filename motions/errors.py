"""The root of the project's error hierarchy and the errors of the motion-data layer.

Every error raised on bad input derives from :class:`GaitGeneratorError`, so a
caller can catch the whole family at once. Messages name the offending file, key
and the allowed range or shape. This module is a leaf: it imports nothing from
the project, so every layer (``motions`` at the bottom, then ``robots``,
``gait_generator``, ``retarget``/``validate``/``viz``) can derive its own errors
from the root without importing a layer above it.
"""

from __future__ import annotations

__all__ = [
    "GaitGeneratorError",
    "IndexFormatError",
    "LibraryError",
    "LockError",
    "MotionFormatError",
    "OutputError",
]


class GaitGeneratorError(Exception):
    """Base class of every error this project raises on purpose."""


class MotionFormatError(GaitGeneratorError, ValueError):
    """A motion file is missing, truncated, corrupt or of an unsupported version."""


class IndexFormatError(MotionFormatError):
    """An index file is malformed, of an unknown or newer version, or lists another robot."""


class LibraryError(GaitGeneratorError, ValueError):
    """A library source (index, dataset YAML, directory) is malformed, empty or inconsistent."""


class OutputError(GaitGeneratorError, OSError):
    """An output location cannot be written."""


class LockError(OutputError):
    """A lock file cannot be created, or another process holds the lock too long."""
