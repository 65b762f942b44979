"""gait_retarget exporters, checked through re-implementations of each consumer's loader."""

from __future__ import annotations

import json
import pickle
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
import yaml
from scipy.spatial.transform import Rotation

import gait_generator
from motions import load
from motions.errors import MotionFormatError, OutputError
from motions.index import MotionEntry, SkippedWriter, record_motions
from retarget import awd as awd_format
from retarget import retarget
from retarget.cli import main
from retarget.errors import RetargetError
from robots import load_robot
from robots.errors import RobotSpecError
from robots.mjcf import model
from tests.consumers import angle_between, linear_truth, mimickit_hinges, mimickit_load, mimickit_sample

ROBOT = "mini_biped"


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> Path:
    """A straight and a turning looping clip, and a non-looping start."""
    folder = tmp_path_factory.mktemp("motions")
    gait_generator.generate(robot=ROBOT, preset="medium", dx=0.03, length=2.0).save(folder / "straight.npz")
    gait_generator.generate(robot=ROBOT, preset="medium", dx=0.02, dtheta=0.1, length=2.0).save(folder / "turn.npz")
    return folder


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())} if folder.exists() else {}


# --- MimicKit -------------------------------------------------------------------------------------

def mimickit_dofs(char_file: Path) -> list[str]:
    """MimicKit's MJCFCharModel walk: first worldbody body is the root, then DFS, 1 hinge = 1 dof."""
    body = ET.parse(char_file).getroot().find("worldbody").find("body")
    dofs: list[str] = []

    def walk(node, is_root):
        if not is_root:
            joints = node.findall("joint")
            assert len(joints) in (0, 1), "spherical/series joints not expected here"
            for j in joints:
                assert j.get("type", "hinge") == "hinge"
                np.fromstring(j.get("axis"), dtype=float, sep=" ")  # MimicKit needs an explicit axis
                assert not np.any(np.fromstring(j.get("pos") or "0 0 0", dtype=float, sep=" "))
                dofs.append(j.get("name"))
        for child in node.findall("body"):
            walk(child, False)

    walk(body, True)
    return dofs


def load_mimickit(path: Path) -> tuple[int, float, np.ndarray]:
    with open(path, "rb") as f:
        d = pickle.load(f)
    assert set(d) == {"loop_mode", "fps", "frames"} and d["loop_mode"] in (0, 1)
    return d["loop_mode"], d["fps"], np.array(d["frames"], dtype=np.float32)


def test_mimickit_round_trip(clips, tmp_path):
    out = tmp_path / "mk"
    manifest = retarget(clips, out, robot=ROBOT, format="mimickit")
    robot = load_robot(ROBOT)
    dofs = mimickit_dofs(out / f"{ROBOT}.xml")
    assert dofs == manifest["joint_order"] and sorted(dofs) == sorted(robot.joint_names)
    dataset = yaml.safe_load((out / "dataset.yaml").read_text())
    weights = [e["weight"] for e in dataset["motions"]]
    assert sum(weights) == pytest.approx(1.0) and all(w >= 0 for w in weights)
    modes = {}
    for entry in dataset["motions"]:
        assert not Path(entry["file"]).is_absolute()  # relative to the export folder: it can be moved
        file = out / entry["file"]
        assert file.is_file()
        mode, fps, frames = load_mimickit(file)
        m = load(clips / (file.stem + ".npz"))
        modes[file.stem] = mode
        assert frames.shape == (m.num_frames + 1, 6 + len(dofs))
        assert (frames.shape[0] - 1) / fps == pytest.approx(m.period)
        # Expected frames from the source, independently: scipy's rotvec, joints by name.
        n = m.loop.num_cycles
        pos = np.vstack([m.root_pos, m.loop.transform_positions(m.root_pos[0], n)])
        quat = np.vstack([m.root_quat, m.loop.transform_quats(m.root_quat[0], n)])
        rotvec = Rotation.from_quat(quat).as_rotvec()
        joints = np.stack([m.joint(d) for d in dofs], axis=1)
        expected = np.hstack([pos, rotvec, np.vstack([joints, joints[:1]])]).astype(np.float32)
        np.testing.assert_allclose(frames, expected, atol=2e-6)
        assert np.linalg.norm(frames[:, 3:6], axis=1).max() <= np.pi + 1e-6
        if mode == 1:
            # MimicKit's wrap: root offset end - start with z zeroed, no rotation; our closing frame makes it exact.
            delta = frames[-1, :3] - frames[0, :3]
            delta[2] = 0.0
            np.testing.assert_allclose(delta, m.loop.clip_offset()[0], atol=1e-6)
            np.testing.assert_allclose(frames[-1, 3:], frames[0, 3:], atol=1e-6)
    assert modes == {"straight": 1, "turn": 0}  # the turning loop is exported as CLAMP


