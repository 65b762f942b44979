"""Joint-name patterns guarded against catastrophic backtracking (robots.patterns)."""

from __future__ import annotations

import time

import pytest

from robots.patterns import MAX_NAME_LENGTH, check_pattern, full_match

BUILTIN = [".*", ".*_hip_(pitch|yaw)_joint", ".*_(hip_roll|knee)_joint", "waist_(roll|pitch)_joint",
           ".*_(shoulder_(pitch|roll|yaw)|elbow|wrist_roll)_joint", "left_knee", "[a-z]+_ankle_?roll?"]


@pytest.mark.parametrize("pattern", BUILTIN)
def test_usual_patterns_pass(pattern):
    check_pattern(pattern)


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("(a|a)*b", "inside a repeated group"),
        ("(a+)+b", "inside a repeated group"),
        ("(.*_)+joint", "inside a repeated group"),
        ("(?:ab|cd){2,}z", "inside a repeated group"),
        (r"(a)\1", "backreference"),
        ("(a)?(?(1)b|c)", "conditional group"),
        (".*a.*b.*c.*d", "4 repeats"),
        ("(ab|cd)(ef|gh)(ij|kl)(mn|op)(qr|st)", "32 combined choices"),
        ("[", "invalid regular expression"),
        ("a" * 201, "at most 200"),
    ],
)
def test_dangerous_or_invalid_patterns_are_refused(pattern, message):
    with pytest.raises(ValueError, match=message):
        check_pattern(pattern)


def test_worst_accepted_pattern_stays_fast_on_the_longest_name():
    """Three overlapping repeats and 16 overlapping choices: polynomial, measured 12 ms here."""
    pattern = "(a|a)(a|a)(a|a)(a|a)a*a*a*b"
    check_pattern(pattern)
    start = time.perf_counter()
    assert not full_match(pattern, "a" * MAX_NAME_LENGTH)
    assert time.perf_counter() - start < 0.5


def test_long_names_are_refused():
    assert full_match(".*", "x" * MAX_NAME_LENGTH)
    with pytest.raises(ValueError, match="at most 128"):
        full_match(".*", "x" * (MAX_NAME_LENGTH + 1))
