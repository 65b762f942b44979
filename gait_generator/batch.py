"""Run the jobs of a :class:`~gait_generator.sweep.JobList` in parallel, resumably.

Workers are in-process joblib workers (loky processes, or dask workers through
joblib's dask backend). Each worker process keeps its cached robot, placo model
and IK between jobs, writes its motion file itself (atomically) and returns a
small :class:`~motions.index.MotionEntry`. Every motion's seed depends only
on the global seed and its id, so the files do not depend on the number of
workers or the backend.

The main process plans the batch (:mod:`gait_generator.planning`: skipped
commands, reusable files, ids of the jobs to run) and merges the entries into
``index.json`` through :func:`motions.index.record_motions` (locked, by file
name), so other batches and ``gait_validate`` may write the same index at the
same time. It keeps counts, not entries: only the entries not yet in the index.
Local workers watch the main process (:mod:`motions.workers`): if it dies,
however it dies, they exit within :data:`motions.workers.POLL_S` seconds and
write nothing more.
"""

from __future__ import annotations

import array
import contextlib
import dataclasses
import hashlib
import os
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from gait_generator.batch_settings import BatchSettings
from gait_generator.errors import CommandError, PlanningError
from gait_generator.planning import Plan, plan_jobs, reusable_entry
from gait_generator.preset import Preset
from gait_generator.sweep import Job, JobList
from motions import console
from motions.atomic import atomic_write_bytes
from motions.console import ReasonGroups
from motions.errors import GaitGeneratorError, IndexFormatError
from motions.index import INDEX_NAME, MAX_INDEX_ENTRIES, SKIPPED_NAME, MotionEntry, read_index, record_motions
from motions.storage import to_bytes
from motions.workers import EXIT_ORPHANED, Orphaned, check_owner, watch_owner

__all__ = ["BACKENDS", "BatchResult", "BatchSettings", "Plan", "plan_jobs", "run_batch", "run_job"]

BACKENDS = ("loky", "dask")
"""Parallel backends: joblib's loky process pool, or a dask.distributed cluster."""

INDEX_INTERVAL = 2.0
"""Least seconds between merges of new entries into ``index.json`` while a batch runs; at least ten times
the last merge's duration, so rewriting a large index never takes more than a tenth of the batch's time."""

@dataclass
class BatchResult:
    """Outcome of a batch, in counts (a batch may have a million jobs; the index has the entries).

    The four outcomes are counted apart: ``ok == generated + reused`` and
    ``total == generated + reused + failed + skipped``.

    Attributes:
        ok: Motions with a file: generated or reused.
        failed: Motions the planner could not make in this run.
        generated: Motions this run generated and saved.
        reused: Motions found complete on disk and kept.
        skipped: Commands beyond a preset's step limits, per preset and reason
            class (:data:`motions.index.SKIP_CLASSES`); listed in :attr:`skipped_file`.
        skipped_file: The list of skipped commands (None if none were skipped).
        failures: The failures grouped by reason (numbers aside), with the files
            of the lowest ids as examples; every failed entry is in the index.
    """

    ok: int = 0
    failed: int = 0
    generated: int = 0
    reused: int = 0
    skipped: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    skipped_file: Path | None = None
    failures: ReasonGroups = field(default_factory=ReasonGroups)

    def count(self, status: str) -> int:
        """Number of motions with ``status`` (``"ok"``, ``"failed"`` or ``"skipped"``)."""
        if status == "skipped":
            return sum(sum(c.values()) for c in self.skipped.values())
        return {"ok": self.ok, "failed": self.failed}[status]

    @property
    def total(self) -> int:
        """Jobs accounted for: ok, failed and skipped."""
        return self.ok + self.failed + self.count("skipped")

    def add(self, entry: MotionEntry) -> None:
        """Count the entry of a job this run ran: generated (ok) or failed (grouped by its reason)."""
        if entry.status == "ok":
            self.generated += 1
            self.ok += 1
            return
        self.failed += 1
        self.failures.add(entry.reason, entry.file, order=entry.id)


def run_job(job: Job, settings: BatchSettings) -> MotionEntry:
    """Generate one motion, save it, and return its index entry (runs in a worker).

    A :class:`CommandError` or :class:`PlanningError` is recorded as a failed
    entry (and any stale file of that name is removed); other errors propagate.
    A worker whose owner (``settings.owner_pid``) has died exits instead of
    writing anything.
    """
    try:
        return _run_job(job, settings)
    except Orphaned:
        os._exit(EXIT_ORPHANED)


