"""Validate one motion, or every motion of a file, a directory or an index, optionally in parallel.

Workers are joblib ``loky`` processes; each compiles a robot's MuJoCo model once
(:func:`robots.mjcf.model` and :func:`validate.trace.robot_model` are cached per
process). A motion that cannot be validated (unreadable, non-finite, another
robot) becomes a result with status ``"error"``; the rest of the batch goes on.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from gait_generator.errors import GaitGeneratorError
from gait_generator.index import INDEX_NAME
from motions import Motion, load
from motions.atomic import atomic_write_text
from robots import load_robot
from validate.dynamic import dynamic_checks, support_mask
from validate.errors import MotionInputError
from validate.kinematic import kinematic_checks
from validate.physics import physics_checks
from validate.result import ERROR, MotionResult
from validate.thresholds import Thresholds, load_thresholds
from validate.trace import robot_model, trace_motion

__all__ = ["Item", "discover", "validate_motion", "validate_file", "validate_items", "write_index_validation",
           "VALIDATOR_VERSION"]

VALIDATOR_VERSION = 1
"""Bumped when a check changes meaning; written into every index entry."""


@dataclass(frozen=True)
class Item:
    """A motion file to validate, with its index id if it came from an index."""

    path: Path
    index_id: int | None = None


def discover(path: str | Path) -> tuple[list[Item], Path | None]:
    """Motion files under ``path`` and the index they belong to (if any).

    ``path`` may be a motion file, a directory (its ``index.json`` if present,
    else every ``*.npz`` in it) or an ``index.json``. Index entries whose status
    is not ``"ok"`` (generation failed or skipped) have no file and are left out.

    Raises:
        MotionInputError: ``path`` does not exist or the index is not readable JSON.
    """
    path = Path(path)
    if path.is_dir() and (path / INDEX_NAME).is_file():
        path = path / INDEX_NAME
    if path.is_file() and path.suffix == ".json":
        try:
            doc = json.loads(path.read_text())
            entries = doc["motions"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise MotionInputError(f"{path}: not a motion index ({exc})") from exc
        items = [Item(path.parent / e["file"], e.get("id")) for e in entries if e.get("status", "ok") == "ok"]
        return items, path
    if path.is_dir():
        return [Item(p) for p in sorted(path.glob("*.npz"))], None
    if path.exists():
        return [Item(path)], None
    raise MotionInputError(f"{path}: no such motion file, directory or index")


def _check_input(motion: Motion, robot_name: str | None) -> str:
    """The robot to validate against; raises MotionInputError on a mismatch."""
    meta_robot = str(motion.meta.get("robot", "")) or None
    name = robot_name or meta_robot
    if name is None:
        raise MotionInputError("motion has no meta['robot']; pass --robot")
    robot = load_robot(name)
    if meta_robot is not None and meta_robot != robot.name:
        raise MotionInputError(f"motion was made for robot {meta_robot!r}, not {robot.name!r}")
    missing = [n for n in robot.joint_names if n not in motion.joint_names]
    if missing:
        raise MotionInputError(f"motion lacks joints of robot {robot.name!r}: {missing}")
    for field in ("root_pos", "root_quat", "joint_pos", "joint_vel", "root_lin_vel", "root_ang_vel"):
        if not np.isfinite(getattr(motion, field)).all():
            raise MotionInputError(f"{field}: non-finite values")
    if motion.num_frames < 3:
        raise MotionInputError(f"{motion.num_frames} frames, need at least 3")
    return name


def validate_motion(motion: Motion, robot: str | None = None, thresholds: Thresholds | None = None,
                    physics: bool | None = None, file: str = "") -> MotionResult:
    """Run every check on one motion.

    Args:
        motion: The motion.
        robot: Robot name or spec path; default ``motion.meta["robot"]``. A
            motion whose ``meta["robot"]`` names another robot is an error.
        thresholds: Default :func:`load_thresholds`. Per-robot overrides apply.
        physics: Run the physics replay; default ``thresholds.physics.enabled``.
        file: Name recorded in the result.

    Returns:
        The result; status ``"error"`` (with the reason) if it cannot be validated.
    """
    start = time.perf_counter()
    result = MotionResult(file=file, clip_seconds=motion.span)
    base = thresholds or load_thresholds()
    try:
        name = _check_input(motion, robot)
        rm = robot_model(load_robot(name))
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
                  physics: bool | None = None) -> MotionResult:
    """Load and validate one file; unreadable or corrupt files give an ``"error"`` result."""
    item = item if isinstance(item, Item) else Item(Path(item))
    start = time.perf_counter()
    try:
        motion = load(item.path)
    except GaitGeneratorError as exc:
        result = MotionResult(file=str(item.path), robot=robot or "", status=ERROR, reasons=[f"error: {exc}"])
    else:
        result = validate_motion(motion, robot, thresholds, physics, file=str(item.path))
    result.index_id = item.index_id
    result.wall_seconds = time.perf_counter() - start
    return result


def validate_items(items: list[Item], robot: str | None = None, thresholds: Thresholds | None = None,
                   physics: bool | None = None, jobs: int = 1) -> list[MotionResult]:
    """Validate many files, in ``jobs`` loky worker processes when ``jobs != 1`` (-1: all cores)."""
    thresholds = thresholds or load_thresholds()
    if jobs == 1 or len(items) <= 1:
        return [validate_file(i, robot, thresholds, physics) for i in items]
    from joblib import Parallel, delayed

    return list(Parallel(n_jobs=jobs, backend="loky")(
        delayed(validate_file)(i, robot, thresholds, physics) for i in items))


def _entry_summary(result: MotionResult) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "status": result.status,
        "reasons": result.reasons,
        "failed_checks": result.failed_checks,
        "validator_version": VALIDATOR_VERSION,
    }
    for check, key in (("physics_replay", "open_loop_survived"), ("physics_replay", "open_loop_drift_m"),
                       ("physics_replay", "open_loop_yaw_drift_deg"), ("zmp_support", "zmp_margin_min_m")):
        try:
            doc[key] = result.check(check).metrics.get(key)
        except KeyError:
            pass
    return doc


def write_index_validation(index: Path, results: list[MotionResult]) -> Path:
    """Store each result's status under the key ``"validation"`` of its index entry (atomic rewrite).

    Entries are matched by file path; entries not validated keep their old value.
    """
    doc = json.loads(index.read_text())
    by_file = {Path(r.file).resolve(): r for r in results}
    for entry in doc.get("motions", []):
        result = by_file.get((index.parent / entry.get("file", "")).resolve())
        if result is not None:
            entry["validation"] = _entry_summary(result)
    return atomic_write_text(index, json.dumps(doc, indent=1, sort_keys=True) + "\n")
