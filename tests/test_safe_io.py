"""Bounded YAML/JSON loaders and bounded reprs (motions.safe_io)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml

from motions import safe_io
from motions.safe_io import json_depth, load_json, load_yaml, loads_json, loads_yaml, short
from tests.fuzz_inputs import BIG, bomb_list, deep


class Boom(ValueError):
    """The caller's typed error."""


def test_loads_yaml_matches_safe_load_on_every_shipped_yaml_file():
    repo = Path(__file__).resolve().parents[1]
    files = [*repo.glob("robots/*/*.yaml"), *repo.glob("presets/*/*.yaml"), repo / "validate" / "thresholds.yaml"]
    assert len(files) > 5
    for path in files:
        text = path.read_text()
        assert loads_yaml(text, source=path, error=Boom) == yaml.safe_load(text), path


def test_alias_bomb_is_refused_at_once_naming_the_key_and_line():
    start = time.perf_counter()
    with pytest.raises(Boom, match=r"f\.yaml: key 'a\[6\]' \(line 1\): more than 1000000 values once aliases"):
        loads_yaml(f"a: {bomb_list()}\n", source="f.yaml", error=Boom)
    assert time.perf_counter() - start < 0.5


def test_a_few_aliases_are_fine_but_not_many():
    assert loads_yaml("a: &x [1, 2]\nb: *x\n", source="f", error=Boom) == {"a": [1, 2], "b": [1, 2]}
    many = "a: &x 1\nb: [" + ", ".join(["*x"] * (safe_io.MAX_YAML_ALIASES + 1)) + "]\n"
    with pytest.raises(Boom, match="more than 64 aliases"):
        loads_yaml(many, source="f", error=Boom)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (f"a: {deep()}", r"key 'a\[0\]\[0\].*nested deeper than 32 levels"),
        (f"a:\n  b: [1, {BIG}]", r"key 'a\.b\[1\]' \(line 2\): an integer of 401 digits"),
        ("&a [*a]", "recursive alias"),
        ("a: 2024-02-30", "not valid YAML: day is out of range"),
        ("a: !!python/object/apply:os.system [ls]", "not valid YAML: could not determine a constructor"),
        ("a: [1", "not valid YAML"),
    ],
)
def test_hostile_yaml_gives_the_callers_error(text, message):
    with pytest.raises(Boom, match=message):
        loads_yaml(text, source="f.yaml", error=Boom)


def test_load_yaml_checks_size_and_utf8(tmp_path):
    big = tmp_path / "big.yaml"
    big.write_text("a: " + "x" * safe_io.MAX_YAML_BYTES)
    with pytest.raises(Boom, match="larger than the limit of 1048576 bytes"):
        load_yaml(big, error=Boom)
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"a: 1\nb: \xff\n")
    with pytest.raises(Boom, match=r"bad\.yaml:2: YAML file is not UTF-8 text \(byte 0xff at offset 8\)"):
        load_yaml(bad, error=Boom)
    with pytest.raises(Boom, match="cannot read YAML file"):
        load_yaml(tmp_path / "missing.yaml", error=Boom)
    bom = tmp_path / "bom.yaml"
    bom.write_bytes(b"\xef\xbb\xbfa: 1\n")
    assert load_yaml(bom, error=Boom) == {"a": 1}


def test_json_depth_ignores_brackets_in_strings():
    assert json_depth('{"a": "[[[[", "b": [[1]], "c": "\\"[["}') == 3
    assert json_depth("[]") == 1 and json_depth('"x"') == 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (deep(), "JSON nested 5000 levels deep, at most 32"),
        (BIG, "an integer of 401 digits"),
        ('{"a": -123456789012345678901}', "an integer of 21 digits"),
        ("[1, 2", "not valid JSON"),
    ],
)
def test_hostile_json_gives_the_callers_error(text, message):
    with pytest.raises(Boom, match=message):
        loads_json(text, source="f.json", error=Boom)


def test_load_json_reads_plain_json(tmp_path):
    path = tmp_path / "x.json"
    path.write_text('{"motions": [{"id": 12345678901234567890, "x": 1.5e-300}]}')
    assert load_json(path, error=Boom) == {"motions": [{"id": 12345678901234567890, "x": 1.5e-300}]}
    with pytest.raises(Boom, match="larger than the limit of 10 bytes"):
        load_json(path, error=Boom, max_bytes=10)


def test_short_is_bounded_whatever_the_value():
    nested: list = [1]
    for _ in range(40):
        nested = [nested] * 10  # 10**40 leaves if expanded
    start = time.perf_counter()
    text = short(nested)
    assert len(text) <= 80 and time.perf_counter() - start < 0.1
    assert "..." in short("a" * 1000) and len(short("a" * 1000)) <= 80
    assert short({"k": 1}) == "{'k': 1}" and short(1.5) == "1.5"
    assert len(short(list(range(1000)), 200)) <= 200
