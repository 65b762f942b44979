"""Killed and interrupted runs: no orphan workers, no writes after death, exit 130 on Ctrl-C, stale staging removed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gait_generator.cli import main as generate_main
from motions.atomic import remove_stale_temps
from motions.index import read_index
from motions.locking import exclusive_lock
from retarget.errors import RetargetError
from retarget.export import retarget
from validate.cli import main as validate_main

ROOT = Path(__file__).parents[1]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
GRACE_S = 5.0
KILL_TRIALS = 3


# ----------------------------------------------------------------- processes (psutil if installed, else /proc)

def descendants(pid: int) -> list[int]:
    """Pids of every process below ``pid`` (to be called while it is alive)."""
    try:
        import psutil

        return [p.pid for p in psutil.Process(pid).children(recursive=True)]
    except ImportError:
        parents: dict[int, list[int]] = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
        out, todo = [], [pid]
        while todo:
            for child in parents.get(todo.pop(), []):
                out.append(child)
                todo.append(child)
        return out


def running(pid: int) -> bool:
    """Alive and not a zombie (an exited child nobody has reaped yet)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def wait_gone(pids: list[int], limit_s: float) -> tuple[float, list[int]]:
    """Seconds until every pid has exited (or ``limit_s``), and those still running."""
    start = time.monotonic()
    while time.monotonic() - start < limit_s:
        alive = [p for p in pids if running(p)]
        if not alive:
            return time.monotonic() - start, []
        time.sleep(0.02)
    return time.monotonic() - start, [p for p in pids if running(p)]


def kill_all(pids: list[int]) -> None:
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def start(module: str, *args: str, stderr=subprocess.DEVNULL) -> subprocess.Popen:
    """A CLI in its own session (its own process group, like a job in a terminal)."""
    return subprocess.Popen([sys.executable, "-m", module, *args], stdout=subprocess.DEVNULL, stderr=stderr,
                            text=True, env=ENV, cwd=ROOT, start_new_session=True)


def wait_for(predicate, limit_s: float = 60.0) -> None:
    deadline = time.monotonic() + limit_s
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def clips(folder: Path) -> set[str]:
    return {p.name for p in folder.glob("*.npz")}


# ----------------------------------------------------------------- auto_gait_generator

BATCH = ["-n", "12", "-l", "1", "-j", "2", "--seed", "3"]
"""Long enough to be killed mid-way (after 2..4 clips), short enough to rerun to completion."""


def test_sigkill_of_the_batch_leaves_no_worker_and_no_new_clip(tmp_path):
    survivals = []
    for trial in range(KILL_TRIALS):
        out = tmp_path / f"out{trial}"
        proc = start("gait_generator.cli", *BATCH, "-o", str(out))
        workers: list[int] = []
        try:
            wait_for(lambda: len(clips(out)) >= 2 + trial)
            family = descendants(proc.pid)
            workers = [p for p in family if "loky" in cmdline(p) and "popen" in cmdline(p)]
            assert len(workers) >= 2, [cmdline(p) for p in family]
            proc.kill()
            proc.wait()
            at_kill = clips(out)
            elapsed, alive = wait_gone(family, GRACE_S)
            survivals.append(elapsed)
            assert not alive, f"still running {GRACE_S} s after SIGKILL: {[cmdline(p) for p in alive]}"
            time.sleep(0.3)
            assert clips(out) == at_kill, "a clip appeared after the main process was killed"
        finally:
            kill_all(descendants(proc.pid) + workers if proc.poll() is None else workers)
    print(f"workers gone {max(survivals):.2f} s after SIGKILL at most ({KILL_TRIALS} trials)")
    # An immediate rerun completes the batch: every clip in the index, no temporary file left.
    assert generate_main([*BATCH, "-o", str(out)]) == 0
    assert {e.file for e in read_index(out).entries} == clips(out) and len(clips(out)) == 12
    assert not [p.name for p in out.iterdir() if p.name.endswith(".tmp")]


