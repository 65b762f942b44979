"""``gait_preview``: look at a motion clip or a motion library.

    gait_preview PATH [--robot NAME|SPEC.yaml] [--html OUT.html] [--plot OUT.png]
                      [--loop] [--speed X] [--open]

PATH is a motion ``.npz`` or a folder of motions (with or without ``index.json``).
With ``--html`` and/or ``--plot`` the files are written and the command exits;
without them the clip plays live in a meshcat viewer on 127.0.0.1 until Ctrl-C
(or the end of the clip without ``--loop``). For a folder, ``--plot`` draws the
library's velocity coverage; the live view and ``--html`` show its first motion.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
import time
import webbrowser
from collections.abc import Sequence
from pathlib import Path

import meshcat

import motions
import robots
from gait_generator.errors import GaitGeneratorError, MotionFormatError, OutputError, RobotSpecError
from gait_generator.index import INDEX_NAME, read_index
from motions import Motion
from motions.atomic import atomic_write_bytes
from robots.soles import sole_polygons
from robots import Robot
from viz import plots
from viz.export import export_html
from viz.player import play
from viz.scene import ClipScene
from viz.server import MeshcatServer

__all__ = ["main", "preview_first", "resolve_robot", "library_motions", "library_points", "LOOP_HTML_REPETITIONS"]

LOOP_HTML_REPETITIONS = 3
"""Repetitions baked into ``--html --loop`` (each at its loop offset); the page then replays them."""


def resolve_robot(motion: Motion, path: Path, robot: str | None) -> Robot:
    """The robot of ``motion``: ``robot`` if given, else ``meta["robot"]``.

    Raises:
        RobotSpecError: No robot recorded and none given, or the robot is unknown
            (the message names the motion file).
    """
    name = robot if robot is not None else motion.meta.get("robot")
    if not name:
        raise RobotSpecError(f"{path}: the motion names no robot (meta['robot']); pass --robot NAME")
    try:
        return robots.load_robot(str(name))
    except RobotSpecError as exc:
        raise RobotSpecError(f"{path}: robot '{name}': {exc}") from exc


def library_motions(folder: Path) -> list[Path]:
    """Motion files of a folder: the ``ok`` files of ``index.json`` in id order, else every ``*.npz`` sorted."""
    if (folder / INDEX_NAME).is_file():
        doc = read_index(folder)
        return [folder / e["file"] for e in doc.get("motions", []) if e.get("status") == "ok"]
    return sorted(folder.glob("*.npz"))


def library_points(folder: Path) -> list[plots.LibraryPoint]:
    """One coverage point per motion of ``folder``, coloured by validation status where the index has one.

    Failed and skipped index rows are included (no achieved velocity) when a
    loaded motion of the same preset gives the step duration.
    """
    if not (folder / INDEX_NAME).is_file():
        return [plots.LibraryPoint.from_motion(motions.load(p), name=p.name) for p in sorted(folder.glob("*.npz"))]
    entries = read_index(folder).get("motions", [])
    durations: dict[str, float] = {}
    points: list[plots.LibraryPoint] = []
    pending = []
    for entry in entries:
        if entry.get("status") != "ok":
            pending.append(entry)
            continue
        motion = motions.load(folder / entry["file"])
        durations.setdefault(str(entry.get("preset", "")), plots.step_duration(motion))
        points.append(plots.LibraryPoint.from_index_entry(entry, plots.step_duration(motion)))
    for entry in pending:
        duration = durations.get(str(entry.get("preset", "")))
        if duration:
            points.append(plots.LibraryPoint.from_index_entry(entry, duration))
    return points


def _load(path: Path) -> Motion:
    if not path.exists():
        raise MotionFormatError(f"{path}: no such motion file or folder")
    return motions.load(path)


def _write_png(fig, out: Path) -> None:
    if not out.parent.is_dir():
        raise OutputError(f"{out}: folder {out.parent} does not exist")
    atomic_write_bytes(out, plots.figure_png(fig))


def _live(motion: Motion, robot: Robot, *, speed: float, loop: bool, open_browser: bool) -> None:
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
    out_dir: str | Path, *, speed: float = 1.0, loop: bool = True, html: str | Path | None = None
) -> Path:
    """Preview the first motion of a generated folder (for ``auto_gait_generator --preview``).

    Writes ``html`` if given, else plays the motion live until Ctrl-C.

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
    motion = _load(files[0])
    robot = resolve_robot(motion, files[0], None)
    if html is not None:
        export_html(motion, robot, html, repetitions=LOOP_HTML_REPETITIONS if loop else 1, speed=speed, loop=loop)
    else:
        _live(motion, robot, speed=speed, loop=loop, open_browser=False)
    return files[0]


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="gait_preview", description=__doc__.split("\n\n")[0])
    p.add_argument("path", type=Path, help="motion .npz, or a folder of motions")
    p.add_argument("--robot", help=f"robot name {robots.list_robots()} or spec .yaml (default: the motion's meta['robot'])")
    p.add_argument("--html", type=Path, help="write a self-contained animated HTML file and exit")
    p.add_argument("--plot", type=Path, help="write a PNG of the plots (a folder: velocity coverage) and exit")
    p.add_argument("--loop", action="store_true", help="loop the clip, continuing through its loop offset")
    p.add_argument("--speed", type=float, default=1.0, help="playback speed factor (default 1 = real time)")
    p.add_argument("--open", action="store_true", help="open the live viewer in a browser (only with a display)")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``gait_preview``; returns the exit status (0 ok, 2 bad input)."""
    args = _parser().parse_args(argv)
    try:
        if not args.speed > 0:
            raise MotionFormatError(f"--speed: {args.speed}, expected a factor > 0")
        path: Path = args.path
        if path.is_dir():
            files = library_motions(path)
            if args.plot is not None:
                points = library_points(path)
                if not points:
                    raise MotionFormatError(f"{path}: no motion to plot")
                _write_png(plots.coverage_figure(points, title=f"{path.name}: {len(points)} motions"), args.plot)
                print(f"wrote {args.plot}")
            if args.plot is not None and args.html is None:
                return 0
            if not files:
                raise MotionFormatError(f"{path}: no motion to preview (no ok motion in {INDEX_NAME} and no .npz)")
            path = files[0]
            motion = _load(path)
        else:
            motion = _load(path)
            if args.plot is not None:
                robot_for_feet = resolve_robot(motion, path, args.robot)
                fig = plots.motion_figure(motion, soles=sole_polygons(robot_for_feet), title=path.name)
                _write_png(fig, args.plot)
                print(f"wrote {args.plot}")
        robot = resolve_robot(motion, path, args.robot)
        if args.html is not None:
            reps = LOOP_HTML_REPETITIONS if args.loop else 1
            export_html(motion, robot, args.html, repetitions=reps, speed=args.speed, loop=args.loop)
            print(f"wrote {args.html}")
        if args.html is None and args.plot is None:
            _live(motion, robot, speed=args.speed, loop=args.loop, open_browser=args.open)
    except GaitGeneratorError as exc:
        print(f"gait_preview: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
