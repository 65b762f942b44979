"""Tests for motions.atomic: atomic replace-on-write of output files."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from motions import atomic
from motions.atomic import atomic_write_bytes, atomic_write_text
from motions.errors import OutputError


def test_writes_and_replaces(tmp_path: Path) -> None:
    path = tmp_path / "out.bin"
    assert atomic_write_bytes(path, b"first") == path
    assert atomic_write_bytes(str(path), bytearray(b"second")) == path
    assert path.read_bytes() == b"second"
    assert os.listdir(tmp_path) == ["out.bin"]


def test_text_is_written_verbatim(tmp_path: Path) -> None:
    path = atomic_write_text(tmp_path / "index.json", "{\"a\": \"é\"}\r\n")
    assert path.read_bytes() == "{\"a\": \"é\"}\r\n".encode()


def test_new_files_follow_the_umask(tmp_path: Path) -> None:
    previous = os.umask(0o027)
    try:
        path = atomic_write_bytes(tmp_path / "out.bin", b"x")
    finally:
        os.umask(previous)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


@pytest.mark.parametrize("make_target", [lambda d: d / "missing" / "out.bin", lambda d: d / "a_file" / "out.bin"])
def test_unwritable_directory_leaves_nothing(tmp_path: Path, make_target) -> None:
    (tmp_path / "a_file").write_bytes(b"")
    target = make_target(tmp_path)
    with pytest.raises(OutputError, match=str(target)):
        atomic_write_bytes(target, b"data")
    assert os.listdir(tmp_path) == ["a_file"]


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="permission bits do not bind root")
def test_read_only_directory(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(OutputError, match="locked/out.bin"):
            atomic_write_bytes(locked / "out.bin", b"data")
        assert os.listdir(locked) == []
    finally:
        locked.chmod(0o700)


def test_directory_target_is_an_output_error(tmp_path: Path) -> None:
    (tmp_path / "dir").mkdir()
    (tmp_path / "dir" / "child").write_bytes(b"")
    with pytest.raises(OutputError, match="dir"):
        atomic_write_bytes(tmp_path / "dir", b"data")
    assert sorted(os.listdir(tmp_path)) == ["dir"]


def test_failed_replace_keeps_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "out.bin"
    path.write_bytes(b"old contents")

    def failing_replace(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "replace", failing_replace)
    with pytest.raises(OutputError, match="out.bin: cannot write .*No space left"):
        atomic_write_bytes(path, b"new contents")
    assert path.read_bytes() == b"old contents"
    assert os.listdir(tmp_path) == ["out.bin"]


def test_interrupt_removes_temp_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(atomic.os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        atomic_write_bytes(tmp_path / "out.bin", b"data")
    assert os.listdir(tmp_path) == []