def test_mimickit_playback_at_50_arbitrary_times_is_the_source_pose(clips, tmp_path):
    """MotionLib's arithmetic (tests/consumers.py): WRAP over three loops for the straight clip, CLAMP for the turn."""
    out = tmp_path / "mk"
    retarget(clips, out, robot=ROBOT, format="mimickit")
    hinges = mimickit_hinges(out / f"{ROBOT}.xml")
    rng = np.random.default_rng(14)
    for stem, mode, loops in (("straight", 1, 3.0), ("turn", 0, 1.0)):
        clip = mimickit_load(out / f"{stem}.pkl")
        motion = load(clips / f"{stem}.npz")
        assert clip["loop_mode"] == mode and clip["length"] == pytest.approx(motion.period)
        times = np.sort(rng.uniform(0.0, loops * clip["length"], 50))
        got, truth = mimickit_sample(clip, [axis for _, axis in hinges], times), linear_truth(motion, times)
        cols = [motion.joint_names.index(name) for name, _ in hinges]
        pos_err = np.linalg.norm(got["root_pos"] - truth["root_pos"], axis=1).max()
        rot_err = angle_between(got["root_quat"], truth["root_quat"]).max()
        joint_err = np.abs(got["joint_pos"] - truth["joint_pos"][:, cols]).max()
        print(f"mimickit {stem}: root {pos_err * 1000:.2e} mm, {np.degrees(rot_err):.4f} deg, joints "
              f"{np.degrees(joint_err):.4f} deg")
        # MotionLib slerps hinges and the root with a plain midpoint below 0.002 rad per frame: <= 0.06 deg.
        assert pos_err < 1e-3 and rot_err < np.radians(0.1) and joint_err < np.radians(0.1)


def test_mimickit_folder_moved_elsewhere_compiles_and_loads_as_a_dataset(walk, tmp_path, monkeypatch):
    """G1 (meshes): the char XML refers to copied meshes by relative path; the dataset lists clips relatively."""
    import shutil

    import mujoco

    source = walk("g1", "slow", dx=0.06)
    built = tmp_path / "built" / "g1_mk"
    retarget(source, built, robot="g1", format="mimickit")
    xml = (built / "g1.xml").read_text()
    meshes = [m.get("file") for m in ET.fromstring(xml).iter("mesh")]
    assert meshes and all(not Path(f).is_absolute() and f.startswith("meshes/") for f in meshes)
    assert str(tmp_path) not in xml and "site-packages" not in xml
    moved = tmp_path / "training_machine" / "data" / "g1_walks"
    shutil.move(str(built), moved)
    shutil.rmtree(tmp_path / "built")
    monkeypatch.chdir(tmp_path)  # anywhere but the folder: MuJoCo resolves meshes against the XML
    m = mujoco.MjModel.from_xml_path(str(moved / "g1.xml"))
    reference = model(load_robot("g1"))
    assert (m.nbody, m.njnt, m.nmesh) == (reference.nbody, reference.njnt, reference.nmesh)
    np.testing.assert_allclose(m.mesh_vert, reference.mesh_vert, atol=1e-6)
    assert [name for name, _ in mimickit_hinges(moved / "g1.xml")] == mimickit_dofs(moved / "g1.xml")
    # MotionLib._fetch_motion_files opens each listed file relative to the working directory.
    monkeypatch.chdir(moved)
    dataset = yaml.safe_load(Path("dataset.yaml").read_text())
    clips = [mimickit_load(Path(e["file"])) for e in dataset["motions"]]
    assert len(clips) == 1 and clips[0]["frames"].shape[1] == 6 + len(mimickit_dofs(Path("g1.xml")))
    # --dataset-prefix: the folder as MimicKit's working directory (here training_machine/) sees it.
    prefixed = tmp_path / "training_machine" / "data" / "prefixed"
    assert main([str(source), "-o", str(prefixed), "--robot", "g1", "--format", "mimickit",
                 "--dataset-prefix", "data/prefixed/"]) == 0
    monkeypatch.chdir(tmp_path / "training_machine")
    entries = yaml.safe_load((prefixed / "dataset.yaml").read_text())["motions"]
    assert [e["file"] for e in entries] == ["data/prefixed/" + source.stem + ".pkl"]
    assert mimickit_load(Path(entries[0]["file"]))["frames"].shape == clips[0]["frames"].shape