def _run_job(job: Job, settings: BatchSettings) -> MotionEntry:
    from gait_generator.pipeline import generate

    watch_owner(settings.owner_pid)
    path = settings.output / job.file
    step = {"velocity": job.command} if job.velocity else {"dx": job.dx, "dy": job.dy, "dtheta": job.dtheta}
    try:
        motion = generate(robot=settings.robot, preset=job.preset_source, length=settings.length, fps=settings.fps,
                          seed=job.seed, with_start=settings.with_start, **step)
    except (CommandError, PlanningError) as exc:
        check_owner()
        path.unlink(missing_ok=True)
        if job.velocity:
            return MotionEntry.failed(job.id, job.file, job.preset, (0.0, 0.0, 0.0), str(exc), velocity=job.command)
        return MotionEntry.failed(job.id, job.file, job.preset, job.command, str(exc))
    data = to_bytes(motion)
    atomic_write_bytes(path, data, before_replace=check_owner)
    return MotionEntry.from_motion(job.id, job.file, motion, sha256=hashlib.sha256(data).hexdigest())


@contextlib.contextmanager
def _backend(backend: str, n_jobs: int, scheduler: str | None) -> Iterator[int]:
    """Activate the joblib backend; yield the ``n_jobs`` to give ``joblib.Parallel``."""
    if backend == "loky":
        if scheduler is not None:
            raise GaitGeneratorError("--scheduler needs --backend dask")
        yield n_jobs
        return
    if backend != "dask":
        raise GaitGeneratorError(f"unknown backend '{backend}': expected one of {list(BACKENDS)}")
    import joblib
    from dask.distributed import Client, LocalCluster

    with contextlib.ExitStack() as stack:
        if scheduler is None:
            cluster = stack.enter_context(LocalCluster(n_workers=n_jobs, threads_per_worker=1, processes=True,
                                                       host="127.0.0.1", dashboard_address=None))
            stack.enter_context(Client(cluster))
        else:
            try:
                stack.enter_context(Client(scheduler, timeout=30))
            except OSError as exc:
                raise GaitGeneratorError(f"cannot connect to the dask scheduler at {scheduler}: {exc}") from exc
        stack.enter_context(joblib.parallel_backend("dask"))
        yield -1


