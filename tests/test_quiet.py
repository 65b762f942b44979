"""Quiet sweep: the README pipeline on a sweep with failures prints a few lines per tool; the files keep every detail.

The tools run as a person runs them (separate processes, stdout and stderr
captured at the file-descriptor level, so placo's C++ warnings would count).
The sweep is small (1 s clips, a coarse mini_biped grid, about 10 s) but has
every outcome: generated clips, commands skipped beyond the preset's limits,
and commands placo's footstep planner cannot make; strict thresholds make
some clips fail validation, so the exporter leaves them out.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from motions.console import VERBOSE_ENV

ROOT = Path(__file__).resolve().parents[1]
ENV = {k: v for k, v in os.environ.items() if k != VERBOSE_ENV}

SWEEP = ["--sweep", "--preset", "medium", "-l", "1", "-j", "2", "--xy-step", "0.03", "--theta-step", "0.3",
         "--min-dx", "-0.03", "--max-dx", "0.06", "--min-dy", "-0.03", "--max-dy", "0.03",
         "--min-dtheta", "-0.3", "--max-dtheta", "0.3", "--all-commands"]
"""36 commands (``--all-commands``: the feasible region would leave the failing ones out): dx 0.06 is beyond max_dx_forward (9 skipped); dy and dtheta together at +-0.03 m and +-0.3 rad
would make placo move a foot (12 failed); 15 clips."""

MOST_LINES = 30


def run(module: str, *args: str, env: dict[str, str] = ENV) -> tuple[int, list[str]]:
    """Run a tool's module; its exit code and every line it printed (stdout, then stderr)."""
    done = subprocess.run([sys.executable, "-m", module, *args], capture_output=True, text=True, cwd=ROOT, env=env,
                          timeout=300, check=False)
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, done.stdout.splitlines() + done.stderr.splitlines()


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    root = tmp_path_factory.mktemp("quiet")
    lib, export = root / "lib", root / "export"
    thresholds = root / "strict.yaml"
    thresholds.write_text("kinematic:\n  joint_velocity_limit_frac: 0.8\n")  # knees reach 0.7 to 0.9 of their limit
    out: dict[str, object] = {"lib": lib, "export": export}
    out["generate"] = run("gait_generator.cli", *SWEEP, "-o", str(lib))
    out["validate"] = run("validate.cli", str(lib / "index.json"), "-j", "2", "--thresholds", str(thresholds),
                          "--report", str(root / "report.json"), "--html", str(root / "report.html"))
    out["report"] = json.loads((root / "report.json").read_text())
    out["retarget"] = run("retarget.cli", str(lib / "index.json"), "-o", str(export), "--robot", "mini_biped",
                          "--format", "mimickit", "--weights", "balanced")
    return out


def test_every_tool_prints_at_most_30_lines(pipeline) -> None:
    for tool in ("generate", "validate", "retarget"):
        _, lines = pipeline[tool]
        assert len(lines) <= MOST_LINES, f"{tool}: {len(lines)} lines:\n" + "\n".join(lines)
        assert not [line for line in lines if "WARNING" in line], f"{tool}: C++ warnings shown without -v"
    assert [pipeline[tool][0] for tool in ("generate", "validate", "retarget")] == [0, 1, 0]


def test_the_generator_counts_each_outcome_and_the_index_keeps_every_reason(pipeline) -> None:
    _, lines = pipeline["generate"]
    index = json.loads((pipeline["lib"] / "index.json").read_text())
    status = Counter(m["status"] for m in index["motions"])
    assert status == {"ok": 15, "failed": 12} and index["skipped"]["count"] == 9
    assert any("generated 15, reused 0, failed 12, skipped 9" in line for line in lines), lines
    failed = [m for m in index["motions"] if m["status"] == "failed"]
    assert all("footstep planner" in m["reason"] and re.search(r"\d mm", m["reason"]) for m in failed)
    grouped = [line for line in lines if "footstep planner move a step by # mm" in line]
    assert len(grouped) == 1 and grouped[0].split()[0] == "12", lines  # one line for the 12, with 3 examples
    assert grouped[0].count(".npz") == 3


def test_validation_groups_by_check_while_the_report_and_index_keep_every_reason(pipeline) -> None:
    _, lines = pipeline["validate"]
    report = pipeline["report"]
    failing = [m for m in report["motions"] if m["status"] == "fail"]
    assert failing and all(m["reasons"] and "joint_velocity_limit" in m["failed_checks"] for m in failing)
    graded = {m["file"]: m.get("validation") for m in json.loads((pipeline["lib"] / "index.json").read_text())
              ["motions"] if m["status"] == "ok"}
    assert sum(v["status"] == "fail" and bool(v["reasons"]) for v in graded.values()) == len(failing)
    assert lines[0] == f"15 motions: {15 - len(failing)} pass, {len(failing)} fail, 0 error " \
                       f"(pass rate {(15 - len(failing)) / 15:.1%})"
    assert any(re.match(rf"\s+{len(failing)}\s+joint_velocity_limit \(", line) for line in lines), lines


def test_the_exporter_groups_its_exclusions_and_notes_while_the_manifest_lists_each(pipeline) -> None:
    _, lines = pipeline["retarget"]
    manifest = json.loads((pipeline["export"] / "manifest.json").read_text())
    failing = sum(m["status"] == "fail" for m in pipeline["report"]["motions"])
    assert len(manifest["motions"]) == 15 - failing
    assert len(manifest["excluded"]) == 12 + failing + 1  # failed, validation failed, the skipped commands
    assert lines[0] == f"wrote {15 - failing} mimickit clips to {pipeline['export']}"
    assert not [line for line in lines if line.startswith("excluded ")]  # grouped, not one line each


def test_verbose_lists_every_failure_and_shows_placo_s_warnings(pipeline) -> None:
    code, lines = run("gait_generator.cli", *SWEEP, "-o", str(pipeline["lib"]), "-v")
    assert code == 0
    assert any("generated 0, reused 15, failed 12, skipped 9" in line for line in lines)
    listed = [line for line in lines if re.match(r"\s+medium_\S+\.npz: command \(", line)]
    assert len(listed) == 12
    assert any("WARNING: Can't find head frames" in line for line in lines), lines  # placo's, from the workers
