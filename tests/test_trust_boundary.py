"""A file never chooses which files get read: robots and mapping tables named in files resolve by name only."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import pytest
import yaml

import gait_generator
from retarget.cli import main as retarget_main
from robots import BUILTIN_ROBOTS
from robots.errors import RobotSpecError, UntrustedPathError
from robots.resolve import is_robot_name, load_user_robot, robot_named_in_file
from validate.cli import main as validate_main
from viz.cli import main as preview_main

BUILTIN_SPEC = str(BUILTIN_ROBOTS["mini_biped"])


@pytest.fixture(scope="module")
def motion():
    return gait_generator.generate(robot="mini_biped", preset="medium", dx=0.03, length=1.0)


def with_robot(motion, robot: str, path: Path) -> Path:
    return dataclasses.replace(motion, meta={**motion.meta, "robot": robot}).save(path)


@pytest.fixture
def trap(tmp_path) -> Path:
    """A spec file that fails loudly if anything reads it."""
    path = tmp_path / "elsewhere" / "trap.yaml"
    path.parent.mkdir()
    path.write_text("name: [this file must never be read\n")
    return path


@pytest.fixture
def robots_dir(tmp_path) -> Path:
    """A user's spec folder holding 'minicopy', a renamed copy of mini_biped."""
    spec = yaml.safe_load(Path(BUILTIN_SPEC).read_text())
    spec["name"] = "minicopy"
    spec["urdf"] = str(Path(BUILTIN_SPEC).with_name(spec["urdf"]))
    folder = tmp_path / "my_robots"
    (folder / "minicopy").mkdir(parents=True)
    (folder / "minicopy" / "minicopy.yaml").write_text(yaml.safe_dump(spec))
    return folder


def report_of(path: Path) -> dict:
    return json.loads(path.read_text())["motions"][0]


@pytest.mark.parametrize("name, plain", [("mini_biped", True), ("g1", True), ("my-robot.v2", True),
                                         ("robot.yaml", False), ("../x", False), ("/abs/spec.yaml", False),
                                         ("a/b", False), ("..", False), ("", False), ("a" * 200, False)])
def test_plain_robot_names(name, plain):
    assert is_robot_name(name) is plain


def test_gait_validate_refuses_a_robot_path_in_the_motion_unless_the_user_passes_it(motion, tmp_path, trap):
    report = tmp_path / "r.json"
    for named in (str(trap), BUILTIN_SPEC):
        clip = with_robot(motion, named, tmp_path / "clip.npz")
        assert validate_main([str(clip), "--no-physics", "--report", str(report)]) == 1
        row = report_of(report)
        assert row["status"] == "error"
        reason = row["reasons"][0]
        assert str(clip) in reason and "meta.robot" in reason and "never as a path" in reason
        assert "\n" not in reason
    # The user passing that same path is what makes it trusted.
    assert validate_main([str(clip), "--no-physics", "--robot", BUILTIN_SPEC, "--report", str(report)]) in (0, 1)
    assert report_of(report)["status"] in ("pass", "fail")
    # And the trap is only read when the user asks for it (then it fails as a bad spec, naming it).
    trapped = with_robot(motion, str(trap), tmp_path / "trapped.npz")
    assert validate_main([str(trapped), "--no-physics", "--robot", str(trap), "--report", str(report)]) == 1
    assert str(trap) in report_of(report)["reasons"][0]


def test_gait_validate_finds_robot_names_in_robots_dir(motion, tmp_path, robots_dir):
    report = tmp_path / "r.json"
    clip = with_robot(motion, "minicopy", tmp_path / "clip.npz")
    assert validate_main([str(clip), "--no-physics", "--report", str(report)]) == 1
    assert "'minicopy' is not a registered robot" in report_of(report)["reasons"][0]
    code = validate_main([str(clip), "--no-physics", "--robots-dir", str(robots_dir), "--report", str(report)])
    assert code in (0, 1) and report_of(report)["status"] in ("pass", "fail")
    assert report_of(report)["robot"] == "minicopy"


def test_gait_preview_refuses_a_robot_path_in_the_motion(motion, tmp_path, trap, robots_dir, capsys):
    clip = with_robot(motion, str(trap), tmp_path / "clip.npz")
    png = tmp_path / "clip.png"
    assert preview_main([str(clip), "--plot", str(png)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(clip) in err and "meta.robot" in err
    assert not png.exists()
    clip = with_robot(motion, BUILTIN_SPEC, tmp_path / "clip.npz")
    assert preview_main([str(clip), "--plot", str(png), "--robot", BUILTIN_SPEC]) == 0 and png.is_file()
    clip = with_robot(motion, "minicopy", tmp_path / "copy.npz")
    assert preview_main([str(clip), "--plot", str(tmp_path / "copy.png"), "--robots-dir", str(robots_dir)]) == 0


def test_gait_retarget_never_follows_a_path_in_the_motion_to_a_mapping_table(motion, tmp_path, capsys):
    # A table outside the robot's mappings folder, reachable by "../" from it: the old lookup read it.
    table = tmp_path / "evil.yaml"
    table.write_text("joints: 5\n")
    mappings = Path(BUILTIN_SPEC).parent / "mappings"
    traversal = os.path.relpath(table.with_suffix(""), mappings)
    (tmp_path / "in").mkdir()
    clip = with_robot(motion, traversal, tmp_path / "in" / "clip.npz")
    out = tmp_path / "out"
    assert retarget_main([str(clip), "-o", str(out), "--robot", "mini_biped", "--format", "gmr"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(clip) in err and "meta.robot" in err and "--mapping" in err
    assert "evil.yaml" not in err.replace(traversal, "") and not out.exists()
    # A table the user passes is used.
    mine = tmp_path / "mine.yaml"
    mine.write_text(yaml.safe_dump({"joints": {name: name for name in load_user_robot("mini_biped").joint_names}}))
    assert retarget_main([str(clip), "-o", str(out), "--robot", "mini_biped", "--format", "gmr",
                          "--mapping", str(mine)]) == 0
    assert json.loads((out / "manifest.json").read_text())["motions"][0]["mapping"] == str(mine)


def test_resolution_rules(tmp_path, trap, robots_dir):
    with pytest.raises(UntrustedPathError, match=r"src.npz: meta.robot '.*trap.yaml' is not a robot name"):
        robot_named_in_file(str(trap), "src.npz")
    with pytest.raises(RobotSpecError, match=r"idx.json: robot 'nobody' is not a registered robot"):
        robot_named_in_file("nobody", "idx.json", "robot", [robots_dir])
    assert robot_named_in_file("minicopy", "src.npz", robots_dirs=[robots_dir]).name == "minicopy"
    assert robot_named_in_file("mini_biped", "src.npz").name == "mini_biped"
    assert load_user_robot("minicopy", [robots_dir]).name == "minicopy"  # the user's names: registry, dirs, paths
    assert load_user_robot(BUILTIN_SPEC).name == "mini_biped"
    renamed = robots_dir / "other.yaml"
    renamed.write_text((robots_dir / "minicopy" / "minicopy.yaml").read_text())
    with pytest.raises(RobotSpecError, match="declares robot 'minicopy', but was found as 'other'"):
        robot_named_in_file("other", "src.npz", robots_dirs=[robots_dir])
