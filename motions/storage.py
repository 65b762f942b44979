"""The motion file format: one uncompressed, byte-deterministic ``.npz`` per clip.

Each Motion field is one ``.npy`` member of a zip archive, plus
``format_version``, ``quat_order`` and ``meta`` (a JSON string). Members are
written in a fixed order, uncompressed (``ZIP_STORED``), with a fixed timestamp
and attributes, so saving the same Motion twice gives byte-identical files on
any machine (the members are :func:`motions.motion.file_arrays`, the archive
bytes :func:`motions.npz_write.npz_bytes`). Files are written atomically and read with
``np.load(path, allow_pickle=False)`` only. The full specification is
``docs/motion_format.md``.
"""

from __future__ import annotations

import os
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np

from motions.atomic import atomic_write_bytes
from motions.errors import MotionFormatError
from motions.loop import Loop
from motions.motion import (
    ACCELERATION_FIELDS,
    ARRAY_FIELDS,
    FORMAT_VERSION,
    LABEL_FIELDS,
    QUAT_ORDER,
    Achieved,
    Command,
    Footsteps,
    Motion,
    file_arrays,
)
from motions.npz_check import check_npz
from motions.npz_write import npz_bytes
from motions.safe_io import loads_json, short

__all__ = ["FORMAT_VERSION", "load", "save"]

# Errors np.load and NpzFile raise on missing, truncated or corrupt files
# (zipfile raises NotImplementedError / RuntimeError for garbled header flags).
_READ_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    ValueError,
    OSError,
    EOFError,
    KeyError,
    NotImplementedError,
    RuntimeError,
)


def _dtype_rule(kind: str, itemsize: int | None, text: str) -> tuple[Callable[[np.dtype], bool], str]:
    return (lambda d: d.kind in kind and (itemsize is None or d.itemsize == itemsize)), text


_F64 = _dtype_rule("f", 8, "float64")
_BOOL = _dtype_rule("b", 1, "bool")
_INT8 = _dtype_rule("i", 1, "int8")
_INT = _dtype_rule("iu", None, "an integer type")
_STR = _dtype_rule("U", None, "a unicode string (numpy '<U')")

# key -> (dtype rule, ndim). Shapes are checked by the Motion constructor.
_KEYS: dict[str, tuple[tuple[Callable[[np.dtype], bool], str], int]] = {
    "format_version": (_INT, 0),
    "quat_order": (_STR, 0),
    "fps": (_F64, 0),
    "joint_names": (_STR, 1),
    "root_pos": (_F64, 2),
    "root_quat": (_F64, 2),
    "joint_pos": (_F64, 2),
    "joint_vel": (_F64, 2),
    "root_lin_vel": (_F64, 2),
    "root_ang_vel": (_F64, 2),
    "left_foot_pos": (_F64, 2),
    "right_foot_pos": (_F64, 2),
    "contacts": (_BOOL, 2),
    "com_pos": (_F64, 2),
    "zmp": (_F64, 2),
    "footsteps_side": (_INT8, 1),
    "footsteps_pos": (_F64, 2),
    "footsteps_yaw": (_F64, 1),
    "footsteps_t_start": (_F64, 1),
    "footsteps_t_end": (_F64, 1),
    "command_dx": (_F64, 0),
    "command_dy": (_F64, 0),
    "command_dtheta": (_F64, 0),
    "achieved_vx": (_F64, 0),
    "achieved_vy": (_F64, 0),
    "achieved_yaw_rate": (_F64, 0),
    "loop_looping": (_BOOL, 0),
    "loop_cycle_frames": (_INT, 0),
    "loop_num_cycles": (_INT, 0),
    "loop_cycle_offset_pos": (_F64, 1),
    "loop_cycle_offset_yaw": (_F64, 0),
    "meta": (_STR, 0),
}
# Optional keys: written when the Motion has them, read when the file has them.
_OPTIONAL_KEYS = {**{name: (_F64, 2) for name in ACCELERATION_FIELDS}, "command_per_frame": (_F64, 2),
                  "gait_phase": (_F64, 1)}

def to_bytes(motion: Motion) -> bytes:
    """The complete file contents for ``motion`` (deterministic).

    Args:
        motion: The clip to encode.

    Returns:
        The bytes of an uncompressed ``.npz`` archive, as :func:`save` writes them.
    """
    return npz_bytes(file_arrays(motion))


def save(motion: Motion, path: str | os.PathLike[str]) -> Path:
    """Write ``motion`` to ``path`` atomically (the name is used as given).

    Args:
        motion: The clip to save.
        path: Destination file, conventionally ending in ``.npz``. Its
            directory must exist.

    Returns:
        ``path`` as a :class:`~pathlib.Path`.

    Raises:
        OutputError: If ``path`` cannot be written; nothing is left behind and
            an existing file at ``path`` is kept intact.
    """
    return atomic_write_bytes(path, to_bytes(motion))


