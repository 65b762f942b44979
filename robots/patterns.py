"""Joint-name patterns of robot specs: regular expressions that cannot backtrack catastrophically.

A spec's ``actuators[i].joints`` is a Python regular expression matched in full
against joint names. Python's engine backtracks, so a pattern like ``(a|a)*b``
takes time exponential in the name's length. :func:`check_pattern` accepts only
patterns whose worst case is small and polynomial:

- no repeat (``*``, ``+``, ``{m,n}``) inside a repeated group, and no
  alternation (``a|b``) inside a repeated group;
- at most :data:`MAX_REPEATS` repeats, and alternations whose numbers of
  choices multiply to at most :data:`MAX_CHOICES`;
- no backreferences or conditional groups; at most :data:`MAX_PATTERN_LENGTH`
  characters.

:func:`full_match` also refuses names longer than :data:`MAX_NAME_LENGTH`, which
bounds the work of every accepted pattern (measured worst case: 12 ms per name).
Every pattern of the built-in robots passes (e.g. ``.*_hip_(pitch|yaw)_joint``).
"""

from __future__ import annotations

import re

try:  # the parser behind re.compile: re._parser from Python 3.11, sre_parse before
    from re import _parser as _sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - Python < 3.11
    import sre_parse as _sre_parse  # type: ignore[no-redef]

__all__ = ["MAX_CHOICES", "MAX_NAME_LENGTH", "MAX_PATTERN_LENGTH", "MAX_REPEATS", "check_pattern", "full_match"]

MAX_PATTERN_LENGTH = 200
"""Longest pattern accepted (characters)."""

MAX_REPEATS = 3
"""Most repeats (``*``, ``+``, ``?`` excluded, ``{m,n}``) in one pattern."""

MAX_CHOICES = 16
"""Largest product of the numbers of choices of a pattern's alternations."""

MAX_NAME_LENGTH = 128
"""Longest joint name a pattern is matched against (characters)."""

_REPEATS = {name for name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT")}
_REFUSED = {"GROUPREF": "a backreference", "GROUPREF_EXISTS": "a conditional group",
            "GROUPREF_IGNORE": "a backreference", "GROUPREF_LOC_IGNORE": "a backreference",
            "GROUPREF_UNI_IGNORE": "a backreference"}


def _subpatterns(op: str, av: object) -> list[object]:
    """The nested sub-patterns of one parsed item."""
    if op == "BRANCH":
        return list(av[1])  # type: ignore[index]
    if op == "SUBPATTERN":
        return [av[3]]  # type: ignore[index]
    if op in _REPEATS:
        return [av[2]]  # type: ignore[index]
    if op in ("ASSERT", "ASSERT_NOT"):
        return [av[1]]  # type: ignore[index]
    if op == "ATOMIC_GROUP":
        return [av]
    return []


def _walk(items: object, repeated: bool, counts: dict[str, int]) -> None:
    for op_code, av in items:  # type: ignore[attr-defined]
        op = str(op_code)
        if op in _REFUSED:
            raise ValueError(f"{_REFUSED[op]} is not allowed")
        many = op in _REPEATS and av[1] > 1  # type: ignore[index]
        if (many or op == "BRANCH") and repeated:
            raise ValueError("a repeat or an alternation inside a repeated group can take exponential time; "
                             "write the alternatives out, e.g. '.*_(hip|knee)_joint' instead of '(.*_)+joint'")
        if many:
            counts["repeats"] += 1
        if op == "BRANCH":
            counts["choices"] *= len(av[1])  # type: ignore[index]
        for sub in _subpatterns(op, av):
            _walk(sub, repeated or many, counts)


def check_pattern(pattern: str) -> None:
    """Raise ``ValueError`` unless ``pattern`` compiles and passes the guard above.

    Args:
        pattern: A regular expression (matched in full against joint names).

    Raises:
        ValueError: The reason, e.g. an invalid expression or a nested repeat.
    """
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise ValueError(f"pattern of {len(pattern)} characters, at most {MAX_PATTERN_LENGTH}")
    try:
        re.compile(pattern)
        parsed = _sre_parse.parse(pattern)
    except (re.error, RecursionError, OverflowError) as exc:
        raise ValueError(f"invalid regular expression: {exc}") from None
    counts = {"repeats": 0, "choices": 1}
    _walk(parsed, False, counts)
    if counts["repeats"] > MAX_REPEATS:
        raise ValueError(f"{counts['repeats']} repeats (*, +, {{m,n}}), at most {MAX_REPEATS}")
    if counts["choices"] > MAX_CHOICES:
        raise ValueError(f"alternations with {counts['choices']} combined choices, at most {MAX_CHOICES}")


def full_match(pattern: str, name: str) -> bool:
    """``re.fullmatch(pattern, name)`` for a pattern that passed :func:`check_pattern`.

    Raises:
        ValueError: ``name`` is longer than :data:`MAX_NAME_LENGTH`.
    """
    if len(name) > MAX_NAME_LENGTH:
        raise ValueError(f"name of {len(name)} characters, at most {MAX_NAME_LENGTH} are matched against patterns")
    return re.fullmatch(pattern, name) is not None
