"""Size checks of an ``.npz`` archive from its zip and ``.npy`` headers, before any array is read.

``np.load`` trusts an archive: a 3 MB file can decompress to gigabytes, and a
``.npy`` header can claim 10^12 elements. :func:`check_npz` reads only the zip
central directory and the first bytes of each member, and refuses an archive
that declares more than :data:`MAX_MOTION_BYTES` in total, has more than
:data:`MAX_MEMBERS` members, uses another compression than stored or deflate,
claims a deflate ratio above :data:`MAX_DEFLATE_RATIO` (impossible for deflate,
so the header lies), or whose ``.npy`` header (shape x dtype item size) does not
match the member's size. Memory used while checking: a few kilobytes.
"""

from __future__ import annotations

import math
import os
import zipfile
import zlib
from pathlib import Path

import numpy as np

__all__ = ["MAX_DEFLATE_RATIO", "MAX_MEMBERS", "MAX_MOTION_BYTES", "check_npz"]

MAX_MOTION_BYTES = 256 << 20
"""Most bytes the arrays of one motion file may hold, uncompressed (256 MiB: over an hour of G1 at 60 fps)."""

MAX_MEMBERS = 64
"""Most members of one archive (a motion file has 32 to 37: 32 required, 3 accelerations, 2 labels)."""

MAX_DEFLATE_RATIO = 1032
"""Deflate cannot compress better than about 1032:1; a member claiming more is corrupt."""

_HEADER_BYTES = 10000  # numpy's own default limit on an .npy header
_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, OSError, EOFError, ValueError, KeyError,
           NotImplementedError, RuntimeError, SyntaxError, TypeError)


def _member_header(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[tuple[int, ...], np.dtype, int]:
    """Shape, dtype and header length of one ``.npy`` member, reading only its header."""
    with archive.open(info) as member:
        version = np.lib.format.read_magic(member)
        if version == (1, 0):
            shape, _, dtype = np.lib.format.read_array_header_1_0(member, max_header_size=_HEADER_BYTES)
        else:
            shape, _, dtype = np.lib.format.read_array_header_2_0(member, max_header_size=_HEADER_BYTES)
        return shape, dtype, member.tell()


def check_npz(path: str | os.PathLike[str], error: type[Exception]) -> None:
    """Refuse an ``.npz`` whose headers declare too much data or contradict themselves.

    Args:
        path: The archive.
        error: Exception class raised on failure (the caller's typed error).

    Raises:
        error: The message names the file and the member.
    """
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_MEMBERS:
                raise error(f"{path}: {len(infos)} archive members, at most {MAX_MEMBERS}")
            total = 0
            for info in infos:
                where = f"{path}: member {info.filename[:80]!r}"
                if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                    raise error(f"{where}: compression method {info.compress_type}, expected stored or deflate")
                if (info.compress_type == zipfile.ZIP_DEFLATED
                        and info.file_size > MAX_DEFLATE_RATIO * max(info.compress_size, 1)):
                    raise error(f"{where}: claims {info.file_size} bytes from {info.compress_size} compressed, "
                                "beyond what deflate can do (corrupt)")
                total += info.file_size
                if total > MAX_MOTION_BYTES:
                    raise error(f"{path}: the archive declares more than {MAX_MOTION_BYTES} bytes of arrays "
                                f"(limit of a motion file), at member {info.filename[:80]!r}")
                if not info.filename.endswith(".npy"):
                    continue
                shape, dtype, header = _member_header(archive, info)
                if dtype.hasobject:
                    raise error(f"{where}: dtype {dtype} holds Python objects (pickles are never loaded)")
                declared = math.prod(shape) * dtype.itemsize
                if header + declared != info.file_size:
                    raise error(f"{where}: its header declares shape {tuple(shape)} of {dtype} ({declared} bytes) "
                                f"but the member holds {info.file_size - header} bytes")
    except _ERRORS as exc:
        if isinstance(exc, error):
            raise
        raise error(f"{path}: cannot read as a motion .npz ({type(exc).__name__}: {str(exc)[:200]})") from None
