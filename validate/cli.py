"""gait_validate: validate motion files, a directory or an index, and record the result.

Exit status: 0 if every motion passes, 1 if any fails or cannot be validated,
2 on bad arguments, a bad thresholds file or an output that cannot be written, 130 on Ctrl-C (the results finished
by then are still written to the index and the reports).
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

from motions.atomic import remove_stale_temps
from motions.console import HelpFormatter, add_verbose, choices, error, plural, progress, verbose_environment
from motions.errors import GaitGeneratorError, OutputError
from motions.index import clean_index_temps
from robots import list_robots
from validate.grades import GradeRecorder
from validate.report import failure_lines, report_document, summary, write_html, write_json
from validate.result import PASS, MotionResult
from validate.runner import discover, validate_items
from validate.thresholds import load_thresholds

__all__ = ["build_parser", "main"]

PROG = "gait_validate"


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (robot choices come from the registry)."""
    parser = argparse.ArgumentParser(
        prog=PROG, formatter_class=HelpFormatter,
        description="Validate reference walking motions: kinematic replay, dynamic consistency and physics "
                    "replay in MuJoCo. Results go into the motions' index.json (key 'validation') when "
                    "validating an index or a directory that has one.",
    )
    parser.add_argument("path", type=Path, help="a motion .npz, a directory of motions, or an index.json")
    parser.add_argument("--robot", help=f"robot name {choices(list_robots())} or spec .yaml (default: each "
                                        "motion's meta['robot'], a registered name or one found in --robots-dir; "
                                        "a path there is refused)")
    parser.add_argument("--robots-dir", action="append", type=Path, default=[], metavar="DIR",
                        help="folder of robot specs (DIR/NAME.yaml or DIR/NAME/NAME.yaml) to look up robot names "
                             "in, after the registry; repeatable")
    parser.add_argument("--report", type=Path, help="write the JSON report here")
    parser.add_argument("--html", type=Path, help="write a self-contained HTML report here")
    parser.add_argument("-j", "--jobs", type=int, default=1, help="worker processes (-1: all cores)")
    parser.add_argument("--thresholds", type=Path,
                        help="YAML overriding validate/thresholds.yaml (default: validate/thresholds.yaml alone)")
    parser.add_argument("--no-physics", action="store_true", help="skip the physics replay")
    parser.add_argument("--no-index", action="store_true", help="do not write results into index.json")
    add_verbose(parser)
    return parser


@contextlib.contextmanager
def _no_interrupt() -> Iterator[None]:
    """Defer Ctrl-C while the finished results are saved (main thread only)."""
    try:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _remove_stale(index: Path | None, outputs: list[Path]) -> None:
    """Remove what killed runs left: the index's temporary files (under its lock) and the reports'."""
    for out in outputs:
        remove_stale_temps(out.parent, [out.name])
    if index is not None:
        try:
            clean_index_temps(index)
        except OutputError:
            pass  # a read-only folder: writing the grades reports it


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``gait_validate``; Ctrl-C exits with 130 after saving the finished results."""
    try:
        args = build_parser().parse_args(argv)
        with verbose_environment(args.verbose):
            return _run(args)
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except GaitGeneratorError as exc:  # e.g. OutputError: the report or index cannot be written (disk full, read-only)
        error(PROG, exc)
        return 2


def _run(args: argparse.Namespace) -> int:
    if args.jobs == 0 or args.jobs < -1:
        raise GaitGeneratorError(f"-j {args.jobs}: expected a number of worker processes >= 1, or -1 for all cores")
    thresholds = load_thresholds(args.thresholds)
    items, index = discover(args.path)
    index = None if args.no_index else index
    _remove_stale(index, [p for p in (args.report, args.html) if p is not None])
    recorder = GradeRecorder(index)
    finished: dict[int, MotionResult] = {}
    bar = progress(len(items), "validate")

    def on_result(position: int, result: MotionResult) -> None:
        finished[position] = result
        recorder.add(result)
        bar.update(1)

    interrupted = False
    try:
        with bar:
            validate_items(items, args.robot, thresholds, physics=False if args.no_physics else None,
                           jobs=args.jobs, robots_dirs=args.robots_dir, on_result=on_result)
    except KeyboardInterrupt:
        interrupted = True
    results = [finished[k] for k in sorted(finished)]
    with _no_interrupt():
        document = report_document(results, thresholds)
        if interrupted:
            document["interrupted"] = {"finished": len(results), "motions": len(items)}
        recorder.flush()
        if args.report:
            write_json(args.report, document)
        if args.html:
            write_html(args.html, document)
    if recorder.refused:
        print(f"{PROG}: {plural(len(recorder.refused), 'grade')} not recorded in {index}: the file is not listed "
              f"as ok or was regenerated while it was validated ({', '.join(recorder.refused[:3])}"
              f"{', ...' if len(recorder.refused) > 3 else ''})", file=sys.stderr)
    if interrupted:
        print(f"{PROG}: interrupted after {len(results)} of {plural(len(items), 'motion')}; their results are "
              "saved", file=sys.stderr)
        return 130
    s = summary(results)
    rate = "n/a" if s["pass_rate"] is None else f"{s['pass_rate']:.1%}"
    print(f"{plural(s['motions'], 'motion')}: {s['counts']['pass']} pass, {s['counts']['fail']} fail, "
          f"{s['counts']['error']} error (pass rate {rate})")
    kept = [name for name, kept in (("index.json", index is not None), ("the report", bool(args.report or args.html)))
            if kept]
    for line in failure_lines(results, verbose=args.verbose, kept_in=kept):
        print(line)
    return 0 if all(r.status == PASS for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
