"""``gait_validate``: validate motion files, a directory or an index, and record the result.

Exit status: 0 if every motion passes, 1 if any fails or cannot be validated,
2 on bad arguments or a bad thresholds file.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from gait_generator.errors import GaitGeneratorError
from robots import list_robots
from validate.report import report_document, summary, write_html, write_json
from validate.result import PASS
from validate.runner import discover, validate_items, write_index_validation
from validate.thresholds import load_thresholds

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gait_validate",
        description="Validate reference walking motions: kinematic replay, dynamic consistency and physics "
                    "replay in MuJoCo. Results go into the motions' index.json (key 'validation') when "
                    "validating an index or a directory that has one.",
    )
    parser.add_argument("path", type=Path, help="a motion .npz, a directory of motions, or an index.json")
    parser.add_argument("--robot", help=f"robot name ({', '.join(list_robots())}) or spec .yaml; "
                                        "default: each motion's meta['robot']")
    parser.add_argument("--report", type=Path, help="write the JSON report here")
    parser.add_argument("--html", type=Path, help="write a self-contained HTML report here")
    parser.add_argument("-j", "--jobs", type=int, default=1, help="worker processes (-1: all cores)")
    parser.add_argument("--thresholds", type=Path, help="YAML overriding validate/thresholds.yaml")
    parser.add_argument("--no-physics", action="store_true", help="skip the physics replay")
    parser.add_argument("--no-index", action="store_true", help="do not write results into index.json")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        thresholds = load_thresholds(args.thresholds)
        items, index = discover(args.path)
    except GaitGeneratorError as exc:
        print(f"gait_validate: {exc}", file=sys.stderr)
        return 2
    results = validate_items(items, args.robot, thresholds, physics=False if args.no_physics else None,
                             jobs=args.jobs)
    document = report_document(results, thresholds)
    if index is not None and not args.no_index:
        write_index_validation(index, results)
    if args.report:
        write_json(args.report, document)
    if args.html:
        write_html(args.html, document)
    for r in results:
        if r.status != PASS:
            print(f"{r.status.upper()} {r.file}: {'; '.join(r.reasons)}")
    s = summary(results)
    rate = "n/a" if s["pass_rate"] is None else f"{s['pass_rate']:.1%}"
    print(f"{s['motions']} motions: {s['counts']['pass']} pass, {s['counts']['fail']} fail, "
          f"{s['counts']['error']} error (pass rate {rate})")
    return 0 if all(r.status == PASS for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
