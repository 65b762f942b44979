"""Validation results as grades in a motion folder's ``index.json`` (through :mod:`motions.index`)."""

from __future__ import annotations

import time
from pathlib import Path

from motions.index import Validation, record_validation
from validate.result import MotionResult

__all__ = ["FLUSH_INTERVAL_S", "VALIDATOR_VERSION", "GradeRecorder", "validation_record", "write_index_validation"]

VALIDATOR_VERSION = 1
"""Bumped when a check changes meaning; written into every grade."""
FLUSH_INTERVAL_S = 2.0
"""Seconds between two merges of finished grades into the index during a run."""

_METRICS = (("physics_replay", "open_loop_survived"), ("physics_replay", "open_loop_drift_m"),
            ("physics_replay", "open_loop_yaw_drift_deg"), ("zmp_support", "zmp_margin_min_m"))


def validation_record(result: MotionResult) -> Validation:
    """The grade of one result: status, reasons, failed checks, key metrics and the digest validated."""
    metrics = {}
    for check, key in _METRICS:
        try:
            metrics[key] = result.check(check).metrics.get(key)
        except KeyError:
            metrics[key] = None
    survived = metrics.pop("open_loop_survived")
    return Validation(status=result.status, reasons=tuple(result.reasons), failed_checks=tuple(result.failed_checks),
                      validator_version=VALIDATOR_VERSION, sha256=result.sha256 or None,
                      open_loop_survived=None if survived is None else bool(survived), **metrics)


def _entry_file(index: Path, result: MotionResult) -> str | None:
    """The index entry name of a result's file (None if the file is not in the index's folder)."""
    path = Path(result.file)
    try:
        same = path.parent.resolve() == index.parent.resolve()
    except OSError:
        return None
    return path.name if same else None


def write_index_validation(index: Path, results: list[MotionResult]) -> list[str]:
    """Merge each result's grade into its entry of ``index`` (locked; other entries and writers untouched).

    Returns:
        The files whose grade was not recorded: not listed as ``ok``, or
        regenerated since they were validated (digest mismatch).
    """
    grades = {}
    refused = []
    for r in results:
        name = _entry_file(index, r)
        if name is None:
            refused.append(r.file)
        else:
            grades[name] = validation_record(r)
    return refused + record_validation(index, grades)


class GradeRecorder:
    """Merges grades into an index as results come in: every :data:`FLUSH_INTERVAL_S` and on :meth:`flush`.

    Args:
        index: The index file, or None to record nothing (``--no-index``, no index).
        interval_s: Seconds between merges while results arrive.
    """

    def __init__(self, index: Path | None, interval_s: float = FLUSH_INTERVAL_S) -> None:
        self.index = index
        self.interval_s = interval_s
        self.refused: list[str] = []
        self._pending: list[MotionResult] = []
        self._last = time.monotonic()

    def add(self, result: MotionResult) -> None:
        """Queue a finished result; merge the queue if the interval has passed."""
        if self.index is None:
            return
        self._pending.append(result)
        if time.monotonic() - self._last >= self.interval_s:
            self.flush()

    def flush(self) -> None:
        """Merge every queued grade into the index now."""
        if self.index is not None and self._pending:
            pending, self._pending = self._pending, []
            self.refused += write_index_validation(self.index, pending)
        self._last = time.monotonic()
