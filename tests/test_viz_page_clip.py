"""viz.page_clip: a clip's packed poses decode to MuJoCo's kinematics; the camera track follows the walk."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

import gait_generator
import robots
from viz.kinematics import clip_poses, loop_transform
from viz.page_clip import FOLLOW_WINDOW_S, camera_track, clip_payload
from viz.page_codec import QUANTUM, restored, unpack
from viz.page_robot import robot_geometry


@pytest.fixture(scope="module")
def robot():
    return robots.load_robot("mini_biped")


@pytest.fixture(scope="module")
def turning():
    return gait_generator.generate(robot="mini_biped", preset="medium", dx=0.03, dtheta=0.2, length=3.0)


def _decode(payload: str) -> tuple[dict, dict[str, np.ndarray]]:
    header, sections = unpack(payload)
    quanta = np.zeros(sum(width for _, width, _ in header["channels"].values()))
    for start, width, quantum in header["channels"].values():
        quanta[start : start + width] = quantum
    values = restored(sections["frames"].reshape(len(quanta), header["frames"]), quanta)
    return header, {key: values[:, start : start + width] for key, (start, width, _) in header["channels"].items()}


def test_payload_decodes_to_the_body_poses(turning, robot):
    geometry = robot_geometry(robot)
    header, channels = _decode(clip_payload(turning, robot, geometry, name="turn.npz", repetitions=3))
    frames = turning.num_frames
    assert header["name"] == "turn.npz" and header["frames"] == frames and header["fps"] == turning.fps
    poses = clip_poses(turning, robot)
    slots = [int(np.flatnonzero(poses.body_ids == b)[0]) for b in geometry.body_ids]
    pose = channels["pose"].reshape(frames, len(slots), 7)
    np.testing.assert_allclose(pose[..., :3], poses.body_pose[:, slots][..., :3, 3], atol=QUANTUM)
    rotations = Rotation.from_quat(pose[..., 3:].reshape(-1, 4))  # xyzw
    expected = Rotation.from_matrix(poses.body_pose[:, slots][..., :3, :3].reshape(-1, 3, 3))
    assert np.max((rotations.inv() * expected).magnitude()) < 1e-3  # rad
    np.testing.assert_array_equal(channels["contact"], turning.contacts.astype(float))
    np.testing.assert_allclose(channels["com"], turning.com_pos, atol=QUANTUM)
    assert len(header["loops"]) == 3
    np.testing.assert_allclose(np.reshape(header["loops"][1], (4, 4)).T, loop_transform(turning, 1), atol=1e-8)
    assert len(header["plan"]["steps"]) == turning.footsteps.num_steps


def test_camera_track_smooths_the_sway_but_keeps_the_walk():
    fps = 60.0
    t = np.arange(600) / fps
    root = np.column_stack([0.2 * t, 0.02 * np.sin(2 * np.pi * t)])  # 0.2 m/s forward, 1 Hz sway of 2 cm
    track = camera_track(root, fps)
    inner = slice(int(fps * FOLLOW_WINDOW_S), -int(fps * FOLLOW_WINDOW_S))
    np.testing.assert_allclose(track[inner, 0], root[inner, 0], atol=1e-9)  # a centred mean has no lag
    assert np.abs(track[inner, 1]).max() < 1e-3  # the sway averages out over one period
    assert np.abs(track - root).max() < 0.2 * FOLLOW_WINDOW_S  # held ends lag by less than half the window


def test_payload_is_small(turning, robot):
    payload = clip_payload(turning, robot, robot_geometry(robot), name="turn.npz")
    per_second = len(payload) / (turning.num_frames / turning.fps)
    assert per_second < 10_000  # bytes of base64 per second of clip (19 bodies at 60 fps: 7.5 kB measured)
