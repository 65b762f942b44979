"""gait_retarget --format isaaclab, read and sampled the way Isaac Lab's humanoid_amp MotionLoader does."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import yaml

from motions import load
from retarget import retarget
from retarget.cli import main
from retarget.errors import RetargetError
from retarget.isaaclab import KEYS
from robots import load_robot
from robots.mjcf import model
from tests.consumers import (
    DEG,
    MM,
    angle_between,
    body_poses,
    export_each,
    hermite_truth,
    isaaclab_sample,
    object_velocities,
    qpos_of,
    qvel_of,
)
from tests.consumers import EXPORT_CLIPS as CLIPS

# name: (robot, preset, dx, dtheta, with_start)

LOADER_DTYPES = {"fps": np.float64, "dof_positions": np.float32, "dof_velocities": np.float32,
                 "body_positions": np.float32, "body_rotations": np.float32, "body_linear_velocities": np.float32,
                 "body_angular_velocities": np.float32}


@pytest.fixture(scope="module")
def exports(walk, tmp_path_factory) -> dict[str, tuple[Path, Path, dict]]:
    return export_each(walk, tmp_path_factory, CLIPS, "isaaclab")


def load_isaaclab(path: Path) -> dict[str, np.ndarray]:
    """``np.load(motion_file)`` (no pickle) and the keys the loader reads."""
    data = np.load(path, allow_pickle=False)
    return {key: data[key] for key in data.files}


@pytest.mark.parametrize("name", list(CLIPS))
def test_keys_shapes_dtypes_names_and_quaternion_order(exports, name):
    source, path, entry = exports[name]
    robot = load_robot(CLIPS[name][0])
    m = model(robot)
    data = load_isaaclab(path)
    assert sorted(data) == sorted(KEYS)
    frames, dofs, bodies = data["dof_positions"].shape[0], m.njnt - 1, m.nbody - 1
    assert data["dof_names"].tolist() == list(robot.joint_names)  # robot order, plain str after .tolist()
    assert data["body_names"].tolist() == [m.body(i).name for i in range(1, m.nbody)]
    assert data["dof_names"].dtype.kind == "U" and data["body_names"].dtype.kind == "U"
    shapes = {"fps": (), "dof_positions": (frames, dofs), "dof_velocities": (frames, dofs),
              "body_positions": (frames, bodies, 3), "body_rotations": (frames, bodies, 4),
              "body_linear_velocities": (frames, bodies, 3), "body_angular_velocities": (frames, bodies, 3)}
    for key, shape in shapes.items():
        assert data[key].shape == shape and data[key].dtype == LOADER_DTYPES[key], key
    assert float(data["fps"]) == entry["fps"]
    # wxyz: body 0 is the root link, its quaternion is the source's xyzw root orientation reordered.
    motion = load(source)
    root = data["body_rotations"][0, 0].astype(np.float64)
    assert angle_between(root[[1, 2, 3, 0]], motion.root_quat[0]) < 1e-6
    assert abs(root[0]) > 0.5  # the scalar comes first (the clip starts heading along +x)


@pytest.mark.parametrize("name", list(CLIPS))
def test_loader_blend_at_50_arbitrary_times_returns_the_source_pose(exports, name):
    source, path, _entry = exports[name]
    robot = load_robot(CLIPS[name][0])
    motion = load(source)
    data = load_isaaclab(path)
    dt = 1.0 / float(data["fps"])
    duration = dt * (data["dof_positions"].shape[0] - 1)
    times = np.sort(np.random.default_rng(14).uniform(0.0, duration - dt / 2, 50))
    got = isaaclab_sample(data, times)
    truth = hermite_truth(motion, times)
    pos, quat = body_poses(robot, truth["root_pos"], truth["root_quat"], truth["joint_pos"])
    pos_err = np.linalg.norm(got["body_positions"] - pos, axis=-1).max()
    rot = angle_between(got["body_rotations"][..., [1, 2, 3, 0]], quat)
    joint_err = np.abs(got["dof_positions"] - truth["joint_pos"]).max()
    # The loader's _slerp returns the plain midpoint of a pair of frames less than 0.002 rad apart
    # (sin of the half angle < 0.001), whatever the blend; with blends in [-0.5, 0.5] that midpoint is up
    # to one frame's rotation (< 0.115 deg at any rate) from the pose at t. Where the loader slerps,
    # the export is held to 0.1 deg; where it takes the midpoint, to the midpoint's own error plus 0.05 deg.
    i0, blend = _blend_indices(data, times)
    q = data["body_rotations"].astype(np.float64)
    q1 = q[np.minimum(i0 + 1, len(q) - 1)]
    pair = angle_between(q[i0][..., [1, 2, 3, 0]], q1[..., [1, 2, 3, 0]])
    cos = np.abs(np.sum(q[i0] * q1, axis=-1))  # the loader's own test, on the stored float32 quaternions
    midpoint = np.sqrt(np.maximum(1.0 - cos * cos, 0.0)) < 0.001
    rot_err = rot[~midpoint].max(initial=0.0)
    assert np.all(rot[midpoint] <= np.abs(0.5 - blend)[:, None].repeat(rot.shape[1], 1)[midpoint] * pair[midpoint]
                  + 0.05 * DEG)
    # The same arithmetic on the clip at its own rate (what an export without upsampling would give).
    native = isaaclab_sample({**data, "fps": np.array(motion.fps),
                              **{k: v[:: round(float(data["fps"]) / motion.fps)] for k, v in data.items()
                                 if k.startswith(("dof_p", "dof_v", "body_"))}}, times)
    native_err = np.abs(native["dof_positions"] - truth["joint_pos"]).max()
    print(f"{name}: {float(data['fps']):g} fps: bodies {pos_err / MM:.3f} mm, {rot_err / DEG:.4f} deg where the "
          f"loader slerps ({rot.max() / DEG:.4f} deg with its midpoint fallback), joints {joint_err / DEG:.4f} deg "
          f"(at the clip's {motion.fps:g} fps the joints would be {native_err / DEG:.2f} deg)")
    assert pos_err < 1 * MM and rot_err < 0.1 * DEG and joint_err < 0.1 * DEG


def _blend_indices(data: dict[str, np.ndarray], times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    dt = 1.0 / float(data["fps"])
    frames = data["dof_positions"].shape[0]
    i0 = np.round(np.clip(times / (dt * (frames - 1)), 0.0, 1.0) * (frames - 1)).astype(int)
    return i0, np.round((times - i0 * dt) / dt, 5)


@pytest.mark.parametrize("name", ["g1", "mini_biped"])
def test_loop_covers_one_period_and_the_last_half_frame_holds_the_closing_frame(exports, name):
    source, path, _ = exports[name]
    motion = load(source)
    data = load_isaaclab(path)
    dt = 1.0 / float(data["fps"])
    frames = data["dof_positions"].shape[0]
    assert dt * (frames - 1) == pytest.approx(motion.period, abs=1e-9)  # duration = one whole loop
    last = data["body_positions"][-1, 0].astype(np.float64)
    np.testing.assert_allclose(last, motion.loop.transform_positions(motion.root_pos[0], motion.loop.num_cycles),
                               atol=1e-5)  # frame 0 moved by the loop offset
    held = isaaclab_sample(data, np.array([motion.period - 0.4 * dt, motion.period]))
    np.testing.assert_allclose(held["body_positions"][0], data["body_positions"][-1].astype(np.float64), atol=1e-6)


@pytest.mark.parametrize("name", list(CLIPS))
def test_body_velocities_are_mujocos_instantaneous_ones(exports, name):
    _, path, _ = exports[name]
    robot = load_robot(CLIPS[name][0])
    m = model(robot)
    data = {k: v.astype(np.float64) for k, v in load_isaaclab(path).items() if k not in ("dof_names", "body_names")}
    every = slice(None, None, 7)  # a subsample keeps the MuJoCo loop short
    root_quat = data["body_rotations"][every, 0][:, [1, 2, 3, 0]]
    qpos = qpos_of(m, data["body_positions"][every, 0], root_quat, data["dof_positions"][every])
    qvel = qvel_of(root_quat, data["body_linear_velocities"][every, 0], data["body_angular_velocities"][every, 0],
                   data["dof_velocities"][every])
    lin, ang = object_velocities(robot, qpos, qvel)
    np.testing.assert_allclose(data["body_linear_velocities"][every], lin, atol=1e-5)
    np.testing.assert_allclose(data["body_angular_velocities"][every], ang, atol=1e-5)


def test_fps_option_sets_the_rate_and_reports_the_blend_error(walk, tmp_path):
    source = walk("g1", "medium", dx=0.1)
    motion = load(source)
    manifest = retarget(source, tmp_path / "o", robot="g1", format="isaaclab", fps=60.0)
    entry = manifest["motions"][0]
    data = load_isaaclab(tmp_path / "o" / entry["file"])
    assert float(data["fps"]) == 60.0 == entry["fps"]
    assert data["dof_positions"].shape[0] == motion.num_frames + 1  # whole loop + closing frame
    assert "predicted nearest-frame blend error" in entry["note"]


def test_joint_order_file_writes_the_envs_order(exports, tmp_path):
    source, default_path, _ = exports["g1"]
    robot = load_robot("g1")
    default = load_isaaclab(default_path)
    # Isaac Lab's breadth-first order of the same URDF: every joint at depth 1, then depth 2, ...
    info = robot.info
    depth = {name: len(info.chain(info.joints[name].child)) for name in robot.joint_names}
    env_order = sorted(robot.joint_names, key=lambda n: (depth[n], robot.joint_names.index(n)))
    assert env_order != list(robot.joint_names)
    bodies = ["pelvis", "torso_link", "left_ankle_roll_link", "right_ankle_roll_link"]
    (tmp_path / "order.yaml").write_text(yaml.safe_dump({"joints": env_order, "bodies": bodies}))
    manifest = retarget(source, tmp_path / "o", robot="g1", format="isaaclab", joint_order=tmp_path / "order.yaml")
    data = load_isaaclab(tmp_path / "o" / manifest["motions"][0]["file"])
    assert data["dof_names"].tolist() == env_order == manifest["joint_order"]
    assert data["body_names"].tolist() == bodies
    cols = [list(robot.joint_names).index(n) for n in env_order]
    np.testing.assert_array_equal(data["dof_positions"], default["dof_positions"][:, cols])
    rows = [default["body_names"].tolist().index(b) for b in bodies]
    np.testing.assert_array_equal(data["body_rotations"], default["body_rotations"][:, rows])


def test_cli_format_isaaclab_with_joint_order(walk, tmp_path):
    source = walk("mini_biped", "medium", dx=0.04)
    names = list(load_robot("mini_biped").joint_names)
    (tmp_path / "order.txt").write_text("\n".join(names[::-1]) + "\n")
    out = tmp_path / "o"
    assert main([str(source), "-o", str(out), "--robot", "mini_biped", "--format", "isaaclab",
                 "--joint-order", str(tmp_path / "order.txt")]) == 0
    assert np.load(out / (source.stem + ".npz"))["dof_names"].tolist() == names[::-1]
    (tmp_path / "bad.txt").write_text("\n".join(names[1:]) + "\n")
    assert main([str(source), "-o", str(tmp_path / "b"), "--robot", "mini_biped", "--format", "isaaclab",
                 "--joint-order", str(tmp_path / "bad.txt")]) == 2
    with pytest.raises(RetargetError, match=rf"bad.txt: 'joints' must list each.*missing \['{names[0]}'\]"):
        retarget(source, tmp_path / "b", robot="mini_biped", format="isaaclab", joint_order=tmp_path / "bad.txt")
    assert not (tmp_path / "b").exists()


def test_upsampling_factor_follows_the_blend_error_rule(exports):
    from retarget import isaaclab

    assert isaaclab.upsampling(0.0, 0.0, 60.0) == 1
    # 3/8 a dt^2 <= target: a 900 rad/s^2 knee needs dt <= sqrt(target / (3/8 * 900)).
    k = isaaclab.upsampling(0.0, 900.0, 60.0)
    assert 3 / 8 * 900 * (1 / (k * 60)) ** 2 <= isaaclab.ANGLE_TARGET < 3 / 8 * 900 * (1 / ((k - 1) * 60)) ** 2
    assert math.isclose(isaaclab.ANGLE_TARGET, math.radians(0.05))