def test_ctrl_c_stops_the_batch_with_130_and_keeps_finished_clips(tmp_path):
    out = tmp_path / "out"
    proc = start("gait_generator.cli", *BATCH, "-o", str(out), stderr=subprocess.PIPE)
    wait_for(lambda: len(clips(out)) >= 3)
    family = descendants(proc.pid)
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C does: the whole process group
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert err.strip().splitlines()[-1].startswith("auto_gait_generator: interrupted")
    index = read_index(out)
    assert {e.file for e in index.entries} == clips(out) and len(clips(out)) < 12
    _, alive = wait_gone(family, GRACE_S)
    kill_all(alive)
    assert not alive


# ----------------------------------------------------------------- gait_validate

@pytest.fixture(scope="module")
def library(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("library")
    assert generate_main(["-n", "24", "-l", "2", "--seed", "5", "-j", "2", "-o", str(folder)]) == 0
    return folder


def graded(folder: Path) -> dict[str, str]:
    return {e.file: e.validation.status for e in read_index(folder).entries if e.validation is not None}


def test_ctrl_c_stops_gait_validate_with_130_and_keeps_finished_results(library, tmp_path):
    import shutil

    folder = tmp_path / "lib"
    shutil.copytree(library, folder)
    report = tmp_path / "report.json"
    proc = start("validate.cli", str(folder), "-j", "2", "--report", str(report), stderr=subprocess.PIPE)
    wait_for(lambda: len(graded(folder)) >= 1)  # grades are merged into the index every 2 s
    family = descendants(proc.pid)
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert "interrupted after" in err.strip().splitlines()[-1]
    doc = json.loads(report.read_text())
    finished = {Path(m["file"]).name: m["status"] for m in doc["motions"]}
    assert doc["interrupted"]["motions"] == 24 and 1 <= len(finished) < 24
    assert graded(folder) == finished  # every finished result, and only those, is in the index
    _, alive = wait_gone(family, GRACE_S)
    kill_all(alive)
    assert not alive


def test_gait_validate_removes_its_stale_temporary_files(library, tmp_path):
    import shutil

    folder = tmp_path / "lib"
    shutil.copytree(library, folder)
    dead = _dead_pid()
    stale = [folder / f".index.json.{dead}.0123456789ab.tmp", folder / ".index.json.0123456789ab.tmp",
             tmp_path / f".r.json.{dead}.00112233aabb.tmp"]
    for p in stale:
        p.write_text("left by a kill")
    live = tmp_path / f".r.json.{os.getppid()}.00112233aabb.tmp"  # a running writer's: kept
    live.write_text("in progress")
    code = validate_main([str(folder / min(clips(folder))), "--no-physics", "--report", str(tmp_path / "r.json")])
    assert code in (0, 1)
    assert [p.exists() for p in stale] == [True, True, False]  # a single file: no index involved
    assert validate_main([str(folder), "--no-physics", "--no-index"]) in (0, 1)
    assert [p.exists() for p in stale] == [True, True, False]  # --no-index: the index is not touched
    assert validate_main([str(folder), "--no-physics"]) in (0, 1)
    assert not any(p.exists() for p in stale) and live.exists()


def _dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def test_remove_stale_temps_keeps_live_writers_and_other_names(tmp_path):
    dead = _dead_pid()
    names = {
        f".clip.npz.{dead}.0123456789ab.tmp": False,  # its writer is dead
        ".clip.npz.0123456789ab.tmp": False,  # written before pids were recorded
        f".clip.npz.{os.getppid()}.0123456789ab.tmp": True,  # a live writer's
        f".other.npz.{dead}.0123456789ab.tmp": True,  # not one of the names asked for
        ".clip.npz.tmp": True,  # not our pattern
    }
    for name in names:
        (tmp_path / name).write_text("x")
    removed = remove_stale_temps(tmp_path, ["clip.npz"])
    assert {p.name for p in removed} == {n for n, keep in names.items() if not keep}
    assert {p.name for p in tmp_path.iterdir()} == {n for n, keep in names.items() if keep}
    old = tmp_path / f".clip.npz.{os.getppid()}.0123456789ab.tmp"
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    assert remove_stale_temps(tmp_path, ["clip.npz"]) == [old]  # too old to be a live write


# ----------------------------------------------------------------- gait_retarget

def staging(parent: Path, name: str) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith(f".{name}.") and not p.name.endswith(".lock"))


