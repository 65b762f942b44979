"""``index.json`` as JSON: the one reader (with its checks and the version 1 and 2 migrations) and the serialiser."""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from motions.errors import IndexFormatError, MotionFormatError
from motions.index.entries import (
    ENTRY_STATUSES,
    INDEX_FORMAT,
    INDEX_NAME,
    INDEX_VERSION,
    MAX_INDEX_BYTES,
    READABLE_VERSIONS,
    SKIP_CLASSES,
    VALIDATION_STATUSES,
    MotionEntry,
    MotionIndex,
    SkippedCommand,
    SkippedSummary,
    Validation,
)
from motions.motion import Achieved, Command
from motions.safe_io import load_json

__all__ = [
    "entry_to_json",
    "index_file",
    "iter_index_json",
    "parse_index",
    "read_index",
    "skipped_to_json",
    "validation_to_json",
]

_SHA256 = re.compile(r"[0-9a-f]{64}")
_ENTRY_KEYS = ("id", "file", "preset", "command", "achieved", "status", "reason", "sha256", "validation")
_VALIDATION_KEYS = ("status", "reasons", "failed_checks", "validator_version", "sha256", "open_loop_survived",
                    "open_loop_drift_m", "open_loop_yaw_drift_deg", "zmp_margin_min_m")
_METRICS = ("open_loop_drift_m", "open_loop_yaw_drift_deg", "zmp_margin_min_m")
_TOP_KEYS = ("format", "version", "robot", "motions", "skipped")
_SKIPPED_KEYS = ("count", "file", "presets")
_SKIP_CLASSES = (*SKIP_CLASSES, "other")
_REASON_CLASS = re.compile(r"command (dx|dy|dtheta)=")  # versions 1-2: str(CommandError) of Preset.check_command


def index_file(path: str | os.PathLike[str]) -> Path:
    """The index file of ``path``: ``path/index.json`` for a folder, else ``path`` itself."""
    path = Path(path)
    return path / INDEX_NAME if path.is_dir() else path


def read_index(path: str | os.PathLike[str]) -> MotionIndex:
    """Read and check an index (plain JSON; never runs code). Every tool reads indexes through this.

    Args:
        path: A motion folder or its index file.

    Returns:
        The index, migrated to the current version, entries in file order.

    Raises:
        IndexFormatError: Missing, unreadable, beyond the limits of
            :func:`motions.safe_io.load_json` (:data:`~motions.index.MAX_INDEX_BYTES`,
            nesting, integer length),
            not JSON, of an unknown or newer version, or an entry with a wrong
            or missing key (names the file, the entry and the key).
    """
    path = index_file(path)
    if not path.is_file():
        raise IndexFormatError(f"{path}: no such index file")
    return parse_index(load_json(path, error=IndexFormatError, max_bytes=MAX_INDEX_BYTES, what="motion index"), path)


def _show(value: Any) -> str:
    """A short description of a rejected value (containers by type, scalars truncated)."""
    if isinstance(value, (dict, list)):
        return f"a JSON {'object' if isinstance(value, dict) else 'array'}"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise IndexFormatError(f"{where} is {_show(value)}, expected a finite number")
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise IndexFormatError(f"{where} is {_show(value)}, expected a finite number")
    return number


def _optional_number(value: Any, where: str) -> float | None:
    return None if value is None else _number(value, where)


