"""motions.index: typed entries, the one reader (versions, migration, checks), the locked merging writers."""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from motions.atomic import atomic_write_text
from motions.errors import IndexFormatError, LockError
from motions.index import (
    INDEX_VERSION,
    MAX_INDEX_BYTES,
    MotionEntry,
    Validation,
    iter_skipped,
    read_index,
    record_motions,
    record_validation,
)
from motions.locking import exclusive_lock, lock_path
from motions.motion import Command

ROOT = Path(__file__).parents[1]
DIGEST_A = "a" * 64
DIGEST_B = "b" * 64


def ok_entry(i: int, name: str, digest: str | None = DIGEST_A) -> MotionEntry:
    return MotionEntry(id=i, file=name, preset="medium", command=Command(dx=0.01 * i, dy=0.0, dtheta=0.0),
                       achieved=None, status="ok", sha256=digest)


def touch(folder: Path, *names: str) -> None:
    for name in names:
        (folder / name).write_bytes(b"x")


def v1_document() -> dict:
    """An index exactly as the previous release wrote it (version 1, no digests)."""
    return {"format": "gait_generator.index", "version": 1, "robot": "mini_biped", "motions": [
        {"id": 0, "file": "a.npz", "preset": "medium", "command": {"dx": 0.02, "dy": 0.0, "dtheta": 0.1},
         "achieved": {"vx": 0.1, "vy": 0.0, "yaw_rate": 0.5}, "status": "ok", "reason": "",
         "validation": {"status": "pass", "reasons": [], "failed_checks": [], "validator_version": 1,
                        "open_loop_survived": True, "open_loop_drift_m": 0.01, "zmp_margin_min_m": 0.02}},
        {"id": 1, "file": "b.npz", "preset": "medium", "command": {"dx": 0.9, "dy": 0.0, "dtheta": 0.0},
         "achieved": None, "status": "skipped", "reason": "beyond limits"},
    ]}


def test_round_trip_is_typed_and_sorted(tmp_path):
    touch(tmp_path, "b.npz", "a.npz")
    grade = Validation(status="fail", reasons=("stance_slip: 3 mm",), failed_checks=("stance_slip",),
                       validator_version=1, sha256=DIGEST_A, open_loop_survived=False, open_loop_drift_m=0.2)
    written = record_motions(tmp_path, "mini_biped", [ok_entry(1, "b.npz"), ok_entry(0, "a.npz")],
                             keep_validation=False)
    assert record_validation(tmp_path, {"a.npz": grade}) == []
    index = read_index(tmp_path)
    assert index.version == INDEX_VERSION and index.robot == "mini_biped"
    assert [e.file for e in index.entries] == ["a.npz", "b.npz"] == [e.file for e in written.entries]
    assert index.entry("a.npz").validation == grade
    assert isinstance(index.entry("b.npz").command, Command) and index.entry("b.npz").command.dx == 0.01
    doc = json.loads((tmp_path / "index.json").read_text())
    assert doc["version"] == INDEX_VERSION and doc["motions"][0]["validation"]["failed_checks"] == ["stance_slip"]
    assert "validation" not in doc["motions"][1]


def test_version_1_is_migrated_and_rewritten_as_the_current_version(tmp_path):
    (tmp_path / "index.json").write_text(json.dumps(v1_document()))
    touch(tmp_path, "a.npz")
    index = read_index(tmp_path / "index.json")
    a = index.entry("a.npz")
    assert index.version == 1 and a.sha256 is None and a.validation.sha256 is None
    assert a.validation.status == "pass" and a.validation.open_loop_survived is True
    # The skipped command is no entry any more: counted (its reason names no limit: "other") and kept as a row.
    assert index.entry("b.npz") is None and index.skipped.counts == {"medium": {"other": 1}}
    assert [(r.id, r.preset, r.dx, r.reason) for r in iter_skipped(index)] == [(1, "medium", 0.9, "beyond limits")]
    # A reuse keeps a grade whose digest is unknown; the file is rewritten as the current version.
    record_motions(tmp_path, "mini_biped", [ok_entry(0, "a.npz")], keep_validation=True)
    again = read_index(tmp_path)
    assert again.version == INDEX_VERSION and again.entry("a.npz").validation.status == "pass"
    assert again.skipped.file == "skipped.csv" and again.skipped.rows is None
    assert [(r.id, r.reason) for r in iter_skipped(again)] == [(1, "beyond limits")]
    doc = json.loads((tmp_path / "index.json").read_text())
    assert doc["skipped"] == {"count": 1, "file": "skipped.csv", "presets": {"medium": {"other": 1}}}


