"""Field descriptors of configuration schemas (see :mod:`motions.config` for the rules and the why).

Each descriptor checks one value read from YAML and converts it; :class:`At`
names the place of a value (file and key path) and builds the error raised there.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from motions.safe_io import short

__all__ = [
    "REQUIRED",
    "At",
    "Choice",
    "Field",
    "Flag",
    "Interval",
    "ListOf",
    "Names",
    "Number",
    "Raw",
    "Section",
    "Table",
    "Text",
    "Vector",
    "finite_number",
]


class _Required:
    """Type of :data:`REQUIRED`."""

    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Any = _Required()
"""Default of a field that must be given."""

_KEY_LIMIT = 60
"""Most characters of one key echoed in a key path."""


def finite_number(value: Any) -> bool:
    """True for an ``int`` or ``float`` that is not a bool and is finite."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _key_text(name: Any) -> str:
    """A key as written in a key path, cut to :data:`_KEY_LIMIT` characters."""
    if isinstance(name, str):
        return name if len(name) <= _KEY_LIMIT else name[: _KEY_LIMIT - 3] + "..."
    return short(name, _KEY_LIMIT)


@dataclass(frozen=True, eq=False)
class At:
    """A place in a configuration file: the file, the key path, and how to report a problem there.

    Attributes:
        where: The file (or ``file:line``) as shown in messages.
        path: Dotted key path, with ``[i]`` for list items; empty at the top level.
        error: Exception class raised for problems (the stage's own error type).
        label: Word that introduces the key path in messages (``"key"``, or
            ``"field"`` for robot specs).
    """

    where: str
    path: str
    error: type[Exception]
    label: str = "key"

    def key(self, name: Any) -> At:
        """The place of key ``name`` (or a dotted path of keys) inside this one."""
        text = _key_text(name)
        return At(self.where, f"{self.path}.{text}" if self.path else text, self.error, self.label)

    def item(self, index: int) -> At:
        """The place of list item ``index`` inside this one."""
        return At(self.where, f"{self.path}[{index}]", self.error, self.label)

    def fail(self, problem: str) -> Exception:
        """The error to raise for ``problem`` here: ``"<where>: <label> '<path>': <problem>"``."""
        if not self.path:
            return self.error(f"{self.where}: {problem}")
        return self.error(f"{self.where}: {self.label} '{self.path}': {problem}")


@dataclass(frozen=True, eq=False)
class Field(ABC):
    """A typed field of a configuration section.

    Subclasses implement :meth:`read` and :meth:`describe`; those with settings
    are frozen dataclasses too. Fields compare by identity (``eq=False``): a
    schema is built once at import, and skipping the generated ``__eq__`` and
    ``__hash__`` keeps every tool's start-up cheaper.

    Attributes:
        default: Value of an absent or null key (keyword only), or
            :data:`REQUIRED` when the key must be given.
    """

    default: Any = field(default=REQUIRED, kw_only=True)

    @abstractmethod
    def read(self, value: Any, at: At) -> Any:
        """Check ``value`` (as read from YAML) and return it converted.

        Raises:
            at.error: ``value`` is not of this field's type or outside its range.
        """

    @abstractmethod
    def describe(self) -> str:
        """What a value must be, for messages (e.g. ``"a number (m) in [0.0, 1.0]"``)."""

    def fill(self, at: At) -> Any:
        """The value of this field when its key is absent or null (its default)."""
        return self.default

    def wrong(self, value: Any, at: At) -> Exception:
        """The error for a value of the wrong type: ``"expected <describe()>, got <value>"``."""
        return at.fail(f"expected {self.describe()}, got {short(value)}")


def _unit(unit: str) -> str:
    """`` (unit)`` for messages; nothing for a dimensionless ``"1"``."""
    return f" ({unit})" if unit and unit != "1" else ""


