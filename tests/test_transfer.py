"""Cross-robot gait transfer (gait_generator.transfer) with real placo and MuJoCo."""

from __future__ import annotations

import functools

import mujoco
import numpy as np
import pytest

from gait_generator import generate
from gait_generator.placo_adapter import leg_geometry
from gait_generator.transfer import transfer_motion
from motions import Motion, load
from robots import Robot, load_robot, mjcf
from tests.quality import (
    angular_from_quats,
    central,
    check_seamless,
    max_slip,
    rel_rms,
    stance_runs,
)

SLIP_TOL = 5e-4  # m, stance foot drift over a contact run
FOOT_TOL = 5e-3  # m, sole tracking error against the scaled keypoints
FLOOR_TOL = 1e-4  # m, sole centre below the floor
MUJOCO_TOL = 1e-3  # m, MuJoCo sole site vs stored sole, and stance sole height

CLIPS = {
    "forward": {"dx": 0.04},
    "turning": {"dx": 0.02, "dtheta": 0.2},
}


@functools.cache
def _robot(name: str) -> Robot:
    return load_robot(name)


@functools.cache
def _source(kind: str) -> Motion:
    return generate(robot="mini_biped", preset="medium", length=2.0, **CLIPS[kind])


@functools.cache
def _to_g1(kind: str) -> tuple[Motion, dict]:
    return transfer_motion(_source(kind), _robot("mini_biped"), _robot("g1"))


@functools.cache
def _back(kind: str) -> tuple[Motion, dict]:
    return transfer_motion(_to_g1(kind)[0], _robot("g1"), _robot("mini_biped"))


def _case(direction: str, kind: str) -> tuple[Motion, dict, Motion, Robot]:
    """(transferred clip, metrics, its source clip, target robot)."""
    if direction == "mini_to_g1":
        out, metrics = _to_g1(kind)
        return out, metrics, _source(kind), _robot("g1")
    out, metrics = _back(kind)
    return out, metrics, _to_g1(kind)[0], _robot("mini_biped")


CASES = [(d, k) for d in ("mini_to_g1", "g1_to_mini") for k in CLIPS]


@pytest.mark.parametrize("direction, kind", CASES)
def test_stance_feet_do_not_slip_and_stay_above_the_floor(direction: str, kind: str) -> None:
    out, _, _, _ = _case(direction, kind)
    assert max_slip(out) <= SLIP_TOL, f"stance slip {max_slip(out) * 1e3:.3f} mm"
    lowest = min(out.left_foot_pos[:, 2].min(), out.right_foot_pos[:, 2].min())
    assert lowest >= -FLOOR_TOL, f"sole {lowest * 1e3:.3f} mm below the floor"


@pytest.mark.parametrize("direction, kind", CASES)
def test_feet_track_the_keypoints_and_metrics_are_recorded(direction: str, kind: str) -> None:
    out, metrics, src, robot = _case(direction, kind)
    error = out.meta["retarget_error"]
    assert error == metrics["retarget_error"]
    assert set(error) >= {"foot_pos_max", "foot_pos_mean", "trunk_rot_max", "trunk_rot_mean"}
    assert error["foot_pos_max"] <= FOOT_TOL
    assert 0.0 <= error["foot_pos_mean"] <= error["foot_pos_max"]
    assert out.meta["robot"] == robot.name
    assert out.meta["transferred_from"] == src.meta["robot"]
    assert out.meta["leg_ratio"] == pytest.approx(metrics["leg_ratio"])
    assert out.joint_names == robot.joint_names


@pytest.mark.parametrize("direction, kind", CASES)
def test_joint_limits_and_knees(direction: str, kind: str) -> None:
    out, _, _, robot = _case(direction, kind)
    for name in out.joint_names:
        lo, hi = robot.joint_limits(name)
        q = out.joint(name)
        assert q.min() >= lo - 1e-9 and q.max() <= hi + 1e-9, f"{name} in [{q.min()}, {q.max()}] outside [{lo}, {hi}]"
    for knee, sign in zip(robot.spec.knees, robot.spec.knee_signs):
        assert np.all(out.joint(knee) * sign > 0.05), f"{knee} not bent the declared way"
    for name, value in robot.posture().items():
        np.testing.assert_allclose(out.joint(name), value, atol=1e-12, err_msg=name)


