"""The project's cache folder: derived files kept between runs, never next to the user's files.

``<cache>/<kind>`` where ``<cache>`` is ``$GAIT_GENERATOR_CACHE`` if set, else
``$XDG_CACHE_HOME/gait_generator``, else ``~/.cache/gait_generator``. Kinds in
use: ``meshes`` (:mod:`robots.meshes`) and ``feasible``
(:mod:`gait_generator.feasible`). Every entry is keyed by a content hash of what
it was derived from and written atomically, so a stale or half-written entry is
never trusted; deleting the folder is always safe.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["cache_dir"]


def cache_dir(kind: str) -> Path:
    """The cache folder of one kind of entry (not created here)."""
    explicit = os.environ.get("GAIT_GENERATOR_CACHE")
    if explicit:
        return Path(explicit).expanduser() / kind
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "gait_generator" / kind
