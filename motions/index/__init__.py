"""The index of a motion folder, ``index.json``: typed entries, the one reader, the merging writers.

Every tool reads an index with :func:`read_index` and changes one only through
:func:`record_motions` (the generator: motions made or reused) or
:func:`record_validation` (the validator: grades). Both writers hold an
exclusive lock on the sidecar ``.index.json.lock`` (:mod:`motions.locking`),
read the current file, merge their records into it **by file name** and replace
it atomically (:mod:`motions.atomic`). Concurrent writers therefore never lose
each other's records, and readers, who take no lock, always see a whole file.

Grades follow the file they were made for: a :class:`Validation` stores the
SHA-256 of the bytes it graded, an entry the SHA-256 of the file it lists. The
generator keeps the grade of a clip it reuses and drops it when it regenerates
the clip; a grade of bytes that are no longer the listed file is not recorded.

Commands a batch skips (beyond a preset's step limits) are not entries: the
index keeps their counts per preset and reason (:class:`SkippedSummary`) and
lists them in ``skipped.csv`` (:mod:`motions.index.skipped`, read with
:func:`iter_skipped`), so a million skipped rows make a small index.

The format is specified in ``docs/motion_format.md`` ("The index"). Version 1
and 2 indexes (no digests; skipped commands as entries) are read and migrated;
newer or unknown versions are refused naming the file.
"""

from __future__ import annotations

from motions.errors import IndexFormatError, LockError
from motions.index.entries import (
    ENTRY_STATUSES,
    INDEX_FORMAT,
    INDEX_NAME,
    INDEX_VERSION,
    MAX_INDEX_BYTES,
    MAX_INDEX_ENTRIES,
    READABLE_VERSIONS,
    SKIP_CLASSES,
    SKIPPED_NAME,
    VALIDATION_STATUSES,
    MotionEntry,
    MotionIndex,
    SkippedCommand,
    SkippedSummary,
    Validation,
    file_sha256,
)
from motions.index.schema import entry_to_json, index_file, parse_index, read_index, validation_to_json
from motions.index.skipped import SKIPPED_HEADER, SkippedWriter, iter_skipped, read_skipped
from motions.index.store import clean_index_temps, record_motions, record_validation

__all__ = [
    "ENTRY_STATUSES",
    "INDEX_FORMAT",
    "INDEX_NAME",
    "INDEX_VERSION",
    "MAX_INDEX_BYTES",
    "MAX_INDEX_ENTRIES",
    "READABLE_VERSIONS",
    "SKIPPED_HEADER",
    "SKIPPED_NAME",
    "SKIP_CLASSES",
    "VALIDATION_STATUSES",
    "IndexFormatError",
    "LockError",
    "MotionEntry",
    "MotionIndex",
    "SkippedCommand",
    "SkippedSummary",
    "SkippedWriter",
    "Validation",
    "clean_index_temps",
    "entry_to_json",
    "file_sha256",
    "index_file",
    "iter_skipped",
    "parse_index",
    "read_index",
    "read_skipped",
    "record_motions",
    "record_validation",
    "validation_to_json",
]
