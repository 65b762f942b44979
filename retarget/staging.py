"""A retarget output directory: staged next to it, swapped in whole, never left missing.

A run writes everything into a fresh hidden directory ``.OUT.<hex>.tmp`` next to
``OUT``. Only when all of it succeeded is it swapped with ``OUT``: in one atomic
``renameat2(RENAME_EXCHANGE)`` on Linux, else by moving ``OUT`` aside to
``.OUT.<hex>.old`` and renaming the staging directory to ``OUT``. On any error
``OUT`` is left exactly as it was.

The whole run holds an exclusive lock on ``.OUT.lock`` (:mod:`motions.locking`;
a second run on the same ``OUT`` fails at once), so at its start every
``.OUT.<hex>.tmp`` or ``.OUT.<hex>.old`` belongs to a killed run and is removed.
If a kill came between the two renames (``OUT`` missing, an ``.old`` present),
the previous output is first put back as ``OUT``.
"""

from __future__ import annotations

import ctypes
import errno
import os
import re
import secrets
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from motions.console import plural
from motions.errors import GaitGeneratorError, OutputError
from motions.locking import exclusive_lock

__all__ = ["recover", "staged_output"]

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _exchange(a: Path, b: Path) -> bool:
    """Swap two existing paths atomically (Linux ``renameat2``); False where unsupported."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    renameat2.restype = ctypes.c_int
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def recover(out: Path, log: Callable[[str], None] | None = None) -> list[Path]:
    """Finish what a killed run left next to ``out`` (call with ``out``'s lock held).

    Puts the newest ``.OUT.<hex>.old`` back if ``out`` is missing, then removes
    every other ``.OUT.<hex>.tmp`` and ``.OUT.<hex>.old``.

    Returns:
        The stale staging paths removed.
    """
    pattern = re.compile(rf"\.{re.escape(out.name)}\.[0-9a-f]{{12}}\.(tmp|old)")
    try:
        stale = [p for p in out.parent.iterdir() if pattern.fullmatch(p.name)]
    except OSError:
        return []
    olds = [p for p in stale if p.name.endswith(".old")]
    if olds and not os.path.lexists(out):
        newest = max(olds, key=lambda p: p.stat().st_mtime_ns)
        os.replace(newest, out)
        stale.remove(newest)
        if log:
            log(f"restored {out} from {newest.name} (a previous run was killed while replacing it)")
    for path in stale:
        _remove(path)
    if stale and log:
        log(f"removed {plural(len(stale), 'staging folder')} of killed runs next to {out}")
    return stale


def _swap_in(temp: Path, out: Path) -> None:
    if not out.exists():
        os.replace(temp, out)
        return
    if _exchange(temp, out):
        shutil.rmtree(temp, ignore_errors=True)  # now the previous output
        return
    old = out.parent / f".{out.name}.{secrets.token_hex(6)}.old"
    os.replace(out, old)
    try:
        os.replace(temp, out)  # a kill between the two renames: the next run's recover() restores ``old``
    except BaseException:
        os.replace(old, out)
        raise
    shutil.rmtree(old, ignore_errors=True)


@contextmanager
def staged_output(out: Path, is_ours: Callable[[Path], bool],
                  log: Callable[[str], None] | None = None) -> Iterator[Path]:
    """A fresh directory next to ``out`` that replaces ``out`` only if the block succeeds.

    Args:
        out: The output directory.
        is_ours: Whether an existing non-empty ``out`` may be replaced (a previous output).
        log: Called with a line for each recovery action.

    Yields:
        The staging directory to write into.

    Raises:
        OutputError: ``out`` is a file or someone else's directory, another run
            holds its lock, or the staging directory cannot be created or moved.
    """
    out = out.absolute()
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{out}: cannot create its folder {out.parent}/ ({exc.strerror or exc})") from exc
    with exclusive_lock(out, timeout_s=0, what="another gait_retarget run"):
        try:
            recover(out, log)
        except OSError as exc:
            raise OutputError(f"{out}: cannot clean up after a killed run ({exc})") from exc
        if out.exists() and not out.is_dir():
            raise OutputError(f"{out}: exists and is not a directory")
        if out.is_dir() and any(out.iterdir()) and not is_ours(out):
            raise OutputError(f"{out}: non-empty directory that is not a previous output; refusing to replace it")
        try:
            temp = out.parent / f".{out.name}.{secrets.token_hex(6)}.tmp"
            temp.mkdir()
        except OSError as exc:
            raise OutputError(f"{out}: cannot create a staging directory in {out.parent}/ ({exc})") from exc
        try:
            yield temp
            _swap_in(temp, out)
        except BaseException as exc:
            shutil.rmtree(temp, ignore_errors=True)
            if isinstance(exc, OSError) and not isinstance(exc, GaitGeneratorError):
                raise OutputError(f"{out}: cannot write ({exc})") from exc
            raise