def test_version_2_skipped_entries_become_the_summary_and_the_list(tmp_path):
    doc = v1_document()
    doc["version"] = 2
    doc["motions"][1]["reason"] = ("command dx=0.9 is outside preset 'medium' step limits [-0.04, 0.05] "
                                   "(keys max_dx_backward/max_dx_forward)")
    doc["motions"].append(dict(doc["motions"][1], id=2, file="c.npz", preset="fast"))
    (tmp_path / "index.json").write_text(json.dumps(doc))
    index = read_index(tmp_path)
    assert index.version == 2 and [e.file for e in index.entries] == ["a.npz"]
    assert index.skipped.counts == {"medium": {"dx": 1}, "fast": {"dx": 1}} and index.skipped.count == 2
    touch(tmp_path, "a.npz")
    assert record_validation(tmp_path, {"a.npz": Validation(status="fail")}) == []  # any writer migrates
    reason = doc["motions"][1]["reason"]
    assert (tmp_path / "skipped.csv").read_text().splitlines()[1:] == [  # CSV quotes the comma
        f'1,medium,0.9,0.0,0.0,"{reason}"', f'2,fast,0.9,0.0,0.0,"{reason}"']
    again = read_index(tmp_path)
    assert again.version == INDEX_VERSION and [(r.id, r.reason) for r in iter_skipped(again)] == [(1, reason),
                                                                                                 (2, reason)]


@pytest.mark.parametrize("version, words", [(4, "newer than this reader"), (0, "'version' is 0"),
                                            ("2", "'version' is '2'"), (None, "'version' is None")])
def test_unknown_or_newer_versions_are_refused_naming_the_file(tmp_path, version, words):
    doc = v1_document()
    doc["version"] = version
    path = tmp_path / "index.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(IndexFormatError, match=words) as info:
        read_index(path)
    assert str(path) in str(info.value)
    # A writer never replaces an index it cannot read.
    with pytest.raises(IndexFormatError):
        record_motions(tmp_path, "mini_biped", [ok_entry(0, "a.npz")], keep_validation=True)
    assert json.loads(path.read_text())["version"] == version


@pytest.mark.parametrize("change, words", [
    (lambda d: d["motions"][0].pop("file"), r"motions\[0\]: key 'file' is missing"),
    (lambda d: d["motions"][0].update(file=7), r"motions\[0\].file is 7, expected a string"),
    (lambda d: d["motions"][0].update(file="../../etc/passwd"), r"motions\[0\].file .* plain file name"),
    (lambda d: d["motions"][0].update(file="/tmp/x.npz"), r"plain file name"),
    (lambda d: d["motions"][0].update(id=True), r"motions\[0\].id is True, expected an integer"),
    (lambda d: d["motions"][0]["command"].update(dx=float("inf")), r"command.dx is inf, expected a finite number"),
    (lambda d: d["motions"][0]["command"].update(dx=10**400), r"an integer of 401 digits"),
    (lambda d: d["motions"][0].update(status="done"), r"motions\[0\].status is 'done'"),
    (lambda d: d["motions"][0]["validation"].update(status="passed"), r"validation.status is 'passed'"),
    (lambda d: d["motions"][0].update(sha256="xyz"), r"sha256 is 'xyz'"),
    (lambda d: d["motions"].append(dict(d["motions"][0], id=5)), r"'a.npz' is listed twice"),
    (lambda d: d.update(motions={"a": 1}), r"key 'motions' is a JSON object, expected a list"),
    (lambda d: d.pop("robot"), r"key 'robot' is None"),
])
def test_malformed_entries_name_the_file_entry_and_key(tmp_path, change, words):
    doc = v1_document()
    change(doc)
    path = tmp_path / "index.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(IndexFormatError, match=words) as info:
        read_index(path)
    assert str(info.value).startswith(str(path))
    assert "\n" not in str(info.value) and len(str(info.value)) < 400


