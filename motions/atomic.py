"""Atomic file writes: a reader sees the old file or the whole new one, never a part.

The data goes to a uniquely named temporary file in the destination's own
directory (so the final rename stays on one file system), is flushed and
fsynced, and is then renamed over the destination with :func:`os.replace`. On
any failure the temporary file is removed, the destination is left untouched and
:class:`OutputError` names the destination. The parent directory must exist.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from gait_generator.errors import OutputError

__all__ = ["atomic_write_bytes", "atomic_write_text"]

# Permission bits requested for new files; the process umask is applied on top,
# exactly as for a file created with open(path, "w").
_FILE_MODE = 0o666


def _create_temp(directory: Path, name: str) -> tuple[int, Path]:
    """Create and open a new temporary file next to the destination."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        temp = directory / f".{name}.{secrets.token_hex(6)}.tmp"
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


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Replace the file at ``path`` with ``data`` atomically.

    Args:
        path: Destination file. Its directory must already exist.
        data: The complete new contents.

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
