"""``gait_preview LIB --html``: one self-contained page for a whole motion library.

The page (:func:`viz.html_player.page_html`, ``viz/assets/library.js``) has

* the command coverage plot (commanded against achieved vx, vy and yaw rate,
  coloured by status, like :func:`viz.plots.coverage_figure`); clicking a
  point plays its clip;
* a table of the motions: file, preset, command per step, achieved velocity,
  status and reasons, sortable by any column and filtered by text and status;
  clicking a row plays its clip;
* a player (:mod:`viz.assets.player`) that decodes a clip only when it is shown.

Each robot's geometry is written once for the whole library; a clip adds only
its packed poses (:mod:`viz.page_clip`), about 70 kB for 10 s of G1. A
library of 20 G1 clips of 10.4 s makes a 2.75 MB page (viewer 0.85 MB, G1
geometry 0.43 MB, clips 1.42 MB).

Rows come from ``index.json`` when the folder has one (``ok`` and ``failed``
entries in index order; status is the validation status where graded, else
the index status; skipped commands are drawn as grey crosses, at most
:data:`SKIPPED_ON_PAGE`), else from every ``*.npz`` of the folder by name.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import motions
from motions import Motion
from motions.atomic import atomic_write_text
from motions.errors import MotionFormatError, OutputError
from motions.index import INDEX_NAME, iter_skipped, read_index
from robots import Robot
from viz import plots
from viz.html_player import page_html
from viz.page_clip import clip_payload
from viz.page_codec import rounded
from viz.page_robot import RobotGeometry, robot_geometry
from viz.preview import resolve_robot

__all__ = ["SKIPPED_ON_PAGE", "LibraryRow", "export_library_html", "library_html", "library_rows"]

SKIPPED_ON_PAGE = 2_000
"""Most skipped commands the page's coverage plot draws (every k-th of a longer list, in id order)."""


@dataclass(frozen=True)
class LibraryRow:
    """One motion of the library page's table.

    Attributes:
        name: File name in the folder.
        preset: Preset name.
        command: Per-step command (dx m, dy m, dtheta rad).
        commanded: The command as velocities (m/s, m/s, rad/s), or None when no
            motion of the preset gives the step duration.
        achieved: Achieved velocities (m/s, m/s, rad/s), or None without a motion.
        status: Validation status where graded, else the index status
            (``ok``, ``failed``), or ``unvalidated`` without an index.
        reasons: Why it failed validation or generation.
        path: The motion file, or None when there is none (failed).
    """

    name: str
    preset: str
    command: tuple[float, float, float]
    commanded: tuple[float, float, float] | None
    achieved: tuple[float, float, float] | None
    status: str
    reasons: tuple[str, ...]
    path: Path | None


def _velocity(command: tuple[float, float, float], duration: float | None) -> tuple[float, float, float] | None:
    """The per-step ``command`` over the step ``duration`` (s); None without a usable duration."""
    if duration is None or not math.isfinite(duration) or duration <= 0:
        return None
    dx, dy, dtheta = command
    return dx / duration, dy / duration, dtheta / duration