def test_not_json_and_deep_nesting_are_clear_errors(tmp_path):
    path = tmp_path / "index.json"
    path.write_text("{not json")
    with pytest.raises(IndexFormatError, match="not valid JSON"):
        read_index(path)
    path.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(IndexFormatError, match="nested 100000 levels deep"):
        read_index(path)
    path.write_bytes(b'{"version": 2, "robot": "\xff"}')
    with pytest.raises(IndexFormatError, match="not UTF-8"):
        read_index(path)
    with pytest.raises(IndexFormatError, match="no such index file"):
        read_index(tmp_path / "missing.json")
    path.write_bytes(b" " * MAX_INDEX_BYTES + b"{}")
    with pytest.raises(IndexFormatError, match=f"larger than the limit of {MAX_INDEX_BYTES} bytes"):
        read_index(path)


def test_the_index_is_written_one_entry_per_line_and_never_beyond_what_readers_read(tmp_path):
    from motions.index.store import write_index

    touch(tmp_path, "a.npz", "b.npz")
    written = record_motions(tmp_path, "mini_biped", [ok_entry(0, "a.npz"), ok_entry(1, "b.npz")],
                             keep_validation=False)
    text = (tmp_path / "index.json").read_text()
    lines = text.splitlines()
    assert lines[0] == "{" and lines[1] == ' "format": "gait_generator.index",' and lines[-1] == "}"
    assert sum(line.startswith('  {"achieved"') for line in lines) == 2  # one line per entry
    assert json.loads(text)["motions"][1] == json.loads(lines[4].rstrip(","))
    with pytest.raises(IndexFormatError, match=r"larger than 600 bytes, the most any tool reads \(2 motions\)"):
        write_index(written, max_bytes=600)
    assert (tmp_path / "index.json").read_text() == text
    assert sorted(p.name for p in tmp_path.iterdir()) == [".index.json.lock", "a.npz", "b.npz", "index.json"]


def test_unknown_keys_survive_a_merge(tmp_path):
    doc = v1_document()
    doc["motions"][0]["note"] = "hand-written"
    doc["motions"][0]["validation"]["reviewer"] = "me"
    doc["origin"] = "lab"
    (tmp_path / "index.json").write_text(json.dumps(doc))
    touch(tmp_path, "a.npz", "c.npz")
    record_motions(tmp_path, "mini_biped", [ok_entry(2, "c.npz")], keep_validation=False)
    out = json.loads((tmp_path / "index.json").read_text())
    assert out["origin"] == "lab" and out["motions"][0]["note"] == "hand-written"
    assert out["motions"][0]["validation"]["reviewer"] == "me"


def test_generator_merge_keeps_grades_of_reused_files_and_drops_regenerated_ones(tmp_path):
    touch(tmp_path, "a.npz", "b.npz", "c.npz")
    record_motions(tmp_path, "mini_biped", [ok_entry(0, "a.npz"), ok_entry(1, "b.npz"), ok_entry(2, "c.npz")],
                   keep_validation=False)
    grades = {name: Validation(status="pass", sha256=DIGEST_A) for name in ("a.npz", "b.npz", "c.npz")}
    assert record_validation(tmp_path, grades) == []
    # Reused with the same bytes: kept. Reused but the grade was of other bytes: dropped. Regenerated: dropped.
    record_motions(tmp_path, "mini_biped", [ok_entry(0, "a.npz"), ok_entry(1, "b.npz", DIGEST_B)],
                   keep_validation=True)
    record_motions(tmp_path, "mini_biped", [ok_entry(2, "c.npz")], keep_validation=False)
    index = read_index(tmp_path)
    assert [e.validation is not None for e in index.entries] == [True, False, False]


def test_stale_grades_and_unlisted_files_are_refused(tmp_path):
    touch(tmp_path, "a.npz")
    record_motions(tmp_path, "mini_biped", [ok_entry(0, "a.npz", DIGEST_B)], keep_validation=False)
    refused = record_validation(tmp_path, {"a.npz": Validation(status="pass", sha256=DIGEST_A),
                                           "zzz.npz": Validation(status="pass")})
    assert sorted(refused) == ["a.npz", "zzz.npz"]
    assert read_index(tmp_path).entry("a.npz").validation is None
    with pytest.raises(IndexFormatError, match="no such index file"):
        record_validation(tmp_path / "other", {"a.npz": Validation(status="pass")})


