"""The shared config validator: descriptor messages, and every numeric key of every format refusing bad values.

The property tests go over each format's schema (robot spec, preset, thresholds,
mapping table, command file, dataset YAML) with :func:`motions.config.leaves`,
write a valid file with one numeric key replaced by a bool, NaN, an infinity, a
string or a value outside its range, and check that the real loader raises the
format's own error naming the file, the key path and (when bounded) the range.
"""

from __future__ import annotations

import copy
import itertools
import math
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from gait_generator.commands import COMMAND_FIELDS, read_commands
from gait_generator.errors import CommandFileError, PresetError
from gait_generator.preset import PRESET_SCHEMA, load_preset
from motions.config import (
    REQUIRED,
    At,
    Choice,
    Field,
    Flag,
    Interval,
    ListOf,
    Names,
    Number,
    Section,
    Table,
    Text,
    Vector,
    finite_number,
    leaves,
    validate,
)
from motions.errors import LibraryError
from motions.library import MotionLibrary
from motions.library_sources import DATASET_SCHEMA
from retarget.errors import RetargetError
from retarget.mapping import MAPPING_SCHEMA, load_mapping
from robots.errors import RobotSpecError
from robots.spec import SPEC_SCHEMA, load_spec
from validate.errors import ThresholdError
from validate.thresholds import OVERRIDE_SCHEMA, THRESHOLDS_SCHEMA, load_thresholds

REPO = Path(__file__).resolve().parents[1]


class Oops(ValueError):
    """The error class handed to the validator in these tests."""


def fails(data: Any, schema: Section | dict[str, Field], label: str = "key") -> str:
    with pytest.raises(Oops) as info:
        validate(data, schema, where="f.yaml", error=Oops, label=label)
    return str(info.value)


# ------------------------------------------------------------------ descriptors


def test_number_messages_name_the_key_the_unit_and_the_range() -> None:
    schema = {"h": Number(0.05, 2.0, "m")}
    assert validate({"h": 1}, schema, where="f.yaml", error=Oops) == {"h": 1.0}
    assert fails({"h": "high"}, schema) == "f.yaml: key 'h': expected a number (m) in [0.05, 2.0], got 'high'"
    assert fails({"h": 5.0}, schema) == "f.yaml: key 'h': 5.0 m is outside the allowed range [0.05, 2.0]"
    for bad in (True, False, math.nan, math.inf, -math.inf, [1.0], {"a": 1}):
        assert "key 'h': expected a number (m) in [0.05, 2.0], got" in fails({"h": bad}, schema)
    assert fails({"w": -1}, {"w": Number(lo=0.0)}) == "f.yaml: key 'w': -1 is below the allowed minimum 0.0"
    assert fails({"w": 3}, {"w": Number(hi=2.0, unit="1")}) == "f.yaml: key 'w': 3 is above the allowed maximum 2.0"
    assert "expected a finite number, got nan" in fails({"w": math.nan}, {"w": Number()})


def test_whole_numbers() -> None:
    schema = {"n": Number(lo=0, integer=True)}
    value = validate({"n": 3.0}, schema, where="f.yaml", error=Oops)["n"]
    assert value == 3 and isinstance(value, int)
    assert fails({"n": 2.5}, schema) == "f.yaml: key 'n': expected a whole number >= 0, got 2.5"


def test_flag_text_choice_and_names() -> None:
    assert fails({"on": 1}, {"on": Flag()}) == "f.yaml: key 'on': expected true or false, got 1"
    assert fails({"s": ""}, {"s": Text()}) == "f.yaml: key 's': expected a non-empty string, got ''"
    sign = {"sign": Choice((1, -1))}
    assert validate({"sign": -1.0}, sign, where="f.yaml", error=Oops) == {"sign": -1.0}
    assert fails({"sign": True}, sign) == "f.yaml: key 'sign': expected one of [1, -1], got True"
    mode = {"mode": Choice(("auto", "none"))}
    assert fails({"mode": False}, mode) == "f.yaml: key 'mode': expected one of ['auto', 'none'], got False"
    names = {"j": Names("joint names")}
    assert validate({"j": ["a", "b"]}, names, where="f.yaml", error=Oops) == {"j": ("a", "b")}
    assert fails({"j": ["a", "b", "a"]}, names) == "f.yaml: key 'j': joint names are repeated: ['a']"
    assert fails({"j": []}, names) == "f.yaml: key 'j': expected a non-empty list of joint names, got []"


