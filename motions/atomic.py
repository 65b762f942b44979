"""Atomic file writes: a reader sees the old file or the whole new one, never a part.

The data goes to a uniquely named temporary file in the destination's own
directory (so the final rename stays on one file system), is flushed and
fsynced, and is then renamed over the destination with :func:`os.replace`. On
any failure the temporary file is removed, the destination is left untouched and
:class:`OutputError` names the destination. The parent directory must exist.

Temporary files are named ``.<name>.<pid>.<12 hex>.tmp`` after the writing
process. A process killed mid-write leaves one behind;
:func:`remove_stale_temps` deletes those of given names whose writer is dead
(or that are older than :data:`STALE_AGE_S`), never a live writer's.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from motions.errors import OutputError

__all__ = [
    "STALE_AGE_S",
    "AtomicFile",
    "atomic_write_bytes",
    "atomic_write_text",
    "atomic_writer",
    "pid_alive",
    "remove_stale_temps",
]

STALE_AGE_S = 3600.0
"""A temporary file older than this (s) is stale even if its writer's pid is alive (pid reuse)."""

# ".<name>.<pid>.<hex>.tmp"; earlier versions wrote ".<name>.<hex>.tmp" (no pid).
_TEMP_NAME = re.compile(r"\.(?P<base>.+)\.[0-9a-f]{12}\.tmp")

# Permission bits requested for new files; the process umask is applied on top,
# exactly as for a file created with open(path, "w").
_FILE_MODE = 0o666


def _create_temp(directory: Path, name: str) -> tuple[int, Path]:
    """Create and open a new temporary file next to the destination."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        temp = directory / f".{name}.{os.getpid()}.{secrets.token_hex(6)}.tmp"
        try:
            return os.open(temp, flags, _FILE_MODE), temp
        except FileExistsError:
            continue


def _fsync_directory(directory: Path) -> None:
    """Best-effort fsync of a directory so the rename itself is durable (POSIX only)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes,
                       before_replace: Callable[[], None] | None = None) -> Path:
    """Replace the file at ``path`` with ``data`` atomically.

    Args:
        path: Destination file. Its directory must already exist.
        data: The complete new contents.
        before_replace: Called once the data is on disk, just before the
            rename; if it raises, the temporary file is removed, the
            destination is untouched and the exception propagates (a worker
            uses it to write nothing once its parent has died).

    Returns:
        ``path`` as a :class:`~pathlib.Path`.

    Raises:
        OutputError: If the directory is missing or unwritable, the disk is
            full, or ``path`` cannot be replaced (e.g. it is a directory).
        TypeError: If ``data`` is not bytes-like.
    """
    path = Path(path)
    data = memoryview(data)
    directory = path.parent
    try:
        fd, temp = _create_temp(directory, path.name)
    except OSError as exc:
        raise OutputError(f"{path}: cannot create a temporary file in {directory}/ ({exc})") from exc
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if before_replace is not None:
            before_replace()
        os.replace(temp, path)
    except BaseException as exc:
        try:
            os.unlink(temp)
        except FileNotFoundError:
            pass
        if isinstance(exc, OSError):
            raise OutputError(f"{path}: cannot write ({exc})") from exc
        raise
    _fsync_directory(directory)
    return path


