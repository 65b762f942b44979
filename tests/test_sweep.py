"""Sweeps: exact grids, seeded random draws, command files and stable job ids."""

from __future__ import annotations

import itertools

import pytest

from gait_generator.errors import CommandFileError
from gait_generator.sweep import grid_axis, grid_commands, make_jobs, motion_seed, random_commands, read_commands


def test_grid_axis_has_both_endpoints_and_no_float_drift():
    assert grid_axis(-0.04, 0.06, 0.02) == [-0.04, -0.02, 0.0, 0.02, 0.04, 0.06]
    assert grid_axis(-0.3, 0.3, 0.1) == [-0.3, -0.2, -0.1, 0.0, 0.1, 0.2, 0.3]
    assert grid_axis(0.01, 0.01, 0.02) == [0.01]


def test_grid_axis_count_is_rounded_and_endpoints_kept():
    values = grid_axis(0.1, 0.7, 0.07)  # 0.6 / 0.07 = 8.57 -> 9 intervals
    assert len(values) == 10 and values[0] == 0.1 and values[-1] == 0.7
    assert values == [round(0.1 + i * 0.6 / 9, 4) + 0.0 for i in range(10)]
    assert grid_axis(0.0, 0.005, 0.02) == [0.0, 0.005]  # never fewer than both endpoints


@pytest.mark.parametrize("lo,hi,step", [(-0.3, 0.3, 0.07), (-0.015, 0.015, 0.02), (-0.03, 0.05, 0.02),
                                        (-0.2, 0.35, 0.07), (-0.001, 0.2, 0.05)])
def test_grid_axis_across_zero_holds_zero_and_both_ends(lo, hi, step):
    """A range across 0 is split there, so the straight walk, the side step and the turn in place are in every grid."""
    values = grid_axis(lo, hi, step)
    assert values[0] == lo and values[-1] == hi and 0.0 in values
    assert values == sorted(set(values))
    gaps = [b - a for a, b in itertools.pairwise(values)]
    assert max(gaps) <= 1.5 * step + 1e-4  # each side rounded to whole intervals of about step


@pytest.mark.parametrize("lo,hi,step", [(0.0, 1.0, 0.0), (0.0, 1.0, -0.1), (1.0, 0.0, 0.1), (0.0, float("nan"), 0.1)])
def test_grid_axis_rejects_bad_arguments(lo, hi, step):
    with pytest.raises(ValueError):
        grid_axis(lo, hi, step)


def test_grid_commands_is_the_full_product_in_a_fixed_order():
    cmds = grid_commands({"dx": (-0.04, 0.06), "dy": (0.0, 0.0), "dtheta": (-0.1, 0.1)}, 0.02, 0.1)
    assert len(cmds) == 6 * 1 * 3
    assert cmds[:3] == [(-0.04, 0.0, -0.1), (-0.04, 0.0, 0.0), (-0.04, 0.0, 0.1)]
    assert cmds[-1] == (0.06, 0.0, 0.1)
    assert len(set(cmds)) == len(cmds)


def test_random_commands_are_seeded_and_in_range():
    ranges = {"dx": (0.01, 0.02), "dy": (0.0, 0.0), "dtheta": (-0.1, 0.1)}
    cmds = random_commands(50, ranges, 0)
    assert cmds == random_commands(50, ranges, 0) != random_commands(50, ranges, 1)
    assert all(0.01 <= c[0] <= 0.02 and c[1] == 0.0 and -0.1 <= c[2] <= 0.1 for c in cmds)


def test_read_commands_yaml_and_csv(tmp_path):
    y = tmp_path / "c.yaml"
    y.write_text("- {dx: 0.02, dy: 0.0, dtheta: 0.1}\n- [-0.01, 0.01, 0]\n")
    assert read_commands(y) == [(0.02, 0.0, 0.1), (-0.01, 0.01, 0.0)]
    c = tmp_path / "c.csv"
    c.write_text("dx,dy,dtheta\n# a comment\n0.02, 0, 0.1\n\n-0.01,0.01,0\n")
    assert read_commands(c) == [(0.02, 0.0, 0.1), (-0.01, 0.01, 0.0)]


@pytest.mark.parametrize(
    "name,text,expected",
    [
        ("c.csv", "0.01,0,0\n0.02,zero,0\n", ":2: key 'dy': expected a number (m per step) in [-100.0, 100.0], got 'zero'"),
        ("c.csv", "0.01,0\n", ":1: expected 3 values"),
        ("c.csv", "0.01,0,nan\n", ":1: key 'dtheta': expected a number (rad per step) in [-100.0, 100.0], got nan"),
        ("c.yaml", "- {dx: 0.01, dy: 0, dtheta: 0}\n- {dx: 0.01, dy: 0}\n", ":2: missing key(s) ['dtheta']"),
        ("c.yaml", "- [0.01, 0, 0]\n- [0.01, true, 0]\n", ":2: key 'dy': expected a number (m per step) in [-100.0, 100.0], got True"),
        ("c.yaml", "dx: 0.01\n", "expected a list"),
        ("c.yaml", "[\n", "not valid YAML"),
        ("c.csv", "# nothing\n", "holds no commands"),
        ("c.txt", "0,0,0\n", "unknown command file type"),
    ],
)
def test_read_commands_errors_name_the_file_and_line(tmp_path, name, text, expected):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(CommandFileError) as info:
        read_commands(path)
    assert str(path) in str(info.value) and expected in str(info.value)


