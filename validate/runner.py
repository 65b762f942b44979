"""Validate one motion, or every motion of a file, a directory or an index, optionally in parallel.

Workers are joblib ``loky`` processes; each compiles a robot's MuJoCo model once
(:func:`robots.mjcf.model` and :func:`validate.trace.robot_model` are cached per
process) and exits if the main process dies (:mod:`motions.workers`). A motion
that cannot be validated (unreadable, non-finite, another robot, a robot named
by a path) becomes a result with status ``"error"``; the rest of the batch goes on.

A robot named in a motion (``meta["robot"]``) resolves only through the registry
or the user's ``robots_dirs`` (:mod:`robots.resolve`). Grades go into the index
through :func:`motions.index.record_validation` (locked merge, by file name),
with the SHA-256 of the bytes validated.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from motions import Motion, load
from motions.errors import GaitGeneratorError, IndexFormatError
from motions.index import INDEX_NAME, file_sha256, read_index
from motions.workers import EXIT_ORPHANED, Orphaned, watch_owner
from robots import Robot
from robots.resolve import load_user_robot, names_robot, robot_named_in_file
from validate.dynamic import dynamic_checks, support_mask
from validate.errors import MotionInputError
from validate.grades import VALIDATOR_VERSION, write_index_validation
from validate.kinematic import kinematic_checks
from validate.physics import physics_checks
from validate.result import ERROR, MotionResult
from validate.thresholds import Thresholds, load_thresholds
from validate.trace import robot_model, trace_motion

__all__ = [
    "VALIDATOR_VERSION",
    "Item",
    "discover",
    "validate_file",
    "validate_items",
    "validate_motion",
    "write_index_validation",
]

RobotDirs = Sequence[str | os.PathLike[str]]



@dataclass(frozen=True)
class Item:
    """A motion file to validate, with its index id if it came from an index."""

    path: Path
    index_id: int | None = None


def discover(path: str | Path) -> tuple[list[Item], Path | None]:
    """Motion files under ``path`` and the index they belong to (if any).

    ``path`` may be a motion file, a directory (its ``index.json`` if present,
    else every ``*.npz`` in it) or an ``index.json``. Index entries whose status
    is not ``"ok"`` (generation failed) have no file and are left out; skipped
    commands are not entries (see :func:`motions.index.iter_skipped`).

    Raises:
        MotionInputError: ``path`` does not exist or the index cannot be read
            (:func:`motions.index.read_index`: malformed, unknown version).
    """
    path = Path(path)
    if path.is_dir() and (path / INDEX_NAME).is_file():
        path = path / INDEX_NAME
    if path.is_file() and path.suffix == ".json":
        try:
            index = read_index(path)
        except IndexFormatError as exc:
            raise MotionInputError(str(exc)) from exc
        return [Item(index.file_path(e), e.id) for e in index.ok_entries()], path
    if path.is_dir():
        return [Item(p) for p in sorted(path.glob("*.npz"))], None
    if path.exists():
        return [Item(path)], None
    raise MotionInputError(f"{path}: no such motion file, directory or index")


def _check_input(motion: Motion, robot_name: str | None, file: str, robots_dirs: RobotDirs) -> Robot:
    """The robot to validate against; raises MotionInputError on a mismatch.

    The user's ``robot_name`` is trusted; without it the motion's
    ``meta["robot"]`` is resolved through the registry and ``robots_dirs`` only.
    """
    meta_robot = str(motion.meta.get("robot", "")) or None
    if robot_name is not None:
        robot = load_user_robot(robot_name, robots_dirs)
        if meta_robot is not None and not names_robot(meta_robot, robot, robot_name):
            shown = meta_robot if len(meta_robot) <= 80 else meta_robot[:77] + "..."
            raise MotionInputError(f"motion was made for robot {shown!r}, not {robot.name!r}")
    elif meta_robot is None:
        raise MotionInputError("motion has no meta['robot']; pass --robot")
    else:
        robot = robot_named_in_file(meta_robot, file or "motion", "meta.robot", robots_dirs)
    missing = [n for n in robot.joint_names if n not in motion.joint_names]
    if missing:
        raise MotionInputError(f"motion lacks joints of robot {robot.name!r}: {missing}")
    for field in ("root_pos", "root_quat", "joint_pos", "joint_vel", "root_lin_vel", "root_ang_vel"):
        if not np.isfinite(getattr(motion, field)).all():
            raise MotionInputError(f"{field}: non-finite values")
    if motion.num_frames < 3:
        raise MotionInputError(f"{motion.num_frames} frames, need at least 3")
    return robot


def validate_motion(motion: Motion, robot: str | None = None, thresholds: Thresholds | None = None,
                    physics: bool | None = None, file: str = "", robots_dirs: RobotDirs = ()) -> MotionResult:
    """Run every check on one motion.

    Args:
        motion: The motion.
        robot: Robot name or spec path chosen by the user; default
            ``motion.meta["robot"]``, looked up in the registry and
            ``robots_dirs`` only (never as a path). A motion whose
            ``meta["robot"]`` names another robot is an error.
        thresholds: Default :func:`load_thresholds`. Per-robot overrides apply.
        physics: Run the physics replay; default ``thresholds.physics.enabled``.
        file: Name recorded in the result.
        robots_dirs: The user's robot spec folders (``--robots-dir``).

    Returns:
        The result; status ``"error"`` (with the reason) if it cannot be validated.
    """
    start = time.perf_counter()
    result = MotionResult(file=file, clip_seconds=motion.span)
    base = thresholds or load_thresholds()
    try:
        rm = robot_model(_check_input(motion, robot, file, robots_dirs))
        result.robot = rm.robot.name
        th = base.for_robot(rm.robot.name)
        trace = trace_motion(motion, rm)
        result.checks += kinematic_checks(motion, rm, trace, th.kinematic)
        result.checks += dynamic_checks(motion, rm, trace, th.dynamic)
        if th.physics.enabled if physics is None else physics:
            result.checks += physics_checks(motion, rm, trace, support_mask(trace, th.dynamic), th.physics)
    except (GaitGeneratorError, KeyError) as exc:
        result.status, result.reasons = ERROR, [f"error: {exc}"]
    result.wall_seconds = time.perf_counter() - start
    return result.finish()


def validate_file(item: Item | str | Path, robot: str | None = None, thresholds: Thresholds | None = None,
                  physics: bool | None = None, robots_dirs: RobotDirs = (),
                  owner_pid: int | None = None) -> MotionResult:
    """Load and validate one file; unreadable or corrupt files give an ``"error"`` result.

    The result records the SHA-256 of the bytes read (hashed before loading, so
    a file replaced meanwhile gets a digest that no longer matches its index
    entry, and its grade is not recorded). ``owner_pid``: the main process of a
    parallel run; a worker exits when it dies (:func:`motions.workers.watch_owner`).
    """
    watch_owner(owner_pid)
    item = item if isinstance(item, Item) else Item(Path(item))
    start = time.perf_counter()
    try:
        digest = file_sha256(item.path)
    except OSError:
        digest = ""
    try:
        motion = load(item.path)
    except GaitGeneratorError as exc:
        result = MotionResult(file=str(item.path), robot=robot or "", status=ERROR, reasons=[f"error: {exc}"])
    else:
        result = validate_motion(motion, robot, thresholds, physics, file=str(item.path), robots_dirs=robots_dirs)
    result.sha256 = digest
    result.index_id = item.index_id
    result.wall_seconds = time.perf_counter() - start
    return result


def _in_worker(position: int, *args: object) -> tuple[int, MotionResult]:
    try:
        return position, validate_file(*args)  # type: ignore[arg-type]
    except Orphaned:
        os._exit(EXIT_ORPHANED)


def validate_items(items: list[Item], robot: str | None = None, thresholds: Thresholds | None = None,
                   physics: bool | None = None, jobs: int = 1, robots_dirs: RobotDirs = (),
                   on_result: Callable[[int, MotionResult], None] | None = None) -> list[MotionResult]:
    """Validate many files, in ``jobs`` loky worker processes when ``jobs != 1`` (-1: all cores).

    Args:
        items: The files.
        robot: The user's robot (name or spec path) for every file; default each
            motion's ``meta["robot"]`` through the registry and ``robots_dirs``.
        thresholds: Default :func:`load_thresholds`.
        physics: Run the physics replay; default from the thresholds.
        jobs: Worker processes.
        robots_dirs: The user's robot spec folders (``--robots-dir``).
        on_result: Called in this process with ``(position in items, result)``
            as each file finishes (in any order), e.g. to keep finished results
            if the run is interrupted.

    Returns:
        The results, in the order of ``items``.
    """
    thresholds = thresholds or load_thresholds()
    done: dict[int, MotionResult] = {}
    if jobs == 1 or len(items) <= 1:
        pairs = ((k, validate_file(item, robot, thresholds, physics, robots_dirs)) for k, item in enumerate(items))
    else:
        from joblib import Parallel, delayed

        parallel = Parallel(n_jobs=jobs, backend="loky", return_as="generator_unordered")
        pairs = parallel(delayed(_in_worker)(k, item, robot, thresholds, physics, robots_dirs, os.getpid())
                         for k, item in enumerate(items))
    for k, result in pairs:
        done[k] = result
        if on_result is not None:
            on_result(k, result)
    return [done[k] for k in sorted(done)]
