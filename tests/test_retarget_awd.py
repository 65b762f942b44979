"""AWD / Open Duck export played through AWD's own loader arithmetic (``tests/consumers.py``)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from motions import load
from retarget import retarget
from retarget.awd import HEADING_MARGIN, LOADER_TRIM_FRAMES, plan_clip
from retarget.errors import RetargetError
from retarget.resample import resample
from robots import list_robots
from tests.consumers import DEG, MM, angle_between, awd_load, awd_sample, linear_truth

# name: (robot, preset, dx, dtheta, yaw): the turning clips start 2 rad or more off +x so that their heading
# crosses +-180 degrees inside the part of the file the loader keeps.
CLIPS = {
    "g1_straight": ("g1", "medium", 0.1, 0.0, 0.0),
    "g1_turn_180": ("g1", "medium", 0.08, 0.1, 2.2),
    "mini_straight": ("mini_biped", "medium", 0.04, 0.0, 0.0),
    "mini_turn_180": ("mini_biped", "medium", 0.03, 0.3, 2.6),
    "mini5_straight": ("mini_biped5", "medium", 0.03, 0.0, 0.0),
}


@pytest.fixture(scope="module")
def exports(walk, tmp_path_factory) -> dict[str, tuple[Path, Path]]:
    """name -> (source clip, exported .json)."""
    out = {}
    for name, (robot, preset, dx, dtheta, yaw) in CLIPS.items():
        source = walk(robot, preset, dx=dx, dtheta=dtheta, yaw=yaw)
        folder = tmp_path_factory.mktemp(f"awd_{name}")
        manifest = retarget(source, folder / "out", robot=robot, format="awd")
        out[name] = (source, folder / "out" / manifest["motions"][0]["file"])
    return out


def test_clips_cover_every_registered_robot():
    assert {robot for robot, *_ in CLIPS.values()} == set(list_robots())


@pytest.mark.parametrize("name", list(CLIPS))
def test_loader_length_is_the_true_duration_in_whole_cycles(exports, name):
    source, path = exports[name]
    motion = load(source)
    loaded = awd_load(path)
    doc, kept = loaded["doc"], loaded["frames"].shape[0]
    fps = doc["FPS"]
    assert fps == motion.fps  # no resampling needed for these clips
    total = kept + LOADER_TRIM_FRAMES
    assert total % motion.loop.cycle_frames == 0  # whole gait cycles
    # The loader maps t to frame t / L * K: that is t * fps only when K = L * fps exactly.
    assert loaded["length"] == doc["Trajectory_length"] >= 1
    assert kept == loaded["length"] * fps


@pytest.mark.parametrize("name", list(CLIPS))
def test_awd_arithmetic_returns_the_true_pose_at_50_arbitrary_times(exports, name):
    source, path = exports[name]
    motion = load(source)
    loaded = awd_load(path)
    fps, heading = loaded["doc"]["FPS"], loaded["doc"]["Heading_offset"]
    kept = loaded["frames"].shape[0]
    times = np.sort(np.random.default_rng(14).uniform(0.0, (kept - 1) / fps, 50))
    got = awd_sample(loaded, times)
    truth = linear_truth(motion, times)
    # The export turned the world by Heading_offset about z; turn the truth the same way.
    c, s = math.cos(heading), math.sin(heading)
    turn = np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])
    yaw_q = np.array([0.0, 0.0, math.sin(heading / 2), math.cos(heading / 2)])
    true_quat = (Rotation.from_quat(yaw_q) * Rotation.from_quat(truth["root_quat"])).as_quat()
    pos_err = np.linalg.norm(got["root_pos"] - truth["root_pos"] @ turn.T, axis=1).max()
    rot_err = angle_between(got["root_quat"], true_quat).max()
    cols = [loaded["doc"]["Joints"].index(j) for j in motion.joint_names]
    joint_err = np.abs(got["joints_pos"][:, cols] - truth["joint_pos"]).max()
    print(f"{name}: root {pos_err / MM:.2e} mm, {rot_err / DEG:.2e} deg, joints {joint_err / DEG:.2e} deg, "
          f"heading offset {heading:+.3f} rad")
    assert pos_err < 1 * MM and rot_err < 0.1 * DEG and joint_err < 0.1 * DEG


@pytest.mark.parametrize("name", ["g1_turn_180", "mini_turn_180"])
def test_heading_crossing_180_is_recentred_and_would_fail_otherwise(exports, name):
    source, path = exports[name]
    motion = load(source)
    loaded = awd_load(path)
    doc, kept = loaded["doc"], loaded["frames"].shape[0]
    quat = loaded["frames"][:, loaded["fields"]["root_quat"]].astype(np.float64)
    assert doc["Heading_offset"] != 0.0
    heading = np.arctan2(2 * (quat[:, 0] * quat[:, 1] + quat[:, 3] * quat[:, 2]),
                         1 - 2 * (quat[:, 1] ** 2 + quat[:, 2] ** 2))
    assert np.abs(heading).max() <= math.pi - HEADING_MARGIN + 1e-6
    assert np.all(np.sum(quat[1:] * quat[:-1], axis=1) > 0.0)  # one hemisphere after the loader's w >= 0
    # The source itself crosses +-180 degrees within the kept span; written as it is, the AWD arithmetic fails.
    times = np.sort(np.random.default_rng(0).uniform(0.0, (kept - 1) / doc["FPS"], 4000))
    source_quat = linear_truth(motion, times)["root_quat"]
    source_heading = np.arctan2(2 * (source_quat[:, 0] * source_quat[:, 1] + source_quat[:, 3] * source_quat[:, 2]),
                                1 - 2 * (source_quat[:, 1] ** 2 + source_quat[:, 2] ** 2))
    assert np.abs(source_heading).max() > math.pi - 0.05
    # Undo the recentring: the frames as they would be without it, after the loader's w >= 0 rule.
    frames = loaded["frames"].astype(np.float64).copy()
    back = (Rotation.from_euler("z", -doc["Heading_offset"]) * Rotation.from_quat(quat)).as_quat()
    frames[:, loaded["fields"]["root_quat"]] = np.where(back[:, 3:] < 0, -back, back)
    wrong = angle_between(awd_sample({**loaded, "frames": frames.astype(np.float32)}, times)["root_quat"],
                          source_quat).max()
    print(f"{name}: without recentring the AWD slerp is up to {wrong / DEG:.1f} deg off")
    assert wrong > 10 * DEG


def test_non_looping_clip_is_cut_to_whole_seconds(walk, tmp_path):
    source = walk("mini_biped", "medium", dx=0.03, length=4.0, with_start=True)
    motion = load(source)
    manifest = retarget(source, tmp_path / "o", robot="mini_biped", format="awd")
    loaded = awd_load(tmp_path / "o" / manifest["motions"][0]["file"])
    kept, fps = loaded["frames"].shape[0], loaded["doc"]["FPS"]
    assert loaded["doc"]["LoopMode"] == "Clamp" and kept == loaded["length"] * fps
    assert loaded["length"] == math.floor((motion.num_frames - LOADER_TRIM_FRAMES) / fps)
    times = np.sort(np.random.default_rng(1).uniform(0.0, (kept - 1) / fps, 50))
    got, truth = awd_sample(loaded, times), linear_truth(motion, times)
    assert np.linalg.norm(got["root_pos"] - truth["root_pos"], axis=1).max() < 1 * MM
    assert angle_between(got["root_quat"], truth["root_quat"]).max() < 0.1 * DEG


def test_rates_without_whole_seconds_are_resampled_to_a_rate_that_has_them(walk):
    motion = load(walk("g1", "medium", dx=0.1))
    odd = resample(motion, 50.0)  # 0.8667 s cycles: 43 frames at 49.6154 fps, no whole seconds within 60 s
    plan = plan_clip(odd)
    assert plan.motion.fps != odd.fps and "resampled" in plan.note
    kept = plan.frames - LOADER_TRIM_FRAMES
    assert plan.frames % plan.motion.loop.cycle_frames == 0
    assert abs(kept / plan.motion.fps - plan.seconds) < 1e-6 and plan.seconds >= 1


def test_too_short_non_looping_clip_names_file_and_frames(walk, tmp_path):
    source = walk("mini_biped", "medium", dx=0.02, length=1.0, with_start=True)
    frames = load(source).num_frames
    assert frames < LOADER_TRIM_FRAMES + 60
    with pytest.raises(RetargetError, match=rf"{source.name}.*{frames} frames.*AWD loader drops 120"):
        retarget(source, tmp_path / "o", robot="mini_biped", format="awd")
    assert not (tmp_path / "o").exists()


def test_document_keeps_the_fields_the_loader_reads(exports):
    _, path = exports["mini_straight"]
    doc = json.loads(path.read_text())
    for key in ("LoopMode", "FPS", "FrameDuration", "EnableCycleOffsetPosition", "EnableCycleOffsetRotation",
                "Joints", "Vel_x", "Vel_y", "Yaw", "Placo", "Frame_offset", "Frame_size", "Frames", "MotionWeight",
                "Toe_frame", "Heading_offset", "Trajectory_length"):
        assert key in doc, key
    assert doc["FrameDuration"] == 1.0 / doc["FPS"]
