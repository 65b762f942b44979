"""Which motion files a retarget run reads: one file, a directory, or an ``index.json``."""

from __future__ import annotations

from pathlib import Path

from motions.console import plural
from motions.errors import MotionFormatError
from motions.index import INDEX_NAME, read_index

__all__ = ["collect_sources"]


def collect_sources(path: str | Path) -> tuple[list[Path], list[str]]:
    """List the motions under ``path``.

    Args:
        path: A motion ``.npz``; a directory (its ``index.json`` if present,
            else every ``*.npz`` in it, sorted by name); or an ``index.json``.

    Returns:
        ``(sources, excluded)``: the files to read, in a stable order, and a
        human-readable line per index entry left out (status not ``"ok"``, or
        validation status ``"fail"``), plus one line counting the commands the
        generator skipped (listed in ``skipped.csv``, never one line each).

    Raises:
        MotionFormatError: ``path`` does not exist, the index cannot be read
            (:func:`motions.index.read_index`), a listed file is missing, or
            there is no motion at all.
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


def _from_index(path: Path) -> tuple[list[Path], list[str]]:
    index = read_index(path)
    sources: list[Path] = []
    excluded: list[str] = []
    for entry in index.entries:
        if entry.status != "ok":
            excluded.append(f"{entry.file}: status '{entry.status}' ({entry.reason})")
            continue
        if entry.validation is not None and entry.validation.status == "fail":
            excluded.append(f"{entry.file}: validation failed")
            continue
        file = index.file_path(entry)
        if not file.is_file():
            raise MotionFormatError(f"{path}: entry {entry.id} lists {entry.file}, which does not exist")
        sources.append(file)
    if index.skipped.count:
        excluded.append(f"{index.skipped.file}: {plural(index.skipped.count, 'command')} skipped by the generator "
                        "(beyond the preset's step limits; no motion)")
    if not sources:
        raise MotionFormatError(f"{path}: no usable motion ({len(excluded)} excluded)")
    return sources, excluded
