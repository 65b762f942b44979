"""Tests for motions.motion: the Motion container, its parts and its validation."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from motions import Achieved, Command, Footsteps, Loop, Motion
from motions.derivatives import angular_velocity_world, finite_difference
from motions.errors import MotionFormatError
from motions.synthetic import synthetic_walk


@pytest.fixture(scope="module")
def motion() -> Motion:
    return synthetic_walk(fps=50.0, cycle_frames=40, num_cycles=2, vx=0.1, vy=0.02, yaw_rate=0.3)


def test_derived_properties(motion: Motion) -> None:
    assert motion.num_frames == 80
    assert motion.num_joints == 6
    assert motion.quat_order == "xyzw" == Motion.QUAT_ORDER
    np.testing.assert_array_equal(motion.times, np.arange(80) / 50.0)
    assert motion.times[79] == 79 / 50.0  # computed from the index, not accumulated
    assert motion.span == 79 / 50.0
    assert motion.period == 80 / 50.0


def test_repr_is_one_short_line_without_arrays(motion: Motion) -> None:
    assert repr(motion) == ("Motion(robot='synthetic', preset=None, 80 frames at 50 fps (1.6 s), 6 joints, command "
                            "dx=0.04 m dy=0.008 m dtheta=0.12 rad per step, looping 2 cycles of 40 frames)")
    single = dataclasses.replace(motion, loop=Loop(looping=False))
    assert repr(single).endswith(", not looping)") and len(repr(single)) < 200


def test_joints_addressed_by_name(motion: Motion) -> None:
    index = motion.joint_index("right_knee")
    assert motion.joint_names[index] == "right_knee"
    np.testing.assert_array_equal(motion.joint("right_knee"), motion.joint_pos[:, index])
    np.testing.assert_array_equal(motion.joint_velocity("right_knee"), motion.joint_vel[:, index])
    with pytest.raises(KeyError, match="'elbow' not in this motion"):
        motion.joint("elbow")


def test_arrays_are_read_only_copies(motion: Motion) -> None:
    with pytest.raises(ValueError, match="read-only"):
        motion.root_pos[0, 0] = 1.0
    source = np.array(motion.joint_pos)
    copy = dataclasses.replace(motion, joint_pos=source)
    source[0, 0] = 123.0
    assert copy.joint_pos[0, 0] != 123.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        motion.fps = 30.0  # type: ignore[misc]


def test_dtypes_are_normalised(motion: Motion) -> None:
    ints = dataclasses.replace(motion, contacts=motion.contacts.astype(np.int64), joint_names=list(motion.joint_names))
    assert ints.contacts.dtype == np.bool_
    np.testing.assert_array_equal(ints.contacts, motion.contacts)
    assert isinstance(ints.joint_names, tuple)
    assert motion.root_pos.dtype == np.float64
    assert motion.footsteps.side.dtype == np.int8
    assert isinstance(motion.fps, float)


def test_synthetic_velocities_follow_the_documented_conventions(motion: Motion) -> None:
    # Interior frames: velocities are central differences of positions at fps.
    central = finite_difference(motion.root_pos, motion.fps)
    np.testing.assert_allclose(motion.root_lin_vel[1:-1], central[1:-1], atol=1e-12)
    np.testing.assert_allclose(motion.root_ang_vel, np.tile([0.0, 0.0, 0.3], (80, 1)), atol=1e-12)
    np.testing.assert_allclose(
        angular_velocity_world(motion.root_quat, motion.fps)[1:-1], motion.root_ang_vel[1:-1], atol=1e-12
    )
    # The first frame's velocity is never zero for a moving root.
    assert np.linalg.norm(motion.root_lin_vel[0]) > 0.09


def test_meta_is_normalised_through_json(motion: Motion) -> None:
    changed = dataclasses.replace(motion, meta={"seed": 3, "timing": (0.17, 0.2), "nested": {"a": [1, 2]}})
    assert changed.meta == {"seed": 3, "timing": [0.17, 0.2], "nested": {"a": [1, 2]}}


def _bad_quat(motion: Motion) -> np.ndarray:
    quat = np.array(motion.root_quat)
    quat[5] *= 1.0 + 1e-5
    return quat


def _flipped(motion: Motion) -> np.ndarray:
    quat = np.array(motion.root_quat)
    quat[10:] *= -1.0
    return quat


def _with_nan(array: np.ndarray, index: tuple[int, ...]) -> np.ndarray:
    array = np.array(array)
    array[index] = np.nan
    return array


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda m: {"root_pos": m.root_pos[:, :2]}, r"root_pos: shape \(80, 2\), expected"),
        (lambda m: {"root_quat": m.root_quat[:, :3]}, r"root_quat: shape \(80, 3\), expected \(T, 4\) = \(80, 4\)"),
        (lambda m: {"joint_pos": m.joint_pos[:, :5]}, r"joint_pos: shape \(80, 5\), expected \(T, J\) = \(80, 6\)"),
        (lambda m: {"joint_vel": m.joint_vel[:79]}, r"joint_vel: shape \(79, 6\), expected \(T, J\) = \(80, 6\)"),
        (lambda m: {"zmp": m.com_pos}, r"zmp: shape \(80, 3\), expected \(T, 2\)"),
        (lambda m: {"contacts": m.contacts[:, :1]}, r"contacts: shape \(80, 1\)"),
        (lambda m: {"contacts": m.contacts * 0.5}, r"contacts: dtype float64"),
        (lambda m: {"joint_vel": _with_nan(m.joint_vel, (3, 2))}, r"joint_vel: .* non-finite value at index \(3, 2\)"),
        (lambda m: {"com_pos": m.com_pos + np.inf}, r"com_pos: .* non-finite"),
        (lambda m: {"root_quat": _bad_quat(m)}, r"root_quat: shape \(80, 4\), row 5 has norm 1.00001"),
        (lambda m: {"root_quat": _flipped(m)}, r"root_quat: .* sign flips between rows 9 and 10"),
        (lambda m: {"joint_names": ("a", "b", "a", "c", "d", "e")}, r"joint_names: 'a' appears more than once"),
        (lambda m: {"joint_names": ("a", "", "b", "c", "d", "e")}, r"joint_names: '', expected non-empty str"),
        (lambda m: {"joint_names": "abcdef"}, r"joint_names: str, expected a sequence of str"),
        (lambda m: {"root_pos": [[0.0, 0.0, 0.0], [1.0, 2.0]]}, r"root_pos: cannot be converted to an array"),
        (lambda m: {"fps": 0.0}, r"fps: 0, expected a rate in \[1, 10000\]"),
        (lambda m: {"fps": True}, r"fps: dtype bool, expected numbers"),
        (lambda m: {"fps": float("nan")}, r"fps: nan, expected a finite number"),
        (lambda m: {"meta": {"x": float("nan")}}, r"meta: not JSON-serialisable"),
        (lambda m: {"meta": {"x": object()}}, r"meta: not JSON-serialisable"),
        (lambda m: {"meta": ["robot"]}, r"meta: list, expected a dict"),
        (lambda m: {"command": (0.1, 0.0, 0.0)}, r"command: tuple, expected Command"),
        (
            lambda m: {"loop": dataclasses.replace(m.loop, num_cycles=3)},
            r"loop: 3 cycles of 40 frames = 120 frames, expected T = 80",
        ),
    ],
)
def test_validation_names_field_shape_and_expectation(motion: Motion, change, message: str) -> None:
    with pytest.raises(MotionFormatError, match=message):
        dataclasses.replace(motion, **change(motion))


def test_quaternion_tolerance_is_1e_6(motion: Motion) -> None:
    within, beyond = np.array(motion.root_quat), np.array(motion.root_quat)
    within[0] *= 1.0 + 5e-7
    beyond[0] *= 1.0 + 2e-6
    accepted = dataclasses.replace(motion, root_quat=within)
    np.testing.assert_array_equal(accepted.root_quat, within)  # accepted as given: not renormalised
    with pytest.raises(MotionFormatError, match=r"row 0 has norm 1.000002.* within 1e-06"):
        dataclasses.replace(motion, root_quat=beyond)


def test_non_looping_motion_and_empty_parts(motion: Motion) -> None:
    single = dataclasses.replace(
        motion,
        loop=Loop(looping=False),
        footsteps=Footsteps(side=[], pos=np.zeros((0, 3)), yaw=[], t_start=[], t_end=[]),
    )
    assert single.footsteps.num_steps == 0
    assert single.loop.clip_offset()[1] == 0.0


def test_footsteps_validation() -> None:
    good = {"side": [0, 1], "pos": np.zeros((2, 3)), "yaw": [0.0, 0.1], "t_start": [-0.1, 0.2], "t_end": [0.3, 5.0]}
    assert Footsteps(**good).num_steps == 2
    with pytest.raises(MotionFormatError, match=r"footsteps.side: values \[0, 2\], expected 0 \(left\) or 1"):
        Footsteps(**{**good, "side": [0, 2]})
    with pytest.raises(MotionFormatError, match=r"footsteps.pos: shape \(2, 2\), expected \(S, 3\)"):
        Footsteps(**{**good, "pos": np.zeros((2, 2))})
    with pytest.raises(MotionFormatError, match=r"footsteps.t_end: step 1 ends at 0.1 s before it starts"):
        Footsteps(**{**good, "t_end": [0.3, 0.1]})


def test_command_and_achieved_validation() -> None:
    assert Command(dx=0.05, dy=0, dtheta=np.float32(0.25)).dtheta == pytest.approx(0.25)
    with pytest.raises(MotionFormatError, match="command.dy: nan"):
        Command(dx=0.05, dy=float("nan"), dtheta=0.0)
    with pytest.raises(MotionFormatError, match=r"achieved.vx: shape \(2,\), expected a scalar"):
        Achieved(vx=[0.1, 0.2], vy=0.0, yaw_rate=0.0)
    with pytest.raises(MotionFormatError, match="achieved.yaw_rate: dtype <U3"):
        Achieved(vx=0.1, vy=0.0, yaw_rate="0.1")


def test_single_frame_motion_is_valid(motion: Motion) -> None:
    fields = {
        name: getattr(motion, name)[:1]
        for name in (
            "root_pos", "root_quat", "joint_pos", "joint_vel", "root_lin_vel", "root_ang_vel",
            "left_foot_pos", "right_foot_pos", "contacts", "com_pos", "zmp",
        )
    }
    single = dataclasses.replace(motion, loop=Loop(looping=False), **fields)
    assert single.num_frames == 1 and single.span == 0.0 and single.period == 1 / motion.fps