def test_mimickit_clamp_option(clips, tmp_path):
    manifest = retarget(clips / "straight.npz", tmp_path / "o", robot=ROBOT, format="mimickit", loop="clamp")
    assert load_mimickit(tmp_path / "o" / manifest["motions"][0]["file"])[0] == 0


# --- AWD ------------------------------------------------------------------------------------------

def load_awd(path: Path) -> dict:
    """AWD's AMPLoader steps: trim 120 frames, offsets from Frame_offset/Frame_size, standardise w >= 0."""
    doc = json.loads(path.read_text())
    for key in ("LoopMode", "FPS", "FrameDuration", "EnableCycleOffsetPosition", "EnableCycleOffsetRotation",
                "Joints", "Vel_x", "Vel_y", "Yaw", "Placo", "Frame_offset", "Frame_size", "Frames", "MotionWeight"):
        assert key in doc, key
    offset, size = doc["Frame_offset"], doc["Frame_size"]
    assert isinstance(offset, list) and len(offset) == 1 and isinstance(offset[0], dict)
    assert isinstance(size, list) and len(size) == 1 and isinstance(size[0], dict)
    full = np.array(doc["Frames"])
    trimmed = full[:-120]
    traj_len = round((trimmed.shape[0] - 1) * float(doc["FrameDuration"]))
    assert traj_len >= 1
    fields = {k: full[:, offset[0][k]: offset[0][k] + size[0][k]] for k in offset[0]}
    assert fields["root_quat"][:, 3].min() >= 0.0  # the loader's standardisation is a no-op
    return {"doc": doc, "fields": fields}


def test_awd_round_trip(clips, tmp_path):
    out = tmp_path / "awd"
    manifest = retarget(clips, out, robot=ROBOT, format="awd", fps=50)
    for entry in manifest["motions"]:
        loaded = load_awd(out / entry["file"])
        doc, f = loaded["doc"], loaded["fields"]
        m = load(clips / (Path(entry["file"]).stem + ".npz"))
        from retarget.resample import resample
        m = resample(m, 50)
        fps = doc["FPS"]
        assert fps == 50 and doc["FrameDuration"] == pytest.approx(1 / 50) and doc["Toe_frame"] == "world"
        assert doc["LoopMode"] == "Wrap" and doc["Placo"] == m.meta["preset_parameters"]
        assert doc["Vel_x"] == m.achieved.vx and doc["Yaw"] == m.achieved.yaw_rate
        total = len(doc["Frames"])
        assert total >= awd_format.min_frames(fps) and total % m.loop.cycle_frames == 0
        t = m.num_frames
        cols = [doc["Joints"].index(n) for n in m.joint_names]
        np.testing.assert_allclose(f["root_pos"][:t], m.root_pos, atol=1e-12)
        dots = np.abs(np.sum(f["root_quat"][:t] * m.root_quat, axis=1))
        np.testing.assert_allclose(dots, 1.0, atol=1e-12)
        np.testing.assert_allclose(f["joints_pos"][:t][:, cols], m.joint_pos, atol=1e-12)
        np.testing.assert_allclose(f["joints_vel"][:t][:, cols], m.joint_vel, atol=1e-12)
        np.testing.assert_allclose(f["left_toe_pos"][:t], m.left_foot_pos, atol=1e-12)
        np.testing.assert_allclose(f["right_toe_pos"][:t], m.right_foot_pos, atol=1e-12)
        np.testing.assert_allclose(f["world_linear_vel"][:t], m.root_lin_vel, atol=1e-12)
        np.testing.assert_allclose(f["world_angular_vel"][:t], m.root_ang_vel, atol=1e-12)
        np.testing.assert_array_equal(f["foot_contacts"][:t], m.contacts.astype(float))
        # Tiled frames continue the loop: frame k + T is frame k moved by the whole-clip offset.
        extra = min(t, total - t)
        moved = m.loop.transform_positions(m.root_pos[:extra], m.loop.num_cycles)
        np.testing.assert_allclose(f["root_pos"][t: t + extra], moved, atol=1e-9)
        # Velocities agree with central differences of the positions over the whole tiled file.
        inner = slice(1, -1)
        for pos, vel in (("root_pos", "world_linear_vel"), ("joints_pos", "joints_vel"),
                         ("left_toe_pos", "left_toe_vel"), ("right_toe_pos", "right_toe_vel")):
            central = (f[pos][2:] - f[pos][:-2]) * fps / 2
            np.testing.assert_allclose(f[vel][inner], central, atol=1e-8, err_msg=vel)
        q = f["root_quat"]
        rel = Rotation.from_quat(q[2:]) * Rotation.from_quat(q[:-2]).inv()
        np.testing.assert_allclose(f["world_angular_vel"][inner], rel.as_rotvec() * fps / 2, atol=1e-8)


