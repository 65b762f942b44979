"""The walk generator core on mini_biped with real placo: quality, loops, determinism, errors."""

from __future__ import annotations

import numpy as np
import pytest

from gait_generator import generate
from gait_generator.errors import CommandError, PresetError
from gait_generator.preset import resolve_preset
from gait_generator.timing import snap_timing
from robots import load_robot
from tests.quality import check_clip, check_seamless

COMMANDS = {
    "forward": (0.04, 0.0, 0.0),
    "backward": (-0.03, 0.0, 0.0),
    "lateral": (0.0, 0.015, 0.0),
    "turning": (0.0, 0.0, 0.2),
    "mixed": (0.03, -0.01, -0.1),
}
PRESETS = ("slow", "medium", "fast")


@pytest.fixture(scope="module")
def robot():
    return load_robot("mini_biped")


@pytest.mark.parametrize("preset", PRESETS)
@pytest.mark.parametrize("kind", sorted(COMMANDS))
def test_ten_second_clip_quality(robot, preset, kind):
    dx, dy, dtheta = COMMANDS[kind]
    motion = generate(robot="mini_biped", preset=preset, dx=dx, dy=dy, dtheta=dtheta, length=10.0)
    timing = snap_timing(resolve_preset(robot.spec.presets, preset, robot.name), 60)
    assert motion.loop.looping
    assert motion.num_frames == motion.loop.cycle_frames * motion.loop.num_cycles
    assert abs(motion.num_frames / 60 - 10.0) <= timing.cycle_frames / 60 / 2
    assert motion.meta["length"] == motion.num_frames / 60
    check_clip(motion, robot, timing.step_duration)


def test_with_start_is_not_looping_and_starts_standing(robot):
    motion = generate(dx=0.04, length=10.0, with_start=True)
    assert not motion.loop.looping
    assert motion.num_frames == 601 and motion.meta["length"] == 10.0
    assert motion.contacts[0].all()  # standing on both feet
    assert motion.meta["start_frames"] > 0
    check_clip(motion, robot)


def test_clip_covers_whole_cycles_and_tiles(robot):
    motion = generate(dx=0.03, dtheta=0.15, length=3.0)
    n = motion.loop.cycle_frames
    assert n == 24  # 2 x (10 + 2) frames: 0.17 s and 18 % snapped to the 1/30 s planner grid
    # Frame k + n is frame k moved by the cycle offset.
    moved = motion.loop.transform_positions(motion.root_pos[:n], 1)
    np.testing.assert_allclose(moved, motion.root_pos[n : 2 * n], atol=1e-12)
    np.testing.assert_array_equal(motion.joint_pos[:n], motion.joint_pos[n : 2 * n])
    check_seamless(motion)


def test_length_rounds_to_whole_cycles():
    motion = generate(dx=0.02, length=1.0)  # 60 frames -> 2.5 cycles of 24 -> 2 cycles
    assert motion.num_frames % motion.loop.cycle_frames == 0
    assert motion.loop.num_cycles == round(60 / motion.loop.cycle_frames)


def test_same_seed_gives_byte_identical_files(tmp_path):
    a = generate(dx=0.04, dy=0.01, dtheta=0.1, seed=7)
    generate(dx=-0.02, dtheta=-0.2, seed=3)  # the cached placo session must not leak state
    b = generate(dx=0.04, dy=0.01, dtheta=0.1, seed=7)
    a.save(tmp_path / "a.npz")
    b.save(tmp_path / "b.npz")
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()


def test_world_frame_starts_at_origin_heading_x():
    motion = generate(dx=0.03, dtheta=0.2)
    np.testing.assert_allclose(motion.root_pos[0, :2], 0.0, atol=1e-12)
    from motions.rotations import yaw_from_quat

    assert abs(float(yaw_from_quat(motion.root_quat[0]))) < 1e-12


def test_command_beyond_step_limits_is_an_error():
    with pytest.raises(CommandError, match=r"dx=0.5 .*step limits \[-0.04, 0.05\]"):
        generate(dx=0.5)
    with pytest.raises(CommandError, match="dtheta"):
        generate(dtheta=-1.0)


def test_command_placo_would_clip_is_an_error():
    # Within the box limits, but placo would push the feet apart to avoid overlap.
    with pytest.raises(CommandError, match="footstep planner"):
        generate(preset="medium", dx=-0.03, dy=-0.03, dtheta=-0.3)


def test_bad_length_and_fps():
    with pytest.raises(CommandError, match="length"):
        generate(length=-1.0)
    for fps in (5, float("nan"), "60"):  # one check, one error type, whatever is wrong with fps
        with pytest.raises(PresetError, match="fps"):
            generate(fps=fps)


def test_unknown_preset_names_choices():
    with pytest.raises(PresetError, match="expected one of"):
        generate(preset="sprint")


@pytest.mark.parametrize("robot_name", ["mini_biped", "g1"])
def test_joints_not_driven_hold_their_posture_exactly(robot_name):
    robot = load_robot(robot_name)
    motion = generate(robot=robot_name, dx=0.0, dtheta=0.1, length=1.0)
    for name, angle in robot.posture().items():
        assert np.all(motion.joint(name) == angle), name


@pytest.mark.parametrize("robot_name, preset, cmd", [
    ("mini_biped", "fast", (0.05, 0.01, 0.2)),
    ("mini_biped", "medium", (0.04, 0.0, 0.0)),
    ("g1", "medium", (0.1, 0.0, 0.0)),
])
def test_whole_body_zmp_follows_the_plan(robot_name, preset, cmd):
    # Leg momentum would move the ZMP by up to 6 cm (mini_biped) or 20 cm (G1) off the plan;
    # the CoM correction brings MuJoCo's inverse dynamics back onto it.
    from validate.dynamic import ground_wrench, multibody_zmp
    from validate.trace import robot_model, trace_motion

    motion = generate(robot=robot_name, preset=preset, dx=cmd[0], dy=cmd[1], dtheta=cmd[2], length=2.0)
    assert motion.meta["multibody_zmp_error_max"] < 5e-3
    trace = trace_motion(motion, robot_model(load_robot(robot_name)))
    zmp = multibody_zmp(motion.root_pos, *ground_wrench(motion, trace))
    assert np.linalg.norm(zmp - motion.zmp, axis=1).max() < 0.015
