"""gait_retarget --format mjlab, played the way mjlab's tracking task plays it: one frame per 0.02 s env step."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import yaml

from motions import load
from motions.errors import MotionFormatError
from retarget import retarget
from retarget.cli import main
from retarget.errors import RetargetError
from retarget.mjlab import DTYPES, KEYS, MAX_TIME_WARP
from robots import load_robot
from robots.mjcf import model
from tests.consumers import (
    DEG,
    MM,
    angle_between,
    body_poses,
    export_each,
    hermite_truth,
    object_velocities,
    qpos_of,
    qvel_of,
)
from tests.consumers import EXPORT_CLIPS as CLIPS

ENV_STEP = 0.02
"""mjlab's G1 tracking env step (0.005 s timestep, decimation 4): one motion frame per step."""

# name: (robot, preset, dx, dtheta, with_start). g1 medium has 0.8667 s cycles (43.33 frames at 50 Hz).


@pytest.fixture(scope="module")
def exports(walk, tmp_path_factory) -> dict[str, tuple[Path, Path, dict]]:
    """name -> (source clip, exported .npz, manifest entry), at mjlab's default rate."""
    return export_each(walk, tmp_path_factory, CLIPS, "mjlab")


def load_mjlab(path: Path) -> dict[str, np.ndarray]:
    """What mjlab's tracking MotionLoader does: np.load without pickle, each key read (it casts to float32)."""
    data = np.load(path, allow_pickle=False)
    return {key: np.asarray(data[key]) for key in KEYS}


@pytest.mark.parametrize("name", list(CLIPS))
def test_rate_is_exactly_50_hz_with_mjlab_keys_shapes_and_dtypes(exports, name):
    _, path, entry = exports[name]
    robot = load_robot(CLIPS[name][0])
    m = model(robot)
    data = load_mjlab(path)
    assert sorted(np.load(path).files) == sorted(KEYS)
    assert data["fps"].shape == (1,) and data["fps"][0] == 50.0 and entry["fps"] == 50.0
    frames, joints, bodies = data["joint_pos"].shape[0], m.njnt - 1, m.nbody - 1
    shapes = {"fps": (1,), "joint_pos": (frames, joints), "joint_vel": (frames, joints),
              "body_pos_w": (frames, bodies, 3), "body_quat_w": (frames, bodies, 4),
              "body_lin_vel_w": (frames, bodies, 3), "body_ang_vel_w": (frames, bodies, 3)}
    for key in KEYS:
        assert data[key].shape == shapes[key] and data[key].dtype == DTYPES[key], key
        assert np.all(np.isfinite(data[key])), key
    quat = data["body_quat_w"].astype(np.float64)
    np.testing.assert_allclose(np.linalg.norm(quat, axis=-1), 1.0, atol=1e-6)
    assert np.all(np.sum(quat[1:] * quat[:-1], axis=-1) > 0.0)  # sign-continuous per body


def _content_times(data: dict[str, np.ndarray], entry: dict) -> np.ndarray:
    """Clip time shown at env step k: k * 0.02 s times the loop's recorded time scale."""
    assert data["fps"][0] * ENV_STEP == pytest.approx(1.0, abs=1e-12)
    return np.arange(data["joint_pos"].shape[0]) * ENV_STEP * entry["time_scale"]


@pytest.mark.parametrize("name", list(CLIPS))
def test_one_frame_per_env_step_is_the_source_pose(exports, name):
    source, path, entry = exports[name]
    robot = load_robot(CLIPS[name][0])
    motion = load(source)
    data = load_mjlab(path)
    times = _content_times(data, entry)
    truth = hermite_truth(motion, times)
    pos, quat = body_poses(robot, truth["root_pos"], truth["root_quat"], truth["joint_pos"])
    pos_err = np.linalg.norm(data["body_pos_w"] - pos, axis=-1).max()
    rot_err = angle_between(data["body_quat_w"].astype(np.float64)[..., [1, 2, 3, 0]], quat).max()
    joint_err = np.abs(data["joint_pos"] - truth["joint_pos"]).max()
    print(f"{name}: {len(times)} frames, time scale {entry['time_scale']:.6f}: bodies {pos_err / MM:.2e} mm, "
          f"{rot_err / DEG:.2e} deg, joints {joint_err / DEG:.2e} deg")
    assert pos_err < 1 * MM and rot_err < 0.1 * DEG and joint_err < 0.1 * DEG