def test_awd_rejects_a_too_short_non_looping_clip(tmp_path):
    m = gait_generator.generate(robot=ROBOT, preset="medium", dx=0.02, length=1.0, with_start=True)
    m.save(tmp_path / "start.npz")
    if m.num_frames >= awd_format.min_frames(m.fps):
        pytest.skip("generated start clip is long enough")
    with pytest.raises(RetargetError, match="start.npz.*AWD loader"):
        retarget(tmp_path / "start.npz", tmp_path / "o", robot=ROBOT, format="awd")
    assert not (tmp_path / "o").exists()


# --- GMR ------------------------------------------------------------------------------------------

def test_gmr_pickle(clips, tmp_path):
    manifest = retarget(clips / "turn.npz", tmp_path / "g", robot=ROBOT, format="gmr")
    with open(tmp_path / "g" / manifest["motions"][0]["file"], "rb") as fh:
        d = pickle.load(fh)
    m = load(clips / "turn.npz")
    mj = model(load_robot(ROBOT))
    assert set(d) == {"fps", "root_pos", "root_rot", "dof_pos", "local_body_pos", "link_body_list"}
    assert d["fps"] == m.fps
    np.testing.assert_array_equal(d["root_pos"], m.root_pos)
    np.testing.assert_array_equal(d["root_rot"], m.root_quat)  # xyzw
    assert d["dof_pos"].shape == (m.num_frames, mj.nq - 7)
    names = [mj.joint(i).name for i in range(1, mj.njnt)]  # qpos order
    np.testing.assert_array_equal(d["dof_pos"], np.stack([m.joint(n) for n in names], axis=1))
    assert d["link_body_list"] == [mj.body(i).name for i in range(1, mj.nbody)]
    assert d["local_body_pos"].shape == (m.num_frames, mj.nbody - 1, 3)
    np.testing.assert_allclose(d["local_body_pos"][:, 0], 0.0, atol=1e-12)  # the root body at the origin


# --- Inputs, weights, errors ----------------------------------------------------------------------

def test_index_excludes_failed_skipped_and_validation_failures(clips, tmp_path):
    folder = tmp_path / "batch"
    folder.mkdir()
    entries = []
    for i, name in enumerate(["straight.npz", "turn.npz"]):
        (folder / name).write_bytes((clips / name).read_bytes())
        entries.append(MotionEntry.from_motion(i, name, load(folder / name)))
    entries.append(MotionEntry.failed(2, "x.npz", "medium", (0.1, 0, 0), "knee flip"))
    skipped = SkippedWriter(folder, ["medium"])
    skipped.add([3], "medium", [(0.9, 0.0, 0.0)], ["dx"], ["dx above max_dx_forward (0.05 m)"])
    record_motions(folder, ROBOT, entries, keep_validation=False, skipped=skipped)
    doc = json.loads((folder / "index.json").read_text())
    doc["motions"][1]["validation"] = {"status": "fail"}
    (folder / "index.json").write_text(json.dumps(doc))
    manifest = retarget(folder / "index.json", tmp_path / "o", robot=ROBOT, format="gmr")
    assert [e["file"] for e in manifest["motions"]] == ["straight.pkl"]
    assert len(manifest["excluded"]) == 3
    assert manifest["excluded"][-1].startswith("skipped.csv: 1 command skipped by the generator")


def test_balanced_weights_sum_to_one(clips, tmp_path):
    folder = tmp_path / "w"
    folder.mkdir()
    for name in ("a", "b"):
        (folder / f"{name}.npz").write_bytes((clips / "straight.npz").read_bytes())
    (folder / "c.npz").write_bytes((clips / "turn.npz").read_bytes())
    manifest = retarget(folder, tmp_path / "o", robot=ROBOT, format="mimickit", weights="balanced")
    weights = {e["file"]: e["weight"] for e in manifest["motions"]}
    # Two command cells: the two identical straight clips share one half.
    assert weights == pytest.approx({"a.pkl": 0.25, "b.pkl": 0.25, "c.pkl": 0.5})


