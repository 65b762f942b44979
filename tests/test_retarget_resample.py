"""retarget.resample: rate changes keep joints, quaternion continuity, loops and velocities."""

from __future__ import annotations

import numpy as np
import pytest

import gait_generator
from motions.derivatives import angular_velocity_world, finite_difference
from motions.synthetic import synthetic_walk
from retarget.resample import resample, resampled_fps


@pytest.fixture(scope="module")
def walk():
    return gait_generator.generate(robot="mini_biped", preset="medium", dx=0.03, dtheta=0.1, length=2.0)


def _continuous(q):
    return bool(np.all(np.sum(q[1:] * q[:-1], axis=1) > 0.0))


def test_60_30_60_keeps_smooth_joints_within_half_a_degree():
    m = synthetic_walk(fps=60, cycle_frames=48, num_cycles=2, yaw_rate=0.3)
    back = resample(resample(m, 30), 60)
    assert back.num_frames == m.num_frames and back.fps == 60
    assert np.degrees(np.abs(back.joint_pos - m.joint_pos).max()) < 0.5
    assert _continuous(back.root_quat)
    assert np.abs(back.root_pos - m.root_pos).max() < 2e-3


def test_60_30_60_keeps_a_generated_g1_walk_within_half_a_degree():
    # A real walk whose joint content a 30 fps clip can carry (0.45 s swing).
    m = gait_generator.generate(robot="g1", preset="slow", dx=0.06, dtheta=0.1, length=3.0)
    back = resample(resample(m, 30), 60)
    assert np.degrees(np.abs(back.joint_pos - m.joint_pos).max()) < 0.5
    assert _continuous(back.root_quat)


def test_60_30_60_on_a_generated_walk(walk):
    half = resample(walk, 30)
    back = resample(half, 60)
    assert (half.num_frames, half.loop.cycle_frames, half.loop.num_cycles) == (60, 12, walk.loop.num_cycles)
    # Frames on the 30 fps grid come back exactly; the others are linear interpolations.
    np.testing.assert_allclose(back.joint_pos[::2], walk.joint_pos[::2], atol=1e-12)
    np.testing.assert_allclose(back.root_pos[::2], walk.root_pos[::2], atol=1e-12)
    assert _continuous(half.root_quat) and _continuous(back.root_quat)
    assert np.abs(np.abs(np.sum(back.root_quat * walk.root_quat, axis=1)) - 1).max() < 1e-5


def test_loop_closes_after_resampling(walk):
    out = resample(walk, 50)
    loop = out.loop
    assert loop.total_frames == out.num_frames
    # The interpolated tail runs towards frame T = frame 0 moved by the loop offset.
    closing = loop.transform_positions(out.root_pos[0], loop.num_cycles)
    step = np.linalg.norm(closing - out.root_pos[-1])
    typical = np.linalg.norm(np.diff(out.root_pos, axis=0), axis=1).max()
    assert step <= typical * 1.01


def test_velocities_are_recomputed_at_the_new_rate(walk):
    out = resample(walk, 30)
    inner = slice(1, -1)
    np.testing.assert_allclose(out.joint_vel[inner], finite_difference(out.joint_pos, 30)[inner], atol=1e-9)
    np.testing.assert_allclose(out.root_lin_vel[inner], finite_difference(out.root_pos, 30)[inner], atol=1e-9)
    np.testing.assert_allclose(out.root_ang_vel[inner], angular_velocity_world(out.root_quat, 30)[inner], atol=1e-9)


def test_fractional_cycle_frames_use_the_exact_rate(walk):
    # 24-frame cycles at 60 fps last 0.4 s: 24 fps would give 9.6 frames, so 10 frames at 25 fps.
    assert resampled_fps(walk, 24) == 25.0
    out = resample(walk, 24)
    assert out.fps == 25.0 and out.loop.cycle_frames == 10
    assert out.meta["resample"] == {"source_fps": 60.0, "requested_fps": 24.0, "fps": 25.0}


def test_non_looping_clip_keeps_its_span():
    m = gait_generator.generate(robot="mini_biped", preset="medium", dx=0.02, length=2.0, with_start=True)
    out = resample(m, 30)
    assert not out.loop.looping
    assert out.num_frames == int(np.floor(m.span * 30 + 1e-9)) + 1
    np.testing.assert_allclose(out.joint_pos, m.joint_pos[::2][: out.num_frames], atol=1e-12)


def test_same_rate_is_a_no_op(walk):
    assert resample(walk, 60) is walk


@pytest.mark.parametrize("fps", [0.0, -5.0, float("nan"), 1.0])
def test_bad_rates_are_rejected(walk, fps):
    with pytest.raises(ValueError, match="fps"):
        resample(walk, fps)