def _read(path: Path) -> dict[str, np.ndarray]:
    """Every required key of the archive at ``path``, dtype- and ndim-checked."""
    try:
        with open(path, "rb") as handle:
            magic = handle.read(6)
    except OSError as exc:
        raise MotionFormatError(f"{path}: cannot read as a motion .npz ({exc.strerror or exc})") from exc
    if magic == b"\x93NUMPY":
        raise MotionFormatError(f"{path}: a single .npy array, expected a motion .npz archive")
    if magic[:4] != b"PK\x03\x04":
        # np.load would take any other bytes for a pickle and suggest loading it unsafely.
        raise MotionFormatError(f"{path}: not a motion .npz archive (no zip header; truncated, corrupt or another format)")
    check_npz(path, MotionFormatError)  # sizes from the headers, before any array is read
    try:
        archive = np.load(path, allow_pickle=False)
    except _READ_ERRORS as exc:
        raise MotionFormatError(f"{path}: cannot read as a motion .npz ({type(exc).__name__}: {exc})") from exc
    with archive:
        if "format_version" in archive.files:
            version = _read_key(path, archive, "format_version")
            if int(version) != FORMAT_VERSION:
                raise MotionFormatError(
                    f"{path}: key 'format_version' is {int(version)}, this reader supports {FORMAT_VERSION}"
                )
        missing = [key for key in _KEYS if key not in archive.files]
        if missing:
            raise MotionFormatError(f"{path}: key {missing[0]!r} is missing (all missing: {missing})")
        keys = [*_KEYS, *(key for key in _OPTIONAL_KEYS if key in archive.files)]
        return {key: _read_key(path, archive, key) for key in keys}


def _read_key(path: Path, archive: np.lib.npyio.NpzFile, key: str) -> np.ndarray:
    """One member of the archive, dtype- and ndim-checked."""
    (accepts, dtype_text), ndim = _KEYS[key] if key in _KEYS else _OPTIONAL_KEYS[key]
    try:
        value = archive[key]
    except _READ_ERRORS as exc:
        raise MotionFormatError(f"{path}: key {key!r} cannot be read ({type(exc).__name__}: {exc})") from exc
    if not accepts(value.dtype):
        raise MotionFormatError(f"{path}: key {key!r} has dtype {value.dtype}, expected {dtype_text}")
    if value.ndim != ndim:
        raise MotionFormatError(f"{path}: key {key!r} has shape {value.shape}, expected {ndim} dimensions")
    return value


def load(path: str | os.PathLike[str]) -> Motion:
    """Read and validate a motion file.

    Args:
        path: A file written by :func:`save` (format version ``FORMAT_VERSION``).

    Returns:
        The validated Motion.

    Raises:
        MotionFormatError: If the file is missing, truncated, corrupt, of another
            format version, lacks a key, or holds a key of the wrong dtype or
            shape. The message names the file and the key.
    """
    path = Path(path)
    a = _read(path)
    if str(a["quat_order"]) != QUAT_ORDER:
        raise MotionFormatError(f"{path}: key 'quat_order' is {short(str(a['quat_order']))}, expected {QUAT_ORDER!r}")
    meta = loads_json(str(a["meta"]), source=f"{path}: key 'meta'", error=MotionFormatError)
    if isinstance(meta, dict) and not isinstance(meta.get("robot", ""), str):  # every tool looks robots up by it
        raise MotionFormatError(f"{path}: key 'meta': 'robot' is {short(meta['robot'])}, expected a robot name")
    try:
        return Motion(
            fps=a["fps"],
            joint_names=tuple(str(name) for name in a["joint_names"]),
            **{name: a[name] for name in ARRAY_FIELDS},
            footsteps=Footsteps(
                side=a["footsteps_side"],
                pos=a["footsteps_pos"],
                yaw=a["footsteps_yaw"],
                t_start=a["footsteps_t_start"],
                t_end=a["footsteps_t_end"],
            ),
            command=Command(dx=a["command_dx"], dy=a["command_dy"], dtheta=a["command_dtheta"]),
            achieved=Achieved(vx=a["achieved_vx"], vy=a["achieved_vy"], yaw_rate=a["achieved_yaw_rate"]),
            loop=Loop(
                looping=bool(a["loop_looping"]),
                cycle_frames=a["loop_cycle_frames"],
                num_cycles=a["loop_num_cycles"],
                cycle_offset_pos=a["loop_cycle_offset_pos"],
                cycle_offset_yaw=a["loop_cycle_offset_yaw"],
            ),
            meta=meta,
            **{name: a.get(name) for name in (*ACCELERATION_FIELDS, *LABEL_FIELDS)},
        )
    except MotionFormatError as exc:
        raise MotionFormatError(f"{path}: {exc}") from exc