def test_vectors_and_intervals() -> None:
    schema = {"v": Vector(3, "m"), "r": Interval("rad")}
    assert validate({"v": [0, 1, 2], "r": [-1, 1]}, schema, where="f.yaml", error=Oops) == {
        "v": (0.0, 1.0, 2.0), "r": (-1.0, 1.0)}
    assert "key 'v': expected a list of 3 numbers (m, finite), got [0, 1]" in fails({"v": [0, 1], "r": [0, 0]}, schema)
    assert "key 'v': expected a list of 3 numbers" in fails({"v": [0, True, 1], "r": [0, 0]}, schema)
    assert "key 'r': expected [min, max] (rad) with min <= max, got [1, -1]" in fails({"v": [0, 0, 0], "r": [1, -1]},
                                                                                     schema)


def test_tables_lists_and_key_paths() -> None:
    schema = {"angles": Table(Number(unit="rad"), "joint name", default={}),
              "groups": ListOf(Section({"kp": Number(0.0, 10.0)}), 1, 2, "groups")}
    good = validate({"groups": [{"kp": 1}]}, schema, where="f.yaml", error=Oops)
    assert good == {"angles": {}, "groups": [{"kp": 1.0}]}
    assert fails({"angles": {"knee": "x"}, "groups": [{"kp": 1}]}, schema) == (
        "f.yaml: key 'angles.knee': expected a finite number (rad), got 'x'")
    assert fails({"angles": {1: 0.0}, "groups": [{"kp": 1}]}, schema).endswith("got the key 1")
    assert fails({"groups": [{"kp": 1}, {"kp": 11}]}, schema) == (
        "f.yaml: key 'groups[1].kp': 11 is outside the allowed range [0.0, 10.0]")
    assert fails({"groups": []}, schema) == "f.yaml: key 'groups': expected a list of 1 to 2 groups, got []"
    long_key = "k" * 100
    assert f"'angles.{'k' * 57}...'" in fails({"angles": {long_key: "x"}, "groups": [{"kp": 1}]}, schema)


def test_sections_unknown_missing_retired_open_and_partial() -> None:
    inner = Section({"a": Number(), "b": Number(default=2.0)})
    schema = Section({"sec": inner, "opt": Section({"t": Number(default=0.5)}, default={})},
                     retired={"old": "use 'sec' instead"})
    assert validate({"sec": {"a": 1}}, schema, where="f.yaml", error=Oops) == {
        "sec": {"a": 1.0, "b": 2.0}, "opt": {"t": 0.5}}
    assert validate({"sec": {"a": 1, "b": None}, "opt": None}, schema, where="f.yaml", error=Oops) == {
        "sec": {"a": 1.0, "b": 2.0}, "opt": {"t": 0.5}}  # null takes the default
    assert fails({"sec": {"a": None}}, schema) == "f.yaml: key 'sec.a': expected a finite number, got None"
    assert fails({}, schema) == "f.yaml: missing key(s) ['sec']"
    assert fails({"sec": {}}, schema, label="field") == "f.yaml: field 'sec': missing field(s) ['a']"
    assert fails({"sec": {"a": 1, "c": 2}}, schema) == (
        "f.yaml: key 'sec': unknown key(s) ['c']; allowed: ['a', 'b']")
    assert fails({"sec": 3}, schema) == "f.yaml: key 'sec': expected a mapping with keys ['a', 'b'], got 3"
    assert fails({"old": 1}, schema) == "f.yaml: key 'old': no longer used: use 'sec' instead"
    assert fails([1, 2], schema) == "f.yaml: expected a mapping at the top level, got [1, 2]"
    opened = Section({"a": Number()}, open=True)
    assert validate({"a": 1, "zz": 2}, opened, where="f.yaml", error=Oops) == {"a": 1.0}
    partial = Section({"a": Number(), "b": Number()}, partial=True)
    assert validate({"b": 1}, partial, where="f.yaml", error=Oops) == {"b": 1.0}


def test_one_value_at_a_place_and_finite_number() -> None:
    at = At("c.csv:3", "", Oops)
    assert COMMAND_FIELDS.fields["dx"].read(0.5, at.key("dx")) == 0.5
    with pytest.raises(Oops, match=r"^c.csv:3: key 'dy': expected a number \(m per step\) in \[-100.0, 100.0\], "
                                   r"got 'zero'$"):
        COMMAND_FIELDS.fields["dy"].read("zero", at.key("dy"))
    assert str(at.key("a").item(2).key("b").fail("bad")) == "c.csv:3: key 'a[2].b': bad"
    assert finite_number(1) and finite_number(-2.5)
    assert not any(finite_number(v) for v in (True, math.nan, math.inf, "1", None))


