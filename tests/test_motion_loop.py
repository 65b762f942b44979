"""Tests for motions.loop: loop metadata and the rigid per-cycle root offset."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from motions import Loop, Motion
from motions.errors import MotionFormatError
from motions.rotations import quat_from_yaw, quat_multiply, yaw_from_quat
from motions.synthetic import synthetic_walk

_coord = st.floats(-2.0, 2.0)
loops = st.builds(
    lambda offset, yaw, frames, cycles: Loop(
        looping=True, cycle_frames=frames, num_cycles=cycles, cycle_offset_pos=np.array(offset), cycle_offset_yaw=yaw
    ),
    st.tuples(_coord, _coord, st.floats(-0.1, 0.1)),
    st.floats(-np.pi, np.pi),
    st.integers(1, 100),
    st.integers(1, 6),
)
points = st.tuples(_coord, _coord, _coord).map(np.array)


@pytest.fixture(scope="module", params=[0.0, 0.3, -1.1])
def walk(request: pytest.FixtureRequest) -> Motion:
    return synthetic_walk(fps=60.0, cycle_frames=36, num_cycles=3, vx=0.12, vy=-0.03, yaw_rate=request.param)


def test_non_looping_default() -> None:
    loop = Loop(looping=False)
    assert (loop.cycle_frames, loop.num_cycles, loop.total_frames) == (0, 0, 0)
    offset_pos, offset_yaw = loop.clip_offset()
    np.testing.assert_array_equal(offset_pos, np.zeros(3))
    assert offset_yaw == 0.0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"looping": True, "cycle_frames": 0, "num_cycles": 1}, r"loop.cycle_frames: 0, expected an integer >= 1"),
        ({"looping": True, "cycle_frames": 10, "num_cycles": 0}, r"loop.num_cycles: 0, expected an integer >= 1"),
        ({"looping": False, "cycle_frames": 10}, r"loop.cycle_frames: 10, expected 0 for a non-looping clip"),
        ({"looping": False, "cycle_offset_yaw": 0.1}, r"loop.cycle_offset_yaw: 0.1, expected 0"),
        ({"looping": False, "cycle_offset_pos": [0.1, 0, 0]}, r"loop.cycle_offset_pos: \[0.1, 0.0, 0.0\], expected zeros"),
        ({"looping": 1}, r"loop.looping: 1, expected a bool"),
        ({"looping": True, "cycle_frames": 2.0, "num_cycles": 1}, r"loop.cycle_frames: 2.0, expected an integer"),
        ({"looping": True, "cycle_frames": 2, "num_cycles": 1, "cycle_offset_pos": [0, 0]}, r"shape \(2,\)"),
    ],
)
def test_loop_validation(kwargs: dict, message: str) -> None:
    with pytest.raises(MotionFormatError, match=message):
        Loop(**kwargs)


@given(loops, points)
def test_offset_composes_cycles(loop: Loop, point: np.ndarray) -> None:
    twice = loop.transform_positions(loop.transform_positions(point))
    np.testing.assert_allclose(loop.transform_positions(point, cycles=2), twice, atol=1e-12)
    offset_pos, offset_yaw = loop.clip_offset()
    assert offset_yaw == pytest.approx(loop.num_cycles * loop.cycle_offset_yaw)
    moved = point
    for _ in range(loop.num_cycles):
        moved = loop.transform_positions(moved)
    np.testing.assert_allclose(loop.transform_positions(point, cycles=loop.num_cycles), moved, atol=1e-11)
    np.testing.assert_allclose(offset_pos, loop.transform_positions(np.zeros(3), loop.num_cycles), atol=1e-12)


@given(loops, points, st.integers(-4, 4))
def test_negative_cycles_invert(loop: Loop, point: np.ndarray, cycles: int) -> None:
    there = loop.transform_positions(point, cycles)
    np.testing.assert_allclose(loop.transform_positions(there, -cycles), point, atol=1e-11)
    vec = loop.transform_vectors(point, cycles)
    np.testing.assert_allclose(np.linalg.norm(vec), np.linalg.norm(point), atol=1e-12)
    np.testing.assert_allclose(loop.transform_vectors(vec, -cycles), point, atol=1e-12)


@given(loops, st.floats(-3.0, 3.0))
def test_transform_quats_adds_yaw(loop: Loop, yaw: float) -> None:
    pitched = quat_multiply(quat_from_yaw(yaw), [0.0, np.sin(0.1), 0.0, np.cos(0.1)])
    moved = loop.transform_quats(pitched)
    delta = yaw_from_quat(moved) - yaw - loop.cycle_offset_yaw
    assert abs(np.angle(np.exp(1j * delta))) < 1e-9
    np.testing.assert_allclose(np.linalg.norm(moved), 1.0, atol=1e-12)


def test_motion_frames_repeat_under_the_cycle_offset(walk: Motion) -> None:
    loop, n = walk.loop, walk.loop.cycle_frames
    assert loop.looping and walk.num_frames == loop.total_frames
    for name in ("root_pos", "left_foot_pos", "right_foot_pos", "com_pos"):
        values = getattr(walk, name)
        np.testing.assert_allclose(loop.transform_positions(values[:-n]), values[n:], atol=1e-12, err_msg=name)
    for name in ("root_lin_vel", "root_ang_vel"):
        values = getattr(walk, name)
        np.testing.assert_allclose(loop.transform_vectors(values[:-n]), values[n:], atol=1e-12, err_msg=name)
    np.testing.assert_allclose(loop.transform_quats(walk.root_quat[:-n]), walk.root_quat[n:], atol=1e-12)
    for name in ("joint_pos", "joint_vel", "contacts"):
        np.testing.assert_allclose(getattr(walk, name)[:-n], getattr(walk, name)[n:], atol=1e-12, err_msg=name)


def test_whole_clip_offset_continues_the_clip(walk: Motion) -> None:
    # Frame T (unstored) = frame 0 moved by the whole-clip offset: the velocity at
    # the last frame is the central difference towards it.
    after = walk.loop.transform_positions(walk.root_pos[0], walk.loop.num_cycles)
    central = (after - walk.root_pos[-2]) * walk.fps / 2
    np.testing.assert_allclose(walk.root_lin_vel[-1], central, atol=1e-12)
    offset_pos, offset_yaw = walk.loop.clip_offset()
    np.testing.assert_allclose(after, offset_pos + walk.loop.transform_vectors(walk.root_pos[0], walk.loop.num_cycles))
    assert offset_yaw == pytest.approx(walk.achieved.yaw_rate * walk.period)
