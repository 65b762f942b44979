"""Deterministic ``.npz`` bytes for exports: the same arrays always give the same file.

``np.savez`` stamps every member with the current time, so two runs of an export
differ byte for byte. :func:`npz_bytes` writes the same archive ``np.load``
reads (uncompressed, one ``<key>.npy`` per array, no pickle) with a fixed
timestamp and little-endian, C-ordered arrays, as :mod:`motions.storage` does for
motion files.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["npz_bytes"]

_DATE_TIME = (1980, 1, 1, 0, 0, 0)


def npz_bytes(arrays: Mapping[str, ArrayLike]) -> bytes:
    """The bytes of an uncompressed ``.npz`` archive of ``arrays``, in their order.

    Raises:
        ValueError: An array would need pickle to load (object dtype).
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for key, value in arrays.items():
            arr = np.asarray(value)
            arr = np.array(arr, dtype=arr.dtype.newbyteorder("<") if arr.dtype.byteorder != "|" else arr.dtype,
                           order="C")
            member = io.BytesIO()
            np.lib.format.write_array(member, arr, allow_pickle=False)
            info = zipfile.ZipInfo(f"{key}.npy", date_time=_DATE_TIME)
            info.create_system = 3  # Unix, whatever the writing platform
            info.external_attr = 0o644 << 16
            archive.writestr(info, member.getvalue())
    return buffer.getvalue()
