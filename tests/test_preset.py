"""Preset loading: every key checked, errors name the file, the key and the range."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from gait_generator.errors import PresetError
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
        ({"com_height": "high"}, r"key 'com_height': expected a number \(m\) in \[0.05, 2.0\], got 'high'"),
        ({"com_height": 5.0}, r"key 'com_height': 5.0 m is outside the allowed range \[0.05, 2.0\]"),
        ({"trunk_pitch_deg": 90}, r"key 'trunk_pitch_deg': 90 deg is outside"),
        ({"single_support_duration": True}, r"key 'single_support_duration': expected a number \(s\)"),
        ({"command_range": {"dx": [0.1, -0.1], "dy": [0, 0], "dtheta": [0, 0]}}, r"key 'command_range.dx': expected \[min, max\]"),
        ({"command_range": {"dx": [0, 0], "dy": [0, 0]}}, r"key 'command_range': missing key\(s\) \['dtheta'\]"),
        ({"zmp_reference_weight": 1.0}, r"key 'zmp_reference_weight': no longer used"),
        ({"command_range": {"dx": [0.0, 0.5], "dy": [0, 0], "dtheta": [0, 0]}},
         r"key 'command_range.dx': 0.5 exceeds the preset's own step limits"),
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


def test_within_limits_agrees_with_check_command():
    import numpy as np

    from gait_generator.errors import CommandError
    from gait_generator.preset import load_preset
    from robots import load_robot

    preset = load_preset(load_robot("mini_biped").spec.presets["medium"])
    lo, hi = np.array(list(preset.step_limits.values())).T
    rng = np.random.default_rng(0)
    commands = np.vstack([rng.uniform(lo * 1.5, hi * 1.5, size=(200, 3)), [lo, hi, lo - 1e-9, hi + 1e-9]])
    for row, ok in zip(commands, preset.within_limits(commands).all(axis=1)):
        try:
            preset.check_command(*row)
            accepted = True
        except CommandError:
            accepted = False
        assert accepted == ok, row


def test_preset_alias_bomb_and_huge_numbers_are_clean_errors(tmp_path):
    from gait_generator.errors import PresetError
    from gait_generator.preset import load_preset
    from tests.fuzz_inputs import BIG, bomb_list, preset_with

    for i, value in enumerate([bomb_list(), BIG, "{1: 2, b: 3}"]):
        path = tmp_path / f"p{i}.yaml"
        path.write_text(preset_with("com_height", value))
        with pytest.raises(PresetError, match=rf"p{i}\.yaml: key 'com_height") as info:
            load_preset(path)
        assert len(str(info.value)) < len(str(path)) + 200