@pytest.mark.parametrize("name", [n for n, c in CLIPS.items() if not c[4]])
def test_looping_clips_close_over_whole_cycles_within_the_time_warp(exports, name):
    source, path, entry = exports[name]
    motion = load(source)
    frames = load_mjlab(path)["joint_pos"].shape[0]
    assert abs(entry["time_scale"] - 1.0) <= MAX_TIME_WARP
    covered = frames * ENV_STEP * entry["time_scale"]  # clip time at step N, where frame 0 would come again
    cycles = covered / (motion.loop.cycle_frames / motion.fps)
    assert cycles == pytest.approx(round(cycles), abs=1e-9) and round(cycles) >= motion.loop.num_cycles
    if name == "g1":  # 0.8667 s cycles do not fit 50 Hz: the warp is recorded, not hidden in the rate
        assert entry["time_scale"] != 1.0 and "time scale" in entry["note"]


def _rms_ratio(got: np.ndarray, ref: np.ndarray) -> float:
    return float(np.sqrt(np.mean((got - ref) ** 2)) / np.sqrt(np.mean(ref ** 2)))


@pytest.mark.parametrize("name", list(CLIPS))
def test_body_velocities_are_mujocos_instantaneous_ones(exports, name):
    source, path, entry = exports[name]
    robot = load_robot(CLIPS[name][0])
    m = model(robot)
    data = {k: v.astype(np.float64) for k, v in load_mjlab(path).items()}
    lin, ang = data["body_lin_vel_w"], data["body_ang_vel_w"]
    # (1) The file's own state (body 0 is the root) through MuJoCo: the stored velocities come back.
    root_quat = data["body_quat_w"][:, 0, [1, 2, 3, 0]]
    own_q = qpos_of(m, data["body_pos_w"][:, 0], root_quat, data["joint_pos"])
    own_v = qvel_of(root_quat, lin[:, 0], ang[:, 0], data["joint_vel"])
    own_lin, own_ang = object_velocities(robot, own_q, own_v)
    assert _rms_ratio(lin, own_lin) < 1e-4 and _rms_ratio(ang, own_ang) < 1e-4
    # (2) MuJoCo at the true state (quintic curves through the source's exact rates, times the time scale).
    motion = load(source)
    times = _content_times(data, entry)
    t = hermite_truth(motion, times)
    scale = entry["time_scale"]
    ref_lin, ref_ang = object_velocities(
        robot, qpos_of(m, t["root_pos"], t["root_quat"], t["joint_pos"]),
        qvel_of(t["root_quat"], scale * t["root_lin_vel"], scale * t["root_ang_vel"], scale * t["joint_vel"]))
    lin_gap, ang_gap = _rms_ratio(lin, ref_lin), _rms_ratio(ang, ref_ang)
    # (3) What finite differences of the stored poses (the old export) would have given instead.
    diff = np.gradient(data["body_pos_w"], ENV_STEP, axis=0)[1:-1]
    fd_gap = _rms_ratio(diff, ref_lin[1:-1])
    print(f"{name}: body velocities vs MuJoCo instantaneous {lin_gap:.2e} (linear), {ang_gap:.2e} (angular) RMS; "
          f"finite differences of the poses would be {fd_gap:.2%}")
    assert lin_gap < 0.005 and ang_gap < 0.005
    assert lin_gap < fd_gap


@pytest.mark.parametrize("name", ["g1", "mini_biped"])
def test_sidecar_names_the_spec_anchor_bodies_joints_and_feet(exports, name):
    _, path, entry = exports[name]
    robot = load_robot(CLIPS[name][0])
    m = model(robot)
    config = yaml.safe_load((path.parent / f"{robot.name}_mjlab.yaml").read_text())
    assert config["body_names"] == [m.body(i).name for i in range(1, m.nbody)]
    assert config["joint_names"] == list(robot.joint_names) == [m.joint(i).name for i in range(1, m.njnt)]
    assert config["anchor_body_name"] == robot.anchor_body == {"g1": "torso_link", "mini_biped": "base"}[name]
    assert config["anchor_body_name"] in config["body_names"]
    assert config["foot_body_names"] == [robot.spec.left_foot.link, robot.spec.right_foot.link]
    assert config["fps"] == 50.0 and config["quat_order"] == "wxyz"
    assert config["clips"] == [{"file": path.name, "fps": 50.0, "frames": len(np.load(path)["joint_pos"]),
                                "time_scale": entry["time_scale"]}]


def test_non_looping_clip_keeps_its_timing(exports):
    source, path, entry = exports["mini_start"]
    motion = load(source)
    frames = load_mjlab(path)["joint_pos"].shape[0]
    assert entry["time_scale"] == 1.0 and frames == math.floor(motion.span * 50 + 1e-9) + 1


