"""Conventions shared by the command-line tools: help layout, messages, grouped reasons, progress, quiet C++.

Every tool (``auto_gait_generator``, ``gait_validate``, ``gait_retarget``,
``gait_preview``, ``gait_robot``) builds its parser with :class:`HelpFormatter`
(every default shown as ``(default: X)``), spells its flags with dashes and
keeps older underscore spellings as hidden aliases (:func:`add_option`), lists
choices as ``(a, b, c)`` (:func:`choices`), prints fatal errors as
``tool: error: <file>: <what>`` (:func:`error`), counts with :func:`plural`,
groups per-item failures by reason (:class:`ReasonGroups`) and shows a progress
bar on stderr only when stderr is a terminal (:func:`progress`).

C and C++ libraries (placo's "Can't find head frames" warnings) write to the
process's file descriptors 1 and 2 directly. :func:`quiet_native_output`
captures them around model loading; they are shown only when the environment
variable :data:`VERBOSE_ENV` is set (a tool's ``-v`` sets it for its run with
:func:`verbose_environment`, so worker processes started meanwhile inherit it).

This module is at the bottom layer (it imports nothing from the project), so
every package and every command-line module can use it.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import os
import re
import sys
import tempfile
import textwrap
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

__all__ = [
    "VERBOSE_ENV",
    "HelpFormatter",
    "ReasonGroups",
    "add_option",
    "add_verbose",
    "choices",
    "default_text",
    "error",
    "native_output_shown",
    "plural",
    "progress",
    "quiet_native_output",
    "reason_key",
    "shows_default",
    "verbose_environment",
    "waive_required",
]

VERBOSE_ENV = "GAIT_GENERATOR_VERBOSE"
"""Environment variable: when set to anything but ``""`` or ``"0"``, captured C/C++ output is shown."""

EXAMPLES = 3
"""Examples a :class:`ReasonGroups` line names."""

GROUPS_SHOWN = 10
"""Reason groups printed without ``-v``; the rest are counted on one line."""

OTHER = "(other reasons)"
"""The group of the reasons beyond a :class:`ReasonGroups`' ``max_groups``; listed last."""

REASON_WIDTH = 240
"""Longest reason text a group line shows (characters); the full text stays in the index or report."""


# ------------------------------------------------------------------------------------------------ help

def default_text(value: Any) -> str:
    """A default as the help prints it: floats as ``%g``, sequences comma-separated."""
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (list, tuple)):
        return ", ".join(default_text(v) for v in value)
    return str(value)


def shows_default(action: argparse.Action) -> bool:
    """Whether ``action`` has a default worth printing (not None, False, empty or suppressed)."""
    default = action.default
    if default is None or default is False or default == "" or default is argparse.SUPPRESS:
        return False
    if isinstance(default, (list, tuple)) and not default:
        return False
    return bool(action.option_strings) and action.help is not argparse.SUPPRESS


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """The help layout of every tool.

    Each option with a default prints ``(default: X)`` at the end of its help
    (floats as ``%g``), unless its help already says ``(default: ...)``. Lines
    never break inside a hyphenated word (``--list-robots``). Descriptions and epilogs are re-wrapped paragraph by paragraph (blank
    lines separate paragraphs); a paragraph whose lines are indented is kept
    as written, for lists and examples.
    """

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        if shows_default(action) and "(default: " not in text:
            text += f" (default: {default_text(action.default)})".replace("%", "%%")
        return text

    def _split_lines(self, text: str, width: int) -> list[str]:
        return textwrap.wrap(" ".join(text.split()), width, break_on_hyphens=False)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        paragraphs = re.split(r"\n\s*\n", textwrap.dedent(text).strip("\n"))
        out = []
        for para in paragraphs:
            lines = para.splitlines()
            if any(line[:1].isspace() for line in lines):
                out.append("\n".join(indent + line for line in lines))
            else:
                out.append(textwrap.fill(" ".join(line.strip() for line in lines), width, initial_indent=indent,
                                         subsequent_indent=indent, break_on_hyphens=False))
        return "\n\n".join(out)


