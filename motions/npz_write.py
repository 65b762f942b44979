"""Byte-deterministic ``.npz`` archives from named arrays (the writing half of the motion file format).

Members are written in the given order, uncompressed (``ZIP_STORED``), as
C-contiguous little-endian ``.npy`` arrays with a fixed timestamp and fixed
attributes, so the same arrays give byte-identical archives on any machine.
Which arrays a motion file holds is :func:`motions.motion.file_arrays`; the
reader, with its checks, is :mod:`motions.storage`.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = ["npz_bytes"]

# Every zip member gets this timestamp (the earliest a zip header can hold).
_ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)


def _little_endian(value: Any) -> np.ndarray:
    """A C-contiguous little-endian copy, so the bytes do not depend on the machine."""
    arr = np.asarray(value)
    return np.array(arr, dtype=arr.dtype.newbyteorder("<"), order="C")


def npz_bytes(arrays: Mapping[str, Any]) -> bytes:
    """The bytes of an uncompressed ``.npz`` archive holding ``arrays`` (deterministic).

    Args:
        arrays: Member name (without ``.npy``) -> array or numpy scalar, in
            archive order. Object arrays are refused (``allow_pickle=False``).

    Returns:
        The archive, as :func:`numpy.load` reads it.
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for key, value in arrays.items():
            member = io.BytesIO()
            np.lib.format.write_array(member, _little_endian(value), allow_pickle=False)
            info = zipfile.ZipInfo(f"{key}.npy", date_time=_ZIP_DATE_TIME)
            info.compress_type = zipfile.ZIP_STORED
            info.create_system = 3  # Unix, whatever the writing platform
            info.external_attr = 0o644 << 16
            archive.writestr(info, member.getvalue())
    return buffer.getvalue()
