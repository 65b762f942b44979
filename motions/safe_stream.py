"""Streaming readers for long list files (command files): constant memory per item.

A file of a million rows is read one row at a time, never whole: text lines of
bounded length (:func:`iter_lines`, for CSV), the items of a top-level YAML list
from the parser's event stream (:func:`iter_yaml_items`), and the items of a
top-level JSON array decoded one by one (:func:`iter_json_items`). Each item is
bounded in size and nesting, YAML aliases are refused, integers are bounded as
in :mod:`motions.safe_io`, and every error names the file and line.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from motions.safe_io import MAX_DEPTH, MAX_INT_DIGITS, short

__all__ = ["MAX_ITEM_BYTES", "MAX_ITEM_VALUES", "MAX_LINE_BYTES", "iter_json_items", "iter_lines", "iter_yaml_items"]

MAX_LINE_BYTES = 4096
"""Longest line of a streamed text file (a command row is about 30 bytes)."""

MAX_ITEM_BYTES = 1 << 16
"""Longest single item of a streamed JSON array (64 KiB)."""

MAX_ITEM_VALUES = 1000
"""Most values (scalars, lists, mappings) in one item of a streamed YAML list."""

_CHUNK = 1 << 16
_PARSER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when installed: same events, 10x faster


def _open(path: Path, error: type[Exception], what: str) -> io.BufferedReader:
    try:
        return open(path, "rb")
    except OSError as exc:
        raise error(f"{path}: cannot read {what} ({exc.strerror or exc})") from None


def iter_lines(path: str | os.PathLike[str], *, error: type[Exception], what: str = "file",
               max_line: int = MAX_LINE_BYTES) -> Iterator[str]:
    """The lines of a UTF-8 text file, one at a time, each at most ``max_line`` bytes.

    Args:
        path: The file.
        error: Exception class raised on failure (the caller's typed error).
        what: What the file is, for messages.
        max_line: Longest accepted line, in bytes.

    Yields:
        Each line with its line ending (a UTF-8 byte-order mark is dropped).

    Raises:
        error: Unreadable, a line longer than ``max_line``, or bytes that are not
            UTF-8; the message names the file and line.
    """
    path = Path(path)
    with _open(path, error, what) as handle:
        number = 0
        while True:
            try:
                raw = handle.readline(max_line + 1)
            except OSError as exc:
                raise error(f"{path}: cannot read {what} ({exc.strerror or exc})") from None
            if not raw:
                return
            number += 1
            if len(raw) > max_line:
                raise error(f"{path}:{number}: line longer than {max_line} bytes")
            try:
                line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                raise error(f"{path}:{number}: {what} is not UTF-8 text (byte 0x{raw[exc.start]:02x})") from None
            yield line


class _Scalars:
    """Resolves and constructs plain YAML scalars exactly as ``yaml.SafeLoader`` does, without caching."""

    def __init__(self) -> None:
        self.resolver = yaml.resolver.Resolver()
        self.constructor = yaml.constructor.SafeConstructor()

    def value(self, event: yaml.ScalarEvent) -> Any:
        tag = event.tag if event.tag not in (None, "!") else self.resolver.resolve(
            yaml.ScalarNode, event.value, event.implicit)
        build = yaml.constructor.SafeConstructor.yaml_constructors.get(tag)
        if build is None:
            raise ValueError(f"tag {short(tag)} is not allowed")
        if tag == "tag:yaml.org,2002:int" and sum(c.isdigit() for c in event.value) > MAX_INT_DIGITS:
            raise ValueError(f"an integer longer than {MAX_INT_DIGITS} digits")
        return build(self.constructor, yaml.ScalarNode(tag, event.value, style=event.style))


def _yaml_item(events: Iterator[Any], first: Any, scalars: _Scalars) -> Any:
    """Build one item from its events (iteratively: no recursion, bounded size and depth)."""
    if isinstance(first, yaml.ScalarEvent):
        return scalars.value(first)
    root: Any = [] if isinstance(first, yaml.SequenceStartEvent) else {}
    stack: list[tuple[Any, list[Any]]] = [(root, [])]  # (container, pending mapping key)
    count = 1
    for event in events:
        container, key = stack[-1]
        if isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            stack.pop()
            if not stack:
                return root
            continue
        count += 1
        if count > MAX_ITEM_VALUES:
            raise ValueError(f"an item of more than {MAX_ITEM_VALUES} values")
        if isinstance(event, yaml.AliasEvent):
            raise ValueError("aliases (*name) are not allowed here")
        if isinstance(event, yaml.ScalarEvent):
            value: Any = scalars.value(event)
        elif isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            if len(stack) >= MAX_DEPTH:
                raise ValueError(f"nested deeper than {MAX_DEPTH} levels")
            value = [] if isinstance(event, yaml.SequenceStartEvent) else {}
        else:
            raise ValueError(f"unexpected {type(event).__name__}")
        if isinstance(container, list):
            container.append(value)
        elif not key:
            if not isinstance(value, (str, int, float, bool)) or value is None:
                raise ValueError("a mapping key must be a plain value")
            key.append(value)
        else:
            container[key.pop()] = value
        if isinstance(value, (list, dict)):
            stack.append((value, []))
    raise ValueError("the file ends inside an item")


def iter_yaml_items(path: str | os.PathLike[str], *, error: type[Exception], key: str | None = None,
                    what: str = "YAML file") -> Iterator[tuple[int, Any]]:
    """The items of a top-level YAML list (or of the list under the single top-level ``key``), streamed.

    Scalars mean what they mean to ``yaml.safe_load``. Aliases are refused.

    Args:
        path: The file.
        error: Exception class raised on failure.
        key: If given, the document may also be a mapping with this single key
            whose value is the list.
        what: What the file is, for messages.

    Yields:
        ``(line, item)`` pairs, ``line`` counted from 1.

    Raises:
        error: Invalid YAML or UTF-8, a top level that is not such a list, or an
            item beyond the limits; the message names the file and line.
    """
    path = Path(path)
    scalars = _Scalars()
    with _open(path, error, what) as handle:
        events = yaml.parse(handle, Loader=_PARSER)
        line = 1
        try:
            head = [next(events) for _ in range(3)]  # stream start, document start, top node
            top = head[2]
            if key is not None and isinstance(top, yaml.MappingStartEvent):
                name = next(events)
                if not isinstance(name, yaml.ScalarEvent) or name.value != key:
                    line = name.start_mark.line + 1
                    raise ValueError(f"expected a list, or a mapping with the single key '{key}'")
                top = next(events)
            if not isinstance(top, yaml.SequenceStartEvent):
                line = top.start_mark.line + 1
                raise ValueError(f"expected a list{'' if key is None else f' (optionally under {key}:)'}, got "
                                 f"{type(top).__name__.replace('StartEvent', '').replace('Event', '').lower()}")
            for event in events:
                line = event.start_mark.line + 1
                if isinstance(event, yaml.SequenceEndEvent):
                    break
                if isinstance(event, yaml.AliasEvent):
                    raise ValueError("aliases (*name) are not allowed here")
                yield line, _yaml_item(events, event, scalars)
            tail = [type(e).__name__ for e in events]
            expected = (["MappingEndEvent"] if top is not head[2] else []) + ["DocumentEndEvent", "StreamEndEvent"]
            if tail != expected:
                raise ValueError("expected the end of the file after the list (one document, one list)")
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f":{mark.line + 1}" if mark is not None else ""
            problem = getattr(exc, "problem", None) or str(exc)
            raise error(f"{path}{where}: not valid YAML: {short(problem, 200)}") from None
        except StopIteration:
            raise error(f"{path}: not a YAML list (empty or truncated)") from None
        except (ValueError, TypeError, OverflowError) as exc:
            raise error(f"{path}:{line}: {exc}") from None


class _JsonCursor:
    """A window over a JSON file: ``text[pos:]`` always holds MAX_ITEM_BYTES or the rest of the file."""

    def __init__(self, handle: io.TextIOWrapper, path: Path, error: type[Exception]) -> None:
        self.handle, self.path, self.error = handle, path, error
        self.text, self.pos, self.line, self.counted, self.eof = "", 0, 1, 0, False

    def fill(self) -> None:
        if self.eof or len(self.text) - self.pos >= MAX_ITEM_BYTES:
            return
        self.advance_line()
        try:
            chunk = self.handle.read(_CHUNK + MAX_ITEM_BYTES)
        except UnicodeDecodeError:
            raise self.error(f"{self.path}: near line {self.line}: not UTF-8 text") from None
        except OSError as exc:
            raise self.error(f"{self.path}: cannot read ({exc.strerror or exc})") from None
        self.text, self.pos, self.counted = self.text[self.pos:] + chunk, 0, 0
        self.eof = not chunk

    def advance_line(self) -> None:
        self.line += self.text.count("\n", self.counted, self.pos)
        self.counted = self.pos

    def skip_space(self) -> str:
        """The next non-whitespace character ('' at the end), not consumed."""
        while True:
            self.fill()
            end = len(self.text)
            while self.pos < end and self.text[self.pos] in " \t\r\n":
                self.pos += 1
            if self.pos < end or self.eof:
                self.advance_line()
                return self.text[self.pos] if self.pos < end else ""

    def expect(self, chars: str) -> str:
        char = self.skip_space()
        if not char or char not in chars:
            found = f"'{char}'" if char else "the end of the file"
            raise self.error(f"{self.path}:{self.line}: not valid JSON here: expected one of {list(chars)}, "
                             f"found {found}")
        self.pos += 1
        return char

    def value(self, decoder: json.JSONDecoder) -> Any:
        self.fill()
        try:
            value, end = decoder.raw_decode(self.text, self.pos)
        except json.JSONDecodeError as exc:
            raise self.error(f"{self.path}:{self.line}: not valid JSON ({exc.msg}), or an item longer than "
                             f"{MAX_ITEM_BYTES} bytes") from None
        except RecursionError:
            raise self.error(f"{self.path}:{self.line}: an item nested too deeply") from None
        except ValueError as exc:  # parse_int
            raise self.error(f"{self.path}:{self.line}: {exc}") from None
        if end - self.pos > MAX_ITEM_BYTES:
            raise self.error(f"{self.path}:{self.line}: an item longer than {MAX_ITEM_BYTES} bytes")
        self.pos = end
        return value


def _json_int(text: str) -> int:
    digits = len(text) - text.startswith("-")
    if digits > MAX_INT_DIGITS:
        raise ValueError(f"an integer of {digits} digits, at most {MAX_INT_DIGITS} are accepted")
    return int(text)


def iter_json_items(path: str | os.PathLike[str], *, error: type[Exception], key: str | None = None,
                    what: str = "JSON file") -> Iterator[tuple[int, Any]]:
    """The items of a top-level JSON array (or of the array under the single top-level ``key``), streamed.

    Args:
        path: The file.
        error: Exception class raised on failure.
        key: If given, the document may also be ``{"<key>": [...]}``.
        what: What the file is, for messages.

    Yields:
        ``(line, item)`` pairs, ``line`` counted from 1.

    Raises:
        error: Invalid JSON or UTF-8, another top level, or an item longer than
            :data:`MAX_ITEM_BYTES`; the message names the file and line.
    """
    path = Path(path)
    decoder = json.JSONDecoder(parse_int=_json_int)
    with _open(path, error, what) as raw, io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as handle:
        cursor = _JsonCursor(handle, path, error)
        wrapped = cursor.expect("[" if key is None else "[{") == "{"
        if wrapped:
            name = cursor.value(decoder)
            if name != key:
                raise error(f"{path}:{cursor.line}: expected an array, or an object with the single key '{key}'")
            cursor.expect(":")
            cursor.expect("[")
        if cursor.skip_space() == "]":
            cursor.pos += 1
        else:
            while True:
                cursor.skip_space()
                line = cursor.line
                yield line, cursor.value(decoder)
                if cursor.expect(",]") == "]":
                    break
        if wrapped:
            cursor.expect("}")
        if cursor.skip_space():
            raise error(f"{path}:{cursor.line}: not valid JSON: more data after the array")
