"""The settings every job of a batch shares, in their own module so that the
batch runner (:mod:`gait_generator.batch`) and the planner
(:mod:`gait_generator.planning`) can both use them without importing each other."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["BatchSettings"]


@dataclass(frozen=True)
class BatchSettings:
    """What every job of a batch shares.

    Attributes:
        robot: Registered robot name or robot spec file.
        output: Output directory (must exist).
        length: Clip length (s).
        fps: Frame rate (Hz).
        with_start: Record the start from standing (non-looping clips).
        owner_pid: Pid of the batch's main process, watched by local workers
            (set by :func:`~gait_generator.batch.run_batch`; None for a remote dask cluster).
    """

    robot: str
    output: Path
    length: float
    fps: float
    with_start: bool
    owner_pid: int | None = None
