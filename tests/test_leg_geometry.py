"""Leg geometry: proportions at the zero pose, measured without disturbing the shared model."""

from __future__ import annotations

import numpy as np
import pytest

from gait_generator.placo_adapter import humanoid_model, leg_geometry
from robots import load_robot


def test_mini_biped_proportions_and_the_model_is_left_where_it_was():
    robot = load_robot("mini_biped")
    model = humanoid_model(robot)
    model.bent_knee_start(0)
    before = model.configuration
    leg_geometry.cache_clear()
    geometry = leg_geometry(robot)
    np.testing.assert_array_equal(model.configuration, before)
    assert geometry.hip_joints == ("left_hip_pitch", "right_hip_pitch")
    assert geometry.leg_length == pytest.approx(0.195, abs=1e-3)
    assert geometry.hip_width == pytest.approx(0.090, abs=1e-3)
    np.testing.assert_allclose(geometry.hip_offset[1], 0.0, atol=1e-12)  # midway between the hips
    assert leg_geometry(robot) is geometry  # measured once per process


@pytest.mark.parametrize("name", ["mini_biped", "mini_biped5"])
def test_the_hips_are_above_the_soles(name):
    geometry = leg_geometry(load_robot(name))
    assert geometry.leg_length > 0 and geometry.hip_width > 0
    assert geometry.hip_offset[2] < 0  # below the trunk frame
