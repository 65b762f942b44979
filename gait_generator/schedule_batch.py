"""Write schedule and standing clips to a motion folder and list them in its ``index.json``.

``auto_gait_generator --schedule A.yaml B.yaml`` makes one clip per schedule file
and preset (``<schedule stem>_<preset>.npz``), ``--stand`` one standing clip per
preset (``stand_<preset>.npz``). The clips are few and each is a single solve, so
they run one after the other in this process (the command batch's job machinery
is built for millions of per-step commands). The conventions are the batch's
(:mod:`gait_generator.batch`): each file is written atomically, the entries are
merged into the index under its lock by file name
(:func:`motions.index.record_motions`, also when interrupted), a folder
indexed for another robot is refused before anything is written, and a clip the
planner cannot make is listed as ``failed`` with its reason.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from gait_generator.errors import CommandError, PlanningError
from gait_generator.schedule import Schedule
from motions import Motion, console
from motions.atomic import atomic_write_bytes, remove_stale_temps
from motions.index import MotionEntry, record_motions
from motions.storage import to_bytes

__all__ = ["ClipJob", "ScheduleResult", "run_clip_jobs", "schedule_jobs", "stand_jobs"]


@dataclass(frozen=True)
class ClipJob:
    """One clip to write.

    Attributes:
        id: Motion id in the index (its position in the run).
        file: File name in the output folder.
        preset: Preset name (as listed in the index).
        make: Generates the motion.
    """

    id: int
    file: str
    preset: str
    make: Callable[[], Motion]


@dataclass
class ScheduleResult:
    """Outcome of a run: the entries written (``ok`` and ``failed``)."""

    entries: list[MotionEntry] = field(default_factory=list)

    @property
    def ok(self) -> int:
        """Clips written."""
        return sum(e.status == "ok" for e in self.entries)

    @property
    def failed(self) -> list[MotionEntry]:
        """Entries of the clips the planner could not make."""
        return [e for e in self.entries if e.status != "ok"]


def schedule_jobs(robot: str, presets: Sequence[tuple[str, str]], schedules: Sequence[Schedule], fps: float,
                  seed: int) -> list[ClipJob]:
    """One job per schedule and preset (schedule-major), named ``<schedule stem>_<preset>.npz``.

    Args:
        robot: Robot name or spec file. presets: ``(name, name or file)`` per preset.
        schedules: The checked schedules. fps: Frame rate (Hz). seed: Seed of every clip.

    Raises:
        CommandError: Two schedules with the same file stem (their clips would share a name).
    """
    from gait_generator.scheduled import generate_schedule

    stems = [s.name for s in schedules]
    if len(set(stems)) != len(stems):
        raise CommandError(f"schedule files share a name, so their clips would too: {stems}")
    jobs = []
    for schedule in schedules:
        for name, source in presets:
            jobs.append(ClipJob(len(jobs), f"{schedule.name}_{name}.npz", name,
                                lambda s=schedule, p=source: generate_schedule(robot, p, s, fps, seed)))
    return jobs


def stand_jobs(robot: str, presets: Sequence[tuple[str, str]], length: float, fps: float,
               seed: int) -> list[ClipJob]:
    """One standing clip with weight shifts per preset, named ``stand_<preset>.npz``."""
    from gait_generator.scheduled import generate_stand

    return [ClipJob(i, f"stand_{name}.npz", name, lambda p=source: generate_stand(robot, p, length, fps, seed))
            for i, (name, source) in enumerate(presets)]


def run_clip_jobs(jobs: Sequence[ClipJob], robot_name: str, output: Path, progress: bool | None = None) -> ScheduleResult:
    """Generate and write each job's clip, then merge their entries into ``output/index.json``.

    Args:
        jobs: The clips. robot_name: Robot name written in the index.
        output: Existing output folder.
        progress: Show a progress bar on stderr (None: when stderr is a terminal).

    Raises:
        IndexFormatError: The folder's index is unreadable or lists another robot (before anything is written).
    """
    record_motions(output, robot_name, [], keep_validation=True, prune_missing=True)  # refuses another robot's index
    remove_stale_temps(output, [job.file for job in jobs])
    result = ScheduleResult()
    bar = console.progress(len(jobs), "generate", enabled=progress)
    try:
        for job in jobs:
            result.entries.append(_run(job, output))
            bar.update(1)
    finally:
        bar.close()
        if result.entries:
            record_motions(output, robot_name, result.entries, keep_validation=False)
    return result


def _run(job: ClipJob, output: Path) -> MotionEntry:
    """Generate one clip and write it; a planning failure becomes a ``failed`` entry (any old file removed)."""
    path = output / job.file
    try:
        motion = job.make()
    except (CommandError, PlanningError) as exc:
        path.unlink(missing_ok=True)
        return MotionEntry.failed(job.id, job.file, job.preset, (0.0, 0.0, 0.0), str(exc))
    data = to_bytes(motion)
    atomic_write_bytes(path, data)
    return MotionEntry.from_motion(job.id, job.file, motion, sha256=hashlib.sha256(data).hexdigest())
