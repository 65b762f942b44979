"""One validator for every YAML configuration file: typed field descriptors and :func:`validate`.

Every configuration a tool reads (robot specs, walk presets, validation
thresholds, joint mapping tables, command files, dataset lists) is described by
a schema: a :class:`Section` of named field descriptors (:class:`Number`,
:class:`Flag`, :class:`Text`, :class:`Choice`, :class:`Vector`,
:class:`Interval`, :class:`Names`, :class:`Table`, :class:`ListOf`, nested
:class:`Section`). :func:`validate` checks a mapping read with
:func:`motions.safe_io.load_yaml` against it and returns plain typed values, or
raises the caller's error class with one message naming the file, the key path
and what is allowed::

    medium.yaml: key 'com_height': 5.0 m is outside the allowed range [0.05, 2.0]
    my_robot.yaml: field 'actuators[0].kp': expected a number (N m/rad) in [0.0, 100000.0], got True

Rules shared by every file:

- a number is an ``int`` or ``float``, never a bool (YAML reads ``yes``, ``on``
  and ``true`` as booleans), and it is finite;
- an unknown key is an error (a typo must not fall back silently to a
  default), except in a section declared ``open``;
- a key written without a value (YAML null) takes the field's default; a
  required key must have a value; every missing required key of a section is
  listed in one message;
- cross-field rules (a command range within the step limits, knee signs
  against the initial posture, files that must exist) stay with the loader
  that owns the format, which reports them with :meth:`At.fail` in the same form.

Why hand-written descriptors and one function rather than a schema library:
pydantic and jsonschema are not dependencies, and neither would clearly beat
the ~300 lines here.

- Messages: users and tests rely on one line naming the file, the key path and
  the allowed range with its unit. pydantic words errors its own way ("1
  validation error for ...", several lines) and jsonschema reports JSON
  pointers; either needs a translation layer about as long as this module.
- Strictness: Python's ``bool`` is an ``int``. pydantic needs strict mode to
  refuse ``true`` for a number, and JSON Schema's ``number`` accepts NaN and
  infinity; both checks would be written by hand anyway.
- Cost: the fuzz corpus bounds the CPU time and memory of every console script
  from a fresh process; a compiled validation library adds import time to
  every tool for files of a few kB.
- YAML semantics (null means "the default"), per-format cross-field checks and
  the bounded readers of :mod:`motions.safe_io` stay plain Python either way.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from motions.config.fields import (
    REQUIRED,
    At,
    Choice,
    Field,
    Flag,
    Interval,
    ListOf,
    Names,
    Number,
    Raw,
    Section,
    Table,
    Text,
    Vector,
    finite_number,
)

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
    "leaves",
    "validate",
]


def validate(data: Any, schema: Section | dict[str, Field], *, where: Any, error: type[Exception],
             label: str = "key") -> dict[str, Any]:
    """Check a configuration mapping against ``schema`` and return its typed values.

    Args:
        data: The document as read by :func:`motions.safe_io.load_yaml` (any type).
        schema: The top-level section, or its fields.
        where: The file (or ``file:line``), shown first in every message.
        error: Exception class to raise (the caller's stage error, e.g. ``PresetError``).
        label: Word before a key path in messages (``"key"``; robot specs say ``"field"``).

    Returns:
        Key -> converted value, in schema order (defaults filled in, nested
        sections as dicts, lists as lists).

    Raises:
        error: ``data`` is not a mapping, or has an unknown, retired or missing
            key, or a value of the wrong type or outside its range. The message
            names ``where``, the key path and what is allowed.
    """
    section = schema if isinstance(schema, Section) else Section(dict(schema))
    return section.read(data, At(str(where), "", error, label))


def leaves(schema: Field, path: str = "") -> Sequence[tuple[str, Field]]:
    """Every non-section field of ``schema`` with its key path (``[0]`` for list items, ``.*`` for table entries).

    For documentation and tests that go over every key of a format.
    """
    if isinstance(schema, Section):
        return [leaf for key, f in schema.fields.items() for leaf in leaves(f, f"{path}.{key}" if path else key)]
    if isinstance(schema, ListOf):
        return leaves(schema.item, f"{path}[0]")
    if isinstance(schema, Table):
        return leaves(schema.value, f"{path}.*")
    return [(path, schema)]
