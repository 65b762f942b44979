"""``auto_gait_generator``: write walking motions (random, grid sweep or listed commands) in parallel, plus an index."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from gait_generator.errors import GaitGeneratorError, OutputError
from gait_generator.sweep import grid_commands, make_jobs, motion_seed, random_commands, read_commands

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
                      help="grid of commands over the robot spec's sweep ranges (narrowed by --min_*/--max_*)")
    what.add_argument("--commands", type=Path, metavar="FILE",
                      help="commands from a .yaml or .csv file (dx, dy, dtheta per step)")
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
                       help=f"lowest {key} per step ({unit}); default from the preset (random) or the spec (--sweep)")
        p.add_argument(f"--max_{key}", type=float, default=None,
                       help=f"highest {key} per step ({unit}); default from the preset (random) or the spec (--sweep)")
    p.add_argument("--xy_step", type=float, default=None, help="--sweep grid spacing of dx and dy (m); default from the spec")
    p.add_argument("--theta_step", type=float, default=None, help="--sweep grid spacing of dtheta (rad); default from the spec")
    p.add_argument("-j", "--jobs", type=int, default=1, help="worker processes (default 1)")
    p.add_argument("--backend", choices=("loky", "dask"), default="loky",
                   help="loky: local joblib processes (default); dask: a dask.distributed cluster")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="dask scheduler address (default: start a local cluster of -j workers)")
    p.add_argument("--strict", action="store_true", help="exit with 1 if any motion failed")
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


def _prepare_output(path: Path) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{path}: cannot create the output directory: {exc.strerror or exc}") from exc
    probe = path / ".write_test"
    try:
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise OutputError(f"{path}: output directory is not writable: {exc.strerror or exc}") from exc


def _summary(result: "BatchResult", output: Path) -> None:
    entries = result.entries
    print(f"wrote {result.count('ok')} of {len(entries)} motions to {output} (index.json); "
          f"regenerated {result.generated}, reused {result.reused}, failed {result.count('failed')}, "
          f"skipped {result.count('skipped')}", file=sys.stderr)
    skipped = [e for e in entries if e.status == "skipped"]
    if skipped:
        reasons: dict[str, int] = {}
        for e in skipped:
            key = e.reason.split(" is outside ")[0].split("=")[0].replace("command ", "")
            reasons[key] = reasons.get(key, 0) + 1
        why = ", ".join(f"{n} with {k} beyond the preset's step limits" for k, n in sorted(reasons.items()))
        print(f"  skipped {len(skipped)}: {why} (see index.json)", file=sys.stderr)
    for e in entries:
        if e.status == "failed":
            print(f"  failed {e.file}: {e.reason}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    """Generate the motions described by parsed arguments; return the exit code."""
    from gait_generator.batch import BatchSettings, run_batch
    from gait_generator.preset import resolve_preset
    from gait_generator.timing import snap_timing
    from robots import load_robot

    if args.output is None:
        raise GaitGeneratorError("-o/--output is required")
    if args.n is not None and args.n < 1:
        raise GaitGeneratorError(f"-n must be at least 1, got {args.n}")
    robot = load_robot(args.robot)
    sources = [p.strip() for p in str(args.preset).split(",") if p.strip()]
    if not sources:
        raise GaitGeneratorError(f"--preset needs at least one preset, got {args.preset!r}")
    presets = [resolve_preset(robot.spec.presets, source, robot.name) for source in sources]
    names = [p.name for p in presets]
    if len(set(names)) != len(names):
        raise GaitGeneratorError(f"--preset lists a preset twice: {names}")
    if args.commands is not None:
        commands = read_commands(args.commands)
        per_preset = [commands for _ in presets]
    elif args.sweep:
        sweep = robot.spec.sweep
        ranges = _ranges(args, {"dx": sweep.dx, "dy": sweep.dy, "dtheta": sweep.dtheta})
        xy_step = sweep.xy_step if args.xy_step is None else args.xy_step
        theta_step = sweep.theta_step if args.theta_step is None else args.theta_step
        try:
            commands = grid_commands(ranges, xy_step, theta_step)
        except ValueError as exc:
            raise GaitGeneratorError(f"--sweep: {exc}") from exc
        per_preset = [commands for _ in presets]
    else:
        n = 10 if args.n is None else args.n
        per_preset = [random_commands(n, _ranges(args, p.command_range), args.seed) for p in presets]
    jobs = make_jobs(list(zip(names, sources)), per_preset, args.seed)
    timings = [snap_timing(preset, args.fps) for preset in presets]  # checks --fps before anything is written
    _prepare_output(args.output)
    for preset, timing in zip(presets, timings):
        print(f"{preset.name}: {timing.describe()}", file=sys.stderr)
    settings = BatchSettings(robot=args.robot, output=args.output, length=args.length, fps=args.fps,
                             with_start=args.with_start)
    result = run_batch(jobs, {p.name: p for p in presets}, robot.name, settings, n_jobs=args.jobs,
                       backend=args.backend, scheduler=args.scheduler)
    _summary(result, args.output)
    if result.count("ok") == 0:
        return 1
    if args.preview or args.preview_html is not None:
        from viz import preview_first

        shown = preview_first(args.output, html=args.preview_html)
        print(f"previewed {shown.name}", file=sys.stderr)
    if args.strict and result.count("failed"):
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``auto_gait_generator``."""
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


if __name__ == "__main__":
    sys.exit(main())