def test_fps_option_sets_the_exact_rate(walk, tmp_path):
    source = walk("mini_biped", "medium", dx=0.04)
    manifest = retarget(source, tmp_path / "o", robot="mini_biped", format="mjlab", fps=30.0)
    data = load_mjlab(tmp_path / "o" / manifest["motions"][0]["file"])
    assert data["fps"][0] == 30.0 and abs(manifest["motions"][0]["time_scale"] - 1.0) <= MAX_TIME_WARP


def test_joint_order_file_reorders_joints_and_bodies(walk, exports, tmp_path):
    source, default_path, _ = exports["mini_biped"]
    robot = load_robot("mini_biped")
    m = model(robot)
    joints = list(reversed(robot.joint_names))
    bodies = [m.body(i).name for i in (3, 1, 2)]
    order = tmp_path / "order.yaml"
    order.write_text(yaml.safe_dump({"joints": joints, "bodies": bodies}))
    manifest = retarget(source, tmp_path / "o", robot="mini_biped", format="mjlab", joint_order=order)
    got, ref = load_mjlab(tmp_path / "o" / manifest["motions"][0]["file"]), load_mjlab(default_path)
    np.testing.assert_array_equal(got["joint_pos"], ref["joint_pos"][:, ::-1])
    np.testing.assert_array_equal(got["body_pos_w"], ref["body_pos_w"][:, [2, 0, 1]])
    config = yaml.safe_load((tmp_path / "o" / "mini_biped_mjlab.yaml").read_text())
    assert config["joint_names"] == joints == manifest["joint_order"] and config["body_names"] == bodies


def test_bad_joint_order_files_name_the_file_and_the_names(walk, tmp_path):
    source = walk("mini_biped", "medium", dx=0.04)
    names = list(load_robot("mini_biped").joint_names)
    cases = {
        "missing.yaml": (names[1:], rf"missing \['{names[0]}'\]"),
        "unknown.yaml": ({"joints": names, "bodies": ["base", "wing"]}, r"\['wing'\] are not bodies"),
        "twice.yaml": (names + names[:1], rf"more than once: \['{names[0]}'\]"),
    }
    for file, (content, message) in cases.items():
        (tmp_path / file).write_text(yaml.safe_dump(content))
        with pytest.raises(RetargetError, match=rf"{file}.*{message}"):
            retarget(source, tmp_path / "o", robot="mini_biped", format="mjlab", joint_order=tmp_path / file)
    text = tmp_path / "names.txt"
    text.write_text("# env order\n" + "\n".join(reversed(names)) + "\n")
    manifest = retarget(source, tmp_path / "o", robot="mini_biped", format="mjlab", joint_order=text)
    assert manifest["joint_order"] == list(reversed(names))
    with pytest.raises(ValueError, match="joint_order: applies to --format mjlab or isaaclab only"):
        retarget(source, tmp_path / "g", robot="mini_biped", format="gmr", joint_order=text)
    assert not (tmp_path / "g").exists()


def test_cli_writes_clips_sidecar_and_manifest(walk, tmp_path):
    source = walk("mini_biped", "medium", dx=0.04)
    out = tmp_path / "o"
    assert main([str(source), "-o", str(out), "--robot", "mini_biped", "--format", "mjlab"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", source.stem + ".npz", "mini_biped_mjlab.yaml"]


def test_a_corrupt_input_leaves_the_output_untouched(walk, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.npz").write_bytes(walk("mini_biped", "medium", dx=0.04).read_bytes())
    out = tmp_path / "o"
    retarget(folder, out, robot="mini_biped", format="mjlab")
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    (folder / "b.npz").write_bytes(b"not a zip")
    with pytest.raises(MotionFormatError, match="b.npz"):
        retarget(folder, out, robot="mini_biped", format="mjlab")
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [".o.lock", "in", "o"]


@pytest.mark.parametrize("fmt", ["mjlab", "isaaclab"])
@pytest.mark.parametrize("fps", [0.0, -50.0, float("nan"), 1e6])
def test_a_rate_outside_the_range_is_refused_naming_it(walk, tmp_path, fmt, fps):
    source = walk("mini_biped", "medium", dx=0.04)
    with pytest.raises(ValueError, match=r"fps: .*expected a rate in \[1, 10000\] frames per second"):
        retarget(source, tmp_path / "o", robot="mini_biped", format=fmt, fps=fps)
    assert not (tmp_path / "o").exists()