def library_rows(folder: Path) -> tuple[list[LibraryRow], dict[str, Motion], list[tuple[float, float, float]]]:
    """The rows of ``folder`` (see the module docstring), the loaded motions by file name, and skipped commands.

    Returns:
        (rows, motions by name, commanded velocities of the skipped commands drawn).

    Raises:
        IndexFormatError: ``index.json`` is malformed.
        MotionFormatError: A motion file is missing or invalid (names it).
    """
    if not (folder / INDEX_NAME).is_file():
        rows, loaded = [], {}
        for path in sorted(folder.glob("*.npz")):
            motion = loaded[path.name] = motions.load(path)
            c, a = motion.command, motion.achieved
            command = (c.dx, c.dy, c.dtheta)
            rows.append(LibraryRow(path.name, str(motion.meta.get("preset", "")), command,
                                   _velocity(command, plots.step_duration(motion)), (a.vx, a.vy, a.yaw_rate),
                                   "unvalidated", (), path))
        return rows, loaded, []
    index = read_index(folder)
    loaded = {e.file: motions.load(index.file_path(e)) for e in index.ok_entries()}
    durations: dict[str, float] = {}
    for entry in index.ok_entries():
        durations.setdefault(entry.preset, plots.step_duration(loaded[entry.file]))
    rows = []
    for entry in index.entries:
        command = (entry.command.dx, entry.command.dy, entry.command.dtheta)
        ok = entry.status == "ok"
        duration = plots.step_duration(loaded[entry.file]) if ok else durations.get(entry.preset)
        a = entry.achieved
        grade = entry.validation
        status = grade.status if grade is not None else entry.status
        reasons = tuple(grade.reasons) if grade is not None else ((entry.reason,) if entry.reason else ())
        rows.append(LibraryRow(entry.file, entry.preset, command, _velocity(command, duration),
                               (a.vx, a.vy, a.yaw_rate) if a is not None else None, status, reasons,
                               index.file_path(entry) if ok else None))
    skipped = []
    every = -(-index.skipped.count // SKIPPED_ON_PAGE)
    for k, row in enumerate(iter_skipped(index) if durations.keys() & index.skipped.counts.keys() else ()):
        velocity = _velocity((row.dx, row.dy, row.dtheta), durations.get(row.preset))
        if velocity is not None and k % every == 0:
            skipped.append(velocity)
    return rows, loaded, skipped


def library_html(
    folder: str | os.PathLike[str], *, robot: str | None = None, robots_dirs: Sequence[str | os.PathLike[str]] = (),
    speed: float = 1.0, loop: bool = False, repetitions: int = 1,
) -> str:
    """The library page of ``folder`` (a motion folder, with or without ``index.json``).

    Args:
        folder: The library.
        robot: Robot name or spec for every clip (default: each motion's ``meta["robot"]``).
        robots_dirs: Folders of robot specs to look names up in.
        speed: Initial playback speed factor, > 0.
        loop: Start with looping on.
        repetitions: Repetitions of a clip in the player's timeline.

    Raises:
        MotionFormatError: No motion in the folder, or a motion file is invalid.
        RobotSpecError: A motion's robot is unknown.
    """
    if not speed > 0:
        raise ValueError(f"speed: {speed}, expected > 0")
    folder = Path(folder)
    rows, loaded, skipped = library_rows(folder)
    if not rows:
        raise MotionFormatError(f"{folder}: no motion for a library page (no entry in {INDEX_NAME} and no .npz)")
    robots_by_name: dict[str, tuple[Robot, RobotGeometry]] = {}
    clips, table = [], []
    for row in rows:
        item: dict[str, Any] = {
            "name": row.name, "preset": row.preset, "command": rounded(row.command),
            "commanded": rounded(row.commanded) if row.commanded else None,
            "achieved": rounded(row.achieved) if row.achieved else None,
            "status": row.status, "reasons": list(row.reasons), "clip": -1,
        }
        motion = loaded.get(row.name)
        if motion is not None and row.path is not None:
            key = robot if robot is not None else str(motion.meta.get("robot", ""))
            if key not in robots_by_name:
                model = resolve_robot(motion, row.path, robot, robots_dirs)
                robots_by_name[key] = (model, robot_geometry(model))
            model, geometry = robots_by_name[key]
            item["clip"] = len(clips)
            clips.append({"name": row.name,
                          "payload": clip_payload(motion, model, geometry, name=row.name, repetitions=repetitions)})
        table.append(item)
    data = {
        "kind": "library",
        "options": {"speed": speed, "loop": loop, "follow": True},
        "robots": {geometry.name: geometry.payload for _, geometry in robots_by_name.values()},
        "clips": clips,
        "library": {"title": folder.resolve().name, "rows": table, "skipped": rounded(skipped),
                    "colours": plots.STATUS_COLOURS},
    }
    return page_html(title=f"{folder.resolve().name} - gait_preview library", data=data)


def export_library_html(folder: str | os.PathLike[str], out: str | os.PathLike[str], **options: Any) -> Path:
    """Write :func:`library_html` of ``folder`` to ``out`` atomically (``options``: its keyword arguments).

    Raises:
        OutputError: ``out``'s folder does not exist or cannot be written.
    """
    out = Path(out)
    if not out.parent.is_dir():
        raise OutputError(f"{out}: folder {out.parent} does not exist")
    html = library_html(folder, **options)
    try:
        return atomic_write_text(out, html)
    except OSError as exc:
        raise OutputError(f"{out}: cannot write the library page: {exc}") from exc
