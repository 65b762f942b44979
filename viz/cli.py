"""``gait_preview``: look at a motion clip or a motion library.

    gait_preview PATH [--robot NAME|SPEC.yaml] [--robots-dir DIR] [--html OUT.html] [--plot OUT.png]
                      [--loop] [--speed X] [--open]

PATH is a motion ``.npz`` or a folder of motions (with or without ``index.json``).
With ``--html`` and/or ``--plot`` the files are written and the command exits;
without them the clip plays live in a meshcat viewer on 127.0.0.1 until Ctrl-C
(or the end of the clip without ``--loop``). For a folder, ``--plot`` draws the
library's velocity coverage; the live view and ``--html`` show its first motion.
The robot is ``--robot``, else the motion's ``meta["robot"]`` looked up in the
registry and the ``--robots-dir`` folders only (never as a path).
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
from typing import TYPE_CHECKING

import motions
import robots
from gait_generator.errors import GaitGeneratorError, MotionFormatError, OutputError, RobotSpecError
from motions import Motion
from motions.atomic import atomic_write_bytes, remove_stale_temps
from motions.index import INDEX_NAME, iter_skipped, read_index
from robots import Robot
from robots.resolve import load_user_robot, robot_named_in_file

if TYPE_CHECKING:
    from viz import plots

# meshcat, matplotlib (viz.plots), MuJoCo and scipy (robots.soles) are imported where they are used,
# so ``gait_preview --help`` and bad-argument errors stay fast (0.3 s instead of 1.5 s).

__all__ = ["main", "preview_first", "resolve_robot", "library_motions", "library_points", "LOOP_HTML_REPETITIONS"]

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


def _load(path: Path) -> Motion:
    if not path.exists():
        raise MotionFormatError(f"{path}: no such motion file or folder")
    return motions.load(path)


def _write_png(fig, out: Path) -> None:
    from viz import plots

    if not out.parent.is_dir():
        raise OutputError(f"{out}: folder {out.parent} does not exist")
    atomic_write_bytes(out, plots.figure_png(fig))


def _live(motion: Motion, robot: Robot, *, speed: float, loop: bool, open_browser: bool) -> None:
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
    motion = _load(files[0])
    robot_model = resolve_robot(motion, files[0], robot)
    if html is not None:
        from viz.export import export_html

        export_html(motion, robot_model, html, repetitions=LOOP_HTML_REPETITIONS if loop else 1, speed=speed,
                    loop=loop)
    else:
        _live(motion, robot_model, speed=speed, loop=loop, open_browser=False)
    return files[0]


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="gait_preview", description=__doc__.split("\n\n")[0])
    p.add_argument("path", type=Path, help="motion .npz, or a folder of motions")
    p.add_argument("--robot", help=f"robot name {robots.list_robots()} or spec .yaml (default: the motion's meta['robot'], "
                                   "a registered name or one found in --robots-dir; a path there is refused)")
    p.add_argument("--robots-dir", action="append", type=Path, default=[], metavar="DIR",
                   help="folder of robot specs (DIR/NAME.yaml or DIR/NAME/NAME.yaml) to look robot names up in, "
                        "after the registry; repeatable")
    p.add_argument("--html", type=Path, help="write a self-contained animated HTML file and exit")
    p.add_argument("--plot", type=Path, help="write a PNG of the plots (a folder: velocity coverage) and exit")
    p.add_argument("--loop", action="store_true", help="loop the clip, continuing through its loop offset")
    p.add_argument("--speed", type=float, default=1.0, help="playback speed factor (default 1 = real time)")
    p.add_argument("--open", action="store_true", help="open the live viewer in a browser (only with a display)")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``gait_preview``; returns the exit status (0 ok, 2 bad input, 130 interrupted).

    Ctrl-C stops the live viewer normally (status 0); anywhere else it exits with 130.
    """
    try:
        return _main(_parser().parse_args(argv))
    except KeyboardInterrupt:
        print("gait_preview: interrupted", file=sys.stderr)
        return 130


def _main(args: argparse.Namespace) -> int:
    for out in (args.html, args.plot):
        if out is not None:
            remove_stale_temps(out.parent, [out.name])  # left by a killed run
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
                from viz import plots  # matplotlib: imported only to draw

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
                from robots.soles import sole_polygons
                from viz import plots

                robot_for_feet = resolve_robot(motion, path, args.robot, args.robots_dir)
                fig = plots.motion_figure(motion, soles=sole_polygons(robot_for_feet), title=path.name)
                _write_png(fig, args.plot)
                print(f"wrote {args.plot}")
        robot = resolve_robot(motion, path, args.robot, args.robots_dir)
        if args.html is not None:
            from viz.export import export_html

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
