"""Stage 4 of generate(): the Motion of a placed clip, its achieved velocity and its provenance."""

from __future__ import annotations

import pytest

from gait_generator import generate
from gait_generator.assembly import assemble
from motions.velocities import achieved_velocity
from tests.stages import COMMAND, LENGTH, stages


@pytest.fixture(scope="module")
def motion():
    run = stages()
    return assemble(run.robot, run.preset, run.timing, run.clip, COMMAND, 0, LENGTH, False)


def test_the_motion_holds_the_clip_and_what_it_achieves(motion):
    run = stages()
    assert motion.num_frames == len(run.clip.frames.root_pos) and motion.fps == run.timing.fps
    assert motion.loop is run.clip.loop and motion.footsteps is run.clip.footsteps
    assert motion.command == COMMAND
    expected = achieved_velocity(run.clip.frames.root_quat, run.clip.frames.root_lin_vel, run.clip.loop, 60.0)
    assert (motion.achieved.vx, motion.achieved.vy, motion.achieved.yaw_rate) == (expected.vx, expected.vy,
                                                                                   expected.yaw_rate)


def test_meta_records_the_solve_of_a_gait_cycle(motion):
    run = stages()
    meta = motion.meta
    assert (meta["robot"], meta["preset"], meta["seed"], meta["with_start"]) == ("mini_biped", "medium", 0, False)
    assert meta["requested_length"] == LENGTH and meta["length"] == motion.num_frames / 60
    assert meta["ik_frames_solved"] == run.timing.cycle_frames + 1 == run.solve.solved_frames
    assert meta["loop_closure_joint_error"] == run.solve.loop_closure
    assert meta["zmp_support_margin_min"] == run.solve.support_margin
    assert meta["start_frames"] == 0 and "weight_shift_bumps" not in meta
    assert meta["ik"] == "exact"


def test_meta_of_a_walk_from_standing_records_its_weight_shifts():
    run = stages(with_start=True)
    meta = assemble(run.robot, run.preset, run.timing, run.clip, COMMAND, 0, LENGTH, True).meta
    assert meta["start_frames"] == run.timing.startend_frames and "loop_closure_joint_error" not in meta
    assert meta["weight_shift_bumps"] == run.solve.frames.bump_sizes.tolist() and len(meta["weight_shift_bumps"]) == 2
    assert meta["length"] == LENGTH  # (frames - 1) / fps: the span from the first to the last frame


def test_generate_is_exactly_its_stages(motion, tmp_path):
    generate(dx=COMMAND.dx, dy=COMMAND.dy, dtheta=COMMAND.dtheta, length=LENGTH).save(tmp_path / "generated.npz")
    motion.save(tmp_path / "stages.npz")
    assert (tmp_path / "generated.npz").read_bytes() == (tmp_path / "stages.npz").read_bytes()