def test_another_robots_index_is_refused_and_missing_files_are_pruned(tmp_path):
    touch(tmp_path, "a.npz", "b.npz")
    record_motions(tmp_path, "mini_biped", [ok_entry(0, "a.npz"), ok_entry(1, "b.npz")], keep_validation=False)
    with pytest.raises(IndexFormatError, match="robot 'mini_biped', not 'g1'"):
        record_motions(tmp_path, "g1", [ok_entry(0, "c.npz")], keep_validation=False)
    (tmp_path / "b.npz").unlink()
    record_motions(tmp_path, "mini_biped", [], keep_validation=True)
    assert [e.file for e in read_index(tmp_path).entries] == ["a.npz", "b.npz"]  # only on request
    record_motions(tmp_path, "mini_biped", [], keep_validation=True, prune_missing=True)
    assert [e.file for e in read_index(tmp_path).entries] == ["a.npz"]


def test_stale_temporary_index_files_are_removed_under_the_lock(tmp_path):
    touch(tmp_path, "a.npz")
    stale = [tmp_path / ".index.json.0123456789ab.tmp", tmp_path / f".index.json.{os.getpid()}.0123456789ab.tmp"]
    for p in stale:
        p.write_text("half")
    foreign = tmp_path / ".other.json.0123456789ab.tmp"
    foreign.write_text("not ours")
    record_motions(tmp_path, "mini_biped", [ok_entry(0, "a.npz")], keep_validation=False)
    assert not any(p.exists() for p in stale) and foreign.exists()
    assert lock_path(tmp_path / "index.json").name == ".index.json.lock"


def test_lock_excludes_other_processes_and_times_out(tmp_path):
    target = tmp_path / "index.json"
    code = ("import sys, time; from motions.locking import exclusive_lock\n"
            "with exclusive_lock(sys.argv[1]):\n    print('locked', flush=True); time.sleep(30)\n")
    holder = subprocess.Popen([sys.executable, "-c", code, str(target)], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert holder.stdout.readline().strip() == "locked"
        start = time.monotonic()
        with pytest.raises(LockError, match=r"\.index\.json\.lock: locked by tests"):
            with exclusive_lock(target, timeout_s=0.3, what="tests"):
                pass
        assert 0.3 <= time.monotonic() - start < 2.0
    finally:
        holder.kill()
        holder.wait()
    with exclusive_lock(target, timeout_s=1.0):  # released by the kernel when the holder died
        pass


def _writer(folder: str, worker: int, count: int) -> None:
    for k in range(count):
        name = f"w{worker}_{k}.npz"
        (Path(folder) / name).write_bytes(b"x")
        record_motions(folder, "mini_biped", [ok_entry(k, name)], keep_validation=False)
        if k % 2:
            record_validation(folder, {f"w{worker}_{k - 1}.npz": Validation(status="pass", sha256=DIGEST_A)})


def test_concurrent_writer_processes_lose_no_record(tmp_path):
    ctx = multiprocessing.get_context("spawn")
    workers = [ctx.Process(target=_writer, args=(str(tmp_path), w, 12)) for w in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
        assert w.exitcode == 0
    index = read_index(tmp_path)
    assert len(index.entries) == 48
    graded = {e.file for e in index.entries if e.validation is not None}
    assert graded == {f"w{w}_{k}.npz" for w in range(4) for k in range(0, 12, 2)}


def test_atomic_temp_names_carry_the_writer_pid(tmp_path):
    seen = []

    def peek() -> None:
        seen.extend(p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp"))

    from motions.atomic import atomic_write_bytes

    atomic_write_bytes(tmp_path / "x.bin", b"1", before_replace=peek)
    assert len(seen) == 1 and seen[0].startswith(f".x.bin.{os.getpid()}.")
    atomic_write_text(tmp_path / "y.txt", "ok")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.bin", "y.txt"]
