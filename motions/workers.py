"""Worker processes that end with the process that owns them.

A batch (``auto_gait_generator -j N``, ``gait_validate -j N``) runs its jobs in
joblib/loky worker processes. If the main process dies without shutting them
down (SIGKILL, OOM killer, a crash), loky's workers would go on computing and
writing files for minutes. Each job therefore calls :func:`watch_owner` with the
main process's pid first. In a worker process this (once per process):

- starts a daemon thread that checks every :data:`POLL_S` seconds whether the
  owner is still alive (the worker's parent has not changed and the owner's pid
  is a running, non-zombie process) and ends the worker with ``os._exit`` as
  soon as it is not;
- ignores SIGINT: a terminal's Ctrl-C reaches every process of the group, and
  the owner, not its workers, decides what an interrupt does (it stops them).

Before a worker makes its output visible it calls :func:`check_owner` (passed
as ``before_replace`` to :func:`motions.atomic.atomic_write_bytes`), so a
worker whose owner has died writes nothing more, even between two polls. In the
owner process itself (``-j 1``) both are no-ops.
"""

from __future__ import annotations

import os
import signal
import threading
import time

from motions.atomic import pid_alive

__all__ = ["EXIT_ORPHANED", "POLL_S", "Orphaned", "check_owner", "owner_alive", "watch_owner"]

POLL_S = 0.1
"""Seconds between two checks of the owner."""
EXIT_ORPHANED = 70
"""Exit status of a worker that ended because its owner died."""

_lock = threading.Lock()
_owner: int | None = None
_parent: int | None = None


class Orphaned(BaseException):
    """This worker's owner process has died: stop without writing anything.

    A BaseException, like KeyboardInterrupt, so that no ``except Exception``
    on the way turns it into a result.
    """


def watch_owner(owner_pid: int | None) -> None:
    """Make this worker process exit when ``owner_pid`` dies (idempotent).

    Args:
        owner_pid: Pid of the main process of the batch; None (e.g. workers on
            a remote dask cluster) or this process's own pid: nothing to do.
    """
    global _owner, _parent
    if owner_pid is None or owner_pid == os.getpid():
        return
    with _lock:
        if _owner == owner_pid:
            return
        _owner, _parent = owner_pid, os.getppid()
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, signal.SIG_IGN)
        threading.Thread(target=_watch, name="owner-watchdog", daemon=True).start()
    check_owner()


def owner_alive() -> bool:
    """Whether the owner set by :func:`watch_owner` is alive (True if none was set)."""
    owner, parent = _owner, _parent
    if owner is None:
        return True
    return os.getppid() == parent and pid_alive(owner)


def check_owner() -> None:
    """Raise :class:`Orphaned` if this worker's owner has died."""
    if not owner_alive():
        raise Orphaned(f"owner process {_owner} has died")


def _watch() -> None:
    while True:
        time.sleep(POLL_S)
        if not owner_alive():
            os._exit(EXIT_ORPHANED)
