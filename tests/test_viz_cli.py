"""gait_preview on bad input: clear errors naming the file or robot, non-zero exit."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

import gait_generator
from viz.cli import main

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def motion():
    return gait_generator.generate(robot="mini_biped", preset="medium", dx=0.04, length=2.0)


def test_missing_file_is_named(tmp_path, capsys):
    missing = tmp_path / "nope.npz"
    assert main([str(missing), "--plot", str(tmp_path / "x.png")]) == 2
    err = capsys.readouterr().err
    assert str(missing) in err and "no such motion" in err
    assert not (tmp_path / "x.png").exists()


def test_corrupt_file_is_named(tmp_path, capsys):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip")
    assert main([str(bad), "--html", str(tmp_path / "x.html")]) == 2
    assert str(bad) in capsys.readouterr().err


def test_unknown_robot_in_the_motion_is_named(motion, tmp_path, capsys):
    alien = dataclasses.replace(motion, meta={**motion.meta, "robot": "robo_nonexistent"})
    path = alien.save(tmp_path / "alien.npz")
    assert main([str(path), "--html", str(tmp_path / "x.html")]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and "robo_nonexistent" in err and "mini_biped" in err


def test_unknown_robot_option_is_named(motion, tmp_path, capsys):
    path = motion.save(tmp_path / "clip.npz")
    assert main([str(path), "--robot", "robo_nonexistent", "--plot", str(tmp_path / "x.png")]) == 2
    assert "robo_nonexistent" in capsys.readouterr().err


def test_empty_folder(tmp_path, capsys):
    assert main([str(tmp_path), "--html", str(tmp_path / "x.html")]) == 2
    assert str(tmp_path) in capsys.readouterr().err


def test_exit_status_of_the_command(tmp_path):
    missing = tmp_path / "nope.npz"
    result = subprocess.run(
        [sys.executable, "-m", "viz.cli", str(missing), "--plot", str(tmp_path / "x.png")],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 2
    assert str(missing) in result.stderr and "Traceback" not in result.stderr
