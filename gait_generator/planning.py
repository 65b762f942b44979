"""Plan a batch: which jobs are skipped (beyond a preset's limits), which files can be reused, what is left to run.

Planning streams through the jobs (a :class:`~gait_generator.sweep.JobList`
makes each job on demand) and keeps, per job, only what the batch needs
afterwards: a job to run is its id (8 bytes), a skipped command is a row in a
temporary ``skipped.csv`` and a count (:class:`motions.index.SkippedWriter`),
a reused file is its index entry. The commands are checked against the step
limits a block at a time with numpy, and the output folder is listed once
instead of one ``stat`` per job. Measured on 10^6 command rows, every one
skipped: 1.6 s and a few MB beyond the command array.
"""

from __future__ import annotations

import array
import contextlib
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

import motions
from gait_generator.index import motion_id_of
from gait_generator.preset import Preset
from gait_generator.sweep import Job, JobList
from gait_generator.timing import snap_timing
from motions.atomic import remove_stale_temps
from motions.errors import MotionFormatError
from motions.index import SKIP_CLASSES, MotionEntry, SkippedWriter, file_sha256

if TYPE_CHECKING:
    from gait_generator.batch_settings import BatchSettings

__all__ = ["Plan", "limit_scale", "plan_jobs", "reusable_entry"]

BLOCK = 8192
"""Commands checked against the step limits at a time (bounds the temporary lists: about 3 MB)."""


@dataclass
class Plan:
    """What a batch has to do.

    Attributes:
        todo: Ids of the jobs to generate, increasing (8 bytes each).
        reused: Entries of the motion files found complete and kept.
        skipped: The commands beyond their preset's step limits: counted, and
            listed in a temporary file until the batch records them
            (:func:`motions.index.record_motions`) or discards them.
    """

    todo: array.array = field(default_factory=lambda: array.array("q"))
    reused: list[MotionEntry] = field(default_factory=list)
    skipped: SkippedWriter | None = None


def reusable_entry(job: Job, settings: BatchSettings) -> MotionEntry | None:
    """The entry of ``job``'s file if it exists, loads, and matches the job and settings; else None."""
    path = settings.output / job.file
    if not path.is_file():
        return None
    try:
        digest = file_sha256(path)  # before loading: a replaced file then fails the index's digest check
        motion = motions.load(path)
    except (MotionFormatError, OSError):
        return None
    meta = motion.meta
    c = motion.command
    if job.velocity:
        wanted = meta.get("velocity_command")
        made = None if not isinstance(wanted, dict) else tuple(wanted.get(k) for k in ("vx", "vy", "wz"))
    else:
        made = (c.dx, c.dy, c.dtheta)
    if (
        made != job.command
        or meta.get("preset") != job.preset
        or meta.get("seed") != job.seed
        or meta.get("requested_length") != float(settings.length)
        or meta.get("with_start") != bool(settings.with_start)
        or motion.fps != float(settings.fps)
    ):
        return None
    return MotionEntry.from_motion(job.id, job.file, motion, sha256=digest)


def _job_of(jobs: JobList, name: str) -> int | None:
    """The id of the job whose planned file is ``name``, if any (parses the id, then compares the name)."""
    i = motion_id_of(name)
    return i if i is not None and i < len(jobs) and jobs[i].file == name else None


def _present(jobs: JobList, folder: os.PathLike[str] | str) -> np.ndarray:
    """Per job, whether its planned file is in ``folder`` (one listing of the folder, 1 byte per job)."""
    present = np.zeros(len(jobs), dtype=bool)
    with os.scandir(folder) as listing:
        for item in listing:
            if item.name.endswith(".npz"):
                i = _job_of(jobs, item.name)
                if i is not None:
                    present[i] = True
    return present


def limit_scale(jobs: JobList, preset: Preset, fps: float) -> float:
    """What a job's values are multiplied by before the step-limit check: 1 for steps, the step
    duration (s) for velocities (a velocity needs about velocity x step time per step, first order)."""
    return snap_timing(preset, fps).step_duration if jobs.velocity else 1.0


def plan_jobs(jobs: JobList, presets: dict[str, Preset], settings: BatchSettings, resume: bool = True) -> Plan:
    """Split the jobs into skipped commands, reusable files and jobs to run.

    A command beyond its preset's step limits is skipped, never clamped, and
    any file of its planned name is removed. Temporary files killed runs left
    for this batch's motions are removed (never a live writer's).

    Args:
        jobs: Every job of the batch.
        presets: Loaded presets by name, to check each command against its step limits.
        settings: Batch settings (``settings.output`` must exist; a file made
            with another length, fps or start is not reused).
        resume: Keep motion files that already exist and match their job.

    Returns:
        The plan. Call ``plan.skipped.discard()`` if it is never recorded.

    Raises:
        OutputError: The skipped list cannot be written.
    """
    output = settings.output
    remove_stale_temps(output, lambda name: _job_of(jobs, name) is not None)
    present = _present(jobs, output)
    plan = Plan(skipped=SkippedWriter(output, [name for name, _, _ in jobs.blocks()]))
    try:
        for name, first, commands in jobs.blocks():
            preset = presets[name]
            reasons = {(a, above): preset.limit_reason(a, above) for a in range(3) for above in (False, True)}
            scale = limit_scale(jobs, preset, settings.fps)
            if jobs.velocity:
                reasons = {key: f"velocity x step time {scale:.4f} s: {why}" for key, why in reasons.items()}
            for start in range(0, len(commands), BLOCK):
                block = commands[start:start + BLOCK]
                axis, above = preset.first_beyond(block * scale)
                ids = np.arange(first + start, first + start + len(block))
                out = np.flatnonzero(axis >= 0)
                plan.skipped.add(ids[out].tolist(), name, block[out].tolist(),
                                 [SKIP_CLASSES[a] for a in axis[out].tolist()],
                                 [reasons[key] for key in zip(axis[out].tolist(), above[out].tolist())])
                for i in ids[out][present[ids[out]]].tolist():
                    with contextlib.suppress(FileNotFoundError):
                        (output / jobs[i].file).unlink()
                within = ids[axis < 0]
                if not (resume and present[within].any()):
                    plan.todo.extend(within.tolist())
                    continue
                for i in within.tolist():
                    entry = reusable_entry(jobs[i], settings) if present[i] else None
                    if entry is None:
                        plan.todo.append(i)
                    else:
                        plan.reused.append(entry)
    except BaseException:
        plan.skipped.discard()
        raise
    return plan
