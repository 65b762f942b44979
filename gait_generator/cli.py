"""``auto_gait_generator``: write walking motions (random, grid sweep or listed commands) in parallel, plus an index."""

from __future__ import annotations

import argparse
import math
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from gait_generator.sweep import (
    COMMAND_LIMIT,
    MAX_COMMANDS,
    JobList,
    grid_commands,
    load_commands,
    make_jobs,
    motion_seed,
    random_commands,
)
from gait_generator.timing import LENGTH_RANGE
from motions.errors import GaitGeneratorError, OutputError
from motions.index import MAX_INDEX_ENTRIES, SKIP_CLASSES

if TYPE_CHECKING:
    from gait_generator.batch import BatchResult

__all__ = ["main", "build_parser", "run", "random_commands", "motion_seed"]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (robot choices come from the registry)."""
    from robots import list_robots

    p = argparse.ArgumentParser(
        prog="auto_gait_generator",
        description="Generate reference walking motions with placo (60 fps, seamless loops by default).",
    )
    what = p.add_mutually_exclusive_group()
    what.add_argument("-n", type=int, default=None,
                      help="random commands: number of motions per preset (default 10), drawn in the preset's command_range")
    what.add_argument("--sweep", action="store_true",
                      help="grid of commands over each preset's command_range (narrowed or widened by "
                           "--min_*/--max_*), spaced by the robot spec's sweep steps")
    what.add_argument("--commands", type=Path, metavar="FILE",
                      help="commands from a .csv, .yaml or .json file (dx, dy, dtheta per step; streamed)")
    p.add_argument("-o", "--output", type=Path, help="output directory")
    p.add_argument("--robot", default="mini_biped",
                   help=f"registered robot ({', '.join(list_robots())}) or a robot spec .yaml")
    p.add_argument("--list-robots", action="store_true", help="print the registered robots and exit")
    p.add_argument("--preset", default="medium",
                   help="preset name of the robot or a preset .yaml, or several separated by commas (default medium); "
                        "every command is run with each preset")
    p.add_argument("-l", "--length", type=float, default=10.0,
                   help="clip length in seconds, rounded to whole gait cycles for looping clips (default 10)")
    p.add_argument("--fps", type=float, default=60.0, help="frame rate (default 60)")
    p.add_argument("--seed", type=int, default=0, help="global seed (default 0)")
    p.add_argument("--with-start", action="store_true", help="record the start from standing (non-looping clips)")
    for key, unit in (("dx", "m"), ("dy", "m"), ("dtheta", "rad")):
        p.add_argument(f"--min_{key}", type=float, default=None,
                       help=f"lowest {key} per step ({unit}); default from the preset's command_range")
        p.add_argument(f"--max_{key}", type=float, default=None,
                       help=f"highest {key} per step ({unit}); default from the preset's command_range")
    p.add_argument("--xy_step", type=float, default=None, help="--sweep grid spacing of dx and dy (m); default from the spec")
    p.add_argument("--theta_step", type=float, default=None, help="--sweep grid spacing of dtheta (rad); default from the spec")
    p.add_argument("-j", "--jobs", type=int, default=1, help="worker processes (default 1)")
    p.add_argument("--backend", choices=("loky", "dask"), default="loky",
                   help="loky: local joblib processes (default); dask: a dask.distributed cluster")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="dask scheduler address (default: start a local cluster of -j workers)")
    p.add_argument("--strict", action="store_true", help="exit with 1 if any motion failed")
    p.add_argument("--dry-run", action="store_true",
                   help="read and check the arguments and commands, print how many motions would be generated or "
                        "skipped per preset, and write nothing (-o not needed)")
    p.add_argument("--preview", action="store_true",
                   help="afterwards, play the first generated clip in meshcat (127.0.0.1; prints the URL)")
    p.add_argument("--preview-html", type=Path, default=None, metavar="OUT.html",
                   help="afterwards, write the first generated clip as a self-contained HTML animation")
    return p


def _ranges(args: argparse.Namespace, preset_ranges: dict[str, tuple[float, float]]) -> dict[str, tuple[float, float]]:
    out = {}
    for key in ("dx", "dy", "dtheta"):
        lo = getattr(args, f"min_{key}")
        hi = getattr(args, f"max_{key}")
        lo = preset_ranges[key][0] if lo is None else lo
        hi = preset_ranges[key][1] if hi is None else hi
        if lo > hi:
            raise GaitGeneratorError(f"--min_{key} {lo} is larger than --max_{key} {hi}")
        out[key] = (lo, hi)
    return out


def _check_arguments(args: argparse.Namespace) -> None:
    """Reject bad numbers before any file is read or written."""
    lo, hi = LENGTH_RANGE
    if not (math.isfinite(args.length) and lo <= args.length <= hi):
        raise GaitGeneratorError(f"-l/--length {args.length:g} s is outside the allowed range [{lo:g}, {hi:g}] s")
    if args.seed < 0:
        raise GaitGeneratorError(f"--seed {args.seed}: expected an integer >= 0")
    if args.jobs < 1:
        raise GaitGeneratorError(f"-j must be at least 1, got {args.jobs}")
    if args.n is not None and not 1 <= args.n <= MAX_COMMANDS:
        raise GaitGeneratorError(f"-n must be in [1, {MAX_COMMANDS}], got {args.n}")
    for key in ("min_dx", "max_dx", "min_dy", "max_dy", "min_dtheta", "max_dtheta", "xy_step", "theta_step"):
        value = getattr(args, key)
        if value is not None and not (math.isfinite(value) and abs(value) <= COMMAND_LIMIT):
            raise GaitGeneratorError(f"--{key} {value:g} is not a finite number within +-{COMMAND_LIMIT:g}")


def _dry_run(jobs: JobList, presets: list, source: str) -> int:
    """Print what a batch would do with ``jobs`` (commands within or beyond each preset's limits)."""
    counts = [str(len(jobs.commands(p))) for p in range(len(presets))]  # per preset (a --sweep grid may differ)
    each = counts[0] if len(set(counts)) == 1 else "/".join(counts)
    print(f"dry run: {len(jobs)} motions ({each} commands from {source} x {len(presets)} preset(s)); nothing written")
    within = 0
    for p, preset in enumerate(presets):
        axis, _ = preset.first_beyond(jobs.commands(p))
        beyond = {key: int((axis == k).sum()) for k, key in enumerate(SKIP_CLASSES)}
        within += int((axis < 0).sum())
        print(f"  {preset.name}: {int((axis < 0).sum())} to generate or reuse, {int((axis >= 0).sum())} skipped "
              "(beyond the step limits: " + ", ".join(f"{key} {n}" for key, n in beyond.items()) + ")")
    if within > MAX_INDEX_ENTRIES:
        print(f"  {within} motions are more than the {MAX_INDEX_ENTRIES} one index lists: the batch would be "
              "refused; split it over several output folders")
    return 0


def _prepare_output(path: Path) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{path}: cannot create the output directory: {exc.strerror or exc}") from exc
    probe = path / f".write_test.{os.getpid()}"  # per process: concurrent batches may share a folder
    try:
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise OutputError(f"{path}: output directory is not writable: {exc.strerror or exc}") from exc


def _summary(result: "BatchResult", output: Path) -> None:
    print(f"wrote {result.ok} of {result.total} motions to {output} (index.json); regenerated {result.generated}, "
          f"reused {result.reused}, failed {result.failed}, skipped {result.count('skipped')}", file=sys.stderr)
    if result.skipped_file is not None:
        order = {key: k for k, key in enumerate(SKIP_CLASSES)}
        why = "; ".join(f"{preset}: " + ", ".join(f"{key} {counts[key]}" for key in sorted(counts, key=order.get))
                        for preset, counts in result.skipped.items())
        print(f"  skipped {result.count('skipped')} (beyond the preset's step limits, never clamped; {why}): "
              f"listed in {result.skipped_file}", file=sys.stderr)
    for e in result.failures:
        print(f"  failed {e.file}: {e.reason}", file=sys.stderr)
    if result.failed > len(result.failures):
        print(f"  ... and {result.failed - len(result.failures)} more failed (see index.json)", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    """Generate the motions described by parsed arguments; return the exit code."""
    from gait_generator.batch import BatchSettings, run_batch
    from gait_generator.preset import resolve_preset
    from gait_generator.timing import snap_timing
    from robots import load_robot

    if args.output is None and not args.dry_run:
        raise GaitGeneratorError("-o/--output is required")
    _check_arguments(args)
    robot = load_robot(args.robot)
    sources = [p.strip() for p in str(args.preset).split(",") if p.strip()]
    if not sources:
        raise GaitGeneratorError(f"--preset needs at least one preset, got {args.preset!r}")
    presets = [resolve_preset(robot.spec.presets, source, robot.name) for source in sources]
    names = [p.name for p in presets]
    if len(set(names)) != len(names):
        raise GaitGeneratorError(f"--preset lists a preset twice: {names}")
    if args.commands is not None:
        commands = load_commands(args.commands)
        per_preset = [commands for _ in presets]
    elif args.sweep:
        xy_step = robot.spec.sweep.xy_step if args.xy_step is None else args.xy_step
        theta_step = robot.spec.sweep.theta_step if args.theta_step is None else args.theta_step
        try:
            per_preset = [grid_commands(_ranges(args, p.command_range), xy_step, theta_step) for p in presets]
        except ValueError as exc:
            raise GaitGeneratorError(f"--sweep: {exc}") from exc
    else:
        n = 10 if args.n is None else args.n
        per_preset = [random_commands(n, _ranges(args, p.command_range), args.seed) for p in presets]
    jobs = make_jobs(list(zip(names, sources)), per_preset, args.seed)
    timings = [snap_timing(preset, args.fps) for preset in presets]  # checks --fps before anything is written
    if args.dry_run:
        what = args.commands or ("the --sweep grid" if args.sweep else "random commands")
        return _dry_run(jobs, presets, str(what))
    _prepare_output(args.output)
    for preset, timing in zip(presets, timings):
        print(f"{preset.name}: {timing.describe()}", file=sys.stderr)
    settings = BatchSettings(robot=args.robot, output=args.output, length=args.length, fps=args.fps,
                             with_start=args.with_start)
    result = run_batch(jobs, {p.name: p for p in presets}, robot.name, settings, n_jobs=args.jobs,
                       backend=args.backend, scheduler=args.scheduler)
    _summary(result, args.output)
    if result.ok == 0:
        return 1
    if args.preview or args.preview_html is not None:
        from viz import preview_first

        shown = preview_first(args.output, html=args.preview_html, robot=args.robot)
        print(f"previewed {shown.name}", file=sys.stderr)
    if args.strict and result.failed:
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``auto_gait_generator``; Ctrl-C exits with 130 (finished motions stay in the index)."""
    try:
        args = build_parser().parse_args(argv)
        if args.list_robots:
            from robots import list_robots

            print("\n".join(list_robots()))
            return 0
        try:
            return run(args)
        except GaitGeneratorError as exc:
            print(f"auto_gait_generator: error: {exc}", file=sys.stderr)
            return 2
    except KeyboardInterrupt:
        print("auto_gait_generator: interrupted; the motions finished so far are in the index", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