def run_batch(
    jobs: JobList,
    presets: dict[str, Preset],
    robot_name: str,
    settings: BatchSettings,
    n_jobs: int = 1,
    backend: str = "loky",
    scheduler: str | None = None,
    progress: bool | None = None,
    on_entry: Callable[[MotionEntry], None] | None = None,
) -> BatchResult:
    """Run a batch: skip impossible commands, reuse finished files, generate the rest.

    The entries are merged into ``index.json`` (:func:`motions.index.record_motions`)
    at the start (reused files keep their grades; the skipped commands replace
    those of the same presets, listed in ``skipped.csv``), then every
    :data:`INDEX_INTERVAL` seconds or more and at the end, also when
    interrupted (generated files lose their old grades). Other writers of the
    same index keep their records.

    Args:
        jobs: Every job of the batch (see :func:`gait_generator.sweep.make_jobs`).
        presets: Loaded presets by name.
        robot_name: Robot name written in the index (an index of another robot
            in ``settings.output`` is an error, raised before anything is written).
        settings: Batch settings; ``settings.output`` must exist.
        n_jobs: Number of worker processes.
        backend: ``"loky"`` (local joblib processes) or ``"dask"``.
        scheduler: Address of a running dask scheduler (dask only); without it a
            local cluster of ``n_jobs`` worker processes is started and closed.
        progress: Show a progress bar with an ETA on stderr (None: only when stderr is a terminal).
        on_entry: Called in the main process with each finished entry.

    Returns:
        The counts of the batch.

    Raises:
        GaitGeneratorError: Bad arguments, or the index would list more than
            :data:`motions.index.MAX_INDEX_ENTRIES` motions (before anything is generated).
        IndexFormatError: The folder's index is unreadable or of another robot.
    """
    import joblib

    if n_jobs < 1:
        raise GaitGeneratorError(f"-j must be at least 1, got {n_jobs}")
    listed = _check_index_robot(settings.output, robot_name)
    if settings.owner_pid is None and (backend == "loky" or scheduler is None):
        settings = dataclasses.replace(settings, owner_pid=os.getpid())
    plan = plan_jobs(jobs, presets, settings)
    try:
        _check_index_room(jobs, plan, settings.output, listed)
        record_motions(settings.output, robot_name, plan.reused, keep_validation=True, prune_missing=True,
                       skipped=plan.skipped)
    finally:
        plan.skipped.discard()  # no-op once recorded
    todo = plan.todo
    result = BatchResult(ok=len(plan.reused), reused=len(plan.reused), skipped=plan.skipped.counts,
                         skipped_file=settings.output / SKIPPED_NAME if plan.skipped.count else None)
    del plan
    bar = console.progress(len(jobs), "generate", enabled=progress, initial=result.total)
    bar.set_postfix(done=result.ok, failed=result.failed, skipped=result.count("skipped"), refresh=False)
    pending: list[MotionEntry] = []  # generated, not yet in the index
    finished = bytearray(len(jobs))  # 1 byte per job: which of the todo jobs came back
    interval, last = INDEX_INTERVAL, time.monotonic()
    try:
        if todo:
            with _backend(backend, min(n_jobs, len(todo)) if backend == "loky" else n_jobs, scheduler) as parallel_n:
                parallel = joblib.Parallel(n_jobs=parallel_n, return_as="generator_unordered")
                for entry in parallel(joblib.delayed(run_job)(jobs[i], settings) for i in todo):
                    finished[entry.id] = 1
                    result.add(entry)
                    pending.append(entry)
                    if on_entry is not None:
                        on_entry(entry)
                    bar.set_postfix(done=result.ok, failed=result.failed, skipped=result.count("skipped"),
                                    refresh=False)
                    bar.update(1)
                    if time.monotonic() - last >= interval:
                        start = time.monotonic()
                        record_motions(settings.output, robot_name, pending, keep_validation=False)
                        pending.clear()
                        last = time.monotonic()
                        interval = max(INDEX_INTERVAL, 10.0 * (last - start))
    finally:
        bar.close()
        if result.generated + result.failed < len(todo):  # interrupted: workers may have saved clips whose entry never came back
            pending += _written_meanwhile(jobs, todo, finished, settings)
        if pending:
            record_motions(settings.output, robot_name, pending, keep_validation=False)
    return result


def _written_meanwhile(jobs: JobList, todo: array.array, finished: bytearray,
                       settings: BatchSettings) -> list[MotionEntry]:
    """Entries of the unfinished jobs whose file a worker completed before the batch stopped.

    joblib has terminated the workers by then, so no file appears afterwards;
    a file that does not load or match its job is left for the next run.
    """
    entries = []
    for i in todo:
        if not finished[i] and (settings.output / jobs[i].file).is_file():
            entry = reusable_entry(jobs[i], settings)
            if entry is not None:
                entries.append(entry)
    return entries


def _check_index_robot(folder: Path, robot_name: str) -> int:
    """Refuse a folder whose index lists another robot's motions (before anything is written).

    Returns:
        The number of motions the index lists (0 without an index).
    """
    if not (folder / INDEX_NAME).exists():
        return 0
    index = read_index(folder / INDEX_NAME)
    if index.robot != robot_name:
        raise IndexFormatError(f"{index.path}: lists motions of robot '{index.robot}', not '{robot_name}'; "
                               "write them to another folder")
    return len(index.entries)


def _check_index_room(jobs: JobList, plan: Plan, folder: Path, listed: int) -> None:
    """Refuse a batch after which the index would list more than :data:`MAX_INDEX_ENTRIES` motions."""
    if listed + len(plan.reused) + len(plan.todo) <= MAX_INDEX_ENTRIES:
        return
    names = {e.file for e in read_index(folder).entries} if listed else set()
    names.update(e.file for e in plan.reused)
    total = len(names) + sum(jobs[i].file not in names for i in plan.todo)
    if total > MAX_INDEX_ENTRIES:
        raise GaitGeneratorError(f"{folder}: the index would list {total} motions, more than the {MAX_INDEX_ENTRIES} "
                                 "an index holds (commands beyond the step limits do not count); split the batch "
                                 "over several output folders")
