"""One CLI style: the ``--help`` of every tool (and of gait_robot's subcommands), parsed as a person reads it.

Each tool's real entry point is run with ``--help``; the parser it printed is
recorded on the way, so the checks compare the printed text with what the
parser will actually do: required options are shown unbracketed in the usage,
every option with a default prints ``(default: X)``, flags are spelt with
dashes (underscore spellings are hidden aliases), robot choices read
``(g1, mini_biped, mini_biped5)``, and no RST markup leaks into the text.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable

import pytest

import gait_generator.cli
import retarget.cli
import validate.cli
import validate.robot_cli
import viz.cli
from motions import console
from robots import list_robots

TOOLS: dict[str, tuple[Callable[[list[str]], int], list[str]]] = {
    "auto_gait_generator": (gait_generator.cli.main, []),
    "gait_validate": (validate.cli.main, []),
    "gait_retarget": (retarget.cli.main, []),
    "gait_preview": (viz.cli.main, []),
    "gait_robot": (validate.robot_cli.main, []),
    "gait_robot init": (validate.robot_cli.main, ["init"]),
    "gait_robot check": (validate.robot_cli.main, ["check"]),
}
"""Help pages: tool -> (entry point, arguments before ``--help``)."""

LONG_RUNNING = ("auto_gait_generator", "gait_validate", "gait_retarget")
"""Tools with a progress bar and grouped failures, so a ``-v`` to list them all."""


def printed_help(name: str, monkeypatch: pytest.MonkeyPatch,
                 capsys: pytest.CaptureFixture[str]) -> tuple[argparse.ArgumentParser, str]:
    """``(parser, text)`` of ``<tool> [subcommand] --help``, at a fixed width of 100 columns."""
    main, argv = TOOLS[name]
    shown: list[argparse.ArgumentParser] = []
    original = argparse.ArgumentParser.print_help

    def record(parser: argparse.ArgumentParser, file=None) -> None:
        shown.append(parser)
        original(parser, file)

    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setattr(argparse.ArgumentParser, "print_help", record)
    with pytest.raises(SystemExit) as done:
        main([*argv, "--help"])
    assert done.value.code == 0 and len(shown) == 1
    return shown[0], capsys.readouterr().out


def usage_of(text: str) -> str:
    """The usage lines, flattened to one line."""
    return " ".join(text.split("\n\n", 1)[0].split())


def outside_brackets(usage: str) -> str:
    """The usage without its bracketed (optional) parts."""
    out, depth = [], 0
    for char in usage:
        depth += char == "["
        if depth == 0:
            out.append(char)
        depth -= char == "]"
    return "".join(out)


def shown_flag(flag: str, text: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", text) is not None


def option_help(text: str) -> dict[str, str]:
    """Option string -> its help text (flattened), read off the printed option entries."""
    entries: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        entry = re.match(r"^  (-\S.*?)(?:\s{2,}(\S.*))?$", line)
        if entry:
            current = [entry.group(2) or ""]
            for flag in re.findall(r"(?<![\w-])(--?\w[\w-]*)", entry.group(1)):
                entries[flag] = current
        elif current is not None and line.startswith("    ") and line.strip():
            current[0] += " " + line.strip()
        else:
            current = None
    return {flag: " ".join(words[0].split()) for flag, words in entries.items()}


@pytest.mark.parametrize("name", sorted(TOOLS))
def test_required_options_are_unbracketed_in_the_usage(name, monkeypatch, capsys) -> None:
    parser, text = printed_help(name, monkeypatch, capsys)
    usage = usage_of(text)
    assert usage.startswith(f"usage: {name}")
    required = outside_brackets(usage)
    for action in parser._actions:
        if action.option_strings and action.help != argparse.SUPPRESS:
            flag = action.option_strings[0]
            assert shown_flag(flag, usage), f"{name}: {flag} not in the usage"
            assert shown_flag(flag, required) == action.required, f"{name}: {flag} required={action.required}"


def test_the_generator_output_is_required_in_its_usage(monkeypatch, capsys) -> None:
    _, text = printed_help("auto_gait_generator", monkeypatch, capsys)
    assert " -o OUTPUT " in usage_of(text) and "[-o" not in usage_of(text)


@pytest.mark.parametrize("name", sorted(TOOLS))
def test_every_default_is_shown_in_one_style(name, monkeypatch, capsys) -> None:
    parser, text = printed_help(name, monkeypatch, capsys)
    helps = option_help(text)
    with_default = [a for a in parser._actions if console.shows_default(a)]
    for action in with_default:
        shown = helps[action.option_strings[0]]
        assert f"(default: {console.default_text(action.default)})" in shown, f"{name} {action.option_strings}: {shown}"
    flat = " ".join(text.split())
    assert not re.search(r"\(default [^:]|[;,] default:? ", flat), f"{name}: a default written another way"
    if name == "gait_validate":
        assert "(default: 1)" in helps["-j"]


@pytest.mark.parametrize("name", sorted(TOOLS))
def test_flags_are_dashed_and_underscore_spellings_are_hidden_aliases(name, monkeypatch, capsys) -> None:
    parser, text = printed_help(name, monkeypatch, capsys)
    flags = set(re.findall(r"(?<![\w-])--\w[\w-]*", text))
    assert flags and not [f for f in flags if "_" in f], f"{name}: underscore flags shown: {sorted(flags)}"
    visible = {flag: a.dest for a in parser._actions if a.help != argparse.SUPPRESS for flag in a.option_strings}
    hidden = [a for a in parser._actions if a.help == argparse.SUPPRESS and a.option_strings]
    for alias in hidden:
        for flag in alias.option_strings:
            assert "_" in flag and visible.get(flag.replace("_", "-")) == alias.dest, f"{name}: {flag}"


def test_the_generator_keeps_the_awd_spellings(monkeypatch, capsys) -> None:
    parser, _ = printed_help("auto_gait_generator", monkeypatch, capsys)
    aliases = sorted(f for a in parser._actions if a.help == argparse.SUPPRESS for f in a.option_strings)
    keys = ("dx", "dy", "dtheta", "vx", "vy", "wz")
    assert aliases == sorted([f"--{end}_{key}" for end in ("min", "max") for key in keys]
                             + ["--all_commands", "--theta_step", "--xy_step"])


@pytest.mark.parametrize("name", sorted(TOOLS))
def test_choices_and_text_are_written_the_same_way(name, monkeypatch, capsys) -> None:
    _, text = printed_help(name, monkeypatch, capsys)
    assert "``" not in text and not re.search(r"\['\w+', '", text), f"{name}: RST markup or a Python list"
    robots = console.choices(list_robots())
    if any(name in text for name in list_robots()) or "--robot" in option_help(text):
        assert robots in " ".join(text.split()), f"{name}: robots not listed as {robots}"
    if name in LONG_RUNNING:
        assert {"-v", "--verbose"} <= set(option_help(text))
