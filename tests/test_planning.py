"""Batch planning (gait_generator.planning): skipped commands, reusable files, compact todo; 10^6 rows in bounded memory."""

from __future__ import annotations

import os
import sys
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from gait_generator.batch import BatchSettings
from gait_generator.planning import plan_jobs
from gait_generator.preset import resolve_preset
from gait_generator.sweep import make_jobs
from motions.index import read_index
from robots import load_robot
from tests.fuzz_runner import measured

BEYOND = ("0.06,0,0\n", "0,0.04,0\n", "0,0,0.5\n")
"""Rows beyond mini_biped medium's limits (max_dx_forward 0.05 m, max_dy 0.03 m, max_dtheta 0.3 rad)."""

ROWS, FEW_ROWS = 1_000_000, 100_000
"""Row counts of the scale test (benchmarks/bench_commands.py measures others)."""


@pytest.fixture(scope="module")
def medium():
    robot = load_robot("mini_biped")
    return resolve_preset(robot.spec.presets, "medium", robot.name)


def settings(folder: Path) -> BatchSettings:
    folder.mkdir(exist_ok=True)
    return BatchSettings(robot="mini_biped", output=folder, length=1.0, fps=60.0, with_start=False)


def test_plan_keeps_ids_to_run_and_streams_skipped_commands(medium, tmp_path):
    commands = [(0.01, 0.0, 0.0), (0.06, 0.0, 0.0), (0.0, 0.0, -0.5), (-0.05, 0.04, 0.0), (0.0, 0.01, 0.1)]
    jobs = make_jobs([("medium", "medium")], [commands], 0)
    plan = plan_jobs(jobs, {"medium": medium}, settings(tmp_path))
    try:
        assert list(plan.todo) == [0, 4] and plan.todo.itemsize == 8 and plan.reused == []
        assert plan.skipped.counts == {"medium": {"dx": 2, "dtheta": 1}}  # (-0.05, 0.04): dx is the first beyond
    finally:
        plan.skipped.discard()
    assert list(tmp_path.iterdir()) == []  # the staged list is gone with the plan


def test_plan_removes_files_of_skipped_commands_and_stale_temporaries_only(medium, tmp_path):
    jobs = make_jobs([("medium", "medium")], [[(0.01, 0.0, 0.0), (0.06, 0.0, 0.0)]], 0)
    out = settings(tmp_path).output
    (out / jobs[0].file).write_bytes(b"not a motion")  # within the limits: not reusable, regenerated
    (out / jobs[1].file).write_bytes(b"made under looser limits")  # now beyond them: removed
    dead = f".{jobs[0].file}.999999999.0123456789ab.tmp"  # no such pid: a killed writer's
    mine = f".{jobs[0].file}.{os.getpid()}.0123456789ab.tmp"  # a live writer's: kept
    other = ".unrelated.npz.999999999.0123456789ab.tmp"  # not this batch's: kept
    for name in (dead, mine, other):
        (out / name).write_bytes(b"x")
    plan = plan_jobs(jobs, {"medium": medium}, settings(tmp_path))
    plan.skipped.discard()
    assert list(plan.todo) == [0]
    assert sorted(p.name for p in out.iterdir()) == sorted([jobs[0].file, mine, other])


def test_planning_holds_a_few_bytes_per_job_to_run(medium, tmp_path):
    """10^5 feasible commands: the plan keeps 8-byte ids, not jobs or file names (those were over 300 bytes each)."""
    rows = 100_000
    commands = np.tile([[0.01, 0.0, 0.05], [-0.02, 0.01, -0.1]], (rows // 2, 1))
    jobs = make_jobs([("medium", "medium")], [commands], 0)
    tracemalloc.start()
    try:
        plan = plan_jobs(jobs, {"medium": medium}, settings(tmp_path))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    plan.skipped.discard()
    assert len(plan.todo) == rows and plan.skipped.count == 0
    assert peak / rows < 24, f"{peak / rows:.1f} bytes per job"


def write_beyond(path: Path, rows: int) -> Path:
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("dx,dy,dtheta\n" + "".join(BEYOND) * (rows // 3) + "".join(BEYOND[: rows % 3]))
    return path


def run_batch_measured(tmp_path: Path, rows: int) -> tuple[dict, str, Path]:
    out = tmp_path / f"out{rows}"
    with open(tmp_path / "err.txt", "w") as err:
        r = measured([str(Path(sys.executable).with_name("auto_gait_generator")), "--commands",
                      str(write_beyond(tmp_path / f"c{rows}.csv", rows)), "-o", str(out)], 3000,
                     str(tmp_path / "r.json"), stdout=err, stderr=err)
    return r, (tmp_path / "err.txt").read_text(), out


def lines(path: Path) -> int:
    with open(path, "rb") as handle:
        return sum(block.count(b"\n") for block in iter(lambda: handle.read(1 << 20), b""))


def test_a_million_skipped_command_rows_run_in_bounded_memory(tmp_path):
    """Issue 16: 10^6 CSV rows, all beyond the preset's limits, through the real batch: peak RSS < 500 MB.

    The old batch kept one index entry per skipped row: 3.9 GB, 89 s and a 354 MB
    index.json (10^5 rows: 436 MB). Now about 75 MB and 5 s; the index holds
    counts and the rows go to skipped.csv. Against 10^5 rows the peak grows by
    the 24-byte command array per row, and nothing else.
    """
    few, _, _ = run_batch_measured(tmp_path, FEW_ROWS)
    r, err, out = run_batch_measured(tmp_path, ROWS)
    print(f"{FEW_ROWS} rows: {few}; {ROWS} rows: {r}")
    assert few["code"] == r["code"] == 1, err  # nothing generated
    assert err.strip().splitlines()[-1] == (
        f"  skipped {ROWS} (beyond the preset's step limits, never clamped; medium: dx 333334, dy 333333, "
        f"dtheta 333333): listed in {out / 'skipped.csv'}")
    assert r["rss_mb"] < 500 and r["wall"] < 60, r
    growth = (r["rss_mb"] - few["rss_mb"]) * 2**20 / (ROWS - FEW_ROWS)
    assert growth < 48, f"{growth:.0f} bytes per row"
    index = read_index(out)
    assert index.entries == () and index.skipped.count == ROWS
    assert (out / "index.json").stat().st_size < 1000 and lines(out / "skipped.csv") == ROWS + 1
