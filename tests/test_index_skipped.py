"""The list of skipped commands (motions.index.skipped): per-preset replacement, the summary, checks, staging."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from motions.errors import IndexFormatError
from motions.index import MotionEntry, SkippedWriter, iter_skipped, read_index, read_skipped, record_motions
from motions.motion import Command


def writer(folder: Path, presets: list[str], rows: list[tuple[int, str, float]]) -> SkippedWriter:
    """A batch's skipped commands: ``(id, preset, dx)`` rows, dx beyond max_dx_forward."""
    out = SkippedWriter(folder, presets)
    for i, preset, dx in rows:
        out.add([i], preset, [(dx, 0.0, 0.0)], ["dx"], ["dx above max_dx_forward (0.05 m)"])
    return out


def listed(folder: Path) -> list[tuple[int, str, float]]:
    return [(r.id, r.preset, r.dx) for r in iter_skipped(read_index(folder))]


def test_a_batch_replaces_the_rows_of_its_presets_and_keeps_the_others(tmp_path):
    record_motions(tmp_path, "mini_biped", [], keep_validation=False,
                   skipped=writer(tmp_path, ["slow", "medium"], [(1, "slow", 0.5), (4, "medium", 0.6)]))
    assert listed(tmp_path) == [(1, "slow", 0.5), (4, "medium", 0.6)]
    record_motions(tmp_path, "mini_biped", [], keep_validation=False,
                   skipped=writer(tmp_path, ["medium", "fast"], [(0, "medium", 0.7), (2, "fast", 0.8)]))
    assert listed(tmp_path) == [(0, "medium", 0.7), (1, "slow", 0.5), (2, "fast", 0.8)]  # by (id, preset)
    summary = read_index(tmp_path).skipped
    assert summary.counts == {"fast": {"dx": 1}, "medium": {"dx": 1}, "slow": {"dx": 1}} and summary.count == 3
    assert summary.by_class() == {"dx": 3}
    # A batch that skips nothing still replaces its presets' rows; an empty list is removed.
    record_motions(tmp_path, "mini_biped", [], keep_validation=False, skipped=writer(tmp_path, ["slow"], []))
    assert listed(tmp_path) == [(0, "medium", 0.7), (2, "fast", 0.8)]
    record_motions(tmp_path, "mini_biped", [], keep_validation=False, skipped=writer(tmp_path, ["medium", "fast"], []))
    doc = json.loads((tmp_path / "index.json").read_text())
    assert doc["skipped"] == {"count": 0, "file": None, "presets": {}}
    assert sorted(p.name for p in tmp_path.iterdir()) == [".index.json.lock", "index.json"]  # nothing staged left


def test_writers_without_skipped_commands_keep_the_list_and_the_same_batch_writes_the_same_bytes(tmp_path):
    for folder in (tmp_path / "a", tmp_path / "b"):
        folder.mkdir()
        record_motions(folder, "mini_biped", [], keep_validation=False,
                       skipped=writer(folder, ["medium"], [(3, "medium", 0.5), (7, "medium", 0.25)]))
    assert (tmp_path / "a" / "skipped.csv").read_bytes() == (tmp_path / "b" / "skipped.csv").read_bytes() == (
        b"id,preset,dx,dy,dtheta,reason\n3,medium,0.5,0.0,0.0,dx above max_dx_forward (0.05 m)\n"
        b"7,medium,0.25,0.0,0.0,dx above max_dx_forward (0.05 m)\n")
    (tmp_path / "a" / "x.npz").write_bytes(b"x")
    entry = MotionEntry(0, "x.npz", "medium", Command(dx=0.01, dy=0.0, dtheta=0.0), None, "ok")
    record_motions(tmp_path / "a", "mini_biped", [entry], keep_validation=False)
    assert listed(tmp_path / "a") == [(3, "medium", 0.5), (7, "medium", 0.25)]


def test_a_deleted_list_counts_as_empty_for_the_next_batch_but_not_for_readers(tmp_path):
    record_motions(tmp_path, "mini_biped", [], keep_validation=False,
                   skipped=writer(tmp_path, ["slow"], [(1, "slow", 0.5)]))
    (tmp_path / "skipped.csv").unlink()
    with pytest.raises(IndexFormatError, match=r"skipped\.csv: cannot read list of skipped commands"):
        list(iter_skipped(read_index(tmp_path)))
    record_motions(tmp_path, "mini_biped", [], keep_validation=False,
                   skipped=writer(tmp_path, ["medium"], [(2, "medium", 0.6)]))
    assert listed(tmp_path) == [(2, "medium", 0.6)] and read_index(tmp_path).skipped.counts == {"medium": {"dx": 1}}


