"""Benchmark the README's sweep: ``auto_gait_generator --sweep --preset slow,medium,fast -j 2`` then ``gait_validate``.

For each robot, in a fresh cache folder: the feasible-region preview (a cold
``--dry-run``), the generation, and the validation (physics included), each
timed by wall clock; then per preset the yield: clips made of commands run
(``ok_fraction``), clips passing validation of clips made (``pass_fraction``),
and the grid commands the feasible region left out, by reason. Prints JSON.

Usage: python benchmarks/bench_sweep.py [--robots mini_biped,g1] [-j 2] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _run(args: list[str], env: dict[str, str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True, env=env, cwd=ROOT, check=False)
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(args)} failed ({done.returncode}):\n{done.stderr}")
    return time.perf_counter() - start, done.stderr + done.stdout


def bench(robot: str, jobs: int, folder: Path) -> dict[str, object]:
    sys.path.insert(0, str(ROOT))
    from motions.index import read_index

    env = dict(os.environ, GAIT_GENERATOR_CACHE=str(folder / "cache"))
    common = [str(BIN / "auto_gait_generator"), "--robot", robot, "--sweep", "--preset", "slow,medium,fast"]
    region_s, dry = _run([*common, "--dry-run"], env)
    out = folder / robot
    generate_s, _ = _run([*common, "-j", str(jobs), "-o", str(out)], env)
    validate_s, _ = _run([str(BIN / "gait_validate"), str(out), "-j", str(jobs)], env)
    left: dict[str, dict[str, int]] = {}
    for preset, text in re.findall(r"^  (\w+): \d+ grid commands left out \(outside the preset's feasible region: "
                                   r"([^;]*);", dry, flags=re.MULTILINE):
        left[preset] = {reason: int(n) for reason, n in re.findall(r"([a-z() A-Z]+?) (\d+)(?:, |$)", text)}
    index = read_index(out)
    runs, made, passed = Counter(), Counter(), Counter()
    for entry in index.entries:
        runs[entry.preset] += 1
        made[entry.preset] += entry.status == "ok"
        passed[entry.preset] += entry.validation is not None and entry.validation.status == "pass"
    presets = {p: {"commands_run": runs[p], "ok": made[p], "passed": passed[p],
                   "ok_fraction": round(made[p] / runs[p], 4), "pass_fraction": round(passed[p] / max(made[p], 1), 4),
                   "left_out": left.get(p, {})} for p in sorted(runs)}
    return {"region_preview_s": round(region_s, 2), "generate_s": round(generate_s, 2),
            "validate_s": round(validate_s, 2), "total_s": round(region_s + generate_s + validate_s, 2),
            "presets": presets}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--robots", default="mini_biped,g1")
    parser.add_argument("-j", type=int, default=2)
    parser.add_argument("--keep", type=Path, default=None, help="write the sweeps here instead of a temporary folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        result = {robot: bench(robot, args.j, folder) for robot in args.robots.split(",")}
    print(json.dumps({"jobs": args.j, "cpus": os.cpu_count(), "robots": result}, indent=2))


if __name__ == "__main__":
    main()
