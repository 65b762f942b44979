"""Private validators shared by the motion dataclasses.

Each validator returns a normalised, read-only value or raises
:class:`MotionFormatError` naming the field, what it got and what was expected.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from motions.errors import MotionFormatError

__all__ = [
    "as_array",
    "bool_array",
    "continuous_quats",
    "count",
    "finite_float",
    "float_array",
    "phase_array",
    "side_array",
    "unit_quats",
]

# Largest allowed | |q| - 1 | for a stored quaternion.
QUAT_NORM_TOLERANCE = 1e-6


_KIND_TEXT = {"iuf": "numbers", "biu": "bool or integers"}


def as_array(name: str, value: object) -> np.ndarray:
    """``np.asarray(value)``, with ragged or unconvertible input reported by name."""
    try:
        return np.asarray(value)
    except (TypeError, ValueError) as exc:
        raise MotionFormatError(f"{name}: cannot be converted to an array ({exc})") from exc


def _numeric(name: str, value: object, kinds: str) -> np.ndarray:
    arr = as_array(name, value)
    empty_list = arr.size == 0 and arr.dtype.kind == "f"  # np.asarray([]) is float64
    if arr.dtype.kind not in kinds and not empty_list:
        raise MotionFormatError(f"{name}: dtype {arr.dtype}, expected {_KIND_TEXT[kinds]}")
    return arr


def _check_shape(name: str, arr: np.ndarray, shape: tuple[int, ...], label: str) -> None:
    if arr.shape != shape:
        raise MotionFormatError(f"{name}: shape {arr.shape}, expected {label} = {shape}")


def _frozen(arr: np.ndarray) -> np.ndarray:
    arr = np.require(arr, requirements="C")
    arr.flags.writeable = False
    return arr


def float_array(name: str, value: object, shape: tuple[int, ...], label: str) -> NDArray[np.float64]:
    """A finite float64 copy of ``value`` with exactly ``shape`` (``label`` names its axes)."""
    arr = np.array(_numeric(name, value, "iuf"), dtype=np.float64)
    _check_shape(name, arr, shape, label)
    if not np.all(np.isfinite(arr)):
        bad = np.argwhere(~np.isfinite(arr))[0]
        raise MotionFormatError(
            f"{name}: shape {arr.shape} has a non-finite value at index {tuple(int(i) for i in bad)}"
        )
    return _frozen(arr)


def phase_array(name: str, value: object, shape: tuple[int, ...], label: str) -> NDArray[np.float64]:
    """A float64 copy of ``value`` with exactly ``shape``, every value NaN or in [0, 1) (no infinity)."""
    arr = np.array(_numeric(name, value, "iuf"), dtype=np.float64)
    _check_shape(name, arr, shape, label)
    bad = np.flatnonzero(~np.isnan(arr) & ~((arr >= 0.0) & (arr < 1.0)))
    if bad.size:
        i = int(bad[0])
        raise MotionFormatError(f"{name}: {arr[i]} at index {i}, expected a phase in [0, 1) or NaN (standing)")
    return _frozen(arr)


def bool_array(name: str, value: object, shape: tuple[int, ...], label: str) -> NDArray[np.bool_]:
    """A bool copy of ``value`` (bool, or integers that are all 0 or 1)."""
    arr = _numeric(name, value, "biu")
    if arr.dtype.kind != "b" and not np.all((arr == 0) | (arr == 1)):
        raise MotionFormatError(f"{name}: dtype {arr.dtype} with values other than 0 and 1, expected bool")
    arr = np.array(arr, dtype=np.bool_)
    _check_shape(name, arr, shape, label)
    return _frozen(arr)


def side_array(name: str, value: object, shape: tuple[int, ...], label: str) -> NDArray[np.int8]:
    """An int8 copy of ``value`` whose entries are 0 (left) or 1 (right)."""
    arr = _numeric(name, value, "biu")
    if not np.all((arr == 0) | (arr == 1)):
        raise MotionFormatError(f"{name}: values {np.unique(arr).tolist()}, expected 0 (left) or 1 (right)")
    arr = np.array(arr, dtype=np.int8)
    _check_shape(name, arr, shape, label)
    return _frozen(arr)


def finite_float(name: str, value: object) -> float:
    """``value`` as a finite Python float."""
    arr = _numeric(name, value, "iuf")
    if arr.shape != ():
        raise MotionFormatError(f"{name}: shape {arr.shape}, expected a scalar")
    result = float(arr)
    if not np.isfinite(result):
        raise MotionFormatError(f"{name}: {result}, expected a finite number")
    return result


def count(name: str, value: object, minimum: int = 0) -> int:
    """``value`` as a Python int of at least ``minimum``."""
    arr = as_array(name, value)
    if arr.shape != () or arr.dtype.kind not in "iu":
        raise MotionFormatError(f"{name}: {value!r}, expected an integer >= {minimum}")
    result = int(arr)
    if result < minimum:
        raise MotionFormatError(f"{name}: {result}, expected an integer >= {minimum}")
    return result


def unit_quats(name: str, quats: NDArray[np.float64]) -> None:
    """Raise unless every quaternion along the last axis has norm 1 within tolerance."""
    norms = np.linalg.norm(quats, axis=-1)
    error = np.abs(norms - 1.0)
    if error.size and float(error.max()) > QUAT_NORM_TOLERANCE:
        index = int(np.argmax(error))
        raise MotionFormatError(
            f"{name}: shape {quats.shape}, row {index} has norm {float(norms.flat[index]):.9g}, "
            f"expected unit quaternions within {QUAT_NORM_TOLERANCE:g}"
        )


def continuous_quats(name: str, quats: NDArray[np.float64]) -> None:
    """Raise unless consecutive quaternions (axis 0) have a non-negative dot product."""
    flips = np.flatnonzero(np.sum(quats[1:] * quats[:-1], axis=-1) < 0.0)
    if flips.size:
        k = int(flips[0])
        raise MotionFormatError(
            f"{name}: shape {quats.shape}, the sign flips between rows {k} and {k + 1}, expected a "
            "sign-continuous sequence (apply motions.rotations.quat_make_continuous)"
        )
