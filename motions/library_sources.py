"""The clips a library source lists: a motion directory, an ``index.json``, a dataset YAML or one ``.npz``.

Used by :meth:`motions.MotionLibrary.load`. ``index.json`` is read with
:func:`motions.index.read_index` (JSON) and dataset YAML with ``yaml.safe_load``
semantics within the limits of :mod:`motions.safe_io`; nothing read can run
code, and no clip is loaded here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from motions.config import At, ListOf, Number, Section, Text, validate
from motions.errors import IndexFormatError, LibraryError
from motions.index import INDEX_NAME, read_index
from motions.safe_io import load_yaml, short

__all__ = ["DATASET_SCHEMA", "MAX_DATASET_BYTES", "Source", "read_sources"]


@dataclass(frozen=True)
class Source:
    """One clip a library source lists, with what the source says about it.

    Attributes:
        file: Path of the clip's ``.npz``.
        weight: Sampling weight, >= 0 (1.0 unless a dataset YAML gives one).
        robot: The index's robot, or None if the source does not say.
        preset: The index entry's preset, or None.
        validation: The index entry's validation status (``"pass"``, ...), or
            None if the clip has no validation record.
    """

    file: Path
    weight: float
    robot: str | None = None
    preset: str | None = None
    validation: str | None = None


def read_sources(path: Path) -> list[Source]:
    """The clips a directory, index, dataset YAML or single ``.npz`` lists, in source order.

    A directory is read through its ``index.json`` if it has one, else every
    ``*.npz`` in it (sorted by name).

    Raises:
        LibraryError: The path does not exist or has an unknown type, or the
            index or YAML is malformed.
    """
    if path.is_dir():
        if (path / INDEX_NAME).is_file():
            return _read_index(path / INDEX_NAME)
        return [Source(file=p, weight=1.0) for p in sorted(path.glob("*.npz"))]
    if not path.exists():
        raise LibraryError(f"{path}: no such file or directory")
    suffix = path.suffix.lower()
    if suffix == ".json":
        return _read_index(path)
    if suffix in (".yaml", ".yml"):
        return _read_dataset(path)
    if suffix == ".npz":
        return [Source(file=path, weight=1.0)]
    raise LibraryError(f"{path}: unknown source type '{suffix}', expected a directory, .json, .yaml/.yml or .npz")


def _read_index(path: Path) -> list[Source]:
    """The ``ok`` clips of an index (:func:`motions.index.read_index`), with their robot, preset and grade."""
    try:
        index = read_index(path)
    except IndexFormatError as exc:
        raise LibraryError(f"cannot read the index: {exc}") from exc
    return [
        Source(file=index.file_path(entry), weight=1.0, robot=index.robot, preset=entry.preset or None,
               validation=entry.validation.status if entry.validation is not None else None)
        for entry in index.ok_entries()
    ]


MAX_DATASET_BYTES = 2 << 20
"""Largest dataset YAML read (2 MiB, about 50 000 clips; parsing takes about 100 MB and 5 s per MiB).
Larger libraries are read through their ``index.json``."""


DATASET_SCHEMA = Section({
    "motions": ListOf(Section({"file": Text(), "weight": Number(lo=0.0, default=1.0, doc="sampling weight")},
                              open=True), what="clips {file: <clip>.npz, weight: <number>}"),
}, open=True)
"""A dataset YAML (MimicKit's layout); other keys, of the file and of each clip, are ignored."""


def _read_dataset(path: Path) -> list[Source]:
    """The clips a dataset YAML lists (:data:`DATASET_SCHEMA`), paths relative to the YAML."""
    doc = validate(load_yaml(path, error=LibraryError, max_bytes=MAX_DATASET_BYTES, what="dataset YAML"),
                   DATASET_SCHEMA, where=path, error=LibraryError)
    sources = []
    for i, entry in enumerate(doc["motions"]):
        file = Path(entry["file"])
        if file.suffix.lower() == ".pkl":
            raise At(str(path), f"motions[{i}].file", LibraryError).fail(
                f"{short(entry['file'])} is a pickle (MimicKit .pkl); list the .npz motion files instead "
                "(pickles are never loaded)")
        sources.append(Source(file=file if file.is_absolute() else path.parent / file, weight=entry["weight"]))
    return sources
