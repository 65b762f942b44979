"""Preset loading: every key checked, errors name the file, the key and the range."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from gait_generator import PresetError
from gait_generator.preset import PRESET_KEYS, load_preset
from robots import load_robot

MEDIUM = Path(__file__).parents[1] / "presets" / "mini_biped" / "medium.yaml"


def write(tmp_path: Path, **changes) -> Path:
    data = yaml.safe_load(MEDIUM.read_text())
    for k, v in changes.items():
        if v is None:
            data.pop(k)
        else:
            data[k] = v
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.mark.parametrize("name", ["slow", "medium", "fast"])
def test_shipped_presets_load(name):
    robot = load_robot("mini_biped")
    preset = load_preset(robot.spec.presets[name])
    assert preset.name == name
    assert set(preset.parameters()) == set(PRESET_KEYS) | {"command_range"}


def test_every_key_is_documented_in_docs():
    doc = (Path(__file__).parents[1] / "docs" / "presets.md").read_text()
    for key, spec in PRESET_KEYS.items():
        assert f"`{key}`" in doc and spec.unit in doc


@pytest.mark.parametrize(
    "changes, pattern",
    [
        ({"walk_speed": 1.0}, r"unknown key\(s\) \['walk_speed'\]"),
        ({"com_height": None}, r"missing key\(s\) \['com_height'\]"),
        ({"com_height": "high"}, r"key 'com_height' must be a number \(m\) in \[0.05, 2.0\]"),
        ({"com_height": 5.0}, r"key 'com_height' = 5.0 m is outside the allowed range \[0.05, 2.0\]"),
        ({"trunk_pitch_deg": 90}, r"key 'trunk_pitch_deg' = 90 deg is outside"),
        ({"single_support_duration": True}, r"key 'single_support_duration' must be a number"),
        ({"command_range": {"dx": [0.1, -0.1], "dy": [0, 0], "dtheta": [0, 0]}}, r"command_range.dx"),
        ({"command_range": {"dx": [0.0, 0.5], "dy": [0, 0], "dtheta": [0, 0]}}, r"exceeds the preset's own step limits"),
    ],
)
def test_bad_preset_names_file_key_and_range(tmp_path, changes, pattern):
    path = write(tmp_path, **changes)
    with pytest.raises(PresetError, match=pattern) as info:
        load_preset(path)
    assert str(path) in str(info.value)


def test_missing_and_malformed_files(tmp_path):
    with pytest.raises(PresetError, match="cannot read"):
        load_preset(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("com_height: [")
    with pytest.raises(PresetError, match="not valid YAML"):
        load_preset(bad)
    bad.write_text("- a\n- b\n")
    with pytest.raises(PresetError, match="mapping"):
        load_preset(bad)