@dataclass(frozen=True, eq=False)
class Number(Field):
    """A finite number (never a bool) within ``[lo, hi]``; read as ``float`` (``int`` if ``integer``).

    Attributes:
        lo: Smallest allowed value (``-inf``: no lower bound).
        hi: Largest allowed value (``inf``: no upper bound).
        unit: Unit shown in messages and docs (``"1"`` for a ratio).
        default: Value when absent or null, or :data:`REQUIRED`.
        doc: Meaning of the value, one line.
        integer: Whole numbers only (``2.0`` is accepted as ``2``).
    """

    lo: float = -math.inf
    hi: float = math.inf
    unit: str = ""
    doc: str = ""
    integer: bool = False

    def describe(self) -> str:
        lo, hi = math.isfinite(self.lo), math.isfinite(self.hi)
        noun = "a whole number" if self.integer else "a number" if lo or hi else "a finite number"
        bounds = (f" in [{self.lo}, {self.hi}]" if lo and hi else f" >= {self.lo}" if lo
                  else f" <= {self.hi}" if hi else "")
        return f"{noun}{_unit(self.unit)}{bounds}"

    def read(self, value: Any, at: At) -> float | int:
        if not finite_number(value) or (self.integer and not float(value).is_integer()):
            raise self.wrong(value, at)
        if not self.lo <= value <= self.hi:
            unit = f" {self.unit}" if self.unit and self.unit != "1" else ""
            where = (f"outside the allowed range [{self.lo}, {self.hi}]"
                     if math.isfinite(self.lo) and math.isfinite(self.hi)
                     else f"below the allowed minimum {self.lo}" if value < self.lo
                     else f"above the allowed maximum {self.hi}")
            raise at.fail(f"{short(value)}{unit} is {where}")
        return int(value) if self.integer else float(value)


class Flag(Field):
    """``true`` or ``false`` (never a number)."""

    def describe(self) -> str:
        return "true or false"

    def read(self, value: Any, at: At) -> bool:
        if not isinstance(value, bool):
            raise self.wrong(value, at)
        return value


class Text(Field):
    """A non-empty string."""

    def describe(self) -> str:
        return "a non-empty string"

    def read(self, value: Any, at: At) -> str:
        if not isinstance(value, str) or not value:
            raise self.wrong(value, at)
        return value


@dataclass(frozen=True, eq=False)
class Choice(Field):
    """One of a fixed set of values (compared with ``==``; a bool never equals a number here)."""

    values: tuple[Any, ...] = ()

    def describe(self) -> str:
        return f"one of {list(self.values)}"

    def read(self, value: Any, at: At) -> Any:
        for allowed in self.values:
            if isinstance(value, bool) == isinstance(allowed, bool) and value == allowed:
                return value
        raise self.wrong(value, at)


@dataclass(frozen=True, eq=False)
class Raw(Field):
    """Any value, checked by the loader that owns the format (e.g. a union of shapes)."""

    what: str = "any value"

    def describe(self) -> str:
        return self.what

    def read(self, value: Any, at: At) -> Any:
        return value


@dataclass(frozen=True, eq=False)
class Vector(Field):
    """A list of ``size`` finite numbers; read as a tuple of floats."""

    size: int = 3
    unit: str = ""

    def describe(self) -> str:
        return f"a list of {self.size} numbers ({self.unit + ', ' if self.unit else ''}finite)"

    def read(self, value: Any, at: At) -> tuple[float, ...]:
        if not isinstance(value, (list, tuple)) or len(value) != self.size or not all(map(finite_number, value)):
            raise self.wrong(value, at)
        return tuple(float(v) for v in value)


@dataclass(frozen=True, eq=False)
class Interval(Field):
    """``[min, max]``: two finite numbers with ``min <= max``; read as a tuple of floats."""

    unit: str = ""

    def describe(self) -> str:
        return f"[min, max]{_unit(self.unit)} with min <= max"

    def read(self, value: Any, at: At) -> tuple[float, float]:
        if (not isinstance(value, (list, tuple)) or len(value) != 2 or not all(map(finite_number, value))
                or value[0] > value[1]):
            raise self.wrong(value, at)
        return (float(value[0]), float(value[1]))