def add_option(container: Any, *flags: str, aliases: Sequence[str] = (), **kwargs: Any) -> argparse.Action:
    """Add an option (dashed flags) and hidden alias spellings that set the same value.

    Args:
        container: A parser, argument group or mutually exclusive group.
        flags: The option strings shown in the help, e.g. ``"--min-dx"``.
        aliases: Other accepted spellings, e.g. ``"--min_dx"``: not shown in the
            help or usage, same ``dest``, ``type`` and ``action``.
        kwargs: As for :meth:`argparse.ArgumentParser.add_argument`.

    Returns:
        The shown option's action.
    """
    action = container.add_argument(*flags, **kwargs)
    same = {k: v for k, v in kwargs.items() if k in ("action", "type", "nargs", "const", "choices", "metavar")}
    for alias in aliases:
        container.add_argument(alias, dest=action.dest, default=argparse.SUPPRESS, help=argparse.SUPPRESS, **same)
    return action


def add_verbose(parser: argparse.ArgumentParser) -> argparse.Action:
    """The ``-v/--verbose`` flag: list every failure, and show placo's and MuJoCo's own messages."""
    return parser.add_argument("-v", "--verbose", action="store_true",
                               help="list every failure, exclusion or note one per line, and show the messages "
                                    "placo and MuJoCo print while loading models")


def waive_required(*dests: str) -> type[argparse.Action]:
    """A ``store_true`` action that makes the options with these ``dests`` optional when given.

    For flags such as ``--dry-run`` that need no output: the usage still shows
    ``-o OUTPUT`` as required, as it is for every real run.
    """

    class _Waive(argparse._StoreTrueAction):
        def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                     option_string: str | None = None) -> None:
            super().__call__(parser, namespace, values, option_string)
            for action in parser._actions:
                if action.dest in dests:
                    action.required = False

    return _Waive


def choices(names: Sequence[str]) -> str:
    """Choices as the help texts write them: ``(g1, mini_biped, mini_biped5)``."""
    return "(" + ", ".join(names) + ")"


# -------------------------------------------------------------------------------------------- messages

def plural(count: int, word: str, many: str | None = None) -> str:
    """``"1 motion"``, ``"2 motions"`` (``many`` for irregular plurals: ``plural(n, "entry", "entries")``)."""
    return f"{count} {word if count == 1 else (many or word + 's')}"


def error(prog: str, message: object, file: TextIO | None = None) -> None:
    """Print ``prog: error: message`` on one line to stderr (the message names its file first)."""
    print(f"{prog}: error: {message}", file=file or sys.stderr)


_NUMBER = re.compile(r"(?<![\w.#])[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?(?![\w.])")


def reason_key(reason: str) -> str:
    """``reason`` with its numbers replaced by ``#``, so reasons that differ only in values group together.

    Numbers inside names (``mini_biped5``, ``clip_00003.npz``) stay.
    """
    return _NUMBER.sub("#", reason)


@dataclass
class _Group:
    count: int = 0
    first: str = ""
    examples: list[tuple[Any, str]] = field(default_factory=list)


class ReasonGroups:
    """Counts of items by reason, with a few examples each, in bounded memory.

    Reasons that differ only in their numbers are one group (:func:`reason_key`).
    Each group keeps the :data:`EXAMPLES` examples of lowest ``order`` (so the
    lines do not depend on the order in which parallel workers finish), and at
    most ``max_groups`` groups are kept; further reasons count as "other reasons".
    """

    def __init__(self, max_groups: int = 100) -> None:
        self.total = 0
        self.max_groups = max_groups
        self._groups: dict[str, _Group] = {}

    def add(self, reason: str, example: str, order: Any = None) -> None:
        """Count one item: its ``reason`` and a short name for it (``example``), sorted by ``order``."""
        self.total += 1
        key = reason_key(reason)
        if key not in self._groups and len(self._groups) >= self.max_groups:
            key = OTHER
        group = self._groups.setdefault(key, _Group(first=reason))
        group.count += 1
        group.examples.append((example if order is None else order, example))
        group.examples.sort(key=lambda pair: pair[0])
        del group.examples[EXAMPLES:]

    def __len__(self) -> int:
        return len(self._groups)

    def counts(self) -> dict[str, int]:
        """Items per reason key, most frequent first (:data:`OTHER` last)."""
        return {key: g.count for key, g in self._sorted()}

    def _sorted(self) -> list[tuple[str, _Group]]:
        return sorted(self._groups.items(), key=lambda kv: (kv[0] == OTHER, -kv[1].count, kv[0]))

    def lines(self, indent: str = "  ", limit: int | None = GROUPS_SHOWN) -> list[str]:
        """One line per reason: count, reason (numbers as ``#`` unless it is the only item) and examples."""
        out = []
        groups = self._sorted()
        for key, group in groups[:limit]:
            text = group.first if group.count == 1 else key
            if len(text) > REASON_WIDTH:
                text = text[:REASON_WIDTH - 3] + "..."
            names = [name for _, name in group.examples]
            more = ", ..." if group.count > len(names) else ""
            out.append(f"{indent}{group.count:>4}  {text} ({', '.join(names)}{more})")
        if limit is not None and len(groups) > limit:
            rest = sum(g.count for _, g in groups[limit:])
            out.append(f"{indent}{rest:>4}  ... in {plural(len(groups) - limit, 'more reason')} (-v lists all)")
        return out


