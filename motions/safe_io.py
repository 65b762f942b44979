"""Bounded readers for the files users hand us, and bounded text for error messages.

Every YAML and JSON file a tool reads (presets, robot specs, mapping tables,
thresholds, dataset lists, ``index.json``, the ``meta`` of a motion file) goes
through :func:`load_yaml` or :func:`load_json`, which never run code and refuse,
with one error naming the file (and, for YAML, the key path), input that would
take unbounded time or memory:

- files larger than a size limit (read with one bounded ``read``);
- bytes that are not UTF-8;
- nesting deeper than :data:`MAX_DEPTH` (Python would hit its recursion limit);
- YAML aliases beyond :data:`MAX_YAML_ALIASES`, recursive aliases, or aliases
  whose expansion exceeds :data:`MAX_YAML_NODES` nodes (the "billion laughs");
- integers longer than :data:`MAX_INT_DIGITS` digits (``float()`` would overflow).

Error messages that echo a value the user wrote use :func:`short`, a repr cut to
:data:`REPR_LIMIT` characters that never expands more of the value than it shows.
The limits are documented in ``docs/motion_format.md`` ("Limits on input files").
"""

from __future__ import annotations

import json
import os
import re
import reprlib
from pathlib import Path
from typing import Any

import yaml

__all__ = [
    "MAX_DEPTH",
    "MAX_INT_DIGITS",
    "MAX_JSON_BYTES",
    "MAX_YAML_ALIASES",
    "MAX_YAML_BYTES",
    "MAX_YAML_NODES",
    "REPR_LIMIT",
    "json_depth",
    "load_json",
    "load_yaml",
    "loads_json",
    "loads_yaml",
    "read_text",
    "short",
]

REPR_LIMIT = 80
"""Most characters of a user value echoed in an error message."""

MAX_YAML_BYTES = 1 << 20
"""Largest YAML file read (1 MiB): presets, specs, tables and thresholds are a few KiB."""

MAX_JSON_BYTES = 64 << 20
"""Largest JSON file read by default (64 MiB, an index of about 10^5 graded motions)."""

MAX_DEPTH = 32
"""Deepest nesting of mappings and lists accepted in YAML and JSON (our files use at most 5)."""

MAX_YAML_ALIASES = 64
"""Most ``*alias`` references in one YAML file (our files use none)."""

MAX_YAML_NODES = 1_000_000
"""Most nodes of a YAML document once every alias is expanded."""

MAX_INT_DIGITS = 20
"""Longest integer accepted (digits), enough for any 64-bit value."""

_INT_TAG = "tag:yaml.org,2002:int"

_REPR = reprlib.Repr()
_REPR.maxlevel = 3
_REPR.maxstring = REPR_LIMIT
_REPR.maxother = REPR_LIMIT
_REPR.maxlong = 40
for _name in ("maxlist", "maxtuple", "maxdict", "maxset", "maxfrozenset", "maxdeque", "maxarray"):
    setattr(_REPR, _name, 6)


def short(value: Any, limit: int = REPR_LIMIT) -> str:
    """A repr of ``value`` of at most ``limit`` characters, for error messages.

    Containers are shown to a depth of 3 and 6 items per level (``reprlib``), so
    the cost is bounded even for a value built from nested YAML aliases.

    Args:
        value: Anything, typically a value read from a user file.
        limit: Most characters returned.

    Returns:
        The repr, cut with ``...`` when longer than ``limit``.
    """
    try:
        text = _REPR.repr(value)
    except Exception:  # noqa: BLE001  a broken __repr__ of a foreign object must not hide the real error
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: max(0, limit - 3)] + "..."


