"""``gait_retarget``: export generated motions for a training consumer (MimicKit, AWD, GMR, mjlab, Isaac Lab)."""

from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path

from motions.errors import GaitGeneratorError
from retarget.export import LOOP_MODES, WEIGHTINGS, Transfer, retarget
from retarget.formats import FORMATS

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (robot names and formats, with their help, come from their registries)."""
    from robots import list_robots

    p = argparse.ArgumentParser(prog="gait_retarget", description=__doc__, epilog=_formats_epilog(),
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("input", help="motion .npz, directory of motions, or index.json")
    p.add_argument("-o", "--output", required=True, help="output directory (replaced only on success)")
    p.add_argument("--robot", required=True,
                   help=f"target robot ({', '.join(list_robots())}) or a robot spec .yaml")
    p.add_argument("--format", required=True, choices=list(FORMATS), help="consumer format (listed below)")
    p.add_argument("--fps", type=float, default=None, help="export rate (frames/s); default: keep" + _fps_defaults())
    p.add_argument("--loop", choices=LOOP_MODES, default="wrap",
                   help="wrap: looping clips loop where the consumer can do it exactly; clamp: play once")
    p.add_argument("--weights", choices=WEIGHTINGS, default="uniform",
                   help="clip weights: uniform, or balanced over command space (both sum to 1)")
    p.add_argument("--from-robot", default=None,
                   help="the motions are gaits of this robot: move them onto --robot by scaled keypoint IK first")
    p.add_argument("--mapping", default=None,
                   help="joint mapping table .yaml (default robots/<robot>/mappings/<source robot>.yaml or identity)")
    p.add_argument("--robots-dir", action="append", type=Path, default=[], metavar="DIR",
                   help="folder of robot specs (DIR/NAME.yaml or DIR/NAME/NAME.yaml) to look --robot and "
                        "--from-robot names up in, after the registry; repeatable")
    ordered = "/".join(f.name for f in FORMATS.values() if f.takes_joint_order)
    p.add_argument("--joint-order", default=None, metavar="FILE",
                   help=f"{ordered}: the env's joint order (YAML list, text one per line, or {{joints, bodies}})")
    p.add_argument("--dataset-prefix", default="", metavar="PATH",
                   help="mimickit: written before each clip in dataset.yaml (the folder as MimicKit's working "
                        "directory sees it); default: none, clip paths relative to the export folder")
    return p


def _fps_defaults() -> str:
    """The formats' own rates for the ``--fps`` help, e.g. `` (mjlab: 50, isaaclab: its own, see below)``."""
    rates = [f"{f.name}: {f.default_fps:g}" if f.default_fps is not None else f"{f.name}: its own, see below"
             for f in FORMATS.values() if f.default_fps is not None or f.samples_itself]
    return f" ({', '.join(rates)})" if rates else ""


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
        return _main(build_parser().parse_args(argv))
    except KeyboardInterrupt:
        print("gait_retarget: interrupted; the output folder is unchanged", file=sys.stderr)
        return 130


def _main(args: argparse.Namespace) -> int:
    transfer: Transfer | None = None
    if args.from_robot is not None:  # the IK (placo) is loaded only to move gaits between robots
        from gait_generator.transfer import transfer_motion

        transfer = transfer_motion
    try:
        manifest = retarget(args.input, args.output, robot=args.robot, format=args.format, fps=args.fps,
                            loop=args.loop, weights=args.weights, mapping=args.mapping, from_robot=args.from_robot,
                            log=lambda line: print(line, file=sys.stderr), robots_dirs=args.robots_dir,
                            transfer=transfer, joint_order=args.joint_order, dataset_prefix=args.dataset_prefix)
    except (GaitGeneratorError, ValueError) as exc:
        print(f"gait_retarget: error: {exc}", file=sys.stderr)
        return 2
    for line in manifest["excluded"]:
        print(f"excluded {line}", file=sys.stderr)
    print(f"wrote {len(manifest['motions'])} {args.format} clip(s) to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
