"""auto_gait_generator: write walking motions (random, grid sweep, listed commands, schedules, standing), plus an index."""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from gait_generator.commands import command_kind
from gait_generator.sweep import (
    COMMAND_LIMIT,
    MAX_COMMANDS,
    JobList,
    load_commands,
    make_jobs,
    motion_seed,
    random_commands,
)
from gait_generator.timing import LENGTH_RANGE
from motions.console import (
    HelpFormatter,
    add_option,
    add_verbose,
    choices,
    error,
    plural,
    verbose_environment,
    waive_required,
)
from motions.errors import GaitGeneratorError, OutputError
from motions.index import MAX_INDEX_ENTRIES, SKIP_CLASSES

if TYPE_CHECKING:
    from gait_generator.batch import BatchResult
    from motions.index import MotionEntry

__all__ = ["build_parser", "main", "motion_seed", "random_commands", "run"]

PROG = "auto_gait_generator"


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (robot and preset choices come from the registry)."""
    from gait_generator.batch import BACKENDS
    from robots import list_robots

    p = argparse.ArgumentParser(
        prog=PROG, formatter_class=HelpFormatter,
        description="Generate reference walking motions with placo (60 fps, seamless loops by default) for random "
                    "commands, a grid sweep or listed commands, in parallel, or clips that follow command schedules "
                    "or stand, and list them in OUTPUT/index.json.",
    )
    what = p.add_mutually_exclusive_group()
    what.add_argument("-n", type=int, default=None,
                      help="random commands: number of motions per preset, drawn in the preset's command_range and "
                           "its feasible region (default: 10)")
    what.add_argument("--sweep", action="store_true",
                      help="grid of commands over each preset's command_range (narrowed or widened by "
                           "--min-*/--max-*), spaced by the robot spec's sweep steps, 0 and both ends on every axis, "
                           "kept to the preset's feasible region")
    what.add_argument("--commands", type=Path, metavar="FILE",
                      help="commands from a .csv, .yaml or .json file: dx, dy, dtheta per step, or vx, vy, wz "
                           "body velocities when the header/keys say so (streamed; used as written)")
    what.add_argument("--schedule", type=Path, nargs="+", metavar="FILE.yaml",
                      help="command schedules: one clip per file and preset, named <file stem>_<preset>.npz, that "
                           "starts standing, follows the file's segments (stand: true, velocity: [vx, vy, wz] in "
                           "m/s and rad/s, or step: [dx, dy, dtheta] per step, each with a duration in s; a change "
                           "takes effect at the next step) and ends standing; see docs/examples/schedule.yaml")
    what.add_argument("--stand", action="store_true",
                      help="one standing clip per preset, named stand_<preset>.npz, -l seconds long: both feet "
                           "planted, the weight shifting from one foot to the other (ZMP between the feet, the CoM "
                           "following)")
    p.add_argument("-o", "--output", type=Path, required=True,
                   help="output directory (not needed with --dry-run or --list-robots)")
    p.add_argument("--robot", default="mini_biped",
                   help=f"registered robot {choices(list_robots())} or a robot spec .yaml")
    p.add_argument("--list-robots", action=waive_required("output"), help="print the registered robots and exit")
    p.add_argument("--preset", default="medium", metavar="NAME[,NAME...]",
                   help=f"preset of the robot {choices(_preset_names())} or a preset .yaml, or several separated "
                        "by commas; every command is run with each preset")
    p.add_argument("-l", "--length", type=float, default=10.0, metavar="SECONDS",
                   help="clip length in seconds, rounded to whole gait cycles for looping clips; also the length "
                        "of --stand clips (a schedule's clip lasts as long as its segments)")
    p.add_argument("--fps", type=float, default=60.0, help="frame rate (frames/s)")
    p.add_argument("--seed", type=int, default=0, help="global seed")
    p.add_argument("--with-start", action="store_true", help="record the start from standing (non-looping clips)")
    p.add_argument("--velocity", action="store_true",
                   help="-n and --sweep command body velocities vx, vy, wz (m/s, m/s, rad/s) instead of steps: each "
                        "clip's achieved mean velocity meets its command (2 %% per axis, 5 mm/s, 0.01 rad/s)")
    add_option(p, "--all-commands", aliases=("--all_commands",), action="store_true",
               help="-n and --sweep: keep commands outside the preset's feasible region (they may fail)")
    for key, unit in (("dx", "m"), ("dy", "m"), ("dtheta", "rad")):
        for end, word in (("min", "lowest"), ("max", "highest")):
            add_option(p, f"--{end}-{key}", aliases=(f"--{end}_{key}",), type=float, default=None,
                       metavar=unit.upper(),
                       help=f"{word} {key} per step ({unit}) (default: from the preset's command_range)")
    for key, unit in (("vx", "m/s"), ("vy", "m/s"), ("wz", "rad/s")):
        for end, word in (("min", "lowest"), ("max", "highest")):
            add_option(p, f"--{end}-{key}", aliases=(f"--{end}_{key}",), type=float, default=None,
                       metavar=unit.upper(),
                       help=f"with --velocity: {word} {key} ({unit}) (default: the preset's command_range over "
                            "its step time)")
    add_option(p, "--xy-step", aliases=("--xy_step",), type=float, default=None, metavar="M",
               help="--sweep grid spacing of dx and dy (m) (default: the robot spec's sweep.xy_step)")
    add_option(p, "--theta-step", aliases=("--theta_step",), type=float, default=None, metavar="RAD",
               help="--sweep grid spacing of dtheta (rad) (default: the robot spec's sweep.theta_step)")
    p.add_argument("-j", "--jobs", type=int, default=1, help="worker processes")
    p.add_argument("--backend", choices=BACKENDS, default="loky",
                   help="loky: local joblib processes; dask: a dask.distributed cluster")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="dask scheduler address (default: start a local cluster of -j workers)")
    p.add_argument("--strict", action="store_true", help="exit with 1 if any motion failed")
    p.add_argument("--dry-run", action=waive_required("output"),
                   help="read and check the arguments and commands, print how many motions would be generated or "
                        "skipped per preset, and write nothing")
    p.add_argument("--preview", action="store_true",
                   help="afterwards, play the first generated clip in meshcat (127.0.0.1; prints the URL)")
    p.add_argument("--preview-html", type=Path, default=None, metavar="OUT.html",
                   help="afterwards, write the first generated clip as a self-contained HTML animation")
    add_verbose(p)
    return p


def _preset_names() -> list[str]:
    """The preset names of the registered robots, sorted (for the help)."""
    from robots import list_robots
    from robots.registry import BUILTIN_ROBOTS
    from robots.spec import load_spec

    return sorted({name for robot in list_robots() for name in load_spec(BUILTIN_ROBOTS[robot]).presets})


def _ranges(args: argparse.Namespace, preset_ranges: dict[str, tuple[float, float]]) -> dict[str, tuple[float, float]]:
    out = {}
    for key in preset_ranges:
        lo = getattr(args, f"min_{key}")
        hi = getattr(args, f"max_{key}")
        lo = preset_ranges[key][0] if lo is None else lo
        hi = preset_ranges[key][1] if hi is None else hi
        if lo > hi:
            raise GaitGeneratorError(f"--min-{key} {lo} is larger than --max-{key} {hi}")
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
    for key in ("min_dx", "max_dx", "min_dy", "max_dy", "min_dtheta", "max_dtheta", "xy_step", "theta_step",
                "min_vx", "max_vx", "min_vy", "max_vy", "min_wz", "max_wz"):
        value = getattr(args, key)
        if value is not None and not (math.isfinite(value) and abs(value) <= COMMAND_LIMIT):
            flag = "--" + key.replace("_", "-")
            raise GaitGeneratorError(f"{flag} {value:g} is not a finite number within +-{COMMAND_LIMIT:g}")
    other = ("dx", "dy", "dtheta") if args.velocity else ("vx", "vy", "wz")
    given = [f"--{end}-{key}" for key in other for end in ("min", "max") if getattr(args, f"{end}_{key}") is not None]
    if given:
        raise GaitGeneratorError(f"{', '.join(given)}: " + ("step ranges do not apply with --velocity; use "
                                 "--min-vx/--max-vx, --min-vy/--max-vy, --min-wz/--max-wz" if args.velocity else
                                 "velocity ranges need --velocity"))
    if args.velocity and (args.schedule is not None or args.stand):
        raise GaitGeneratorError("--velocity applies to -n and --sweep; a schedule says per segment whether it "
                                 "gives a velocity or a step")
    if args.velocity and args.commands is not None:
        raise GaitGeneratorError("--velocity applies to -n and --sweep; a --commands file says itself whether it "
                                 "holds velocities (vx, vy, wz columns or keys)")


def _left_out(name: str, left: Counter[str], random: bool) -> str:
    """One line saying which commands the feasible region left out of a preset, and why."""
    what = "random candidates drawn again" if random else "grid commands left out"
    return (f"  {name}: {sum(left.values())} {what} (outside the preset's feasible region: "
            + ", ".join(f"{reason} {n}" for reason, n in sorted(left.items())) + "; --all-commands keeps them)")


def _dry_run(jobs: JobList, presets: list, source: str, fps: float) -> int:
    """Print what a batch would do with ``jobs`` (commands within or beyond each preset's limits)."""
    from gait_generator.planning import limit_scale

    counts = [str(len(jobs.commands(p))) for p in range(len(presets))]  # per preset (a --sweep grid may differ)
    each = counts[0] if len(set(counts)) == 1 else "/".join(counts)
    print(f"dry run: {plural(len(jobs), 'motion')} ({each} commands from {source} x {plural(len(presets), 'preset')}); "
          "nothing written")
    within = 0
    for p, preset in enumerate(presets):
        axis, _ = preset.first_beyond(jobs.commands(p) * limit_scale(jobs, preset, fps))
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


def _summary(result: BatchResult, output: Path, failures: list[MotionEntry] | None) -> None:
    """The batch's counts, its skipped commands and its failures grouped by reason (``failures``: list each)."""
    print(f"wrote {result.ok} of {plural(result.total, 'motion')} to {output} (index.json); generated "
          f"{result.generated}, reused {result.reused}, failed {result.failed}, skipped {result.count('skipped')}",
          file=sys.stderr)
    if result.skipped_file is not None:
        order = {key: k for k, key in enumerate(SKIP_CLASSES)}
        why = "; ".join(f"{preset}: " + ", ".join(f"{key} {counts[key]}" for key in sorted(counts, key=order.get))
                        for preset, counts in result.skipped.items())
        print(f"  skipped {result.count('skipped')} (beyond the preset's step limits, never clamped; {why}): "
              f"listed in {result.skipped_file}", file=sys.stderr)
    if not result.failed:
        return
    if failures is not None:
        print(f"  failed {result.failed} (the planner could not make them; reasons also in index.json):",
              file=sys.stderr)
        for e in sorted(failures, key=lambda e: e.id):
            print(f"    {e.file}: {e.reason}", file=sys.stderr)
        return
    print(f"  failed {result.failed}, by reason (each motion's reason is in index.json; -v lists them):",
          file=sys.stderr)
    for line in result.failures.lines(indent="    "):
        print(line, file=sys.stderr)


def _run_clips(args: argparse.Namespace, robot_name: str, presets: list[tuple[str, str]]) -> int:
    """``--schedule`` / ``--stand``: one clip per schedule file (or one standing clip) and preset."""
    from gait_generator.schedule import load_schedule
    from gait_generator.schedule_batch import run_clip_jobs, schedule_jobs, stand_jobs

    if args.schedule is not None:
        schedules = [load_schedule(path) for path in args.schedule]  # every file checked before anything is written
        jobs = schedule_jobs(args.robot, presets, schedules, args.fps, args.seed)
    else:
        jobs = stand_jobs(args.robot, presets, args.length, args.fps, args.seed)
    if args.dry_run:
        print(f"dry run: {plural(len(jobs), 'clip')} ({', '.join(job.file for job in jobs)}); nothing written")
        return 0
    _prepare_output(args.output)
    result = run_clip_jobs(jobs, robot_name, args.output)
    print(f"wrote {result.ok} of {plural(len(jobs), 'clip')} to {args.output} (index.json); failed "
          f"{len(result.failed)}", file=sys.stderr)
    for entry in result.failed:
        print(f"  {entry.file}: {entry.reason}", file=sys.stderr)
    if result.ok == 0:
        return 1
    if args.preview or args.preview_html is not None:
        from viz import preview_first

        shown = preview_first(args.output, html=args.preview_html, robot=args.robot)
        print(f"previewed {shown.name}", file=sys.stderr)
    return 1 if args.strict and result.failed else 0


def run(args: argparse.Namespace) -> int:
    """Generate the motions described by parsed arguments; return the exit code."""
    from gait_generator.batch import BatchSettings, run_batch
    from gait_generator.command_sets import drawn, swept, velocity_ranges
    from gait_generator.preset import resolve_preset
    from gait_generator.timing import snap_timing
    from robots import load_robot

    _check_arguments(args)
    robot = load_robot(args.robot)
    sources = [p.strip() for p in str(args.preset).split(",") if p.strip()]
    if not sources:
        raise GaitGeneratorError(f"--preset needs at least one preset, got {args.preset!r}")
    presets = [resolve_preset(robot.spec.presets, source, robot.name) for source in sources]
    names = [p.name for p in presets]
    if len(set(names)) != len(names):
        raise GaitGeneratorError(f"--preset lists a preset twice: {names}")
    timings = [snap_timing(preset, args.fps) for preset in presets]  # checks --fps before anything is written
    if args.schedule is not None or args.stand:
        return _run_clips(args, robot.name, list(zip(names, sources)))
    left_out: list[str] = []
    if args.commands is not None:
        velocity = command_kind(args.commands)
        commands = load_commands(args.commands, velocity)
        per_preset = [commands for _ in presets]
    else:
        velocity = bool(args.velocity)
        xy_step = robot.spec.sweep.xy_step if args.xy_step is None else args.xy_step
        theta_step = robot.spec.sweep.theta_step if args.theta_step is None else args.theta_step
        per_preset = []
        for preset, timing in zip(presets, timings):
            ranges = _ranges(args, velocity_ranges(preset, timing) if velocity else dict(preset.command_range))
            if args.sweep:
                chosen = swept(robot, preset, timing, ranges, xy_step, theta_step, velocity, not args.all_commands,
                               args.jobs)
            else:
                chosen = drawn(robot, preset, timing, ranges, 10 if args.n is None else args.n, args.seed, xy_step,
                               theta_step, velocity, not args.all_commands, args.jobs)
            per_preset.append(chosen.commands)
            if chosen.left_out:
                left_out.append(_left_out(preset.name, chosen.left_out, not args.sweep))
    jobs = make_jobs(list(zip(names, sources)), per_preset, args.seed, velocity)
    for line in left_out:
        print(line, file=sys.stderr)
    if args.dry_run:
        what = args.commands or ("the --sweep grid" if args.sweep else "random commands")
        return _dry_run(jobs, presets, str(what), args.fps)
    _prepare_output(args.output)
    for preset, timing in zip(presets, timings):
        print(f"{preset.name}: {timing.describe()}", file=sys.stderr)
    settings = BatchSettings(robot=args.robot, output=args.output, length=args.length, fps=args.fps,
                             with_start=args.with_start)
    failures: list[MotionEntry] | None = [] if args.verbose else None

    def on_entry(entry: MotionEntry) -> None:
        if failures is not None and entry.status != "ok":
            failures.append(entry)

    result = run_batch(jobs, {p.name: p for p in presets}, robot.name, settings, n_jobs=args.jobs,
                       backend=args.backend, scheduler=args.scheduler, on_entry=on_entry)
    _summary(result, args.output, failures)
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
            with verbose_environment(args.verbose):
                return run(args)
        except GaitGeneratorError as exc:
            error(PROG, exc)
            return 2
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted; the motions finished so far are in the index", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
