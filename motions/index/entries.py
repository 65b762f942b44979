"""Typed records of an index: :class:`MotionEntry`, its :class:`Validation`, skipped commands, :class:`MotionIndex`."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from motions.motion import Achieved, Command, Motion
from motions.safe_io import MAX_JSON_BYTES

__all__ = [
    "ENTRY_STATUSES",
    "INDEX_FORMAT",
    "INDEX_NAME",
    "INDEX_VERSION",
    "MAX_INDEX_BYTES",
    "MAX_INDEX_ENTRIES",
    "READABLE_VERSIONS",
    "SKIPPED_NAME",
    "SKIP_CLASSES",
    "VALIDATION_STATUSES",
    "MotionEntry",
    "MotionIndex",
    "SkippedCommand",
    "SkippedSummary",
    "Validation",
    "file_sha256",
]

INDEX_NAME = "index.json"
INDEX_FORMAT = "gait_generator.index"
INDEX_VERSION = 3
"""Version written. 2 added the ``sha256`` digests of entries and grades; 3 moved skipped commands out of
``motions`` into a per-preset summary and the list file :data:`SKIPPED_NAME`."""
READABLE_VERSIONS = (1, 2, 3)
ENTRY_STATUSES = ("ok", "failed")
"""Statuses of a listed motion (versions 1 and 2 also listed ``skipped`` commands; they are migrated)."""
VALIDATION_STATUSES = ("pass", "fail", "error")
MAX_INDEX_BYTES = MAX_JSON_BYTES
"""Largest index file read or written (bytes): the limit of :func:`motions.safe_io.load_json`. A writer
refuses to write a larger index rather than leave one no tool can read."""
MAX_INDEX_ENTRIES = 100_000
"""Most motions (``ok`` or ``failed``) a batch lets an index list, checked before it generates anything:
an entry takes about 330 bytes, 700 with a grade, so the file stays under :data:`MAX_INDEX_BYTES`."""
SKIPPED_NAME = "skipped.csv"
"""The list of skipped commands, next to the index (see :mod:`motions.index.skipped`)."""
SKIP_CLASSES = ("dx", "dy", "dtheta")
"""Why a command was skipped: the first of its values beyond the preset's step limits, in this order.
Commands migrated from a version 1 or 2 index whose reason names none of them are counted as ``"other"``."""


def file_sha256(path: str | os.PathLike[str]) -> str:
    """Hex SHA-256 of a file's bytes (raises OSError if unreadable)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class Validation:
    """A validator's grade of one motion file (``gait_validate``).

    Attributes:
        status: ``"pass"``, ``"fail"`` or ``"error"`` (could not be validated).
        reasons: ``"<check>: <message>"`` per failed check, or the error.
        failed_checks: Names of the checks that failed.
        validator_version: ``validate.runner.VALIDATOR_VERSION`` of the grader.
        sha256: Hex SHA-256 of the bytes graded (None: unknown, version 1 index).
        open_loop_survived: Physics replay survived (None: not replayed).
        open_loop_drift_m: Root drift at the end of the replay, m.
        open_loop_yaw_drift_deg: Heading drift at the end of the replay, degrees.
        zmp_margin_min_m: Smallest ZMP margin inside the support polygon, m.
        extra: Other keys found in the file, kept as they are.
    """

    status: str
    reasons: tuple[str, ...] = ()
    failed_checks: tuple[str, ...] = ()
    validator_version: int | None = None
    sha256: str | None = None
    open_loop_survived: bool | None = None
    open_loop_drift_m: float | None = None
    open_loop_yaw_drift_deg: float | None = None
    zmp_margin_min_m: float | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class MotionEntry:
    """One motion of the index.

    Attributes:
        id: Motion id within the batch that made it (two batches may share ids).
        file: File name in the index's folder (the planned name if it failed);
            a plain name, never a path.
        preset: Preset name.
        command: Per-step command (m, m, rad).
        achieved: Achieved velocities (m/s, m/s, rad/s); None unless ``ok``.
        status: ``"ok"`` or ``"failed"`` (the generator could not make it).
            Commands beyond the preset's step limits are not entries: see
            :class:`SkippedSummary`.
        reason: Why it failed (empty when ok).
        sha256: Hex SHA-256 of the file (None: unknown, or no file).
        validation: The file's grade, if it has been validated.
        extra: Other keys found in the file, kept as they are.
    """

    id: int
    file: str
    preset: str
    command: Command
    achieved: Achieved | None
    status: str
    reason: str = ""
    sha256: str | None = None
    validation: Validation | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_motion(cls, motion_id: int, file: str, motion: Motion, sha256: str | None = None) -> MotionEntry:
        """The ``ok`` entry of a saved motion (``sha256``: of the file written, if known)."""
        c, a = motion.command, motion.achieved
        velocity = motion.meta.get("velocity_command")
        return cls(id=motion_id, file=file, preset=str(motion.meta.get("preset", "")),
                   command=Command(dx=c.dx, dy=c.dy, dtheta=c.dtheta),
                   achieved=Achieved(vx=a.vx, vy=a.vy, yaw_rate=a.yaw_rate), status="ok", sha256=sha256,
                   extra={"velocity_command": velocity} if velocity is not None else {})

    @classmethod
    def failed(cls, motion_id: int, file: str, preset: str, command: tuple[float, float, float],
               reason: str, velocity: tuple[float, float, float] | None = None) -> MotionEntry:
        """A motion the generator could not make (no file).

        ``velocity``: the ``(vx, vy, wz)`` command of a velocity job (m/s, m/s, rad/s), kept
        under ``extra["velocity_command"]``; its ``command`` is then the planner's step for it.
        """
        dx, dy, dtheta = command
        extra = {} if velocity is None else {"velocity_command": dict(zip(("vx", "vy", "wz"), velocity))}
        return cls(motion_id, file, preset, Command(dx=dx, dy=dy, dtheta=dtheta), None, "failed", reason,
                   extra=extra)


