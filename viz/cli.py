"""``gait_preview``: look at a motion clip or a motion library.

    gait_preview PATH [--clip NAME|INDEX] [--robot NAME|SPEC.yaml] [--robots-dir DIR] [--html OUT.html]
                      [--plot OUT.png] [--loop] [--speed X] [--open]

PATH is a motion ``.npz``, a folder of motions (with or without ``index.json``)
or a folder's ``index.json``. With ``--html`` and/or ``--plot`` the files are
written and the command exits; without them the clip plays live in a meshcat
viewer on 127.0.0.1 until Ctrl-C (or the end of the clip without ``--loop``).
For a library, ``--html`` writes the library page (coverage plot, table, player
for every clip) and ``--plot`` the velocity coverage; ``--clip`` picks one
clip instead (by file name or 0-based index), and the live view shows that
clip or the first; the clip picked is printed as ``showing <name>``.
The robot is ``--robot``, else the motion's ``meta["robot"]`` looked up in the
registry and the ``--robots-dir`` folders only (never as a path).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import robots
from motions.atomic import atomic_write_bytes, remove_stale_temps
from motions.console import HelpFormatter, choices
from motions.errors import GaitGeneratorError, MotionFormatError, OutputError
from motions.index import INDEX_NAME
from viz.preview import (
    LOOP_HTML_REPETITIONS,
    library_folder,
    library_motions,
    library_points,
    load_clip,
    pick_clip,
    play_live,
    resolve_robot,
)

# meshcat, matplotlib (viz.plots), MuJoCo and scipy (robots.soles) are imported where they are used,
# so ``gait_preview --help`` and bad-argument errors stay fast (0.3 s instead of 1.5 s).

__all__ = ["main"]


def _write_png(fig, out: Path) -> None:
    from viz import plots

    if not out.parent.is_dir():
        raise OutputError(f"{out}: folder {out.parent} does not exist")
    atomic_write_bytes(out, plots.figure_png(fig))


def _library_outputs(folder: Path, args: argparse.Namespace) -> None:
    """``--plot`` (velocity coverage) and ``--html`` (the library page) of a whole library."""
    if args.plot is not None:
        points = library_points(folder)
        if not points:
            raise MotionFormatError(f"{folder}: no motion to plot")
        from viz import plots  # matplotlib: imported only to draw

        _write_png(plots.coverage_figure(points, title=f"{folder.name}: {len(points)} motions"), args.plot)
        print(f"wrote {args.plot}")
    if args.html is not None:
        from viz.library_page import export_library_html

        reps = LOOP_HTML_REPETITIONS if args.loop else 1
        out = export_library_html(folder, args.html, robot=args.robot, robots_dirs=args.robots_dir, speed=args.speed,
                                  loop=args.loop, repetitions=reps)
        print(f"wrote {out} (library page, {len(library_motions(folder))} clips)")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="gait_preview", formatter_class=HelpFormatter,
                                description="Look at a motion clip or a motion library: a live meshcat view, a "
                                            "self-contained HTML page or PNG plots.")
    p.add_argument("path", type=Path, help="motion .npz, a folder of motions, or its index.json")
    p.add_argument("--clip", metavar="NAME|INDEX",
                   help="for a folder or index.json: the clip to show (file name, stem, or 0-based index) "
                        "(default: the live view shows the first, --html writes the library page)")
    p.add_argument("--robot", help=f"robot name {choices(robots.list_robots())} or spec .yaml (default: the "
                                   "motion's meta['robot'], a registered name or one found in --robots-dir; a path "
                                   "there is refused)")
    p.add_argument("--robots-dir", action="append", type=Path, default=[], metavar="DIR",
                   help="folder of robot specs (DIR/NAME.yaml or DIR/NAME/NAME.yaml) to look robot names up in, "
                        "after the registry; repeatable")
    p.add_argument("--html", type=Path, help="write a self-contained HTML player (a library: the library page) "
                                            "and exit")
    p.add_argument("--plot", type=Path, help="write a PNG of the plots (a library: velocity coverage) and exit")
    p.add_argument("--loop", action="store_true", help="loop the clip, continuing through its loop offset")
    p.add_argument("--speed", type=float, default=1.0, help="playback speed factor (1 = real time)")
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
        folder = library_folder(path)
        if folder is not None and args.clip is None and (args.plot is not None or args.html is not None):
            _library_outputs(folder, args)
            return 0
        if folder is not None:
            files = library_motions(folder)
            if not files:
                raise MotionFormatError(f"{folder}: no motion to preview (no ok motion in {INDEX_NAME} and no .npz)")
            path = pick_clip(folder, files, args.clip) if args.clip is not None else files[0]
            first = "" if args.clip is not None else f" (first of {len(files)}; --clip NAME|INDEX picks another)"
            print(f"showing {path.name}{first}", flush=True)
        elif args.clip is not None:
            raise MotionFormatError(f"{path}: --clip picks a clip of a folder or index.json, not of one motion file")
        motion = load_clip(path)
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
            export_html(motion, robot, args.html, repetitions=reps, speed=args.speed, loop=args.loop, name=path.name)
            print(f"wrote {args.html}")
        if args.html is None and args.plot is None:
            play_live(motion, robot, speed=args.speed, loop=args.loop, open_browser=args.open)
    except GaitGeneratorError as exc:
        print(f"gait_preview: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
