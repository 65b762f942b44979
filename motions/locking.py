"""Cross-process exclusive locks on a sidecar lock file (``fcntl.flock``).

A writer that must not run alongside another one (the writers of a motion
folder's ``index.json``, a retarget run replacing its output directory) holds an
exclusive ``flock`` on a hidden sidecar file, e.g. ``.index.json.lock`` next to
``index.json``. The kernel releases the lock when its holder exits, however it
exits (SIGKILL included), so a lock is never left stale. The lock file itself
stays in place: deleting it would let two processes lock two different files.
Readers never lock; atomic renames (:mod:`motions.atomic`) already give them a
whole file.

POSIX only (``fcntl``); the project runs on Linux and macOS.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Iterator
from pathlib import Path

from motions.errors import LockError

__all__ = ["DEFAULT_TIMEOUT_S", "exclusive_lock", "lock_path"]

DEFAULT_TIMEOUT_S = 120.0
"""Longest wait for a lock (s) before :class:`LockError`; holders keep locks for milliseconds."""

_POLL_S = 0.005


def lock_path(path: str | os.PathLike[str]) -> Path:
    """The sidecar lock file of ``path``: ``.<name>.lock`` in the same directory."""
    path = Path(path)
    return path.parent / f".{path.name}.lock"


@contextlib.contextmanager
def exclusive_lock(path: str | os.PathLike[str], timeout_s: float | None = DEFAULT_TIMEOUT_S,
                   what: str = "") -> Iterator[Path]:
    """Hold an exclusive lock on ``path``'s sidecar lock file for the ``with`` block.

    Args:
        path: The protected file or directory (its lock is :func:`lock_path`).
        timeout_s: Longest wait (s); ``0`` fails at once if the lock is taken;
            None waits forever.
        what: Who holds such locks, for the error message (e.g. ``"another gait_retarget run"``).

    Yields:
        The lock file.

    Raises:
        LockError: The lock file cannot be created or opened (names it), or the
            lock is still held after ``timeout_s``.
    """
    lock = lock_path(path)
    try:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError as exc:
        raise LockError(f"{lock}: cannot create the lock file ({exc.strerror or exc})") from exc
    try:
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if deadline is not None and time.monotonic() >= deadline:
                    holder = f" by {what}" if what else ""
                    waited = f" for more than {timeout_s:g} s" if timeout_s else ""
                    raise LockError(f"{lock}: locked{holder}{waited}; try again when it has finished") from None
                time.sleep(_POLL_S)
        yield lock
    finally:
        os.close(fd)  # closing the descriptor releases the lock