def test_every_format_has_the_leaves_it_documents() -> None:
    spec = dict(leaves(SPEC_SCHEMA))
    assert isinstance(spec["feet.length"], Number) and isinstance(spec["actuators[0].kp"], Number)
    assert isinstance(spec["initial_posture.*"], Number) and isinstance(spec["trunk.offset"], Vector)
    preset = dict(leaves(PRESET_SCHEMA))
    assert len([f for f in preset.values() if isinstance(f, Number)]) == 15
    assert isinstance(preset["command_range.dtheta"], Interval)
    defaults = dict(leaves(THRESHOLDS_SCHEMA))
    assert isinstance(defaults["physics.enabled"], Flag) and defaults["dynamic.end_frames_skipped"].integer
    assert set(dict(leaves(OVERRIDE_SCHEMA))) == set(defaults)
    assert isinstance(dict(leaves(MAPPING_SCHEMA))["defaults.*"], Number)
    assert isinstance(dict(leaves(DATASET_SCHEMA))["motions[0].weight"], Number)
    for schema in (SPEC_SCHEMA, PRESET_SCHEMA, THRESHOLDS_SCHEMA, MAPPING_SCHEMA, DATASET_SCHEMA, COMMAND_FIELDS):
        for path, f in leaves(schema):
            if isinstance(f, Number) and f.default is not REQUIRED:
                assert f.lo <= f.default <= f.hi, path


# --------------------------------------------------- every numeric key, every format


def _spec_doc() -> dict:
    doc = yaml.safe_load((REPO / "robots" / "mini_biped" / "mini_biped.yaml").read_text())
    doc["urdf"] = str(REPO / "robots" / "mini_biped" / "mini_biped.urdf")
    return doc


FORMATS: dict[str, dict[str, Any]] = {
    "spec": {"schema": SPEC_SCHEMA, "error": RobotSpecError, "base": _spec_doc, "load": load_spec},
    "preset": {"schema": PRESET_SCHEMA, "error": PresetError,
               "base": lambda: yaml.safe_load((REPO / "presets" / "mini_biped" / "medium.yaml").read_text()),
               "load": load_preset},
    "thresholds": {"schema": OVERRIDE_SCHEMA, "error": ThresholdError, "base": dict, "load": load_thresholds},
    "mapping": {"schema": MAPPING_SCHEMA, "error": RetargetError,
                "base": lambda: {"joints": {"left_knee": {"source": "left_knee"}}, "defaults": {"neck_pitch": 0.0}},
                "load": load_mapping},
    "commands": {"schema": COMMAND_FIELDS, "error": CommandFileError,
                 "base": lambda: {"dx": 0.01, "dy": 0.0, "dtheta": 0.0},
                 "load": read_commands, "wrap": lambda doc: [doc]},
    "dataset": {"schema": DATASET_SCHEMA, "error": LibraryError,
                "base": lambda: {"motions": [{"file": "clip.npz", "weight": 1.0}]}, "load": MotionLibrary.load},
}
"""Per format: its schema, error class, a valid document, its loader and (commands) how a document is written."""

NUMERIC = [(fmt, path, f) for fmt, spec in FORMATS.items() for path, f in leaves(spec["schema"])
           if isinstance(f, (Number, Vector, Interval, Choice)) and not isinstance(f.default, str)]
NUMERIC += [("mapping", "joints.*.sign", Choice((1, -1))), ("mapping", "joints.*.offset", Number(unit="rad"))]
"""Every numeric key of every format (tables' entries as ``.*``, lists' items as ``[0]``); a joint's
``sign`` and ``offset`` sit inside a custom field, so they are listed by hand."""

_SERIAL = itertools.count()


def _concrete(path: str) -> str:
    """A leaf path with table entries given a name."""
    return path.replace("robots.*", "robots.g1").replace("joints.*", "joints.left_knee").replace(".*", ".probe_joint")


def _put(doc: dict, path: str, value: Any) -> None:
    """Set ``value`` at a dotted path with ``[i]`` items, making the missing mappings."""
    keys: list[Any] = [int(i) if i else k for k, i in re.findall(r"([^.\[\]]+)|\[(\d+)\]", path)]
    node: Any = doc
    for key in keys[:-1]:
        node = node[key] if isinstance(key, int) else node.setdefault(key, {})
    node[keys[-1]] = value