# -------------------------------------------------------------------------------------------- progress

def progress(total: int, desc: str, unit: str = "clip", enabled: bool | None = None, initial: int = 0) -> Any:
    """A tqdm progress bar with an ETA on stderr; ``enabled=None`` shows it only when stderr is a terminal.

    The bar disappears when closed (``leave=False``): what stays is the tool's
    summary. Use it as a context manager or close it.
    """
    from tqdm import tqdm

    return tqdm(total=total, initial=initial, desc=desc, unit=unit, file=sys.stderr, leave=False,
                dynamic_ncols=True, smoothing=0.1, disable=None if enabled is None else not enabled)


# ------------------------------------------------------------------------------------- native output

_CAPTURE_LOCK = threading.RLock()
_capturing = 0


def native_output_shown() -> bool:
    """Whether captured C/C++ output is shown (:data:`VERBOSE_ENV` is set)."""
    return os.environ.get(VERBOSE_ENV, "") not in ("", "0")


@contextlib.contextmanager
def verbose_environment(enabled: bool) -> Iterator[None]:
    """Set :data:`VERBOSE_ENV` for the duration of a run when ``enabled`` (restored afterwards).

    Worker processes started meanwhile inherit it; a loky pool started earlier
    in the same process keeps the setting it started with.
    """
    if not enabled:
        yield
        return
    before = os.environ.get(VERBOSE_ENV)
    os.environ[VERBOSE_ENV] = "1"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(VERBOSE_ENV, None)
        else:
            os.environ[VERBOSE_ENV] = before


def _flush_python() -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()


def _flush_c_stdio() -> None:
    try:
        ctypes.CDLL(None).fflush(None)
    except (OSError, AttributeError):  # no C library to flush (not POSIX): nothing buffered there
        pass


@contextlib.contextmanager
def quiet_native_output() -> Iterator[None]:
    """Capture what C/C++ code writes to file descriptors 1 and 2 meanwhile (fd-level).

    The captured text is written to ``sys.stderr`` afterwards when
    :func:`native_output_shown`, else dropped. Python's own ``sys.stdout`` and
    ``sys.stderr`` are flushed first, so nothing printed before is lost. The
    file descriptors are process-wide: a use nested in another (or in another
    thread meanwhile) leaves the redirection to the outer one.
    """
    global _capturing
    with _CAPTURE_LOCK:
        outer = _capturing == 0
        _capturing += 1
    try:
        if not outer:
            yield
            return
        _flush_python()
        with tempfile.TemporaryFile() as sink:
            try:
                saved = [os.dup(1), os.dup(2)]
            except OSError:  # no file descriptors to redirect
                saved = []
            try:
                for fd in (1, 2)[:len(saved)]:
                    os.dup2(sink.fileno(), fd)
                yield
            finally:
                if saved:
                    _flush_python()
                    _flush_c_stdio()
                    for fd, copy in zip((1, 2), saved):
                        os.dup2(copy, fd)
                        os.close(copy)
                sink.seek(0)
                text = sink.read().decode("utf-8", errors="replace")
                if text and native_output_shown():
                    sys.stderr.write(text)
                    sys.stderr.flush()
    finally:
        with _CAPTURE_LOCK:
            _capturing -= 1
