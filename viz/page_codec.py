"""Compact payloads for the HTML pages: a JSON header and typed arrays, deflated, then base64.

A payload, before compression, is (little-endian)::

    uint32 n | n bytes: UTF-8 JSON header, padded with spaces to a multiple of 4 | sections

``header["sections"]`` maps each section name to ``[dtype, byte offset, count]``,
the offset counted from the end of the header; dtypes are ``"u1"``, ``"u2"``,
``"u4"``, ``"i4"`` and ``"f4"``. The whole is compressed with zlib (RFC 1950,
what the browser's ``DecompressionStream("deflate")`` reads) and base64-encoded.
``viz/assets/player.js`` (``unpack``) reads it back in the page, :func:`unpack` here.

Smooth per-frame signals are stored as :func:`quantized_residuals`: values
rounded to a quantum, then second differences along time, which are small
integers that deflate well (a 10 s G1 clip: about 60 kB of base64).
"""

from __future__ import annotations

import base64
import json
import struct
import zlib
from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["QUANTUM", "pack", "page_json", "quantized_residuals", "restored", "rounded", "unpack"]

QUANTUM = 1e-4
"""Resolution of the per-frame signals in the pages: 0.1 mm for positions, 1e-4 for quaternion components."""

_MAX_PAYLOAD = 1 << 30
"""Most bytes :func:`unpack` inflates (pages are written here; this only bounds a corrupt one)."""

_CODES = {np.dtype(np.uint8): "u1", np.dtype(np.uint16): "u2", np.dtype(np.uint32): "u4",
          np.dtype(np.int32): "i4", np.dtype(np.float32): "f4"}


def pack(header: Mapping[str, Any], sections: Mapping[str, NDArray]) -> str:
    """Pack ``header`` and the typed arrays ``sections`` into one base64 payload (see the module docstring).

    Args:
        header: JSON-serialisable header; a ``"sections"`` key is added.
        sections: Name to array; each is flattened in C order. Its dtype must be
            one of the supported ones (uint8/16/32, int32, float32).

    Returns:
        The base64 text (ASCII).

    Raises:
        ValueError: An array has an unsupported dtype.
    """
    table: dict[str, list[Any]] = {}
    blobs: list[bytes] = []
    offset = 0
    for name, array in sections.items():
        array = np.asarray(array)
        code = _CODES.get(array.dtype)
        if code is None:
            raise ValueError(f"section {name!r}: dtype {array.dtype}, expected one of {sorted(_CODES.values())}")
        data = np.ascontiguousarray(array, dtype=f"<{code}").tobytes()
        table[name] = [code, offset, int(array.size)]
        data += b"\0" * (-len(data) % 4)
        blobs.append(data)
        offset += len(data)
    text = json.dumps({**header, "sections": table}, separators=(",", ":"), allow_nan=False).encode()
    text += b" " * (-len(text) % 4)
    raw = struct.pack("<I", len(text)) + text + b"".join(blobs)
    return base64.b64encode(zlib.compress(raw, 9)).decode("ascii")


def unpack(text: str) -> tuple[dict[str, Any], dict[str, NDArray]]:
    """Read a :func:`pack` payload back: (header, sections as 1-D arrays).

    Raises:
        ValueError: Not a payload (bad base64, not zlib data, or inconsistent lengths).
    """
    try:
        inflater = zlib.decompressobj()
        raw = inflater.decompress(base64.b64decode(text, validate=True), _MAX_PAYLOAD)
    except (ValueError, zlib.error) as exc:
        raise ValueError(f"not a page payload: {exc}") from exc
    if len(raw) < 4 or struct.unpack_from("<I", raw)[0] > len(raw) - 4:
        raise ValueError("not a page payload: truncated header")
    (n,) = struct.unpack_from("<I", raw)
    header = json.loads(raw[4 : 4 + n])
    sections = {}
    for name, (code, offset, count) in header["sections"].items():
        dtype = np.dtype(f"<{code}")
        start = 4 + n + offset
        if start + count * dtype.itemsize > len(raw):
            raise ValueError(f"section {name!r}: {count} values past the end of the payload")
        sections[name] = np.frombuffer(raw, dtype=dtype, count=count, offset=start)
    return header, sections


def restored(residuals: NDArray, quantum: float | NDArray = QUANTUM) -> NDArray[np.float64]:
    """Invert :func:`quantized_residuals`: (C, T) residuals to (T, C) values (rounded to ``quantum``)."""
    q = np.cumsum(np.cumsum(np.asarray(residuals, dtype=np.int64), axis=1), axis=1)
    return q.T * quantum


def quantized_residuals(values: NDArray, quantum: float | NDArray = QUANTUM) -> NDArray[np.int32]:
    """Per-frame signals as int32 second differences, channel-major, for :func:`pack`.

    Args:
        values: Shape (T, C), one column per channel.
        quantum: Rounding step of the values, one for all or one per channel (C,).

    Returns:
        Shape (C, T): ``q[0]``, ``q[1] - 2 q[0]``, then ``q[t] - 2 q[t-1] + q[t-2]``
        with ``q = round(values / quantum)``; two cumulative sums give ``q`` back.

    Raises:
        ValueError: ``values`` is not finite, or a residual does not fit int32.
    """
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 2:
        raise ValueError(f"values: shape {values.shape}, expected (T, C)")
    if not np.all(np.isfinite(values)):
        raise ValueError("values: not finite")
    q = np.round(values / quantum).astype(np.int64)
    residuals = np.diff(q, n=2, axis=0, prepend=np.zeros((2, q.shape[1]), dtype=np.int64))
    if residuals.size and np.abs(residuals).max() >= 2**31:
        raise ValueError("values: a residual exceeds int32 at this quantum")
    return np.ascontiguousarray(residuals.T, dtype=np.int32)


def rounded(values: Any, digits: int = 6) -> Any:
    """``values`` (array or number) as nested lists of floats rounded to ``digits`` decimals, for JSON."""
    return np.round(np.asarray(values, dtype=np.float64), digits).tolist()


def page_json(value: Any) -> str:
    """JSON text safe inside an HTML ``<script>`` element (``<``, ``>`` and ``&`` escaped)."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=True, allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
