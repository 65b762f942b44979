"""The list of skipped commands next to an index, ``skipped.csv``: streamed writer, streamed reader, merge.

A batch skips every command beyond its preset's step limits (commands are never
clamped). A million of them as index entries made a 350 MB index, so the index
keeps only their counts (:class:`~motions.index.SkippedSummary`) and the
commands go, one CSV row each, to ``skipped.csv`` in the same folder::

    id,preset,dx,dy,dtheta,reason
    1,medium,0.06,0.0,0.0,dx above max_dx_forward (0.05 m)

UTF-8, ``\\n`` line endings, rows sorted by ``(id, preset)``, numbers as
Python's ``repr``, so the same batch writes the same bytes whatever ``-j``.
Per preset, the list holds the commands the last batch of that preset skipped:
a batch's first index write (:func:`motions.index.record_motions` with
``skipped=``) replaces the rows of the presets it ran and keeps the others',
under the index's lock, renaming the list and then the index into place.
"""

from __future__ import annotations

import collections
import csv
import heapq
import io
import math
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from motions.atomic import AtomicFile, atomic_writer
from motions.errors import IndexFormatError
from motions.index.entries import SKIPPED_NAME, MotionIndex, SkippedCommand, SkippedSummary
from motions.safe_io import MAX_INT_DIGITS, short
from motions.safe_stream import iter_lines

__all__ = ["SKIPPED_HEADER", "SkippedWriter", "iter_skipped", "read_skipped", "replace_skipped"]

SKIPPED_HEADER = ("id", "preset", "dx", "dy", "dtheta", "reason")
"""Columns of ``skipped.csv``: motion id in its batch, preset name, command (m, m, rad), which limit."""

_WHAT = "list of skipped commands"


def _csv_bytes(rows: Iterable[tuple[object, ...]]) -> bytes:
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows(rows)
    return text.getvalue().encode("utf-8")


_HEADER_BYTES = _csv_bytes([SKIPPED_HEADER])


class SkippedWriter:
    """A batch's skipped commands, streamed to a temporary file in id order and counted per preset and class.

    Rows are added in increasing id order (:meth:`add`); the file is made
    visible only by :func:`replace_skipped`, under the index's lock, or
    removed by :meth:`discard`. Memory: the counts only.

    Args:
        folder: The motion folder (where ``skipped.csv`` goes).
        presets: Every preset the batch runs: their rows in an existing list
            are replaced, even by none.
    """

    def __init__(self, folder: str | os.PathLike[str], presets: Iterable[str]) -> None:
        self.folder = Path(folder)
        self.presets = tuple(presets)
        self.counts: dict[str, dict[str, int]] = {}
        self._out: AtomicFile | None = None

    @property
    def count(self) -> int:
        """Number of commands added."""
        return sum(sum(c.values()) for c in self.counts.values())

    def add(self, ids: Iterable[int], preset: str, commands: Iterable[tuple[float, float, float]],
            classes: Iterable[str], reasons: Iterable[str]) -> None:
        """Append skipped commands of one preset (ids increasing, after every id added before).

        Args:
            ids: Motion ids.
            preset: Their preset.
            commands: ``(dx, dy, dtheta)`` of each (m, m, rad).
            classes: Reason class of each (:data:`~motions.index.SKIP_CLASSES`).
            reasons: Reason text of each (which limit).
        """
        rows = [(i, preset, dx, dy, dt, reason) for i, (dx, dy, dt), reason in zip(ids, commands, reasons)]
        if not rows:
            return
        counts = self.counts.setdefault(preset, {})
        for key, n in collections.Counter(classes).items():
            counts[key] = counts.get(key, 0) + n
        if self._out is None:
            self._out = AtomicFile(self.folder / SKIPPED_NAME)
            self._out.write(_HEADER_BYTES)
        self._out.write(_csv_bytes(rows))

    def discard(self) -> None:
        """Remove the temporary file (no-op once the list has been recorded)."""
        if self._out is not None:
            self._out.discard()

    def _rows(self) -> Iterator[SkippedCommand]:
        if self._out is None:
            return iter(())
        self._out.handle.flush()
        return read_skipped(self._out.temp)