@pytest.mark.parametrize("text, words", [
    ("id,preset,dx\n", r":1: expected the header id,preset,dx,dy,dtheta,reason"),
    ("id,preset,dx,dy,dtheta,reason\n1,medium,0.1,0,0\n", r":2: expected 6 columns"),
    ("id,preset,dx,dy,dtheta,reason\n-1,medium,0.1,0,0,r\n", r":2: id is '-1', expected an integer >= 0"),
    ("id,preset,dx,dy,dtheta,reason\n" + "9" * 400 + ",m,0,0,0,r\n", r":2: id is '9999.*', expected an integer"),
    ("id,preset,dx,dy,dtheta,reason\n1,,0.1,0,0,r\n", r":2: preset is empty"),
    ("id,preset,dx,dy,dtheta,reason\n1,m,nan,0,0,r\n", r":2: dx is 'nan', expected a finite number"),
    ("id,preset,dx,dy,dtheta,reason\n1,m,0,1e999,0,r\n", r":2: dy is '1e999', expected a finite number"),
    ("id,preset,dx,dy,dtheta,reason\n1,m,0,0,0,\"r\n", r"not valid CSV"),
    ("id,preset,dx,dy,dtheta,reason\n1,m,0,0,0," + "r" * 5000 + "\n", r":2: line longer than 4096 bytes"),
    (b"id,preset,dx,dy,dtheta,reason\n1,m,0,0,0,\xff\n", r":2: list of skipped commands is not UTF-8"),
])
def test_a_malformed_list_names_the_file_and_line(tmp_path, text, words):
    path = tmp_path / "skipped.csv"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(IndexFormatError, match=words) as info:
        list(read_skipped(path))
    assert str(info.value).startswith(str(path)) and len(str(info.value)) < 300


@pytest.mark.parametrize("skipped, words", [
    (None, r"skipped is None, expected an object"),
    ({"count": 1, "file": "skipped.csv"}, r"skipped: key 'presets' is missing"),
    ({"count": 2, "file": "skipped.csv", "presets": {"medium": {"dx": 1}}}, r"count is 2, but .* add up to 1"),
    ({"count": -1, "file": "skipped.csv", "presets": {"medium": {"dx": -1}}}, r"dx is -1, expected a count"),
    ({"count": 1, "file": "skipped.csv", "presets": {"medium": {"knee": 1}}}, r"key is 'knee', expected one of"),
    ({"count": 1, "file": None, "presets": {"medium": {"dx": 1}}}, r"file is null, but 1 commands"),
    ({"count": 1, "file": "../skipped.csv", "presets": {"medium": {"dx": 1}}}, r"plain file name"),
    ({"count": 1, "file": "skipped.csv", "presets": {"medium": 1}}, r"presets.'medium' is 1, expected an object"),
])
def test_a_malformed_summary_names_the_file_and_key(tmp_path, skipped, words):
    doc = {"format": "gait_generator.index", "version": 3, "robot": "mini_biped", "motions": [], "skipped": skipped}
    (tmp_path / "index.json").write_text(json.dumps(doc))
    with pytest.raises(IndexFormatError, match=words) as info:
        read_index(tmp_path)
    assert str(info.value).startswith(str(tmp_path / "index.json"))


def test_a_killed_batchs_staged_list_is_removed_and_a_live_ones_kept(tmp_path):
    dead = tmp_path / ".skipped.csv.999999999.0123456789ab.tmp"
    dead.write_text("left by a kill")
    live = writer(tmp_path, ["medium"], [(1, "medium", 0.5)])  # staged by this (live) process, not yet recorded
    record_motions(tmp_path, "mini_biped", [], keep_validation=False)
    staged = [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert not dead.exists() and len(staged) == 1 and staged[0].startswith(f".skipped.csv.{os.getpid()}.")
    record_motions(tmp_path, "mini_biped", [], keep_validation=False, skipped=live)
    assert listed(tmp_path) == [(1, "medium", 0.5)]
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