@pytest.mark.parametrize("direction, kind", CASES)
def test_timing_contacts_loop_and_velocities(direction: str, kind: str) -> None:
    out, metrics, src, _ = _case(direction, kind)
    assert out.fps == src.fps and out.num_frames == src.num_frames
    np.testing.assert_array_equal(out.contacts, src.contacts)
    assert out.loop.looping and out.loop.cycle_frames == src.loop.cycle_frames
    assert out.loop.num_cycles == src.loop.num_cycles
    assert out.loop.cycle_offset_yaw == pytest.approx(src.loop.cycle_offset_yaw)
    np.testing.assert_allclose(out.loop.cycle_offset_pos, src.loop.cycle_offset_pos * metrics["leg_ratio"], atol=1e-12)
    # Frame k + cycle_frames is frame k moved by the (scaled) cycle offset.
    n = out.loop.cycle_frames
    for field in ("root_pos", "left_foot_pos", "right_foot_pos", "com_pos"):
        x = getattr(out, field)
        np.testing.assert_allclose(out.loop.transform_positions(x[:-n]), x[n:], atol=1e-9, err_msg=field)
    np.testing.assert_allclose(out.joint_pos[:-n], out.joint_pos[n:], atol=1e-12)
    check_seamless(out)
    fps = out.fps
    assert rel_rms(out.joint_vel[1:-1], central(out.joint_pos, fps)) <= 1e-9
    assert rel_rms(out.root_lin_vel[1:-1], central(out.root_pos, fps)) <= 1e-9
    assert rel_rms(out.root_ang_vel[1:-1], angular_from_quats(out.root_quat, fps)) <= 1e-6
    # Across the seam, velocities use the true neighbours: the sequence is periodic under the offset.
    np.testing.assert_allclose(out.loop.transform_vectors(out.root_lin_vel[:1], out.loop.num_cycles)[0],
                               (out.loop.transform_positions(out.root_pos[1:2], out.loop.num_cycles)[0]
                                - out.root_pos[-1]) * fps / 2, atol=1e-9)


def test_forward_steps_are_scaled_by_the_leg_and_hip_ratios() -> None:
    out, metrics, src, _ = _case("mini_to_g1", "forward")
    mini, g1 = leg_geometry(_robot("mini_biped")), leg_geometry(_robot("g1"))
    assert g1.hip_joints == ("left_hip_pitch_joint", "right_hip_pitch_joint")
    assert g1.leg_length == pytest.approx(0.689, abs=1e-3) and g1.hip_width == pytest.approx(0.129, abs=1e-3)
    assert metrics["leg_ratio"] == pytest.approx(g1.leg_length / mini.leg_length)
    assert metrics["width_ratio"] == pytest.approx(g1.hip_width / mini.hip_width)
    fs, ft = src.footsteps, out.footsteps
    np.testing.assert_array_equal(ft.side, fs.side)
    step_src = np.diff(fs.pos[:, 0])
    step_out = np.diff(ft.pos[:, 0])
    np.testing.assert_allclose(step_out, step_src * metrics["leg_ratio"], rtol=1e-3, atol=1e-9)
    # Straight walk: the left-right spacing of consecutive steps scales with hip width (the clip's
    # origin, the root at frame 0, need not sit exactly on the feet midline).
    np.testing.assert_allclose(np.diff(ft.pos[:, 1]), np.diff(fs.pos[:, 1]) * metrics["width_ratio"], atol=1e-4)
    np.testing.assert_allclose(ft.yaw, fs.yaw, atol=1e-9)
    # Footsteps are where the stance feet are held (the run still planted at the end has no footstep,
    # as in the source: footsteps list the steps that start inside the clip).
    for col, feet in ((0, out.left_foot_pos), (1, out.right_foot_pos)):
        for a, b in stance_runs(out.contacts[:, col]):
            if b == out.num_frames and a > 0:
                continue
            dist = np.linalg.norm(ft.pos[ft.side == col] - feet[a], axis=1)
            assert dist.min() <= 1e-9
    assert out.command.dx == pytest.approx(src.command.dx * metrics["leg_ratio"])
    assert out.achieved.vx == pytest.approx(src.achieved.vx * metrics["leg_ratio"], rel=1e-3)


def test_turning_keeps_the_yaw_rate() -> None:
    out, _, src, _ = _case("mini_to_g1", "turning")
    assert out.achieved.yaw_rate == pytest.approx(src.achieved.yaw_rate)
    np.testing.assert_allclose(np.unwrap(out.footsteps.yaw), np.unwrap(src.footsteps.yaw), atol=1e-6)