def replace_skipped(folder: Path, current: SkippedSummary, new: SkippedWriter | None) -> SkippedSummary:
    """Write ``skipped.csv``: ``new``'s rows in place of its presets' rows, other presets' rows kept.

    Called by the index writer under the index's lock. Also moves the rows of
    an index read from version 1 or 2 (``current.rows``) into the file. A
    listed file that has gone missing counts as empty.

    Args:
        folder: The motion folder.
        current: The summary of the index as read.
        new: A batch's skipped commands, or None (no batch: only a migration).

    Returns:
        The summary to write in the index.

    Raises:
        IndexFormatError: The current list is malformed.
        OutputError: The list cannot be written.
    """
    if new is None and current.rows is None:
        return current
    replaced = set(new.presets) if new is not None else set()
    listed = current.rows is not None or (current.file is not None and (folder / current.file).is_file())
    kept = {p: c for p, c in current.counts.items() if p not in replaced and listed}
    counts = {**kept, **(new.counts if new is not None else {})}
    counts = {p: dict(sorted(counts[p].items())) for p in sorted(counts)}
    target = folder / SKIPPED_NAME
    if not kept:
        if new is not None and new.count:
            new._out.commit()  # type: ignore[union-attr]
        else:
            target.unlink(missing_ok=True)
    else:
        old: Iterable[SkippedCommand] = current.rows if current.rows is not None else \
            read_skipped(folder / current.file)  # type: ignore[operator]
        old = (row for row in old if row.preset in kept)
        ours = new._rows() if new is not None else iter(())
        merged = heapq.merge(old, ours, key=lambda r: (r.id, r.preset))
        with atomic_writer(target) as out:
            out.write(_HEADER_BYTES)
            block: list[tuple[object, ...]] = []
            for r in merged:
                block.append((r.id, r.preset, r.dx, r.dy, r.dtheta, r.reason))
                if len(block) >= 4096:
                    out.write(_csv_bytes(block))
                    block.clear()
            out.write(_csv_bytes(block))
        if new is not None:
            new.discard()
    return SkippedSummary(counts=counts, file=SKIPPED_NAME if counts else None)


def iter_skipped(index: MotionIndex) -> Iterator[SkippedCommand]:
    """The skipped commands of an index, streamed from its list (or, read from version 1 or 2, its entries).

    Raises:
        IndexFormatError: The list is missing or malformed (names the file and line).
    """
    summary = index.skipped
    if summary.rows is not None:
        yield from summary.rows
    elif summary.file is not None:
        yield from read_skipped(index.path.parent / summary.file)


def _number(text: str, where: str, key: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise IndexFormatError(f"{where}: {key} is {short(text)}, expected a finite number")
    return value + 0.0


def read_skipped(path: str | os.PathLike[str]) -> Iterator[SkippedCommand]:
    """Stream and check the rows of a ``skipped.csv`` (lines bounded as in :func:`motions.safe_stream.iter_lines`).

    Raises:
        IndexFormatError: Missing or unreadable, not UTF-8, a wrong header, a
            row without the six columns or with a bad value (names the file and line).
    """
    path = Path(path)
    reader = csv.reader(iter_lines(path, error=IndexFormatError, what=_WHAT), strict=True)
    try:
        for row in reader:
            where = f"{path}:{reader.line_num}"
            if reader.line_num == 1:
                if tuple(row) != SKIPPED_HEADER:
                    raise IndexFormatError(f"{where}: expected the header {','.join(SKIPPED_HEADER)}, got {short(row)}")
                continue
            if len(row) != len(SKIPPED_HEADER):
                raise IndexFormatError(f"{where}: expected {len(SKIPPED_HEADER)} columns "
                                       f"{','.join(SKIPPED_HEADER)}, got {len(row)}")
            ident, preset, dx, dy, dtheta, reason = row
            if not (ident.isascii() and ident.isdigit() and len(ident) <= MAX_INT_DIGITS and int(ident) < 2**63):
                raise IndexFormatError(f"{where}: id is {short(ident)}, expected an integer >= 0")
            if not preset:
                raise IndexFormatError(f"{where}: preset is empty")
            yield SkippedCommand(int(ident), preset, _number(dx, where, "dx"), _number(dy, where, "dy"),
                                 _number(dtheta, where, "dtheta"), reason)
    except csv.Error as exc:
        raise IndexFormatError(f"{path}:{reader.line_num}: {_WHAT} is not valid CSV ({exc})") from None
