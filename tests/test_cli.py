"""auto_gait_generator end to end, in process and as the installed entry point."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import motions
from gait_generator.cli import build_parser, main, random_commands


def test_writes_n_motions_and_index(tmp_path):
    out = tmp_path / "out"
    assert main(["-n", "4", "-o", str(out), "--seed", "3"]) == 0
    index = json.loads((out / "index.json").read_text())
    assert index["robot"] == "mini_biped" and len(index["motions"]) == 4
    for entry in index["motions"]:
        assert entry["status"] == "ok"
        m = motions.load(out / entry["file"])
        assert entry["command"] == {"dx": m.command.dx, "dy": m.command.dy, "dtheta": m.command.dtheta}
        assert entry["achieved"]["vx"] == m.achieved.vx
        assert f"dx{m.command.dx:+.4f}" in entry["file"]
    assert sorted(p.name for p in out.iterdir()) == sorted([e["file"] for e in index["motions"]]
                                                          + ["index.json", ".index.json.lock"])


def test_rerun_is_byte_identical(tmp_path):
    for name in ("a", "b"):
        assert main(["-n", "3", "-o", str(tmp_path / name), "--seed", "11", "-l", "2"]) == 0
    for f in (tmp_path / "a").iterdir():
        assert f.read_bytes() == (tmp_path / "b" / f.name).read_bytes()


def test_ranges_default_from_preset_and_flags_override():
    cmds = random_commands(50, {"dx": (0.01, 0.02), "dy": (0.0, 0.0), "dtheta": (-0.1, 0.1)}, 0)
    assert all(0.01 <= c[0] <= 0.02 and c[1] == 0.0 and -0.1 <= c[2] <= 0.1 for c in cmds)
    assert cmds == random_commands(50, {"dx": (0.01, 0.02), "dy": (0.0, 0.0), "dtheta": (-0.1, 0.1)}, 0)


def test_with_start_flag(tmp_path):
    assert main(["-n", "1", "-o", str(tmp_path), "--with-start", "-l", "3"]) == 0
    m = motions.load(next(tmp_path.glob("*.npz")))
    assert not m.loop.looping and m.num_frames == 181


def test_command_beyond_limits_is_an_error_not_a_clamp(tmp_path, capsys):
    assert main(["-n", "1", "-o", str(tmp_path), "--min_dx", "0.2", "--max_dx", "0.3"]) == 1
    index = json.loads((tmp_path / "index.json").read_text())
    assert index["motions"] == [] and index["skipped"]["count"] == 1
    assert "above max_dx_forward" in (tmp_path / "skipped.csv").read_text()
    assert not list(tmp_path.glob("*.npz"))


def test_bad_preset_file_is_a_clear_error(tmp_path, capsys):
    bad = tmp_path / "p.yaml"
    bad.write_text("com_height: 0.2\n")
    assert main(["-n", "1", "-o", str(tmp_path / "out"), "--preset", str(bad)]) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and "missing key" in err
    assert not (tmp_path / "out").exists()


def test_unwritable_output_is_a_clear_error_and_leaves_nothing(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["-n", "1", "-o", str(blocker / "out")]) == 2
    assert "cannot create the output directory" in capsys.readouterr().err
    assert blocker.read_text() == "x" and sorted(p.name for p in tmp_path.iterdir()) == ["file"]


def test_unknown_robot(tmp_path, capsys):
    assert main(["-n", "1", "-o", str(tmp_path), "--robot", "r2d2"]) == 2
    assert "unknown robot 'r2d2'" in capsys.readouterr().err


def test_list_robots(capsys):
    assert main(["--list-robots"]) == 0
    assert "mini_biped" in capsys.readouterr().out.split()


SCRIPT = Path(sys.executable).with_name("auto_gait_generator")


@pytest.mark.skipif(not SCRIPT.exists() and shutil.which("auto_gait_generator") is None,
                    reason="package not installed as a script")
def test_entry_point_runs(tmp_path):
    script = str(SCRIPT) if SCRIPT.exists() else "auto_gait_generator"
    proc = subprocess.run([script, "-n", "1", "-o", str(tmp_path), "-l", "1"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "index.json").exists()


def test_preview_html_of_the_first_clip(tmp_path):
    out = tmp_path / "out"
    page = tmp_path / "first.html"
    assert main(["-n", "2", "-o", str(out), "-l", "1", "--preview-html", str(page)]) == 0
    import json
    import re

    from viz.page_codec import unpack

    text = page.read_text()
    data = json.loads(re.search(r'<script type="application/json" id="gait-data">(.*?)</script>', text, re.DOTALL).group(1))
    robot, _ = unpack(data["robots"]["mini_biped"])
    assert any("foot" in body for body in robot["bodies"]), robot["bodies"]  # the robot's links are in the page
    clip, _ = unpack(data["clips"][0]["payload"])
    assert clip["plan"]["steps"], "no footstep in the page"


@pytest.mark.parametrize("flags", [["-l", "0"], ["-l", "-5"], ["-l", "nan"], ["-l", "inf"], ["-l", "1e6"],
                                   ["--seed", "-1"], ["-j", "0"], ["-n", "0"], ["--max_dtheta", "1e300"]])
def test_bad_numbers_are_refused_before_the_output_folder_exists(tmp_path, capsys, flags):
    assert main(["-o", str(tmp_path / "out"), *flags]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and flags[0].replace("_", "-") in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_dry_run_plans_without_writing(tmp_path, capsys):
    commands = tmp_path / "c.csv"
    commands.write_text("dx,dy,dtheta\n0.01,0,0\n0.5,0,0\n0,0.02,0.1\n")
    assert main(["--commands", str(commands), "--preset", "slow,medium", "--dry-run", "-o", str(tmp_path / "o")]) == 0
    out = capsys.readouterr().out
    assert "dry run: 6 motions (3 commands from" in out
    assert "medium: 2 to generate or reuse, 1 skipped (beyond the step limits: dx 1, dy 0, dtheta 0)" in out
    assert not (tmp_path / "o").exists()


def test_underscore_spellings_set_the_same_options():
    dashed = build_parser().parse_args(["-o", "x", "--min-dx", "0.01", "--max-dtheta", "0.2", "--xy-step", "0.02",
                                        "--theta-step", "0.1"])
    old = build_parser().parse_args(["-o", "x", "--min_dx", "0.01", "--max_dtheta", "0.2", "--xy_step", "0.02",
                                     "--theta_step", "0.1"])
    assert vars(dashed) == vars(old)
    assert (old.min_dx, old.max_dtheta, old.xy_step, old.theta_step, old.max_dx) == (0.01, 0.2, 0.02, 0.1, None)


def test_output_is_required_except_to_list_robots_or_plan(capsys):
    with pytest.raises(SystemExit) as done:
        main(["-n", "1"])
    err = capsys.readouterr().err
    assert done.value.code == 2 and "auto_gait_generator: error: the following arguments are required: -o/--output" in err
    assert main(["--list-robots"]) == 0
    assert main(["-n", "2", "--dry-run"]) == 0
    assert "dry run: 2 motions (2 commands from random commands x 1 preset)" in capsys.readouterr().out