def _bad_values(f: Field) -> st.SearchStrategy[Any]:
    """Values ``f`` must refuse (never null, which means "the default")."""
    wrong = st.one_of(st.booleans(), st.sampled_from([math.nan, math.inf, -math.inf]),
                      st.text(max_size=6), st.lists(st.integers(-100, 100), max_size=2))
    if isinstance(f, Choice):
        return st.one_of(st.booleans(), st.sampled_from([0, 2, -2, 0.5, math.nan, "1"]))
    if isinstance(f, (Vector, Interval)):
        size = f.size if isinstance(f, Vector) else 2
        return st.tuples(wrong.filter(lambda v: not isinstance(v, list)), st.integers(0, size - 1)).map(
            lambda pair: [pair[0] if i == pair[1] else 0.0 for i in range(size)])
    assert isinstance(f, Number)
    outside = []
    if math.isfinite(f.lo):
        outside.append(st.floats(f.lo - 1e6, f.lo, exclude_max=True))
    if math.isfinite(f.hi):
        outside.append(st.floats(f.hi, f.hi + 1e6, exclude_min=True))
    if f.integer:
        outside.append(st.floats(0.01, 0.99).map(lambda v: max(f.lo, 0.0) + v))
    return st.one_of(wrong, *outside)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("config")


BASES = {fmt: form["base"]() for fmt, form in FORMATS.items()}
"""A valid document per format (copied before each change)."""


def _message(fmt: str, key: str, value: Any, where: str) -> str:
    """The error message of format ``fmt``'s schema for its base document with ``key`` set to ``value``."""
    form = FORMATS[fmt]
    doc = copy.deepcopy(BASES[fmt])
    _put(doc, key, value)
    with pytest.raises(form["error"]) as info:
        validate(doc, form["schema"], where=where, error=form["error"], label="field" if fmt == "spec" else "key")
    return str(info.value)


def test_the_property_test_covers_every_format() -> None:
    covered = {fmt for fmt, _, _ in NUMERIC}
    assert covered == set(FORMATS)
    assert len(NUMERIC) > 80, len(NUMERIC)


@pytest.mark.parametrize(("fmt", "path", "spec"), NUMERIC, ids=[f"{fmt}:{path}" for fmt, path, _ in NUMERIC])
@settings(max_examples=8, deadline=None)
@given(data=st.data())
def test_every_numeric_key_rejects_bad_values_naming_the_key(fmt: str, path: str, spec: Field,
                                                             data: st.DataObject) -> None:
    value = data.draw(_bad_values(spec), label="value")
    key = _concrete(path)
    message = _message(fmt, key, value, where="some/file.yaml")
    assert message.startswith("some/file.yaml: ") and f"'{key}'" in message, message
    if isinstance(spec, Number) and finite_number(value) and not spec.lo <= value <= spec.hi:
        assert str(spec.lo if value < spec.lo else spec.hi) in message, message


BAD = (True, math.nan, -math.inf, "0.1", "below", "above")
"""Values written into real files, one per key in turn (``below``/``above``: just outside the range)."""


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_the_loaders_refuse_a_bad_value_of_every_numeric_key(folder: Path, fmt: str) -> None:
    """Through the real file loader (YAML round trip, the stage's error class), every numeric key in turn."""
    form = FORMATS[fmt]
    keys = [(path, f) for name, path, f in NUMERIC if name == fmt]
    for i, (path, f) in enumerate(keys):
        value = BAD[i % len(BAD)]
        if value in ("below", "above"):
            bounded = isinstance(f, Number) and math.isfinite(f.lo if value == "below" else f.hi)
            value = (f.lo - 0.5 if value == "below" else f.hi + 0.5) if bounded else math.inf
        if isinstance(f, (Vector, Interval)):
            value = [value, *[0.0] * ((f.size if isinstance(f, Vector) else 2) - 1)]
        doc = copy.deepcopy(BASES[fmt])
        key = _concrete(path)
        _put(doc, key, value)
        file = folder / f"{fmt}_{next(_SERIAL)}.yaml"
        file.write_text(yaml.safe_dump(form.get("wrap", lambda d: d)(doc)))
        with pytest.raises(form["error"]) as info:
            form["load"](file)
        assert str(file) in str(info.value) and f"'{key}'" in str(info.value), str(info.value)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_the_base_documents_are_valid(folder: Path, fmt: str) -> None:
    """The starting points load (so the errors above come from the one bad value)."""
    form = FORMATS[fmt]
    file = folder / f"{fmt}_valid_{next(_SERIAL)}.yaml"
    file.write_text(yaml.safe_dump(form.get("wrap", lambda d: d)(BASES[fmt])))
    if fmt == "dataset":  # valid; the listed clip does not exist, which is the next check
        with pytest.raises(Exception, match="clip.npz"):
            form["load"](file)
    else:
        form["load"](file)