def test_missing_command_file(tmp_path):
    with pytest.raises(CommandFileError, match="cannot read"):
        read_commands(tmp_path / "none.csv")


def test_jobs_enumerate_preset_major_with_stable_seeds_and_names():
    cmds = [(0.01, 0.0, 0.0), (0.02, 0.0, 0.1)]
    jobs = make_jobs([("slow", "slow"), ("fast", "fast")], [cmds, cmds], seed=7)
    assert [(j.id, j.preset, j.command) for j in jobs] == [
        (0, "slow", cmds[0]), (1, "slow", cmds[1]), (2, "fast", cmds[0]), (3, "fast", cmds[1])]
    assert [j.seed for j in jobs] == [motion_seed(7, i) for i in range(4)]
    assert jobs[3].file == "fast_dx+0.0200_dy+0.0000_dth+0.1000_00003.npz"


def test_read_commands_json_and_wrapped_forms(tmp_path):
    j = tmp_path / "c.json"
    j.write_text('{"commands": [{"dx": 0.02, "dy": 0, "dtheta": 1e-1}, [-0.01, 0.01, 0]]}')
    assert read_commands(j) == [(0.02, 0.0, 0.1), (-0.01, 0.01, 0.0)]
    y = tmp_path / "c.yaml"
    y.write_text("commands:\n  - [0.02, 0, 0.1]\n")
    assert read_commands(y) == [(0.02, 0.0, 0.1)]


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("c.csv", "1e300,0,0\n", ":1: key 'dx': 1e+300 m per step is outside the allowed range [-100.0, 100.0]"),
        ("c.json", "[[0, 0, 101]]", ":1: key 'dtheta': 101 rad per step is outside the allowed range [-100.0, 100.0]"),
        ("c.csv", '0,0,"1\n', ":1: not valid CSV"),
        ("c.yaml", "- " + "x" * 200 + "\n", ":1: expected {dx, dy, dtheta} or [dx, dy, dtheta], got 'xxxxx"),
    ],
)
def test_absurd_or_malformed_rows_are_errors(tmp_path, name, text, expected):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(CommandFileError) as info:
        read_commands(path)
    assert expected in str(info.value) and len(str(info.value)) < len(str(path)) + 200


def test_job_list_is_lazy_and_equals_the_eager_enumeration():
    cmds = [(0.01, 0.0, 0.0), (0.02, 0.0, 0.1), (-0.01, 0.01, -0.1)]
    jobs = make_jobs([("slow", "slow.yaml"), ("fast", "fast")], [cmds, cmds], seed=3)
    assert len(jobs) == 6 and jobs.commands(0) is jobs.commands(1)  # one array for a shared command list
    expected = [(i, name, src, c, motion_seed(3, i)) for i, (name, src, c) in
                enumerate([(n, s, c) for n, s in (("slow", "slow.yaml"), ("fast", "fast")) for c in cmds])]
    assert [(j.id, j.preset, j.preset_source, j.command, j.seed) for j in jobs] == expected
    assert [j.file for j in jobs] == [jobs[i].file for i in range(6)] == [j.file for j in jobs[0:6]]
    assert jobs[-1].id == 5 and jobs[-1].command == cmds[-1]
    with pytest.raises(IndexError):
        jobs[6]


def test_jobs_refuse_absurd_commands():
    from motions.errors import GaitGeneratorError

    with pytest.raises(GaitGeneratorError, match="command 1: dy = inf is not a finite number within"):
        make_jobs([("p", "p")], [[(0.0, 0.0, 0.0), (0.0, float("inf"), 0.0)]], seed=0)


def test_grid_size_is_computed_without_making_the_grid():
    from gait_generator.sweep import MAX_COMMANDS, grid_size

    ranges = {"dx": (-0.04, 0.06), "dy": (0.0, 0.0), "dtheta": (-0.1, 0.1)}
    assert grid_size(ranges, 0.02, 0.1) == len(grid_commands(ranges, 0.02, 0.1)) == 18
    assert grid_size(ranges, 1e-300, 0.1) > 1e299 and grid_size(ranges, 1e-320, 0.1) == float("inf")
    with pytest.raises(ValueError, match=f"more than {MAX_COMMANDS}"):
        grid_commands(ranges, 1e-7, 1e-7)
    with pytest.raises(ValueError, match=f"more than {MAX_COMMANDS}"):
        random_commands(MAX_COMMANDS + 1, ranges, 0)


@pytest.mark.parametrize("robot", ["mini_biped", "mini_biped5", "g1"])
def test_default_sweep_grid_spans_each_presets_command_range(robot, capsys):
    """The preset's command_range is the one source of default ranges: a default --sweep skips nothing."""
    from gait_generator.cli import main
    from gait_generator.preset import load_preset
    from robots import load_robot

    spec = load_robot(robot).spec
    assert main(["--robot", robot, "--sweep", "--preset", "slow,medium,fast", "--dry-run", "--all-commands"]) == 0
    out = capsys.readouterr().out
    for name in ("slow", "medium", "fast"):
        grid = grid_commands(load_preset(spec.presets[name]).command_range, spec.sweep.xy_step, spec.sweep.theta_step)
        assert f"  {name}: {len(grid)} to generate or reuse, 0 skipped" in out, out
