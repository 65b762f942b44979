"""The index of a motion directory: every motion with its command, velocities, status and file.

``index.json`` (written atomically) is what the batch driver, the library and the
validator read to know what a directory holds. Failed and skipped motions are
listed with their reason and no file.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from motions import Motion
from motions.atomic import atomic_write_text

__all__ = ["INDEX_NAME", "MotionEntry", "motion_filename", "write_index", "read_index"]

INDEX_NAME = "index.json"
INDEX_VERSION = 1


def motion_filename(preset: str, dx: float, dy: float, dtheta: float, motion_id: int) -> str:
    """Stable, readable file name holding the command, e.g. ``medium_dx+0.0300_dy-0.0100_dth+0.1000_00003.npz``."""
    return f"{preset}_dx{dx:+.4f}_dy{dy:+.4f}_dth{dtheta:+.4f}_{motion_id:05d}.npz"


@dataclass(frozen=True)
class MotionEntry:
    """One row of the index.

    Attributes:
        id: Motion id within the batch.
        file: File name relative to the index (the planned name if it failed).
        preset: Preset name.
        command: ``{"dx", "dy", "dtheta"}`` per step (m, m, rad).
        achieved: ``{"vx", "vy", "yaw_rate"}`` (m/s, m/s, rad/s), or None if failed.
        status: ``"ok"``, ``"failed"`` (the generator could not make it) or
            ``"skipped"`` (command beyond the preset's step limits; never clamped).
        reason: Why it failed or was skipped (empty when ok).
    """

    id: int
    file: str
    preset: str
    command: dict[str, float]
    achieved: dict[str, float] | None
    status: str
    reason: str = ""

    @classmethod
    def from_motion(cls, motion_id: int, file: str, motion: Motion) -> "MotionEntry":
        c, a = motion.command, motion.achieved
        return cls(
            id=motion_id,
            file=file,
            preset=str(motion.meta.get("preset", "")),
            command={"dx": c.dx, "dy": c.dy, "dtheta": c.dtheta},
            achieved={"vx": a.vx, "vy": a.vy, "yaw_rate": a.yaw_rate},
            status="ok",
        )

    @classmethod
    def failed(cls, motion_id: int, file: str, preset: str, command: tuple[float, float, float],
               reason: str) -> "MotionEntry":
        dx, dy, dtheta = command
        return cls(motion_id, file, preset, {"dx": dx, "dy": dy, "dtheta": dtheta}, None, "failed", reason)

    @classmethod
    def skipped(cls, motion_id: int, file: str, preset: str, command: tuple[float, float, float],
                reason: str) -> "MotionEntry":
        dx, dy, dtheta = command
        return cls(motion_id, file, preset, {"dx": dx, "dy": dy, "dtheta": dtheta}, None, "skipped", reason)


def write_index(folder: Path, robot: str, entries: list[MotionEntry]) -> Path:
    """Write ``folder/index.json`` atomically, entries sorted by id."""
    doc: dict[str, Any] = {
        "format": "gait_generator.index",
        "version": INDEX_VERSION,
        "robot": robot,
        "motions": [asdict(e) for e in sorted(entries, key=lambda e: e.id)],
    }
    return atomic_write_text(folder / INDEX_NAME, json.dumps(doc, indent=1, sort_keys=True) + "\n")


def read_index(folder: Path) -> dict[str, Any]:
    """Read ``folder/index.json`` (plain JSON; never runs code)."""
    return json.loads((folder / INDEX_NAME).read_text())
