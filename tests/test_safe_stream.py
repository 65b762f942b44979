"""Streaming readers of long list files (motions.safe_stream), and a million command rows through the CLI."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from motions.safe_stream import MAX_ITEM_BYTES, MAX_LINE_BYTES, iter_json_items, iter_lines, iter_yaml_items
from tests.fuzz_inputs import BIG, deep
from tests.fuzz_runner import measured


class Boom(ValueError):
    """The caller's typed error."""


def write(tmp_path: Path, name: str, data: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return path


def test_yaml_items_stream_with_yaml_semantics_and_lines(tmp_path):
    path = write(tmp_path, "c.yaml", "commands:\n  - [0.1, 0, 1e-3]\n  - {dx: 1, dy: .5, dtheta: -2}\n  - 0x10\n")
    assert list(iter_yaml_items(path, error=Boom, key="commands")) == [
        (2, [0.1, 0, "1e-3"]), (3, {"dx": 1, "dy": 0.5, "dtheta": -2}), (4, 16)]


def test_json_items_stream_with_json_semantics_and_lines(tmp_path):
    path = write(tmp_path, "c.json", '{"commands":\t[[0.1, 0, 1e-3],\n {"dx": 1, "dy": 0.5, "dtheta": -2}\n]}\n')
    assert list(iter_json_items(path, error=Boom, key="commands")) == [
        (1, [0.1, 0, 1e-3]), (2, {"dx": 1, "dy": 0.5, "dtheta": -2})]
    assert list(iter_json_items(write(tmp_path, "e.json", " [ ] "), error=Boom)) == []


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("a.yaml", "- [1, *x]\n", r"a\.yaml:1: aliases"),
        ("b.yaml", "x: 1\n", r"b\.yaml:1: expected a list"),
        ("c.yaml", f"- {deep()}\n", r"c\.yaml.*(nesting depth|nested deeper)"),
        ("d.yaml", f"- [1]\n- {BIG}\n", r"d\.yaml:2: an integer longer than 20 digits"),
        ("e.yaml", b"- [1]\n- \xff\n", r"e\.yaml.*not valid YAML"),
        ("f.yaml", "- [1]\n---\n- [2]\n", r"f\.yaml.*expected the end of the file"),
        ("g.yaml", "", r"g\.yaml: not a YAML list"),
        ("a.json", "[[1, 2, 3], [", r"a\.json:1: not valid JSON"),
        ("b.json", "[" + deep() + "]", r"b\.json:1: an item nested too deeply"),
        ("c.json", f"[[{BIG}]]", r"c\.json:1: an integer of 401 digits"),
        ("d.json", b'[["\xff"]]', r"d\.json: near line 1: not UTF-8"),
        ("e.json", "[[1]] x", r"e\.json:1: not valid JSON: more data after the array"),
        ("f.json", '{"other": []}', r"f\.json:1: expected an array, or an object with the single key 'commands'"),
        ("g.json", "[" + " " * MAX_ITEM_BYTES + '"' + "x" * MAX_ITEM_BYTES + '"]', r"g\.json.*longer than 65536"),
    ],
)
def test_hostile_list_files_name_the_file_and_line(tmp_path, name, text, message):
    path = write(tmp_path, name, text)
    reader = iter_yaml_items if name.endswith(".yaml") else iter_json_items
    with pytest.raises(Boom, match=message):
        list(reader(path, error=Boom, key="commands"))


def test_lines_are_bounded_and_utf8(tmp_path):
    assert list(iter_lines(write(tmp_path, "a.csv", b"\xef\xbb\xbfa\nb"), error=Boom)) == ["a\n", "b"]
    with pytest.raises(Boom, match=r"b\.csv:2: line longer than 4096 bytes"):
        list(iter_lines(write(tmp_path, "b.csv", "x\n" + "y" * (MAX_LINE_BYTES + 1)), error=Boom))
    with pytest.raises(Boom, match=r"c\.csv:2: file is not UTF-8 text \(byte 0xff\)"):
        list(iter_lines(write(tmp_path, "c.csv", b"x\n\xff\n"), error=Boom))


def test_a_million_command_rows_are_streamed_in_bounded_memory(tmp_path):
    """``--dry-run`` reads, checks and plans 10^6 CSV rows (the command-reading stage), peak RSS < 500 MB."""
    rows = ["0.01,0,0\n", "-0.02,0.01,0.1\n", "0.5,0,0\n", "0,0,1.0\n"]  # two within medium's limits, two beyond
    path = tmp_path / "million.csv"
    path.write_text("dx,dy,dtheta\n" + "".join(rows) * 250_000)
    with open(tmp_path / "out.txt", "w") as out, open(tmp_path / "err.txt", "w") as err:
        r = measured([str(Path(sys.executable).with_name("auto_gait_generator")), "--commands", str(path),
                      "--dry-run"], 3000, str(tmp_path / "r.json"), stdout=out, stderr=err)
    out, err = (tmp_path / "out.txt").read_text(), (tmp_path / "err.txt").read_text()
    assert r["code"] == 0, err
    assert "dry run: 1000000 motions" in out
    assert "medium: 500000 to generate or reuse, 500000 skipped (beyond the step limits: dx 250000, dy 0, " \
           "dtheta 250000)" in out
    assert r["rss_mb"] < 500 and r["cpu"] < 60, r
