"""The command-line conventions (motions.console): help layout, aliases, plurals, reason groups, quiet C++ output."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pytest

from motions import console

ROOT = Path(__file__).resolve().parents[1]


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="tool", formatter_class=console.HelpFormatter,
                                description="First paragraph, long enough to be wrapped by the formatter when the "
                                            "terminal is narrow.\n\n  kept: as written\n  two: lines")
    p.add_argument("-o", "--output", required=True)
    p.add_argument("--rate", type=float, default=60.0, help="frames per second")
    p.add_argument("--mode", default="wrap", help="how (default: wrap, or clamp)")
    p.add_argument("--flag", action="store_true", help="a switch")
    p.add_argument("--dirs", action="append", default=[], help="repeatable")
    p.add_argument("--maybe", default=None, help="computed when absent")
    console.add_option(p, "--min-dx", aliases=("--min_dx",), type=float, default=None, help="lowest dx")
    p.add_argument("--dry-run", action=console.waive_required("output"), help="write nothing")
    return p


def test_defaults_are_shown_once_and_only_when_meaningful() -> None:
    text = " ".join(parser().format_help().split())
    assert "frames per second (default: 60)" in text  # floats as %g
    assert text.count("default: wrap") == 1  # a help that says it already is left alone
    for name in ("a switch", "repeatable", "computed when absent", "lowest dx"):
        assert f"{name} (default" not in text


def test_descriptions_wrap_by_paragraph_and_keep_indented_blocks() -> None:
    text = parser().format_help()
    assert "\n  kept: as written\n  two: lines\n" in text
    assert "First paragraph, long enough" in text


def test_an_alias_sets_the_same_value_and_stays_out_of_the_help() -> None:
    p = parser()
    assert p.parse_args(["-o", "x", "--min_dx", "0.5"]).min_dx == 0.5
    assert p.parse_args(["-o", "x", "--min-dx", "0.5"]).min_dx == 0.5
    assert p.parse_args(["-o", "x"]).min_dx is None
    assert "--min_dx" not in p.format_help() and "--min-dx" in p.format_usage()


def test_a_waiving_flag_makes_the_required_option_optional(capsys) -> None:
    assert " -o OUTPUT " in parser().format_usage()  # shown as required
    with pytest.raises(SystemExit):
        parser().parse_args([])
    assert "the following arguments are required: -o/--output" in capsys.readouterr().err
    args = parser().parse_args(["--dry-run"])
    assert args.dry_run and args.output is None


def test_plural_and_choices() -> None:
    assert console.plural(1, "motion") == "1 motion"
    assert console.plural(0, "motion") == "0 motions"
    assert console.plural(2, "entry", "entries") == "2 entries"
    assert console.choices(["g1", "mini_biped"]) == "(g1, mini_biped)"


def test_error_prints_one_line(capsys) -> None:
    console.error("tool", "/x.npz: not a motion")
    assert capsys.readouterr().err == "tool: error: /x.npz: not a motion\n"


@pytest.mark.parametrize(("reason", "key"), [
    ("command (-0.03, 0.03, 0.3) moves a step by 11.5 mm", "command (#, #, #) moves a step by # mm"),
    ("loop turns 11.4000 rad", "loop turns # rad"),
    ("robot mini_biped5 in clip_00003.npz, 1e-3 off", "robot mini_biped5 in clip_00003.npz, # off"),
])
def test_reason_keys_drop_the_numbers_but_not_the_names(reason: str, key: str) -> None:
    assert console.reason_key(reason) == key


def test_reason_groups_count_exactly_and_name_the_lowest_examples() -> None:
    groups = console.ReasonGroups()
    for k in (5, 3, 9, 1, 7):  # finished in any order
        groups.add(f"step moved by {k}.5 mm", f"clip{k}", order=k)
    groups.add("planner diverged", "clip2", order=2)
    assert groups.total == 6 and groups.counts() == {"step moved by # mm": 5, "planner diverged": 1}
    assert groups.lines() == ["     5  step moved by # mm (clip1, clip3, clip5, ...)",
                              "     1  planner diverged (clip2)"]


def test_reason_groups_are_bounded_and_the_lines_limited() -> None:
    groups = console.ReasonGroups(max_groups=4)
    for k in range(20):
        groups.add(f"reason {chr(97 + k)}", f"c{k}")
    assert len(groups) == 5 and sum(groups.counts().values()) == 20 and groups.counts()["(other reasons)"] == 16
    lines = groups.lines(limit=2)
    assert lines[:2] == ["     1  reason a (c0)", "     1  reason b (c1)"]
    assert lines[2:] == ["    18  ... in 3 more reasons (-v lists all)"]  # c, d and the 16 other reasons


def test_progress_is_off_when_stderr_is_no_terminal() -> None:
    with console.progress(10, "work") as bar:  # pytest's stderr is no terminal
        assert bar.disable
    with console.progress(10, "work", enabled=False) as bar:
        assert bar.disable


NATIVE = """
import os, sys
from motions import console
print("before", flush=True)
with console.quiet_native_output():
    os.write(1, b"native out\\n")
    os.write(2, b"native err\\n")
    import ctypes
    ctypes.CDLL(None).printf(b"buffered C stdio\\n")
print("after", flush=True)
"""


@pytest.mark.parametrize("verbose", [False, True])
def test_native_output_is_captured_and_shown_only_when_verbose(verbose: bool) -> None:
    env = {k: v for k, v in os.environ.items() if k != console.VERBOSE_ENV}
    if verbose:
        env[console.VERBOSE_ENV] = "1"
    done = subprocess.run([sys.executable, "-c", NATIVE], capture_output=True, text=True, cwd=ROOT, env=env,
                          timeout=60, check=True)
    assert done.stdout == "before\nafter\n"
    captured = {"native out", "native err", "buffered C stdio"}
    assert set(done.stderr.splitlines()) == (captured if verbose else set())


def test_verbose_environment_is_restored() -> None:
    before = os.environ.get(console.VERBOSE_ENV)
    with console.verbose_environment(True):
        assert console.native_output_shown()
    assert os.environ.get(console.VERBOSE_ENV) == before
