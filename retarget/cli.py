"""gait_retarget: export generated motions for a training consumer (MimicKit, AWD, GMR, mjlab, Isaac Lab)."""

from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path

from motions.console import (
    HelpFormatter,
    ReasonGroups,
    add_verbose,
    choices,
    error,
    plural,
    progress,
    verbose_environment,
)
from motions.errors import GaitGeneratorError
from retarget.export import LOOP_MODES, WEIGHTINGS, Transfer, retarget
from retarget.formats import FORMATS

__all__ = ["build_parser", "main"]

PROG = "gait_retarget"


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (robot names and formats, with their help, come from their registries)."""
    from robots import list_robots

    p = argparse.ArgumentParser(prog=PROG, description=__doc__, epilog=_formats_epilog(), formatter_class=HelpFormatter)
    p.add_argument("input", help="motion .npz, directory of motions, or index.json")
    p.add_argument("-o", "--output", required=True, help="output directory (replaced only on success)")
    p.add_argument("--robot", required=True,
                   help=f"target robot {choices(list_robots())} or a robot spec .yaml")
    p.add_argument("--format", required=True, choices=list(FORMATS), help="consumer format (listed below)")
    p.add_argument("--fps", type=float, default=None,
                   help="export rate (frames/s) (default: keep each clip's rate" + _fps_defaults() + ")")
    p.add_argument("--loop", choices=LOOP_MODES, default="wrap",
                   help="wrap: looping clips loop where the consumer can do it exactly; clamp: play once")
    p.add_argument("--weights", choices=WEIGHTINGS, default="uniform",
                   help="clip weights: uniform, or balanced over command space (both sum to 1)")
    p.add_argument("--from-robot", default=None, metavar="ROBOT",
                   help="the motions are gaits of this robot: move them onto --robot by scaled keypoint IK first")
    p.add_argument("--mapping", default=None, metavar="TABLE.yaml",
                   help="joint mapping table .yaml (default: robots/<robot>/mappings/<source robot>.yaml, else "
                        "the identity)")
    p.add_argument("--robots-dir", action="append", type=Path, default=[], metavar="DIR",
                   help="folder of robot specs (DIR/NAME.yaml or DIR/NAME/NAME.yaml) to look --robot and "
                        "--from-robot names up in, after the registry; repeatable")
    add_verbose(p)
    ordered = "/".join(f.name for f in FORMATS.values() if f.takes_joint_order)
    p.add_argument("--joint-order", default=None, metavar="FILE",
                   help=f"{ordered}: the env's joint order (YAML list, text one per line, or {{joints, bodies}}) "
                        "(default: the robot's)")
    p.add_argument("--dataset-prefix", default="", metavar="PATH",
                   help="mimickit: written before each clip in dataset.yaml (the folder as MimicKit's working "
                        "directory sees it) (default: none, clip paths relative to the export folder)")
    return p


def _fps_defaults() -> str:
    """The formats' own rates for the ``--fps`` help, e.g. ``; mjlab: 50, isaaclab: its own, see below``."""
    rates = [f"{f.name}: {f.default_fps:g}" if f.default_fps is not None else f"{f.name}: its own, see below"
             for f in FORMATS.values() if f.default_fps is not None or f.samples_itself]
    return f"; {', '.join(rates)}" if rates else ""


def _formats_epilog() -> str:
    """The ``--format`` choices, one paragraph each: name, clip extension, what it writes, which frames."""
    lines = ["formats:"]
    for f in FORMATS.values():
        lines += textwrap.wrap(f"{f.name} (*{f.extension}): {f.summary}", 79, initial_indent="  ",
                               subsequent_indent="      ", break_on_hyphens=False)
        lines += textwrap.wrap(f"frames: {f.frames}", 79, initial_indent="      ", subsequent_indent="      ",
                               break_on_hyphens=False)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the exporter; returns the exit code (0 ok, 2 bad input, 130 interrupted: the output is unchanged)."""
    try:
        args = build_parser().parse_args(argv)
        with verbose_environment(args.verbose):
            return _main(args)
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted; the output folder is unchanged", file=sys.stderr)
        return 130


def _main(args: argparse.Namespace) -> int:
    transfer: Transfer | None = None
    if args.from_robot is not None:  # the IK (placo) is loaded only to move gaits between robots
        from gait_generator.transfer import transfer_motion

        transfer = transfer_motion
    extension = FORMATS[args.format].extension
    stage = ""

    def log(line: str) -> None:
        """Clean-ups of killed runs always; the per-clip notes only with -v (grouped below otherwise)."""
        if args.verbose or not line.split(": ", 1)[0].endswith(extension):
            bar.write(line, file=sys.stderr)

    def advance(name: str, done: int, total: int) -> None:
        nonlocal stage
        if name != stage:
            stage = name
            bar.reset(total=total)
            bar.set_description(name, refresh=False)
        bar.update(done - bar.n)

    try:
        with progress(0, "retarget") as bar:
            manifest = retarget(args.input, args.output, robot=args.robot, format=args.format, fps=args.fps,
                                loop=args.loop, weights=args.weights, mapping=args.mapping,
                                from_robot=args.from_robot, log=log, robots_dirs=args.robots_dir, transfer=transfer,
                                progress=advance, joint_order=args.joint_order, dataset_prefix=args.dataset_prefix)
    except (GaitGeneratorError, ValueError) as exc:
        error(PROG, exc)
        return 2
    for line in _grouped(manifest["excluded"], "excluded", "excluded, by reason", args.verbose):
        print(line, file=sys.stderr)
    if not args.verbose:  # -v printed each clip's note as it was written
        notes = [f"{entry['file']}: {entry['note']}" for entry in manifest["motions"]]
        for line in _grouped(notes, "", "clip notes", False):
            print(line, file=sys.stderr)
    print(f"wrote {plural(len(manifest['motions']), f'{args.format} clip')} to {args.output}")
    return 0


def _grouped(lines: list[str], tag: str, title: str, verbose: bool) -> list[str]:
    """``<name>: <reason>`` lines grouped by reason (numbers aside) under ``title``, or each after ``tag`` (``verbose``)."""
    if not lines:
        return []
    if verbose:
        return [f"{tag} {line}" for line in lines]
    groups = ReasonGroups()
    for k, line in enumerate(lines):
        name, _, reason = line.partition(": ")
        groups.add(reason, name, order=k)
    return [f"{title} (manifest.json has each one; -v lists them):", *groups.lines()]


if __name__ == "__main__":
    sys.exit(main())
