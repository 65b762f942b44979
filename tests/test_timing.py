"""Step timing snapped to whole frames."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gait_generator.errors import PresetError
from gait_generator.preset import load_preset
from gait_generator.timing import snap_timing

MEDIUM = load_preset(Path(__file__).parents[1] / "presets" / "mini_biped" / "medium.yaml")


def test_medium_preset_snaps_to_24_frame_cycle():
    t = snap_timing(MEDIUM, 60)
    assert (t.substep, t.single_support_frames, t.double_support_frames, t.cycle_frames) == (2, 10, 2, 24)
    assert "24 frames" in t.describe()
    record = t.as_dict(MEDIUM)
    assert record["requested_single_support_duration"] == 0.17
    assert record["single_support_duration"] == 10 / 60


@given(
    ss=st.floats(0.05, 2.0),
    ratio=st.floats(0.0, 2.0),
    fps=st.sampled_from([30.0, 50.0, 60.0, 100.0, 120.0]),
)
def test_every_phase_is_a_whole_number_of_planner_steps(ss, ratio, fps):
    preset = dataclasses.replace(MEDIUM, single_support_duration=ss, double_support_ratio=ratio)
    t = snap_timing(preset, fps)
    assert t.single_support_frames % t.substep == 0 and t.single_support_frames >= 2 * t.substep
    assert t.double_support_frames % t.substep == 0
    assert abs(t.single_support_frames / fps - ss) <= t.substep / fps
    assert t.cycle_frames == 2 * (t.single_support_frames + t.double_support_frames)


def test_fps_out_of_range():
    with pytest.raises(PresetError, match=r"fps = 5 .*\[10, 1000\]"):
        snap_timing(MEDIUM, 5)