def _integer(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or abs(value) >= 2**63:
        raise IndexFormatError(f"{where} is {_show(value)}, expected an integer")
    return value


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise IndexFormatError(f"{where} is {_show(value)}, expected a string")
    return value


def _texts(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise IndexFormatError(f"{where} is {_show(value)}, expected a list of strings")
    return tuple(value)


def _choice(value: Any, where: str, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise IndexFormatError(f"{where} is {_show(value)}, expected one of {list(choices)}")
    return value


def _digest(value: Any, where: str) -> str | None:
    if value is not None and not (isinstance(value, str) and _SHA256.fullmatch(value)):
        raise IndexFormatError(f"{where} is {_show(value)}, expected null or 64 lowercase hex digits (SHA-256)")
    return value


def _object(value: Any, where: str, keys: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise IndexFormatError(f"{where} is {_show(value)}, expected an object with keys {list(keys)}")
    missing = [k for k in keys if k not in value]
    if missing:
        raise IndexFormatError(f"{where}: key '{missing[0]}' is missing (expected keys {list(keys)})")
    return value


def _file_name(value: Any, where: str) -> str:
    name = _text(value, where)
    if not name or name in (".", "..") or "/" in name or "\\" in name or "\0" in name or len(name) > 255:
        raise IndexFormatError(f"{where} is {_show(name)}, expected a plain file name in the index's folder "
                               "(no directories: an index never points outside its folder)")
    return name


def _validation(doc: Any, where: str) -> Validation:
    doc = _object(doc, where, ("status",))
    survived = doc.get("open_loop_survived")
    if survived is not None and not isinstance(survived, bool):
        raise IndexFormatError(f"{where}.open_loop_survived is {_show(survived)}, expected true, false or null")
    version = doc.get("validator_version")
    return Validation(
        status=_choice(doc["status"], f"{where}.status", VALIDATION_STATUSES),
        reasons=_texts(doc.get("reasons", []), f"{where}.reasons"),
        failed_checks=_texts(doc.get("failed_checks", []), f"{where}.failed_checks"),
        validator_version=None if version is None else _integer(version, f"{where}.validator_version"),
        sha256=_digest(doc.get("sha256"), f"{where}.sha256"),
        open_loop_survived=survived,
        **{k: _optional_number(doc.get(k), f"{where}.{k}") for k in _METRICS},
        extra={k: v for k, v in doc.items() if k not in _VALIDATION_KEYS},
    )


def _entry(doc: Any, where: str, version: int) -> MotionEntry:
    required = ("id", "file", "command", "status") if version >= 2 else ("id", "file", "command")
    doc = _object(doc, where, required)
    command = _object(doc["command"], f"{where}.command", ("dx", "dy", "dtheta"))
    achieved = doc.get("achieved")
    if achieved is not None:
        achieved = _object(achieved, f"{where}.achieved", ("vx", "vy", "yaw_rate"))
        achieved = Achieved(**{k: _number(achieved[k], f"{where}.achieved.{k}") for k in ("vx", "vy", "yaw_rate")})
    statuses = ENTRY_STATUSES if version >= 3 else (*ENTRY_STATUSES, "skipped")  # migrated by parse_index
    status = _choice(doc.get("status", "ok"), f"{where}.status", statuses)
    validation = doc.get("validation")
    return MotionEntry(
        id=_integer(doc["id"], f"{where}.id"),
        file=_file_name(doc["file"], f"{where}.file"),
        preset=_text(doc.get("preset", ""), f"{where}.preset"),
        command=Command(**{k: _number(command[k], f"{where}.command.{k}") for k in ("dx", "dy", "dtheta")}),
        achieved=achieved,
        status=status,
        reason=_text(doc.get("reason", ""), f"{where}.reason"),
        sha256=_digest(doc.get("sha256"), f"{where}.sha256"),
        validation=None if validation is None else _validation(validation, f"{where}.validation"),
        extra={k: v for k, v in doc.items() if k not in _ENTRY_KEYS},
    )


def _skipped(doc: Any, where: str) -> SkippedSummary:
    """The ``skipped`` summary of a version 3 index."""
    doc = _object(doc, where, _SKIPPED_KEYS)
    file = None if doc["file"] is None else _file_name(doc["file"], f"{where}.file")
    presets = doc["presets"]
    if not isinstance(presets, dict):
        raise IndexFormatError(f"{where}.presets is {_show(presets)}, expected an object of counts per preset")
    counts: dict[str, dict[str, int]] = {}
    for preset, by_class in presets.items():
        if not isinstance(by_class, dict):
            raise IndexFormatError(f"{where}.presets.{_show(preset)} is {_show(by_class)}, expected an object of "
                                   f"counts per reason {list(_SKIP_CLASSES)}")
        counts[preset] = {}
        for key, n in by_class.items():
            _choice(key, f"{where}.presets.{_show(preset)} key", _SKIP_CLASSES)
            counts[preset][key] = _integer(n, f"{where}.presets.{_show(preset)}.{key}")
            if n < 0:
                raise IndexFormatError(f"{where}.presets.{_show(preset)}.{key} is {n}, expected a count >= 0")
    summary = SkippedSummary(counts=counts, file=file)
    if _integer(doc["count"], f"{where}.count") != summary.count:
        raise IndexFormatError(f"{where}.count is {doc['count']}, but the presets' counts add up to {summary.count}")
    if summary.count and file is None:
        raise IndexFormatError(f"{where}.file is null, but {summary.count} commands are counted")
    return summary


def _migrate_skipped(entries: list[MotionEntry]) -> tuple[list[MotionEntry], SkippedSummary]:
    """Versions 1 and 2 listed skipped commands as entries: split them off into a summary with their rows."""
    rows = sorted((SkippedCommand(e.id, e.preset, e.command.dx, e.command.dy, e.command.dtheta, e.reason)
                   for e in entries if e.status == "skipped"), key=lambda r: (r.id, r.preset))
    counts: dict[str, dict[str, int]] = {}
    for row in rows:
        match = _REASON_CLASS.search(row.reason)
        key = match.group(1) if match else "other"
        counts.setdefault(row.preset, {}).setdefault(key, 0)
        counts[row.preset][key] += 1
    listed = [e for e in entries if e.status != "skipped"]
    return listed, SkippedSummary(counts=counts, file=None, rows=tuple(rows))


def parse_index(doc: Any, path: Path) -> MotionIndex:
    """Check a decoded index document and migrate it to :data:`INDEX_VERSION`.

    Version 1 (no digests, ``status`` optional and ``"ok"`` by default) reads
    as version 2 with every ``sha256`` unknown (None). Versions 1 and 2 list
    skipped commands as entries; they are moved to the ``skipped`` summary
    (with their rows, which the next writer puts in ``skipped.csv``).

    Raises:
        IndexFormatError: As for :func:`read_index`.
    """
    if not isinstance(doc, dict):
        raise IndexFormatError(f"{path}: the index is {_show(doc)}, expected an object with 'version', 'robot' "
                               "and a 'motions' list")
    if doc.get("format", INDEX_FORMAT) != INDEX_FORMAT:
        raise IndexFormatError(f"{path}: key 'format' is {_show(doc['format'])}, expected '{INDEX_FORMAT}'")
    if "version" not in doc:
        raise IndexFormatError(f"{path}: key 'version' is missing; this reader reads index versions "
                               f"{list(READABLE_VERSIONS)}")
    version = doc["version"]
    if isinstance(version, int) and not isinstance(version, bool) and version > INDEX_VERSION:
        raise IndexFormatError(f"{path}: index version {version} is newer than this reader (versions "
                               f"{list(READABLE_VERSIONS)}); upgrade gait_generator to read it")
    if version not in READABLE_VERSIONS or isinstance(version, bool):
        raise IndexFormatError(f"{path}: key 'version' is {_show(version)}, expected one of {list(READABLE_VERSIONS)}")
    robot = doc.get("robot")
    if not isinstance(robot, str) or not robot:
        raise IndexFormatError(f"{path}: key 'robot' is {_show(robot)}, expected the robot's name")
    motions = doc.get("motions")
    if not isinstance(motions, list):
        raise IndexFormatError(f"{path}: key 'motions' is {_show(motions)}, expected a list of entries")
    entries: list[MotionEntry] = []
    seen: dict[str, int] = {}
    for i, item in enumerate(motions):
        where = f"motions[{i}]"
        try:
            entry = _entry(item, where, version)
        except IndexFormatError as exc:
            raise IndexFormatError(f"{path}: {exc}") from exc
        except MotionFormatError as exc:  # Command/Achieved checks
            raise IndexFormatError(f"{path}: {where}: {exc}") from exc
        if entry.file in seen:
            raise IndexFormatError(f"{path}: {where}.file '{entry.file}' is listed twice "
                                   f"(also motions[{seen[entry.file]}])")
        seen[entry.file] = i
        entries.append(entry)
    if version >= 3:
        try:
            skipped = _skipped(doc.get("skipped"), "skipped")
        except IndexFormatError as exc:
            raise IndexFormatError(f"{path}: {exc}") from exc
    else:
        entries, skipped = _migrate_skipped(entries)
    extra = {k: v for k, v in doc.items() if k not in _TOP_KEYS}
    entries.sort(key=lambda e: (e.id, e.file))
    return MotionIndex(path=path, robot=robot, entries=tuple(entries), version=version, extra=extra, skipped=skipped)


def validation_to_json(grade: Validation) -> dict[str, Any]:
    """The JSON object of a grade (every known key; unknown ones kept)."""
    return {**grade.extra, "status": grade.status, "reasons": list(grade.reasons),
            "failed_checks": list(grade.failed_checks), "validator_version": grade.validator_version,
            "sha256": grade.sha256, "open_loop_survived": grade.open_loop_survived,
            **{k: getattr(grade, k) for k in _METRICS}}


def entry_to_json(entry: MotionEntry) -> dict[str, Any]:
    """The JSON object of an entry (``validation`` only when graded; unknown keys kept)."""
    c, a = entry.command, entry.achieved
    doc: dict[str, Any] = {
        **entry.extra,
        "id": entry.id,
        "file": entry.file,
        "preset": entry.preset,
        "command": {"dx": c.dx, "dy": c.dy, "dtheta": c.dtheta},
        "achieved": None if a is None else {"vx": a.vx, "vy": a.vy, "yaw_rate": a.yaw_rate},
        "status": entry.status,
        "reason": entry.reason,
        "sha256": entry.sha256,
    }
    if entry.validation is not None:
        doc["validation"] = validation_to_json(entry.validation)
    return doc


def skipped_to_json(summary: SkippedSummary) -> dict[str, Any]:
    """The JSON object of a skipped-command summary (its rows, if any, go to ``skipped.csv``, not here)."""
    return {"count": summary.count, "file": summary.file,
            "presets": {p: dict(sorted(c.items())) for p, c in sorted(summary.counts.items())}}


def iter_index_json(index: MotionIndex) -> Iterator[str]:
    """The file text of an index at :data:`INDEX_VERSION`, in pieces (one per top-level key and per entry).

    Top-level keys sorted, one per line; ``motions`` one entry per line,
    sorted by (id, file), keys sorted, floats as ``repr``: the same index
    gives the same bytes, and a large one is never built as one string.
    """
    top: dict[str, Any] = {**index.extra, "format": INDEX_FORMAT, "version": INDEX_VERSION, "robot": index.robot,
                           "skipped": skipped_to_json(index.skipped), "motions": None}
    yield "{"
    for k, key in enumerate(sorted(top)):
        yield ("\n " if k == 0 else ",\n ") + json.dumps(key) + ": "
        if key != "motions":
            yield json.dumps(top[key], sort_keys=True)
            continue
        entries = sorted(index.entries, key=lambda e: (e.id, e.file))
        yield "[" if entries else "[]"
        for i, entry in enumerate(entries):
            yield ("\n  " if i == 0 else ",\n  ") + json.dumps(entry_to_json(entry), sort_keys=True)
        if entries:
            yield "\n ]"
    yield "\n}\n"
