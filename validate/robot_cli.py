"""gait_robot: bring a new robot into the project.

Subcommands (each one is a ``_add_<name>`` function that registers its arguments
and a ``_run_<name>`` function that does the work and returns the exit code):

* ``gait_robot init URDF -o SPEC.yaml [--name NAME] [--force]``: propose a
  complete robot spec for a biped URDF and three walk presets
  (:func:`gait_generator.propose.propose`), write them and print one line per decision.
* ``gait_robot check SPEC [--presets A,B] [--length S] [--html OUT.html]``: load
  the spec (a file or a registered name), compile its MuJoCo model, list the
  excluded self-collision pairs, stand 2 s, generate and validate one forward
  clip per preset (:mod:`validate.robot_check`), optionally write an HTML
  preview of the first clip; one report line per step.

Exit status: 0 on success; 1 when a file is refused (the URDF cannot be
analysed, a field cannot be decided, an output exists without ``--force``),
with ``gait_robot: error: <file>: <what>`` on stderr, or when a ``check`` step
fails (the report says which); 2 on bad arguments (argparse); 130 on Ctrl-C
(one line, no traceback).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from gait_generator.errors import PresetError
from motions.console import HelpFormatter, choices, error
from motions.errors import GaitGeneratorError, OutputError

if TYPE_CHECKING:
    from motions import Motion
    from robots import Robot
    from validate.robot_check import Step

__all__ = ["build_parser", "main"]

PROG = "gait_robot"


def _relative_or_absolute(target: Path, folder: Path) -> str:
    """``target`` relative to ``folder`` when they share a folder below the file system root, else absolute."""
    target, folder = target.resolve(), folder.resolve()
    try:
        common = Path(os.path.commonpath([target, folder]))
    except ValueError:  # different drives
        return str(target)
    if common == Path(common.anchor):
        return str(target)
    return os.path.relpath(target, folder)


def _add_init(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "init", formatter_class=HelpFormatter,
        help="propose a robot spec and presets for a biped URDF",
        description="Propose a complete robot spec for a biped URDF (trunk, feet and soles, driven joints, knee "
                    "signs, bent-knee posture, actuator gains, presets scaled from the closest built-in robot) "
                    "and write it with a comment on every decision. The presets go to <spec stem>_presets/ "
                    "next to the spec. Rules: gait_generator/propose/ and docs/robots.md.",
    )
    p.add_argument("urdf", type=Path, help="the robot's URDF")
    p.add_argument("-o", "--output", type=Path, required=True, help="spec file to write (.yaml)")
    p.add_argument("--name", help="robot name (default: the URDF's <robot name>, sanitised)")
    p.add_argument("--force", action="store_true", help="overwrite existing spec and preset files")
    p.set_defaults(run=_run_init)


def _run_init(args: argparse.Namespace) -> int:
    from gait_generator.propose import propose, render_preset, render_spec, spec_name
    from motions.atomic import atomic_write_text

    spec: Path = args.output
    if spec.suffix not in (".yaml", ".yml"):
        raise OutputError(f"{spec}: a robot spec file must end in .yaml or .yml")
    if args.name is not None and spec_name(args.name, "") != args.name:
        raise GaitGeneratorError(f"--name {args.name!r}: use lower case letters, digits and '_' "
                                 f"(e.g. {spec_name(args.name, 'robot')!r})")
    folder = spec.parent
    presets_dir = folder / f"{spec.stem}_presets"
    proposal = propose(args.urdf, name=args.name)
    outputs = {spec: "", **{presets_dir / f"{name}.yaml": "" for name in proposal.presets}}
    existing = [path for path in outputs if path.exists()]
    if existing and not args.force:
        raise OutputError(f"{existing[0]}: exists; pass --force to overwrite"
                          + (f" (also {', '.join(str(p) for p in existing[1:])})" if existing[1:] else ""))
    try:
        presets_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{presets_dir}: cannot create the preset folder: {exc.strerror or exc}") from exc
    urdf_ref = _relative_or_absolute(proposal.urdf, folder)
    for name in proposal.presets:
        outputs[presets_dir / f"{name}.yaml"] = render_preset(proposal, name)
    outputs[spec] = render_spec(proposal, urdf_ref, presets_dir.name)
    for path, text in outputs.items():  # presets first: the spec never names a folder that is not there
        if path != spec:
            atomic_write_text(path, text)
    atomic_write_text(spec, outputs[spec])
    for decision in proposal.decisions:
        print(decision.line())
    print(f"wrote {spec} and {presets_dir}/{{{','.join(proposal.presets)}}}.yaml")
    return 0


def _add_check(sub: argparse._SubParsersAction) -> None:
    from robots import list_robots
    from validate.robot_check import CLIP_SECONDS

    p = sub.add_parser(
        "check", formatter_class=HelpFormatter,
        help="check that a robot spec loads, stands and walks",
        description="Load a robot spec and check it step by step: the spec loads and its MuJoCo model compiles; "
                    "the self-collision pairs excluded (collisions section); a 2 s stand holding the initial "
                    "posture; one forward clip per preset (half the preset's max_dx_forward), validated with "
                    "physics replay. Prints one line per step; exits 1 if any step fails.",
    )
    p.add_argument("spec", help=f"robot spec file (.yaml) or registered robot name {choices(list_robots())}")
    p.add_argument("--presets", type=lambda text: [n.strip() for n in text.split(",") if n.strip()],
                   metavar="NAME[,NAME...]",
                   help="comma-separated presets to walk (default: every preset of the robot)")
    p.add_argument("--length", type=float, default=CLIP_SECONDS, metavar="SECONDS",
                   help="length of each clip in s")
    p.add_argument("--html", type=Path, help="write a self-contained HTML preview of the first clip here")
    p.set_defaults(run=_run_check)


def _run_check(args: argparse.Namespace) -> int:
    from validate import robot_check

    if args.html is not None and not args.html.parent.is_dir():
        raise OutputError(f"{args.html}: folder {args.html.parent} does not exist")
    if not 0.0 < args.length <= 600.0:
        raise GaitGeneratorError(f"--length {args.length}: expected a clip length in (0, 600] s")
    start = time.perf_counter()
    print(f"gait_robot check {args.spec}")
    steps: list[Step] = []

    def report(step: Step) -> None:
        steps.append(step)
        print("\n".join(step.lines()), flush=True)

    step, robot = robot_check.check_spec(args.spec)
    report(step)
    if robot is not None:
        presets = args.presets or list(robot.spec.presets)
        unknown = [name for name in presets if name not in robot.spec.presets]
        if unknown:
            raise PresetError(f"--presets: {unknown} not among the presets of {robot.name}: "
                              f"{sorted(robot.spec.presets)}")
        report(robot_check.check_collisions(robot))
        report(robot_check.check_stand(robot))
        first: tuple[str, Motion] | None = None
        for name in presets:
            step, motion = robot_check.check_clip(args.spec, robot, name, args.length)
            report(step)
            if first is None and motion is not None:
                first = (name, motion)
        if args.html is not None:
            report(_html_step(args.html, robot, first))
    failed = [step.name for step in steps if not step.passed]
    took = time.perf_counter() - start
    if failed:
        print(f"check failed: {', '.join(failed)} ({len(steps) - len(failed)} of {len(steps)} steps passed, "
              f"{took:.1f} s)")
        return 1
    print(f"check passed: {len(steps)} of {len(steps)} steps ({took:.1f} s)")
    return 0


def _html_step(out: Path, robot: Robot, first: tuple[str, Motion] | None) -> Step:
    """Write the HTML preview of ``first`` (preset name, clip) with ``viz.export_html``; report it as a step."""
    from validate.robot_check import Step
    from viz.export import export_html

    if first is None:
        return Step("html", False, f"{out}: no clip to preview (every clip failed to generate)")
    preset, motion = first
    try:
        path = export_html(motion, robot, out)
    except GaitGeneratorError as exc:
        return Step("html", False, str(exc))
    return Step("html", True, f"wrote {path} (clip {preset}, {path.stat().st_size / 1e6:.1f} MB)")


_SUBCOMMANDS = (_add_init, _add_check)
"""Each adds one subcommand; its parser's ``run`` default is called with the parsed arguments."""


def build_parser() -> argparse.ArgumentParser:
    """The ``gait_robot`` argument parser with every subcommand."""
    parser = argparse.ArgumentParser(prog=PROG, description="Bring a new robot into the project.",
                                     formatter_class=HelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in _SUBCOMMANDS:
        add(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``gait_robot``; returns the exit code (Ctrl-C: 130, one line, no traceback).

    Every file is written atomically, so an interrupted ``init`` leaves each
    output either whole or as it was.
    """
    try:
        args = build_parser().parse_args(argv)
        try:
            return int(args.run(args))
        except GaitGeneratorError as exc:
            error(PROG, exc)
            return 1
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
