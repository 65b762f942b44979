"""The motion file format: one uncompressed, byte-deterministic ``.npz`` per clip.

Each Motion field is one ``.npy`` member of a zip archive, plus
``format_version``, ``quat_order`` and ``meta`` (a JSON string). Members are
written in a fixed order, uncompressed (``ZIP_STORED``), with a fixed timestamp
and attributes, so saving the same Motion twice gives byte-identical files on
any machine. Files are written atomically and read with
``np.load(path, allow_pickle=False)`` only. The full specification is
``docs/motion_format.md``.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from gait_generator.errors import MotionFormatError
from motions.atomic import atomic_write_bytes
from motions.loop import Loop
from motions.npz_check import check_npz
from motions.safe_io import loads_json, short
from motions.motion import ACCELERATION_FIELDS, QUAT_ORDER, Achieved, Command, Footsteps, Motion

__all__ = ["FORMAT_VERSION", "save", "load"]

FORMAT_VERSION = 1
"""Version written to, and the only version accepted from, the ``format_version`` key."""

# Every zip member gets this timestamp (the earliest a zip header can hold).
_ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)

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
_OPTIONAL_KEYS = {name: (_F64, 2) for name in ACCELERATION_FIELDS}

_ARRAY_FIELDS = (
    "root_pos",
    "root_quat",
    "joint_pos",
    "joint_vel",
    "root_lin_vel",
    "root_ang_vel",
    "left_foot_pos",
    "right_foot_pos",
    "contacts",
    "com_pos",
    "zmp",
)


def _to_arrays(motion: Motion) -> dict[str, np.ndarray]:
    """Every key of the file, in ``_KEYS`` order."""
    steps, loop = motion.footsteps, motion.loop
    arrays: dict[str, Any] = {
        "format_version": np.int64(FORMAT_VERSION),
        "quat_order": np.str_(QUAT_ORDER),
        "fps": np.float64(motion.fps),
        "joint_names": np.array(motion.joint_names, dtype=np.str_),
        **{name: getattr(motion, name) for name in _ARRAY_FIELDS},
        "footsteps_side": steps.side,
        "footsteps_pos": steps.pos,
        "footsteps_yaw": steps.yaw,
        "footsteps_t_start": steps.t_start,
        "footsteps_t_end": steps.t_end,
        "command_dx": np.float64(motion.command.dx),
        "command_dy": np.float64(motion.command.dy),
        "command_dtheta": np.float64(motion.command.dtheta),
        "achieved_vx": np.float64(motion.achieved.vx),
        "achieved_vy": np.float64(motion.achieved.vy),
        "achieved_yaw_rate": np.float64(motion.achieved.yaw_rate),
        "loop_looping": np.bool_(loop.looping),
        "loop_cycle_frames": np.int64(loop.cycle_frames),
        "loop_num_cycles": np.int64(loop.num_cycles),
        "loop_cycle_offset_pos": loop.cycle_offset_pos,
        "loop_cycle_offset_yaw": np.float64(loop.cycle_offset_yaw),
        "meta": np.str_(json.dumps(motion.meta, sort_keys=True, allow_nan=False)),
    }
    if motion.has_accelerations:
        arrays.update({name: getattr(motion, name) for name in ACCELERATION_FIELDS})
    return {key: _little_endian(arrays[key]) for key in (*_KEYS, *_OPTIONAL_KEYS) if key in arrays}


def _little_endian(value: Any) -> np.ndarray:
    """A C-contiguous little-endian copy, so the bytes do not depend on the machine."""
    arr = np.asarray(value)
    return np.array(arr, dtype=arr.dtype.newbyteorder("<"), order="C")


def to_bytes(motion: Motion) -> bytes:
    """The complete file contents for ``motion`` (deterministic).

    Args:
        motion: The clip to encode.

    Returns:
        The bytes of an uncompressed ``.npz`` archive, as :func:`save` writes them.
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for key, array in _to_arrays(motion).items():
            member = io.BytesIO()
            np.lib.format.write_array(member, array, allow_pickle=False)
            info = zipfile.ZipInfo(f"{key}.npy", date_time=_ZIP_DATE_TIME)
            info.compress_type = zipfile.ZIP_STORED
            info.create_system = 3  # Unix, whatever the writing platform
            info.external_attr = 0o644 << 16
            archive.writestr(info, member.getvalue())
    return buffer.getvalue()


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
            **{name: a[name] for name in _ARRAY_FIELDS},
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
            **{name: a.get(name) for name in ACCELERATION_FIELDS},
        )
    except MotionFormatError as exc:
        raise MotionFormatError(f"{path}: {exc}") from exc
