"""``auto_gait_generator``: write N walking motions with random commands, plus an index."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from gait_generator.errors import CommandError, GaitGeneratorError, OutputError, PlanningError
from gait_generator.index import MotionEntry, motion_filename, write_index

__all__ = ["main", "build_parser", "random_commands", "motion_seed"]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (robot choices come from the registry)."""
    from robots import list_robots

    p = argparse.ArgumentParser(
        prog="auto_gait_generator",
        description="Generate reference walking motions with placo (60 fps, seamless loops by default).",
    )
    p.add_argument("-n", type=int, default=10, help="number of motions (default 10)")
    p.add_argument("-o", "--output", type=Path, help="output directory")
    p.add_argument("--robot", default="mini_biped",
                   help=f"registered robot ({', '.join(list_robots())}) or a robot spec .yaml")
    p.add_argument("--list-robots", action="store_true", help="print the registered robots and exit")
    p.add_argument("--preset", default="medium", help="preset name of the robot or a preset .yaml (default medium)")
    p.add_argument("-l", "--length", type=float, default=10.0,
                   help="clip length in seconds, rounded to whole gait cycles for looping clips (default 10)")
    p.add_argument("--fps", type=float, default=60.0, help="frame rate (default 60)")
    p.add_argument("--seed", type=int, default=0, help="global seed (default 0)")
    p.add_argument("--with-start", action="store_true", help="record the start from standing (non-looping clips)")
    for key, unit in (("dx", "m"), ("dy", "m"), ("dtheta", "rad")):
        p.add_argument(f"--min_{key}", type=float, default=None, help=f"lowest {key} per step ({unit}); default from the preset")
        p.add_argument(f"--max_{key}", type=float, default=None, help=f"highest {key} per step ({unit}); default from the preset")
    return p


def motion_seed(seed: int, motion_id: int) -> int:
    """Seed of one motion, derived from the global seed and the motion's id."""
    return int(np.random.SeedSequence([seed, motion_id]).generate_state(1)[0])


def random_commands(n: int, ranges: dict[str, tuple[float, float]], seed: int) -> list[tuple[float, float, float]]:
    """Draw ``n`` commands uniformly in ``ranges``, rounded to 0.1 mm and 0.1 mrad.

    Rounding keeps file names exact and readable; the draw depends only on ``seed``.
    """
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0x636D64]))
    out = []
    for _ in range(n):
        out.append(tuple(round(float(rng.uniform(*ranges[k])), 4) + 0.0 for k in ("dx", "dy", "dtheta")))
    return out  # type: ignore[return-value]


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


def run(args: argparse.Namespace) -> int:
    """Generate the motions described by parsed arguments; return the exit code."""
    from tqdm import tqdm

    from gait_generator.pipeline import generate
    from gait_generator.preset import resolve_preset
    from gait_generator.timing import snap_timing
    from robots import load_robot

    if args.output is None:
        raise GaitGeneratorError("-o/--output is required")
    if args.n < 1:
        raise GaitGeneratorError(f"-n must be at least 1, got {args.n}")
    robot = load_robot(args.robot)
    preset = resolve_preset(robot.spec.presets, args.preset, robot.name)
    ranges = _ranges(args, preset.command_range)
    timing = snap_timing(preset, args.fps)
    _prepare_output(args.output)
    print(timing.describe(), file=sys.stderr)
    entries: list[MotionEntry] = []
    commands = random_commands(args.n, ranges, args.seed)
    bar = tqdm(total=len(commands), unit="clip", file=sys.stderr, disable=None)
    for i, (dx, dy, dtheta) in enumerate(commands):
        name = motion_filename(preset.name, dx, dy, dtheta, i)
        try:
            motion = generate(robot=args.robot, preset=args.preset, dx=dx, dy=dy, dtheta=dtheta, length=args.length,
                              fps=args.fps, seed=motion_seed(args.seed, i), with_start=args.with_start)
        except (CommandError, PlanningError) as exc:
            entries.append(MotionEntry.failed(i, name, preset.name, (dx, dy, dtheta), str(exc)))
        else:
            motion.save(args.output / name)
            entries.append(MotionEntry.from_motion(i, name, motion))
        bar.update(1)
        bar.set_postfix(failed=sum(e.status == "failed" for e in entries))
    bar.close()
    write_index(args.output, robot.name, entries)
    done = sum(e.status == "ok" for e in entries)
    print(f"wrote {done} of {len(entries)} motions to {args.output} (index.json)", file=sys.stderr)
    for e in entries:
        if e.status == "failed":
            print(f"  failed {e.file}: {e.reason}", file=sys.stderr)
    return 0 if done else 1


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
