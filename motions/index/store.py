"""The writers of ``index.json``: read-modify-write under the index's lock, merging by file name."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from motions.atomic import atomic_writer, remove_stale_temps
from motions.errors import IndexFormatError
from motions.index.entries import MAX_INDEX_BYTES, SKIPPED_NAME, MotionEntry, MotionIndex, Validation
from motions.index.schema import index_file, iter_index_json, read_index
from motions.index.skipped import SkippedWriter, replace_skipped
from motions.locking import exclusive_lock

__all__ = ["clean_index_temps", "record_motions", "record_validation", "write_index"]


def write_index(index: MotionIndex, max_bytes: int = MAX_INDEX_BYTES) -> None:
    """Replace ``index.path`` atomically with ``index``, streamed entry by entry (hold the index's lock).

    Args:
        index: The index to write.
        max_bytes: Largest file written: what :func:`~motions.index.read_index` reads.

    Raises:
        IndexFormatError: The file would exceed ``max_bytes``, so no reader
            could read it; the previous index is left as it was.
        OutputError: The file cannot be written.
    """
    size = 0
    with atomic_writer(index.path) as out:
        for piece in iter_index_json(index):
            data = piece.encode("utf-8")
            size += len(data)
            if size > max_bytes:
                raise IndexFormatError(f"{index.path}: the index would be larger than {max_bytes} bytes, the most "
                                       f"any tool reads ({len(index.entries)} motions); write further motions to "
                                       "another folder")
            out.write(data)


def _update(path: Path, robot: str | None, change: Callable[[dict[str, MotionEntry]], None],
            skipped: SkippedWriter | None = None) -> MotionIndex:
    """Read-modify-write ``path`` under its lock; ``change`` edits the entries by file name.

    ``robot`` None: the index must exist (the validator never creates one).
    ``skipped``: a batch's skipped commands, replacing its presets' in ``skipped.csv``.
    """
    with exclusive_lock(path, what="another writer of the index"):
        remove_stale_temps(path.parent, [path.name], max_age_s=0.0)  # every index write holds this lock
        remove_stale_temps(path.parent, [SKIPPED_NAME])  # batches stage theirs unlocked: spare live writers'
        if path.exists():
            current = read_index(path)
            if robot is not None and current.robot != robot:
                raise IndexFormatError(f"{path}: lists motions of robot '{current.robot}', not '{robot}'; "
                                       "write them to another folder")
        elif robot is None:
            raise IndexFormatError(f"{path}: no such index file")
        else:
            current = MotionIndex(path=path, robot=robot, entries=())
        by_file = {e.file: e for e in current.entries}
        change(by_file)
        summary = replace_skipped(path.parent, current.skipped, skipped)
        merged = dataclasses.replace(current, entries=tuple(sorted(by_file.values(), key=lambda e: (e.id, e.file))),
                                     skipped=summary)
        write_index(merged)
        return merged


def record_motions(path: str | os.PathLike[str], robot: str, entries: Iterable[MotionEntry], *,
                   keep_validation: bool, prune_missing: bool = False,
                   skipped: SkippedWriter | None = None) -> MotionIndex:
    """Merge the generator's entries into an index (created if missing), under its lock.

    Each entry replaces the one listing the same file; entries of other files
    (another batch's, say) stay.

    Args:
        path: The motion folder or its index file.
        robot: The robot of the motions; an index of another robot is an error.
        entries: Entries made (or reused) by this run.
        keep_validation: The files were reused, not regenerated: keep a listed
            grade unless its digest shows it graded other bytes. False drops
            the grades of these files.
        prune_missing: Also drop ``ok`` entries whose file no longer exists
            (one ``stat`` per entry; the generator does it once per run).
        skipped: The batch's skipped commands (its first write only): they
            replace the skipped commands of its presets, in the summary and
            in ``skipped.csv`` (renamed into place before the index).

    Returns:
        The index as written.

    Raises:
        IndexFormatError: The index is malformed, newer, or lists another robot.
        LockError: The lock cannot be taken.
        OutputError: The index cannot be written.
    """
    path = index_file(path)
    new = list(entries)

    def change(by_file: dict[str, MotionEntry]) -> None:
        for entry in new:
            old = by_file.get(entry.file)
            grade = old.validation if old is not None else None
            if not keep_validation or entry.status != "ok" or (
                    grade is not None and None not in (grade.sha256, entry.sha256) and grade.sha256 != entry.sha256):
                grade = None
            by_file[entry.file] = dataclasses.replace(entry, validation=grade)
        if prune_missing:
            for name, entry in list(by_file.items()):
                if entry.status == "ok" and not (path.parent / name).is_file():
                    del by_file[name]

    return _update(path, robot, change, skipped)


def record_validation(path: str | os.PathLike[str], grades: Mapping[str, Validation]) -> list[str]:
    """Store grades in the entries of their files, under the index's lock.

    A grade is recorded only if its file is listed as ``ok`` and, when both
    digests are known, the listed file is the one graded: a clip regenerated
    while it was being validated gets no stale grade.

    Args:
        path: The motion folder or its index file (must exist).
        grades: Grade per file name (as listed in the index).

    Returns:
        The file names whose grade was not recorded (not listed, or stale).

    Raises:
        IndexFormatError: The index is missing, malformed or newer.
        LockError: The lock cannot be taken.
        OutputError: The index cannot be written.
    """
    path = index_file(path)
    refused: list[str] = []

    def change(by_file: dict[str, MotionEntry]) -> None:
        for name, grade in grades.items():
            entry = by_file.get(name)
            if entry is None or entry.status != "ok" or (
                    None not in (entry.sha256, grade.sha256) and entry.sha256 != grade.sha256):
                refused.append(name)
                continue
            by_file[name] = dataclasses.replace(entry, validation=grade)

    if grades:
        _update(path, None, change)
    return refused


def clean_index_temps(path: str | os.PathLike[str]) -> list[Path]:
    """Remove the temporary files killed writers of an index left (``.index.json.<pid>.<hex>.tmp``).

    Every index write holds the index's lock, so under it any such file is stale.

    Returns:
        The files removed.

    Raises:
        LockError: The lock cannot be taken (e.g. a read-only folder).
    """
    path = index_file(path)
    with exclusive_lock(path, what="another writer of the index"):
        return remove_stale_temps(path.parent, [path.name], max_age_s=0.0)