def test_round_trip_recovers_the_forward_clip() -> None:
    back, _, _, _ = _case("g1_to_mini", "forward")
    src = _source("forward")
    np.testing.assert_allclose(back.root_pos, src.root_pos, atol=1e-5)
    np.testing.assert_allclose(back.left_foot_pos, src.left_foot_pos, atol=5e-5)
    legs = [src.joint_index(n) for n in _robot("mini_biped").spec.driven_joints]
    np.testing.assert_allclose(back.joint_pos[:, legs], src.joint_pos[:, legs], atol=2e-3)


def test_generated_g1_clip_to_mini_biped() -> None:
    src = generate(robot="g1", preset="medium", dx=0.1, dtheta=0.1, length=2.0)
    out, metrics = transfer_motion(src, _robot("g1"), _robot("mini_biped"))
    assert max_slip(out) <= SLIP_TOL
    assert min(out.left_foot_pos[:, 2].min(), out.right_foot_pos[:, 2].min()) >= -FLOOR_TOL
    assert metrics["retarget_error"]["foot_pos_max"] <= FOOT_TOL
    check_seamless(out)


def test_non_looping_clip_with_start() -> None:
    src = generate(robot="mini_biped", preset="medium", dx=0.04, length=1.5, with_start=True)
    out, metrics = transfer_motion(src, _robot("mini_biped"), _robot("g1"))
    assert not out.loop.looping and out.num_frames == src.num_frames
    assert max_slip(out) <= SLIP_TOL
    assert metrics["retarget_error"]["foot_pos_max"] <= FOOT_TOL
    assert min(out.left_foot_pos[:, 2].min(), out.right_foot_pos[:, 2].min()) >= -FLOOR_TOL


def test_same_seed_same_clip_and_file_round_trip(tmp_path) -> None:
    out, _ = _to_g1("turning")
    again, _ = transfer_motion(_source("turning"), _robot("mini_biped"), _robot("g1"), seed=0)
    np.testing.assert_array_equal(again.joint_pos, out.joint_pos)
    loaded = load(out.save(tmp_path / "g1_turning.npz"))
    assert loaded.meta["retarget_error"] == out.meta["retarget_error"]


def test_wrong_source_robot_is_rejected() -> None:
    with pytest.raises(ValueError, match="source robot 'g1'"):
        transfer_motion(_source("forward"), _robot("g1"), _robot("mini_biped"))


@pytest.mark.parametrize("kind", list(CLIPS))
def test_mujoco_replay_puts_the_g1_soles_where_the_clip_says(kind: str) -> None:
    robot = _robot("g1")
    out, _ = _to_g1(kind)
    model = mjcf.model(robot)
    data = mujoco.MjData(model)
    qpos = mjcf.to_qpos(model, out.root_pos, out.root_quat, out.joint_pos)
    sites = [mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_SITE, s) for s in ("left_foot", "right_foot")]
    for k, row in enumerate(qpos):
        data.qpos[:] = row
        mujoco.mj_kinematics(model, data)
        for col, (site, want) in enumerate(zip(sites, (out.left_foot_pos[k], out.right_foot_pos[k]))):
            got = data.site_xpos[site]
            assert np.linalg.norm(got - want) <= MUJOCO_TOL, f"frame {k}: sole {col} off by {got - want}"
            assert got[2] >= -FLOOR_TOL
            if out.contacts[k, col]:
                assert abs(got[2]) <= MUJOCO_TOL


def test_gait_retarget_from_robot_writes_target_motions_with_errors(tmp_path):
    import json

    from retarget.cli import main

    src = tmp_path / "src"
    src.mkdir()
    generate(robot="mini_biped", preset="medium", dx=0.04, length=2.0).save(src / "walk.npz")
    out = tmp_path / "g1"
    assert main([str(src), "-o", str(out), "--from-robot", "mini_biped", "--robot", "g1", "--format", "motion"]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    entry = manifest["motions"][0]
    assert entry["retarget_error"]["foot_pos_max"] <= 5e-3
    moved = load(out / entry["file"])
    assert moved.meta["robot"] == "g1" and moved.meta["transferred_from"] == "mini_biped"
    assert moved.joint_names == load_robot("g1").joint_names


def test_the_exporter_moves_gaits_only_with_a_transfer_passed_in(tmp_path):
    # retarget itself has no IK (it never imports placo): moving gaits between robots needs the transfer.
    from retarget import retarget

    with pytest.raises(ValueError, match="transfer"):
        retarget(tmp_path / "missing.npz", tmp_path / "out", robot="g1", format="motion", from_robot="mini_biped")
    assert not (tmp_path / "out").exists()
