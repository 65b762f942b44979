"""File names of generated motions; the index itself lives in :mod:`motions.index`.

``index.json`` is owned by :mod:`motions.index` (typed entries, the one reader,
the locked merging writers). The names below are re-exported for code written
against earlier releases.
"""

from __future__ import annotations

from motions.index import INDEX_NAME, MotionEntry, read_index, record_motions

__all__ = ["INDEX_NAME", "MotionEntry", "motion_filename", "motion_id_of", "read_index", "record_motions"]


def motion_filename(preset: str, dx: float, dy: float, dtheta: float, motion_id: int, velocity: bool = False) -> str:
    """Stable, readable file name holding the command, e.g. ``medium_dx+0.0300_dy-0.0100_dth+0.1000_00003.npz``.

    With ``velocity`` the three values are ``(vx, vy, wz)``: ``medium_vx+0.2000_vy+0.0000_wz+0.5000_00003.npz``.
    """
    a, b, c = ("vx", "vy", "wz") if velocity else ("dx", "dy", "dth")
    return f"{preset}_{a}{dx:+.4f}_{b}{dy:+.4f}_{c}{dtheta:+.4f}_{motion_id:05d}.npz"


def motion_id_of(filename: str) -> int | None:
    """The motion id a :func:`motion_filename` ends with, or None if ``filename`` is not such a name."""
    stem, dot, ext = filename.rpartition(".")
    digits = stem.rpartition("_")[2]
    if not dot or ext != "npz" or not (digits.isascii() and digits.isdigit()) or len(digits) > 18:
        return None
    return int(digits)
