"""Previewing motions: the robot of a clip, the motions of a folder, live playback and ``preview_first``.

The library half of ``gait_preview`` (:mod:`viz.cli`), also used by
``auto_gait_generator --preview`` through :func:`viz.preview_first`. meshcat,
matplotlib (:mod:`viz.plots`) and the HTML export are imported where they are
used, so the command line's ``--help`` stays fast.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import time
import webbrowser
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import motions
from motions import Motion
from motions.errors import MotionFormatError
from motions.index import INDEX_NAME, iter_skipped, read_index
from robots import Robot
from robots.errors import RobotSpecError
from robots.resolve import load_user_robot, robot_named_in_file

if TYPE_CHECKING:
    from viz import plots

__all__ = [
    "LOOP_HTML_REPETITIONS",
    "SKIPPED_PLOTTED",
    "library_folder",
    "library_motions",
    "library_points",
    "load_clip",
    "pick_clip",
    "play_live",
    "preview_first",
    "resolve_robot",
]

LOOP_HTML_REPETITIONS = 3
"""Repetitions baked into ``--html --loop`` (each at its loop offset); the page then replays them."""

SKIPPED_PLOTTED = 10_000
"""Most skipped commands a coverage plot draws (every k-th of a longer list, in id order)."""


def resolve_robot(motion: Motion, path: Path, robot: str | None,
                  robots_dirs: Sequence[str | os.PathLike[str]] = ()) -> Robot:
    """The robot of ``motion``: the user's ``robot`` if given, else ``meta["robot"]``.

    ``meta["robot"]`` resolves only through the registry and ``robots_dirs``;
    a path there is refused (:mod:`robots.resolve`).

    Raises:
        RobotSpecError: No robot recorded and none given, the robot is unknown,
            or ``meta["robot"]`` is a path (the message names the motion file).
    """
    if robot is not None:
        try:
            return load_user_robot(robot, robots_dirs)
        except RobotSpecError as exc:
            raise RobotSpecError(f"{path}: robot '{robot}': {exc}") from exc
    name = motion.meta.get("robot")
    if not name:
        raise RobotSpecError(f"{path}: the motion names no robot (meta['robot']); pass --robot NAME")
    return robot_named_in_file(str(name), path, "meta.robot", robots_dirs)


def library_folder(path: Path) -> Path | None:
    """The motion folder ``path`` names: itself if a folder, its folder if its ``index.json``; None for a motion file.

    Raises:
        MotionFormatError: ``path`` does not exist, or is a ``.json`` file other than ``index.json``.
    """
    if path.is_dir():
        return path
    if not path.exists():
        raise MotionFormatError(f"{path}: no such motion file or folder")
    if path.name == INDEX_NAME:
        return path.parent
    if path.suffix == ".json":
        raise MotionFormatError(f"{path}: expected a motion .npz, a folder of motions or its {INDEX_NAME}")
    return None


def pick_clip(folder: Path, files: Sequence[Path], clip: str) -> Path:
    """The motion of ``files`` (a library's, in order) that ``clip`` names: a file name, its stem, or a 0-based index.

    Raises:
        MotionFormatError: No motion matches (the message gives how many there are and the first names).
    """
    for path in files:
        if clip in (path.name, path.stem):
            return path
    if clip.lstrip("-").isdigit() and -len(files) <= int(clip) < len(files):
        return files[int(clip)]
    names = ", ".join(p.name for p in files[:3]) + (", ..." if len(files) > 3 else "")
    raise MotionFormatError(f"{folder}: --clip {clip}: no such clip; expected a name or an index 0..{len(files) - 1} "
                            f"of its {len(files)} motions ({names})")


def library_motions(folder: Path) -> list[Path]:
    """Motion files of a folder: the ``ok`` files of ``index.json`` in id order, else every ``*.npz`` sorted."""
    if (folder / INDEX_NAME).is_file():
        index = read_index(folder)
        return [index.file_path(e) for e in index.ok_entries()]
    return sorted(folder.glob("*.npz"))


def library_points(folder: Path) -> list[plots.LibraryPoint]:
    """One coverage point per motion of ``folder``, coloured by validation status where the index has one.

    Failed motions and skipped commands (``skipped.csv``; at most
    :data:`SKIPPED_PLOTTED`, evenly spread) are included, without an achieved
    velocity, when a loaded motion of the same preset gives the step duration.
    """
    from viz import plots

    if not (folder / INDEX_NAME).is_file():
        return [plots.LibraryPoint.from_motion(motions.load(p), name=p.name) for p in sorted(folder.glob("*.npz"))]
    index = read_index(folder)
    durations: dict[str, float] = {}
    points: list[plots.LibraryPoint] = []
    pending = []
    for entry in index.entries:
        if entry.status != "ok":
            pending.append(entry)
            continue
        motion = motions.load(index.file_path(entry))
        durations.setdefault(entry.preset, plots.step_duration(motion))
        points.append(plots.LibraryPoint.from_index_entry(entry, plots.step_duration(motion)))
    for entry in pending:
        duration = durations.get(entry.preset)
        if duration:
            points.append(plots.LibraryPoint.from_index_entry(entry, duration))
    every = -(-index.skipped.count // SKIPPED_PLOTTED)
    for k, row in enumerate(iter_skipped(index) if durations.keys() & index.skipped.counts.keys() else ()):
        duration = durations.get(row.preset)
        if duration and k % every == 0:
            points.append(plots.LibraryPoint.from_skipped(row, duration))
    return points


def load_clip(path: Path) -> Motion:
    """The motion file at ``path``; MotionFormatError (naming it) if it is missing or invalid."""
    if not path.exists():
        raise MotionFormatError(f"{path}: no such motion file or folder")
    return motions.load(path)


def play_live(motion: Motion, robot: Robot, *, speed: float, loop: bool, open_browser: bool) -> None:
    """Play ``motion`` in a meshcat viewer on 127.0.0.1 until Ctrl-C (or the clip's end without ``loop``)."""
    import meshcat

    from viz.player import play
    from viz.scene import ClipScene
    from viz.server import MeshcatServer

    with MeshcatServer() as server:
        with contextlib.redirect_stdout(io.StringIO()):
            vis = meshcat.Visualizer(zmq_url=server.zmq_url)
        scene = ClipScene(motion, robot)
        scene.draw(vis)
        print(f"meshcat viewer: {server.web_url}  (Ctrl-C to stop)", flush=True)
        if open_browser:
            if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") or sys.platform == "darwin":
                webbrowser.open(server.web_url, new=2)
            else:
                print("no display: open the URL above in a browser", file=sys.stderr)
        try:
            play(scene, vis, speed=speed, loop=loop)
            if not loop:
                print("clip finished; the scene stays up until Ctrl-C", flush=True)
                while True:
                    time.sleep(3600)
        except KeyboardInterrupt:
            pass


def preview_first(
    out_dir: str | Path, *, speed: float = 1.0, loop: bool = True, html: str | Path | None = None,
    robot: str | None = None,
) -> Path:
    """Preview the first motion of a generated folder (for ``auto_gait_generator --preview``).

    Writes ``html`` if given, else plays the motion live until Ctrl-C.
    ``robot``: the robot the user generated for (name or spec path), used
    instead of the motion's ``meta["robot"]``.

    Returns:
        The motion file previewed.

    Raises:
        MotionFormatError: The folder holds no motion.
        RobotSpecError: The motion's robot is unknown.
    """
    folder = Path(out_dir)
    files = library_motions(folder) if folder.is_dir() else []
    if not files:
        raise MotionFormatError(f"{folder}: no motion to preview (no ok motion in {INDEX_NAME} and no .npz)")
    motion = load_clip(files[0])
    robot_model = resolve_robot(motion, files[0], robot)
    if html is not None:
        from viz.export import export_html

        export_html(motion, robot_model, html, repetitions=LOOP_HTML_REPETITIONS if loop else 1, speed=speed,
                    loop=loop)
    else:
        play_live(motion, robot_model, speed=speed, loop=loop, open_browser=False)
    return files[0]
