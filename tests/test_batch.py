"""The batch driver: parallel workers, resume after a kill, failures, dask, several presets."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gait_generator.cli import main
from motions.index import MAX_INDEX_ENTRIES, iter_skipped, read_index

ROOT = Path(__file__).parents[1]


def files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def statuses(folder: Path) -> list[str]:
    return [m["status"] for m in json.loads((folder / "index.json").read_text())["motions"]]


def test_j1_and_j2_are_byte_identical_with_several_presets(tmp_path):
    args = ["-n", "3", "-l", "1", "--seed", "5", "--preset", "slow,medium,fast"]
    assert main([*args, "-o", str(tmp_path / "j1"), "-j", "1"]) == 0
    assert main([*args, "-o", str(tmp_path / "j2"), "-j", "2"]) == 0
    one, two = files(tmp_path / "j1"), files(tmp_path / "j2")
    assert one == two and len(one) == 11  # 9 motions, index.json and its lock file .index.json.lock
    index = json.loads(one["index.json"])
    assert [m["id"] for m in index["motions"]] == list(range(9))
    assert [m["preset"] for m in index["motions"]] == ["slow"] * 3 + ["medium"] * 3 + ["fast"] * 3
    assert all(m["file"].startswith(m["preset"] + "_") for m in index["motions"])


def test_sweep_writes_the_grid(tmp_path):
    args = ["--sweep", "--min_dx", "-0.02", "--max_dx", "0.02", "--min_dy", "0", "--max_dy", "0",
            "--min_dtheta", "0", "--max_dtheta", "0", "-l", "1", "-o", str(tmp_path), "-j", "2"]
    assert main(args) == 0
    index = json.loads((tmp_path / "index.json").read_text())
    assert [m["command"]["dx"] for m in index["motions"]] == [-0.02, 0.0, 0.02]
    assert statuses(tmp_path) == ["ok"] * 3


def test_impossible_commands_are_skipped_or_failed_and_the_rest_complete(tmp_path, capsys):
    cmds = tmp_path / "cmds.csv"
    cmds.write_text("dx,dy,dtheta\n0.02,0,0\n0.2,0,0\n-0.03,-0.03,-0.3\n0,0,0.1\n")
    out = tmp_path / "out"
    assert main(["--commands", str(cmds), "--preset", "medium", "-l", "1", "-o", str(out), "-j", "2"]) == 0
    doc = json.loads((out / "index.json").read_text())
    index = doc["motions"]
    assert [(m["id"], m["status"]) for m in index] == [(0, "ok"), (2, "failed"), (3, "ok")]
    assert "footstep planner" in index[1]["reason"]
    assert doc["skipped"] == {"count": 1, "file": "skipped.csv", "presets": {"medium": {"dx": 1}}}
    assert (out / "skipped.csv").read_text() == ("id,preset,dx,dy,dtheta,reason\n"
                                                 "1,medium,0.2,0.0,0.0,dx above max_dx_forward (0.05 m)\n")
    assert sorted(p.name for p in out.glob("*.npz")) == sorted([index[0]["file"], index[2]["file"]])
    err = capsys.readouterr().err
    assert f"skipped 1 (beyond the preset's step limits, never clamped; medium: dx 1): listed in {out}/skipped.csv" \
        in err and "failed 1" in err
    assert main(["--commands", str(cmds), "--preset", "medium", "-l", "1", "-o", str(out), "--strict"]) == 1
    assert "generated 0, reused 2, failed 1, skipped 1" in capsys.readouterr().err  # only the failed one is retried
    assert read_index(out).skipped.counts == {"medium": {"dx": 1}} and len(list(iter_skipped(read_index(out)))) == 1


def test_nothing_produced_is_exit_code_1(tmp_path):
    cmds = tmp_path / "cmds.yaml"
    cmds.write_text("- {dx: 0.2, dy: 0.0, dtheta: 0.0}\n")
    assert main(["--commands", str(cmds), "-l", "1", "-o", str(tmp_path / "out")]) == 1
    assert statuses(tmp_path / "out") == []
    assert read_index(tmp_path / "out").skipped.count == 1


def test_a_batch_beyond_what_one_index_lists_is_refused_before_it_generates_anything(tmp_path, capsys):
    cmds = tmp_path / "cmds.csv"
    cmds.write_text("dx,dy,dtheta\n" + "0.01,0,0\n" * (MAX_INDEX_ENTRIES + 1) + "0.5,0,0\n")  # skipped: not counted
    out = tmp_path / "out"
    assert main(["--commands", str(cmds), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"the index would list {MAX_INDEX_ENTRIES + 1} motions, more than the {MAX_INDEX_ENTRIES}" in err
    assert list(out.iterdir()) == []


def test_killed_batch_resumes_to_the_same_files_and_then_regenerates_nothing(tmp_path):
    args = ["-n", "10", "-l", "1", "--seed", "9", "-j", "1"]
    ref = tmp_path / "ref"
    assert main([*args, "-o", str(ref)]) == 0
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "gait_generator.cli", *args, "-o", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=ROOT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(list(out.glob("*.npz"))) < 3 and proc.poll() is None:
        time.sleep(0.002)
    proc.send_signal(signal.SIGKILL)
    assert proc.wait() == -signal.SIGKILL
    partial = sorted(out.glob("*.npz"))
    assert 3 <= len(partial) < 10
    partial[0].write_bytes(partial[0].read_bytes()[:1000])  # a truncated file is regenerated
    (out / f".{partial[-1].name}.0123456789ab.tmp").write_bytes(b"half")  # so is a stale temp file removed
    proc = subprocess.run([sys.executable, "-m", "gait_generator.cli", *args, "-o", str(out)],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert files(out) == files(ref)
    mtimes = {p.name: p.stat().st_mtime_ns for p in out.glob("*.npz")}
    proc = subprocess.run([sys.executable, "-m", "gait_generator.cli", *args, "-o", str(out)],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert proc.returncode == 0 and "generated 0, reused 10" in proc.stderr
    assert {p.name: p.stat().st_mtime_ns for p in out.glob("*.npz")} == mtimes
    assert files(out) == files(ref)


def test_a_file_from_other_settings_is_regenerated(tmp_path, capsys):
    args = ["-n", "2", "-o", str(tmp_path), "--seed", "1"]
    assert main([*args, "-l", "1"]) == 0
    assert main([*args, "-l", "2"]) == 0
    assert "generated 2, reused 0" in capsys.readouterr().err


def test_dask_backend_gives_the_same_files(tmp_path):
    args = ["-n", "3", "-l", "1", "--seed", "2", "--preset", "slow,fast"]
    assert main([*args, "-o", str(tmp_path / "local"), "-j", "1"]) == 0
    assert main([*args, "-o", str(tmp_path / "dask"), "-j", "2", "--backend", "dask"]) == 0
    assert files(tmp_path / "local") == files(tmp_path / "dask")


def test_scheduler_needs_dask(tmp_path, capsys):
    assert main(["-n", "1", "-l", "1", "-o", str(tmp_path), "--scheduler", "tcp://127.0.0.1:1"]) == 2
    assert "--scheduler needs --backend dask" in capsys.readouterr().err


@pytest.mark.parametrize("flags", [["-n", "2", "--sweep"], ["--sweep", "--commands", "x.csv"]])
def test_sources_are_exclusive(flags, tmp_path):
    with pytest.raises(SystemExit):
        main([*flags, "-o", str(tmp_path)])