def _clip(text: str, limit: int = 400) -> str:
    """``text`` cut to ``limit`` characters (for messages of parser exceptions)."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def read_text(path: str | os.PathLike[str], *, error: type[Exception], max_bytes: int, what: str = "file") -> str:
    """The UTF-8 text of ``path``, reading at most ``max_bytes + 1`` bytes.

    Args:
        path: The file.
        error: Exception class raised on failure (the caller's typed error).
        max_bytes: Largest accepted size.
        what: What the file is, for messages ("preset file", ...).

    Returns:
        The text (a UTF-8 byte-order mark is dropped).

    Raises:
        error: Unreadable, larger than ``max_bytes``, or not UTF-8; the message
            names the file (and the line of an invalid byte).
    """
    path = Path(path)
    try:
        with open(path, "rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        raise error(f"{path}: cannot read {what} ({exc.strerror or exc})") from None
    if len(data) > max_bytes:
        raise error(f"{path}: {what} is larger than the limit of {max_bytes} bytes")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise error(f"{path}:{line}: {what} is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset "
                    f"{exc.start})") from None


class _Refused(Exception):
    """Raised inside the bounded loader; turned into the caller's error with the file name."""


class _BoundedLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` whose composer counts depth, aliases and expanded nodes."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self._depth = 0
        self._aliases = 0
        self._expanded = 0
        self._weights: dict[int, int] = {}
        self._trail: list[tuple[Any, Any]] = []

    def _where(self) -> str:
        parts = []
        for parent, index in self._trail[1:]:
            if isinstance(parent, yaml.SequenceNode):
                parts.append(f"[{index}]")
            elif isinstance(index, yaml.ScalarNode):
                parts.append(("." if parts else "") + short(index.value, 40).strip("'\""))
            else:
                parts.append(("." if parts else "") + "<key>")
        return f"key '{''.join(parts)}'" if parts else "top level"

    def _refuse(self, message: str, mark: Any) -> _Refused:
        line = f" (line {mark.line + 1})" if mark is not None else ""
        return _Refused(f"{self._where()}{line}: {message}")

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark
            self._aliases += 1
            if self._aliases > MAX_YAML_ALIASES:
                raise self._refuse(f"more than {MAX_YAML_ALIASES} aliases (*name); write the values out", mark)
            node = super().compose_node(parent, index)
            weight = self._weights.get(id(node))
            if weight is None:
                raise self._refuse("an alias refers to a node that contains it (recursive alias)", mark)
            self._add(weight, mark)
            return node
        event = self.peek_event()
        self._trail.append((parent, index))
        if len(self._trail) > MAX_DEPTH:
            raise self._refuse(f"nested deeper than {MAX_DEPTH} levels", event.start_mark)
        before = self._expanded
        node = super().compose_node(parent, index)
        self._trail.pop()
        self._add(1, event.start_mark)
        if event.anchor is not None:
            self._weights[id(node)] = self._expanded - before
        if isinstance(node, yaml.ScalarNode) and node.tag == _INT_TAG:
            digits = sum(c.isdigit() for c in node.value)
            if digits > MAX_INT_DIGITS:
                self._trail.append((parent, index))
                raise self._refuse(f"an integer of {digits} digits, at most {MAX_INT_DIGITS} are accepted",
                                   event.start_mark)
        return node

    def _add(self, weight: int, mark: Any) -> None:
        self._expanded += weight
        if self._expanded > MAX_YAML_NODES:
            raise self._refuse(f"more than {MAX_YAML_NODES} values once aliases are expanded", mark)


def loads_yaml(text: str, *, source: str | os.PathLike[str], error: type[Exception]) -> Any:
    """Parse YAML text with ``yaml.SafeLoader`` semantics, within the module's limits.

    Args:
        text: One YAML document.
        source: Where the text came from (the file), for messages.
        error: Exception class raised on failure.

    Returns:
        The data (dicts, lists, str, int, float, bool, None, dates).

    Raises:
        error: Invalid YAML or a limit exceeded; the message names ``source``
            and, where it can, the key and line.
    """
    loader = _BoundedLoader(text)
    try:
        return loader.get_single_data()
    except _Refused as exc:
        raise error(f"{source}: {exc}") from None
    except yaml.YAMLError as exc:
        raise error(f"{source}: not valid YAML: {_clip(str(exc))}") from None
    except (ValueError, TypeError, OverflowError) as exc:  # e.g. a date like 2024-02-30
        raise error(f"{source}: not valid YAML: {_clip(str(exc))}") from None
    finally:
        loader.dispose()


def load_yaml(path: str | os.PathLike[str], *, error: type[Exception], max_bytes: int = MAX_YAML_BYTES,
              what: str = "YAML file") -> Any:
    """Read and parse a YAML file within the limits (see :func:`loads_yaml`).

    Args:
        path: The file.
        error: Exception class raised on failure (the caller's typed error).
        max_bytes: Largest accepted file size.
        what: What the file is, for messages.

    Returns:
        The data.

    Raises:
        error: Unreadable, too large, not UTF-8, invalid YAML or a limit exceeded.
    """
    return loads_yaml(read_text(path, error=error, max_bytes=max_bytes, what=what), source=path, error=error)


# A JSON string (with escapes), to be blanked out before counting brackets.
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")


def json_depth(text: str) -> int:
    """Deepest bracket nesting of JSON text, ignoring brackets inside strings.

    Linear time, no recursion: used to refuse deep documents before ``json.loads``.
    """
    brackets = _NOT_BRACKET.sub("", _JSON_STRING.sub("", text))
    depth = deepest = 0
    for char in brackets:
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


class _IntTooLong(Exception):
    pass


def _parse_int(text: str) -> int:
    digits = len(text) - text.startswith("-")
    if digits > MAX_INT_DIGITS:
        raise _IntTooLong(digits)
    return int(text)


def loads_json(text: str, *, source: str | os.PathLike[str], error: type[Exception], max_depth: int = MAX_DEPTH) -> Any:
    """Parse JSON text (``json.loads``) after checking its nesting depth and integer sizes.

    Args:
        text: The JSON text.
        source: Where it came from (a file, or ``"file: key 'meta'"``), for messages.
        error: Exception class raised on failure.
        max_depth: Deepest nesting accepted.

    Returns:
        The data.

    Raises:
        error: Invalid JSON, nesting deeper than ``max_depth`` or an integer
            longer than :data:`MAX_INT_DIGITS` digits.
    """
    depth = json_depth(text)
    if depth > max_depth:
        raise error(f"{source}: JSON nested {depth} levels deep, at most {max_depth} are accepted")
    try:
        return json.loads(text, parse_int=_parse_int)
    except _IntTooLong as exc:
        raise error(f"{source}: an integer of {exc.args[0]} digits, at most {MAX_INT_DIGITS} are accepted") from None
    except json.JSONDecodeError as exc:
        raise error(f"{source}: not valid JSON ({_clip(str(exc))})") from None
    except RecursionError:  # only if the caller's own stack is already deep
        raise error(f"{source}: JSON nested too deeply") from None


def load_json(path: str | os.PathLike[str], *, error: type[Exception], max_bytes: int = MAX_JSON_BYTES,
              max_depth: int = MAX_DEPTH, what: str = "JSON file") -> Any:
    """Read and parse a JSON file within the limits (see :func:`loads_json`).

    Args:
        path: The file.
        error: Exception class raised on failure (the caller's typed error).
        max_bytes: Largest accepted file size.
        max_depth: Deepest nesting accepted.
        what: What the file is, for messages.

    Returns:
        The data.

    Raises:
        error: Unreadable, too large, not UTF-8, invalid JSON or a limit exceeded.
    """
    text = read_text(path, error=error, max_bytes=max_bytes, what=what)
    return loads_json(text, source=path, error=error, max_depth=max_depth)