@dataclass(frozen=True, eq=False)
class Names(Field):
    """A non-empty list of distinct non-empty strings; read as a tuple."""

    what: str = "names"

    def describe(self) -> str:
        return f"a non-empty list of {self.what}"

    def read(self, value: Any, at: At) -> tuple[str, ...]:
        if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
            raise self.wrong(value, at)
        if len(set(value)) != len(value):
            repeated = sorted(v for v, n in Counter(value).items() if n > 1)
            raise at.fail(f"{self.what} are repeated: {short(repeated, 200)}")
        return tuple(value)


@dataclass(frozen=True, eq=False)
class Table(Field):
    """A mapping from names (strings) to values of one field type; read as a dict."""

    value: Field = field(default_factory=Number)
    what: str = "name"

    def describe(self) -> str:
        return f"a mapping {self.what} -> {self.value.describe()}"

    def read(self, value: Any, at: At) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.wrong(value, at)
        for key in value:
            if not isinstance(key, str) or not key:
                raise at.fail(f"expected {self.describe()}, got the key {short(key)}")
        return {key: _read(self.value, item, at.key(key)) for key, item in value.items()}


@dataclass(frozen=True, eq=False)
class ListOf(Field):
    """A list of ``lo`` to ``hi`` items of one field type; read as a list."""

    item: Field = field(default_factory=Number)
    lo: int = 0
    hi: int | None = None
    what: str = "items"

    def describe(self) -> str:
        if self.hi is not None:
            return f"a list of {self.lo} to {self.hi} {self.what}"
        return f"a non-empty list of {self.what}" if self.lo == 1 else f"a list of {self.what}"

    def read(self, value: Any, at: At) -> list[Any]:
        if not isinstance(value, list) or len(value) < self.lo or (self.hi is not None and len(value) > self.hi):
            raise self.wrong(value, at)
        return [_read(self.item, item, at.item(i)) for i, item in enumerate(value)]


@dataclass(frozen=True, eq=False)
class Section(Field):
    """A mapping with named fields; read as a dict of the converted values, in field order.

    Attributes:
        fields: Key -> field descriptor.
        default: :data:`REQUIRED`, or a mapping read in place of an absent or null
            section (``{}`` fills every field's default).
        open: Unknown keys are ignored (and left out of the result) instead of
            being an error.
        partial: Every key may be left out; the result holds the given keys only
            (for files that override a subset of defaults).
        retired: Keys no longer used -> what to do instead; such a key is an error.
    """

    fields: dict[str, Field] = field(default_factory=dict)
    open: bool = False
    partial: bool = False
    retired: dict[str, str] = field(default_factory=dict)

    def describe(self) -> str:
        return f"a mapping with keys {sorted(self.fields)}"

    def fill(self, at: At) -> Any:
        return self.default if self.default is REQUIRED else self.read(self.default, at)

    def read(self, value: Any, at: At) -> dict[str, Any]:
        if not isinstance(value, dict):
            if not at.path:
                raise at.fail(f"expected a mapping at the top level, got {short(value)}")
            raise self.wrong(value, at)
        for key, why in self.retired.items():
            if key in value:
                raise at.key(key).fail(f"no longer used: {why}")
        if not self.open:
            unknown = sorted(str(k) for k in value if k not in self.fields)
            if unknown:
                raise at.fail(f"unknown {at.label}(s) {short(unknown, 200)}; allowed: {sorted(self.fields)}")
        if not self.partial:
            missing = [k for k, f in self.fields.items() if f.default is REQUIRED and k not in value]
            if missing:
                raise at.fail(f"missing {at.label}(s) {missing}")
        out: dict[str, Any] = {}
        for key, f in self.fields.items():
            if key not in value and self.partial:
                continue
            out[key] = _read(f, value.get(key), at.key(key))
        return out


def _read(spec: Field, value: Any, at: At) -> Any:
    """``spec.read(value)``, except that null (or an absent key) takes the default of a field that has one."""
    if value is None and spec.default is not REQUIRED:
        return spec.fill(at)
    return spec.read(value, at)