@dataclass(frozen=True, slots=True)
class SkippedCommand:
    """A command a batch skipped: beyond its preset's step limits (no file; commands are never clamped).

    Attributes:
        id: Motion id the command had in its batch.
        preset: Preset name.
        dx: Forward step (m).
        dy: Lateral step (m).
        dtheta: Heading change per step (rad).
        reason: Which limit it exceeds, e.g. ``"dx above max_dx_forward (0.05 m)"``.
    """

    id: int
    preset: str
    dx: float
    dy: float
    dtheta: float
    reason: str


@dataclass(frozen=True)
class SkippedSummary:
    """The commands skipped by the last batch of each preset written to a folder, in brief.

    The commands themselves are listed in :attr:`file` (one row each, see
    :mod:`motions.index.skipped`); the index keeps only the counts.

    Attributes:
        counts: Number of skipped commands per preset and reason class
            (:data:`SKIP_CLASSES`); classes with none are left out.
        file: Name of the list in the index's folder (:data:`SKIPPED_NAME`);
            None when nothing is skipped.
        rows: Only for an index read from version 1 or 2: the skipped entries
            it listed, which the next writer moves to :attr:`file`. None otherwise.
    """

    counts: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    file: str | None = None
    rows: tuple[SkippedCommand, ...] | None = None

    @property
    def count(self) -> int:
        """Number of skipped commands."""
        return sum(sum(by_class.values()) for by_class in self.counts.values())

    def by_class(self) -> dict[str, int]:
        """Number of skipped commands per reason class, over every preset."""
        out: dict[str, int] = {}
        for by_class in self.counts.values():
            for key, n in by_class.items():
                out[key] = out.get(key, 0) + n
        return out


@dataclass(frozen=True)
class MotionIndex:
    """An index as read: where it is, its robot, its entries sorted by (id, file), and the skipped commands.

    Attributes:
        path: The index file.
        robot: Registered robot name (or spec name) of every motion listed.
        entries: The motions (``ok`` or ``failed``).
        version: Version of the file as read (older versions are migrated).
        extra: Other top-level keys, kept as they are.
        skipped: Commands skipped as beyond a preset's step limits (counts;
            the list is read with :func:`motions.index.iter_skipped`).
    """

    path: Path
    robot: str
    entries: tuple[MotionEntry, ...]
    version: int = INDEX_VERSION
    extra: Mapping[str, Any] = field(default_factory=dict)
    skipped: SkippedSummary = field(default_factory=SkippedSummary)

    def ok_entries(self) -> list[MotionEntry]:
        """Entries with a motion file (status ``ok``), in index order."""
        return [e for e in self.entries if e.status == "ok"]

    def file_path(self, entry: MotionEntry) -> Path:
        """Path of an entry's file."""
        return self.path.parent / entry.file

    def entry(self, file: str) -> MotionEntry | None:
        """The entry listing ``file``, if any."""
        return next((e for e in self.entries if e.file == file), None)