def test_retarget_kill_between_the_renames_never_leaves_out_missing(library, tmp_path):
    out = tmp_path / "export"
    retarget(library, out, robot="mini_biped", format="gmr")
    previous = sorted(p.name for p in out.iterdir())
    # The state a kill between "OUT -> .OUT.<hex>.old" and ".OUT.<hex>.tmp -> OUT" leaves behind.
    os.replace(out, tmp_path / ".export.0123456789ab.old")
    (tmp_path / ".export.00112233aabb.tmp").mkdir()
    (tmp_path / ".export.00112233aabb.tmp" / "half.pkl").write_bytes(b"x" * 1000)
    lines: list[str] = []
    retarget(library, out, robot="mini_biped", format="awd", log=lines.append)
    assert any("restored" in line for line in lines), lines
    assert staging(tmp_path, "export") == []
    assert (out / "manifest.json").is_file() and json.loads((out / "manifest.json").read_text())["format"] == "awd"
    assert previous and previous != sorted(p.name for p in out.iterdir())


def test_retarget_restores_the_previous_output_even_when_the_next_run_fails(library, tmp_path):
    out = tmp_path / "export"
    retarget(library, out, robot="mini_biped", format="gmr")
    previous = {p.name: p.read_bytes() for p in out.iterdir()}
    os.replace(out, tmp_path / ".export.0123456789ab.old")
    table = tmp_path / "bad_mapping.yaml"
    table.write_text("joints: 5\n")
    with pytest.raises(RetargetError, match="bad_mapping.yaml"):
        retarget(library, out, robot="mini_biped", format="awd", mapping=table)  # fails while staging
    assert {p.name: p.read_bytes() for p in out.iterdir()} == previous
    assert staging(tmp_path, "export") == []


def test_retarget_of_a_live_run_is_refused_and_its_staging_kept(library, tmp_path):
    out = tmp_path / "export"
    live = tmp_path / ".export.00112233aabb.tmp"
    live.mkdir()
    with exclusive_lock(out):  # another run holds OUT
        with pytest.raises(Exception, match=r"\.export\.lock: locked by another gait_retarget run"):
            retarget(library, out, robot="mini_biped", format="gmr")
    assert live.is_dir() and not out.exists()


def test_sigkill_of_gait_retarget_leaves_nothing_the_next_run_does_not_clean(library, tmp_path):
    out = tmp_path / "export"
    args = [str(library), "-o", str(out), "--robot", "mini_biped", "--format", "mimickit"]
    for delay in (0.0, 0.05):
        proc = start("retarget.cli", *args)
        wait_for(lambda: staging(tmp_path, "export") or proc.poll() is not None)
        time.sleep(delay)
        proc.kill()
        proc.wait()
        done = subprocess.run([sys.executable, "-m", "retarget.cli", *args], capture_output=True, text=True,
                              env=ENV, cwd=ROOT, timeout=120)
        assert done.returncode == 0, done.stderr
        assert staging(tmp_path, "export") == []
        assert len(json.loads((out / "manifest.json").read_text())["motions"]) == 24


# ----------------------------------------------------------------- gait_robot

def test_ctrl_c_stops_gait_robot_with_130_and_one_line(tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "validate.robot_cli", "check", "mini_biped"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=ENV, cwd=ROOT, start_new_session=True)
    assert proc.stdout.readline().startswith("gait_robot check")
    assert proc.stdout.readline().startswith("ok    spec")  # now busy with the collision, stand and clip checks
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert err.strip().splitlines()[-1] == "gait_robot: interrupted"
