"""Which motion files a retarget run reads: one file, a directory, or an ``index.json``."""

from __future__ import annotations

import json
from pathlib import Path

from gait_generator.errors import MotionFormatError
from gait_generator.index import INDEX_NAME

__all__ = ["collect_sources"]


def collect_sources(path: str | Path) -> tuple[list[Path], list[str]]:
    """List the motions under ``path``.

    Args:
        path: A motion ``.npz``; a directory (its ``index.json`` if present,
            else every ``*.npz`` in it, sorted by name); or an ``index.json``.

    Returns:
        ``(sources, excluded)``: the files to read, in a stable order, and a
        human-readable line per index entry left out (status not ``"ok"``, or
        ``validation.status == "fail"``).

    Raises:
        MotionFormatError: ``path`` does not exist, the index is not valid JSON,
            a listed file is missing, or there is no motion at all.
    """
    path = Path(path)
    if path.is_dir():
        index = path / INDEX_NAME
        if index.is_file():
            return _from_index(index)
        files = sorted(path.glob("*.npz"))
        if not files:
            raise MotionFormatError(f"{path}: no .npz motion files and no {INDEX_NAME}")
        return files, []
    if not path.exists():
        raise MotionFormatError(f"{path}: no such motion file, directory or index")
    if path.suffix == ".json":
        return _from_index(path)
    return [path], []


def _from_index(index: Path) -> tuple[list[Path], list[str]]:
    try:
        doc = json.loads(index.read_text())
        entries = doc["motions"]
        if not isinstance(entries, list):
            raise TypeError("'motions' is not a list")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise MotionFormatError(f"{index}: not a motion index ({exc})") from exc
    sources: list[Path] = []
    excluded: list[str] = []
    for entry in sorted(entries, key=lambda e: (e.get("id", 0), e.get("file", ""))):
        name = entry.get("file", "?")
        status = entry.get("status")
        validation = entry.get("validation")
        if status != "ok":
            excluded.append(f"{name}: status {status!r} ({entry.get('reason', '')})")
            continue
        if isinstance(validation, dict) and validation.get("status") == "fail":
            excluded.append(f"{name}: validation failed")
            continue
        file = index.parent / name
        if not file.is_file():
            raise MotionFormatError(f"{index}: entry {entry.get('id')} lists {name}, which does not exist")
        sources.append(file)
    if not sources:
        raise MotionFormatError(f"{index}: no usable motion ({len(excluded)} excluded)")
    return sources, excluded
