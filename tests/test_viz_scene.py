"""The meshcat scene of a clip, built in a real loopback meshcat server."""

from __future__ import annotations

import base64
import contextlib
import io
import re
from urllib.parse import urlparse

import meshcat
import numpy as np
import pytest
import umsgpack

import gait_generator
import robots
from robots import mjcf
from viz.kinematics import clip_poses, loop_transform
from viz.player import play
from viz.scene import ClipScene, convex_hull
from viz.server import HOST, MeshcatServer


@pytest.fixture(scope="module")
def motion():
    return gait_generator.generate(robot="mini_biped", preset="medium", dx=0.04, length=2.0)


@pytest.fixture(scope="module")
def robot():
    return robots.load_robot("mini_biped")


@pytest.fixture(scope="module")
def server():
    with MeshcatServer() as s:
        yield s


def _commands(html: str) -> list[dict]:
    """Decode the scene commands that meshcat's static export embeds as base64 msgpack."""
    blobs = re.findall(r'data:application/octet-binary;base64,([A-Za-z0-9+/=]+)"', html)
    return [umsgpack.unpackb(base64.b64decode(b)) for b in blobs]


def test_server_listens_on_loopback_only(server):
    assert urlparse(server.zmq_url).hostname == HOST == "127.0.0.1"
    assert urlparse(server.web_url).hostname == "127.0.0.1"


def test_scene_has_links_footsteps_trajectories(motion, robot, server):
    with contextlib.redirect_stdout(io.StringIO()):
        vis = meshcat.Visualizer(zmq_url=server.zmq_url)
    scene = ClipScene(motion, robot)
    scene.draw(vis)
    commands = _commands(vis.static_html())
    objects = {c["path"] for c in commands if c["type"] == "set_object"}
    transforms = {c["path"] for c in commands if c["type"] == "set_transform"}

    model = mjcf.model(robot)
    bodies = {model.body(i).name for i in range(1, model.nbody)}
    for body in bodies:
        assert f"/meshcat/clip/robot/{body}" in transforms, body
    for body in ("left_thigh", "left_shin", "right_foot_link", "base", "head"):
        assert any(p.startswith(f"/meshcat/clip/robot/{body}/g") for p in objects), body
    for foot in scene.foot_bodies:
        assert f"/meshcat/clip/robot/{foot}/contact" in objects
        assert f"/meshcat/clip/robot/{foot}/swing" in objects

    steps = sorted({p.split("/")[6] for p in objects if "/footsteps/" in p})
    assert len(steps) == motion.footsteps.num_steps
    assert steps[0].endswith("_left" if motion.footsteps.side[0] == 0 else "_right")
    assert "/meshcat/clip/plan/r0/com" in objects and "/meshcat/clip/plan/r0/zmp" in objects
    support = {p.split("/")[6] for p in objects if "/support/" in p}
    assert len(support) == sum(len(ph.polygon) >= 3 for ph in scene.phases) > 0

    com = next(c for c in commands if c["type"] == "set_object" and c["path"] == "/meshcat/clip/plan/r0/com")
    assert com["object"]["object"]["type"] == "Line"

    # The body transforms at frame 0 are the MuJoCo forward kinematics of frame 0.
    base = next(c for c in commands if c["type"] == "set_transform" and c["path"] == "/meshcat/clip/robot/base")
    matrix = np.asarray(base["matrix"], dtype=np.float64).reshape(4, 4).T
    np.testing.assert_allclose(matrix[:3, 3], motion.root_pos[0], atol=1e-6)


def test_live_playback_through_the_loop_offset(motion, robot, server):
    with contextlib.redirect_stdout(io.StringIO()):
        vis = meshcat.Visualizer(zmq_url=server.zmq_url)
    scene = ClipScene(motion, robot)
    scene.draw(vis)
    t = [0.0]
    drawn = play(scene, vis, speed=1.0, loop=True, max_repetitions=2,
                 clock=lambda: t[0], sleep=lambda dt: t.__setitem__(0, t[0] + max(dt, 1e-6)))
    assert drawn == 2 * motion.num_frames
    commands = _commands(vis.static_html())
    plan = [c for c in commands if c["type"] == "set_transform" and c["path"] == "/meshcat/clip/plan/r0"]
    matrix = np.asarray(plan[-1]["matrix"], dtype=np.float64).reshape(4, 4).T
    np.testing.assert_allclose(matrix, loop_transform(motion, 1), atol=1e-6)


def test_loop_transform_continues_the_clip(motion, robot):
    assert motion.loop.looping
    n = motion.loop.num_cycles
    moved = loop_transform(motion, 1)[:3, :3] @ motion.root_pos[0] + loop_transform(motion, 1)[:3, 3]
    np.testing.assert_allclose(moved, motion.loop.transform_positions(motion.root_pos[0], n), atol=1e-12)
    # Frame T (frame 0 of repetition 1) follows frame T-1 by about one frame of walking.
    step = np.linalg.norm(moved - motion.root_pos[-1])
    assert step < 2 * np.max(np.linalg.norm(np.diff(motion.root_pos, axis=0), axis=1)) + 1e-9
    poses = clip_poses(motion, robot)
    np.testing.assert_allclose(poses.body_pose[:, 0, :3, 3], motion.root_pos, atol=1e-9)


def test_convex_hull():
    square = np.array([[0, 0], [1, 0], [1, 1], [0, 1], [0.5, 0.5], [0.2, 0.8]])
    hull = convex_hull(square)
    assert len(hull) == 4
    area = 0.5 * abs(np.dot(hull[:, 0], np.roll(hull[:, 1], 1)) - np.dot(hull[:, 1], np.roll(hull[:, 0], 1)))
    assert area == pytest.approx(1.0)
