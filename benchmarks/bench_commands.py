"""Benchmark a batch of many listed commands: peak RSS and wall time of the real ``auto_gait_generator``.

Writes a CSV of N command rows that are all beyond the ``mini_biped`` medium
preset's step limits (a third each too long in dx, dy and dtheta), runs
``auto_gait_generator --commands FILE -o OUT`` for real (not ``--dry-run``:
every row is planned, skipped and recorded) as a fresh process, and prints
JSON: per row count, the exit code, wall and CPU seconds, peak RSS (MB,
``wait4`` of a process started from a small launcher, so the benchmark's own
memory does not count) and the sizes of ``index.json`` and the skipped list.

``--feasible N`` measures the other extreme, N rows all within the limits,
without generating 10^6 clips: in a fresh process, planning them (every job
to run) and then writing, merging into and reading an index of
:data:`motions.index.MAX_INDEX_ENTRIES` ``ok`` entries (the most a batch
writes), each stage's time and the process's peak RSS after it.

``--tree DIR`` runs the tool from another checkout (``python -m
gait_generator.cli`` with ``DIR`` first on the path), to compare releases.

Usage: python benchmarks/bench_commands.py [--rows 100000,1000000] [--feasible 1000000] [--tree DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fuzz_runner import measured

ROW_KINDS = ("0.06,0,0\n", "0,0.04,0\n", "0,0,0.5\n")
"""Rows beyond mini_biped medium's limits (max_dx_forward 0.05 m, max_dy 0.03 m, max_dtheta 0.3 rad)."""

CAP_MB = 6000
"""Address-space cap of the measured process (MB): the old release needed about 4 GB for 10^6 rows."""


def write_commands(path: Path, rows: int) -> Path:
    """A CSV of ``rows`` commands, all beyond the medium preset's step limits, cycling through :data:`ROW_KINDS`."""
    block = "".join(ROW_KINDS)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("dx,dy,dtheta\n")
        handle.write(block * (rows // len(ROW_KINDS)))
        handle.write("".join(ROW_KINDS[: rows % len(ROW_KINDS)]))
    return path


def run_rows(rows: int, tmp: Path, tree: Path) -> dict:
    """Run the batch on ``rows`` skipped rows from ``tree``; its measurements."""
    commands = write_commands(tmp / f"c{rows}.csv", rows)
    out = tmp / f"out{rows}"
    with open(tmp / "err.txt", "w") as err:
        r = measured([sys.executable, "-m", "gait_generator.cli", "--commands", str(commands), "--preset", "medium",
                      "-o", str(out)], CAP_MB, str(tmp / "r.json"), stdout=subprocess.DEVNULL, stderr=err,
                     cwd=tree)
    r["rows"] = rows
    r["last_line"] = (tmp / "err.txt").read_text().strip().splitlines()[-1:]
    for name in ("index.json", "skipped.csv"):
        if (out / name).is_file():
            r[f"{name}_mb"] = round((out / name).stat().st_size / 1e6, 3)
    return r


def feasible_stages(rows: int, tmp: Path, result: Path) -> None:
    """Run in a fresh process: plan ``rows`` feasible commands, then write, merge and read a full index."""
    import hashlib
    import resource
    import time

    from gait_generator.batch import BatchSettings
    from gait_generator.planning import plan_jobs
    from gait_generator.preset import resolve_preset
    from gait_generator.sweep import load_commands, make_jobs
    from motions.index import MAX_INDEX_ENTRIES, MotionEntry, read_index, record_motions
    from motions.motion import Achieved, Command
    from robots import load_robot

    stages: dict[str, dict] = {}
    clock = time.perf_counter()

    def stage(name: str, **extra: object) -> None:
        nonlocal clock
        now = time.perf_counter()
        stages[name] = {"seconds": round(now - clock, 3),
                        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1), **extra}
        clock = time.perf_counter()

    robot = load_robot("mini_biped")
    preset = resolve_preset(robot.spec.presets, "medium", robot.name)
    stage("imports")
    path = tmp / "feasible.csv"
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("dx,dy,dtheta\n" + "0.01,0,0.05\n-0.02,0.01,-0.1\n" * (rows // 2))
    clock = time.perf_counter()
    jobs = make_jobs([("medium", "medium")], [load_commands(path)], 0)
    stage("read_commands", rows=len(jobs))
    out = tmp / "feasible_out"
    out.mkdir()
    plan = plan_jobs(jobs, {"medium": preset}, BatchSettings("mini_biped", out, 10.0, 60.0, False))
    plan.skipped.discard()
    stage("plan", todo=len(plan.todo), todo_mb=round(len(plan.todo) * plan.todo.itemsize / 2**20, 1))
    count = min(MAX_INDEX_ENTRIES, len(plan.todo))
    entries = []
    for i in plan.todo[:count]:
        job = jobs[i]
        entries.append(MotionEntry(i, job.file, job.preset, Command(dx=job.dx, dy=job.dy, dtheta=job.dtheta),
                                   Achieved(vx=job.dx / 0.4, vy=job.dy / 0.4, yaw_rate=job.dtheta / 0.4), "ok",
                                   sha256=hashlib.sha256(job.file.encode()).hexdigest()))
    stage("make_entries", entries=count)
    record_motions(out, "mini_biped", entries, keep_validation=False)
    stage("write_index", index_mb=round((out / "index.json").stat().st_size / 1e6, 1))
    del entries
    record_motions(out, "mini_biped", [], keep_validation=False)
    stage("merge_into_index")
    index = read_index(out)
    stage("read_index", entries=len(index.entries))
    result.write_text(json.dumps(stages))


def run_feasible(rows: int, tmp: Path) -> dict:
    """Measure :func:`feasible_stages` in a fresh process (whole-process peak RSS from ``wait4``)."""
    result = tmp / "stages.json"
    r = measured([sys.executable, __file__, "--child-feasible", str(rows), str(tmp), str(result)], CAP_MB,
                 str(tmp / "r.json"), cwd=ROOT)
    r["rows"] = rows
    r["stages"] = json.loads(result.read_text()) if result.is_file() else None
    return r


def main() -> int:
    """Parse arguments, run, print JSON."""
    if sys.argv[1:2] == ["--child-feasible"]:
        feasible_stages(int(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4]))
        return 0
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", default="100000,1000000", help="comma-separated row counts (all skipped)")
    p.add_argument("--feasible", type=int, default=0, help="also plan this many feasible rows and write a full index")
    p.add_argument("--tree", type=Path, default=ROOT, help="checkout to run (default: this one)")
    args = p.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for rows in (int(n) for n in args.rows.split(",") if n):
            results.append(run_rows(rows, Path(tmp), args.tree.resolve()))
        feasible = run_feasible(args.feasible, Path(tmp)) if args.feasible else None
    print(json.dumps({"tree": str(args.tree), "cpus": os.cpu_count(), "runs": results, "feasible": feasible},
                     indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