def atomic_write_text(path: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> Path:
    """Replace the file at ``path`` with ``text`` atomically.

    The text is encoded as is: no newline translation, on any platform.

    Args:
        path: Destination file. Its directory must already exist.
        text: The complete new contents.
        encoding: Text encoding.

    Returns:
        ``path`` as a :class:`~pathlib.Path`.

    Raises:
        OutputError: As for :func:`atomic_write_bytes`.
    """
    return atomic_write_bytes(path, text.encode(encoding))


class AtomicFile:
    """A file written in pieces to a temporary file, then renamed over its destination in one step.

    For outputs too large to build in memory first: write to :attr:`handle`
    (binary, buffered), then :meth:`commit` (flush, fsync, rename) or
    :meth:`discard` (remove the temporary file). Until the commit, readers of
    the destination see its previous contents; :func:`remove_stale_temps`
    spares the temporary file while this process lives.

    Args:
        path: Destination file. Its directory must already exist.

    Raises:
        OutputError: The temporary file cannot be created.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        try:
            fd, self.temp = _create_temp(self.path.parent, self.path.name)
        except OSError as exc:
            raise OutputError(f"{self.path}: cannot create a temporary file in {self.path.parent}/ ({exc})") from exc
        self.handle: BinaryIO = os.fdopen(fd, "wb", buffering=1 << 20)
        self.done = False

    def write(self, data: bytes) -> None:
        """Append ``data`` (raises OutputError on a full disk; the temporary file is then removed)."""
        try:
            self.handle.write(data)
        except OSError as exc:
            self.discard()
            raise OutputError(f"{self.path}: cannot write ({exc})") from exc

    def commit(self) -> Path:
        """Flush and fsync the data and rename it over the destination; returns the destination.

        Raises:
            OutputError: The data cannot be written or renamed (the temporary
                file is removed and the destination left as it was).
        """
        if self.done:
            raise OutputError(f"{self.path}: this temporary file was already committed or discarded")
        try:
            self.handle.flush()
            os.fsync(self.handle.fileno())
            self.handle.close()
            os.replace(self.temp, self.path)
        except OSError as exc:
            self.discard()
            raise OutputError(f"{self.path}: cannot write ({exc})") from exc
        self.done = True
        _fsync_directory(self.path.parent)
        return self.path

    def discard(self) -> None:
        """Remove the temporary file, leaving the destination as it was (no-op once committed or discarded)."""
        if self.done:
            return
        self.done = True
        with contextlib.suppress(OSError):
            self.handle.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.temp)


@contextlib.contextmanager
def atomic_writer(path: str | os.PathLike[str]) -> Iterator[AtomicFile]:
    """Write ``path`` in pieces, atomically: committed if the block ends normally, discarded if it raises.

    Example::

        with atomic_writer(folder / "big.json") as out:
            for chunk in chunks:
                out.write(chunk)

    Raises:
        OutputError: As :class:`AtomicFile`.
    """
    out = AtomicFile(path)
    try:
        yield out
    except BaseException:
        out.discard()
        raise
    out.commit()


def pid_alive(pid: int) -> bool:
    """Whether process ``pid`` exists on this machine and is not a zombie."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except (OverflowError, ValueError):
        return False
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True  # no procfs: os.kill said it exists
    return state not in ("Z", "X")


def _temp_writer(filename: str, wanted: Callable[[str], bool]) -> int | None:
    """The writer pid of a temporary file of a ``wanted`` name (0: none recorded), or None if not one."""
    match = _TEMP_NAME.fullmatch(filename)
    if match is None:
        return None
    base = match.group("base")
    name, _, pid = base.rpartition(".")
    if pid.isdigit() and len(pid) <= 10 and wanted(name):
        return int(pid)
    return 0 if wanted(base) else None


def remove_stale_temps(directory: str | os.PathLike[str], names: Iterable[str] | Callable[[str], bool],
                       max_age_s: float = STALE_AGE_S) -> list[Path]:
    """Delete the temporary files that killed writes of ``names`` left in ``directory``.

    Only files named like this module's temporary files of one of ``names``
    are considered. One is stale if its writer (the pid in its name) is no
    longer running, if it has no pid (written by an earlier version), or if it
    is older than ``max_age_s``; a live writer's file is kept.

    Args:
        directory: The folder the writes went to.
        names: Destination file names (no directories) whose temporaries to remove,
            or a predicate on a destination name (for many names: the batch's
            motions, without building the set of all of them).
        max_age_s: Age (s) beyond which any matching file is stale.

    Returns:
        The files removed.
    """
    directory = Path(directory)
    wanted = names if callable(names) else set(names).__contains__
    removed: list[Path] = []
    try:
        candidates = [p for p in directory.iterdir() if p.name.startswith(".") and p.name.endswith(".tmp")]
    except OSError:
        return removed
    now = time.time()
    for temp in candidates:
        pid = _temp_writer(temp.name, wanted)
        if pid is None:
            continue
        try:
            age = now - temp.lstat().st_mtime
        except OSError:
            continue
        if pid > 0 and age < max_age_s and (pid == os.getpid() or pid_alive(pid)):
            continue  # a live writer's (possibly this process's, in another thread)
        try:
            temp.unlink()
        except OSError:
            continue  # a directory, already gone, or not ours to remove
        removed.append(temp)
    return removed
