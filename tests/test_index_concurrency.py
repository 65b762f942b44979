"""No lost grades: reruns keep grades, and concurrent writers of one index.json lose no record (real processes)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gait_generator.cli import main as generate_main
from motions.index import read_index
from validate.cli import main as validate_main

ROOT = Path(__file__).parents[1]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
RUNS = 4
"""Concurrent batch + gait_validate runs: two with each ordering (validation shorter, then longer, than the batch)."""


def cli(module: str, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", module, *args], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, env=ENV, cwd=ROOT)


def grades(folder: Path) -> dict[str, object]:
    return {e.file: e.validation for e in read_index(folder).entries}


def on_disk(folder: Path) -> set[str]:
    return {p.name for p in folder.glob("*.npz")}


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> Path:
    """A folder of four short mini_biped clips and their index, not validated."""
    folder = tmp_path_factory.mktemp("clips")
    assert generate_main(["-n", "4", "-l", "1", "--seed", "1", "-o", str(folder)]) == 0
    return folder


def test_generate_validate_generate_keeps_every_grade(clips, tmp_path, capsys):
    folder = tmp_path / "lib"
    shutil.copytree(clips, folder)
    assert validate_main([str(folder), "--no-physics"]) in (0, 1)
    before = grades(folder)
    assert len(before) == 4 and all(v is not None for v in before.values())
    args = ["-n", "4", "-l", "1", "--seed", "1", "-o", str(folder)]
    assert generate_main(args) == 0
    assert "generated 0, reused 4" in capsys.readouterr().err
    assert grades(folder) == before
    # A clip the generator has to regenerate (truncated) loses its grade; the others keep theirs.
    victim = min(on_disk(folder))
    (folder / victim).write_bytes((folder / victim).read_bytes()[:500])
    assert generate_main(args) == 0
    after = grades(folder)
    assert after[victim] is None
    assert {k: v for k, v in after.items() if k != victim} == {k: v for k, v in before.items() if k != victim}
    # More motions in the same folder (another seed) keep the existing grades too.
    assert generate_main(["-n", "2", "-l", "1", "--seed", "7", "-o", str(folder)]) == 0
    assert {k: v for k, v in grades(folder).items() if k in before and k != victim} == \
           {k: v for k, v in before.items() if k != victim}
    assert set(grades(folder)) == on_disk(folder) and len(on_disk(folder)) == 6


def test_a_batch_and_gait_validate_running_together_lose_no_record(clips, tmp_path):
    """Four runs: a batch adds 3 clips while gait_validate grades the 4 listed ones; nothing is lost."""
    original = set(grades(clips))
    for run in range(RUNS):
        folder = tmp_path / f"run{run}"
        shutil.copytree(clips, folder)
        batch = cli("gait_generator.cli", "-n", "3", "-l", "1", "--seed", str(100 + run), "-o", str(folder))
        # Alternate a validation shorter and longer than the batch, so each finishes first in some runs.
        check = cli("validate.cli", str(folder), *(["--no-physics"] if run % 2 == 0 else []))
        _, batch_err = batch.communicate(timeout=120)
        _, check_err = check.communicate(timeout=120)
        assert batch.returncode == 0, batch_err
        assert check.returncode in (0, 1), check_err
        index = read_index(folder)
        assert {e.file for e in index.entries} == on_disk(folder), f"run {run}: a motion is missing from the index"
        assert len(index.entries) == 7
        lost = [e.file for e in index.entries if e.file in original and e.validation is None]
        assert not lost, f"run {run}: grades lost for {lost}"
        assert all(e.status == "ok" for e in index.entries)


def test_two_batches_with_different_seeds_share_one_index(tmp_path):
    folder = tmp_path / "shared"
    batches = [cli("gait_generator.cli", "-n", "5", "-l", "1", "--seed", str(seed), "-o", str(folder), "-j", "1")
               for seed in (1, 2)]
    for proc in batches:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    index = read_index(folder)
    assert len(on_disk(folder)) == 10
    assert {e.file for e in index.entries} == on_disk(folder)