def test_unknown_robot(clips, tmp_path):
    with pytest.raises(RobotSpecError, match="unknown robot 'nope'"):
        retarget(clips, tmp_path / "o", robot="nope", format="awd")
    assert not (tmp_path / "o").exists()
    assert main([str(clips), "-o", str(tmp_path / "o"), "--robot", "nope", "--format", "awd"]) == 2


def test_unmapped_joint_lists_the_names(clips, tmp_path):
    table = tmp_path / "map.yaml"
    names = load_robot(ROBOT).joint_names
    table.write_text(yaml.safe_dump({"joints": {n: {"source": n} for n in names[2:]},
                                     "defaults": {names[1]: 0.1}}))
    with pytest.raises(RetargetError, match=rf"\['{names[0]}'\]"):
        retarget(clips, tmp_path / "o", robot=ROBOT, format="gmr", mapping=table)
    assert not (tmp_path / "o").exists()
    # Identity mapping onto another robot: one line that names both robots and suggests --from-robot.
    with pytest.raises(RetargetError, match="not 'g1'.*pass --from-robot mini_biped"):
        retarget(clips / "straight.npz", tmp_path / "o", robot="g1", format="gmr")
    assert not (tmp_path / "o").exists()


def test_mapping_table_sign_offset_and_defaults(clips, tmp_path):
    table = tmp_path / "map.yaml"
    names = load_robot(ROBOT).joint_names
    joints = {n: {"source": n} for n in names if n != "left_knee" and n != "neck_pitch"}
    joints["left_knee"] = {"source": "right_knee", "sign": -1, "offset": 0.25}
    table.write_text(yaml.safe_dump({"joints": joints, "defaults": {"neck_pitch": 0.3}}))
    manifest = retarget(clips / "straight.npz", tmp_path / "o", robot=ROBOT, format="gmr", mapping=table)
    with open(tmp_path / "o" / manifest["motions"][0]["file"], "rb") as fh:
        dof = pickle.load(fh)["dof_pos"]
    m = load(clips / "straight.npz")
    np.testing.assert_allclose(dof[:, names.index("left_knee")], -m.joint("right_knee") + 0.25)
    np.testing.assert_allclose(dof[:, names.index("neck_pitch")], 0.3)


def test_corrupt_motion_aborts_and_leaves_out_untouched(clips, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.npz").write_bytes((clips / "straight.npz").read_bytes())
    out = tmp_path / "o"
    retarget(folder, out, robot=ROBOT, format="awd")
    before = _snapshot(out)
    data = (clips / "turn.npz").read_bytes()
    (folder / "b.npz").write_bytes(data[: len(data) // 2])
    with pytest.raises(MotionFormatError, match="b.npz"):
        retarget(folder, out, robot=ROBOT, format="awd")
    assert _snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [".o.lock", "in", "o"]  # no staging directory left behind
    assert main([str(folder), "-o", str(out), "--robot", ROBOT, "--format", "awd"]) == 2


def test_wrong_format_name_lists_the_choices(clips, tmp_path, capsys):
    with pytest.raises(ValueError, match=r"'bvh'.*\['mimickit', 'awd', 'gmr', 'mjlab', 'motion', 'isaaclab'\]"):
        retarget(clips, tmp_path / "o", robot=ROBOT, format="bvh")
    with pytest.raises(SystemExit) as exc:
        main([str(clips), "-o", str(tmp_path / "o"), "--robot", ROBOT, "--format", "bvh"])
    assert exc.value.code == 2 and "choose from 'mimickit', 'awd', 'gmr', 'mjlab', 'motion', 'isaaclab'" in \
        capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_refuses_to_replace_a_foreign_directory(clips, tmp_path):
    out = tmp_path / "o"
    out.mkdir()
    (out / "precious.txt").write_text("keep")
    with pytest.raises(OutputError, match="refusing"):
        retarget(clips, out, robot=ROBOT, format="gmr")
    assert _snapshot(out) == {"precious.txt": b"keep"}


def test_rerun_replaces_a_previous_output(clips, tmp_path):
    out = tmp_path / "o"
    retarget(clips, out, robot=ROBOT, format="gmr")
    assert main([str(clips / "straight.npz"), "-o", str(out), "--robot", ROBOT, "--format", "gmr"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "straight.pkl"]
