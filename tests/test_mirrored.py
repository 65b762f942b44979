"""A URDF with mirrored right-leg axes walks, validates and exports in every format, with no code change.

CAD exports often flip the right leg's pitch axes (``0 -1 0``), so its knee bends
with negative angles while the left one bends with positive angles. The test
writes such a URDF (mini_biped's, right-leg pitch axes flipped), proposes its
spec with ``gait_robot init``, and follows the clip through every consumer's
loader arithmetic (the loaders of tests/test_retarget.py,
tests/test_retarget_mjlab.py and Isaac Lab's keys), and through a transfer from mini_biped.
"""

from __future__ import annotations

import pickle
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

import gait_generator
import robots
import validate
from gait_generator.transfer import transfer_motion
from motions import load
from retarget import FORMATS, retarget
from robots.mjcf import model
from tests.test_retarget import load_awd, load_mimickit, mimickit_dofs
from tests.test_retarget_mjlab import load_mjlab
from validate.robot_cli import main as gait_robot

MINI_URDF = Path(robots.__file__).parent / "mini_biped" / "mini_biped.urdf"
FLIPPED = ("right_hip_pitch", "right_knee", "right_ankle")


@pytest.fixture(scope="module")
def mirrored(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("mirrored")
    root = ET.parse(MINI_URDF).getroot()
    root.set("name", "mirrored")
    for joint in root.findall("joint"):
        if joint.get("name") in FLIPPED:
            joint.find("axis").set("xyz", "0 -1 0")
            limit = joint.find("limit")
            lower, upper = float(limit.get("lower")), float(limit.get("upper"))
            limit.set("lower", repr(-upper))
            limit.set("upper", repr(-lower))
    urdf = folder / "mirrored.urdf"
    urdf.write_text(ET.tostring(root, encoding="unicode"))
    spec = folder / "mirrored.yaml"
    assert gait_robot(["init", str(urdf), "-o", str(spec)]) == 0
    motion = gait_generator.generate(robot=str(spec), preset="medium", dx=0.03, dtheta=0.1, length=2.0)
    clip = folder / "clips" / "walk.npz"
    clip.parent.mkdir()
    motion.save(clip)
    return {"spec": spec, "clip": clip}


def test_the_mirrored_robot_walks_with_each_knee_bent_its_own_way(mirrored):
    m = load(mirrored["clip"])
    assert np.all(m.joint("left_knee") > 0) and np.all(m.joint("right_knee") < 0)
    # mirror images: the right leg's pitch angles are the left's negated, half a cycle later
    half = m.loop.cycle_frames // 2
    for name in ("hip_pitch", "knee", "ankle"):
        left, right = m.joint(f"left_{name}"), m.joint(f"right_{name}")
        assert np.corrcoef(left[:half * 2], -np.roll(right, -half)[:half * 2])[0, 1] > 0.9, name


def test_the_mirrored_robot_passes_validation(mirrored):
    result = validate.validate_motion(load(mirrored["clip"]), robot=str(mirrored["spec"]))
    assert result.status == "pass", result.reasons


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_export_keeps_each_joint_its_own_sign(mirrored, fmt, tmp_path):
    spec, m = str(mirrored["spec"]), load(mirrored["clip"])
    manifest = retarget(mirrored["clip"], tmp_path / "out", robot=spec, format=fmt)
    file = tmp_path / "out" / manifest["motions"][0]["file"]
    if fmt == "mimickit":
        dofs = mimickit_dofs(next((tmp_path / "out").glob("*.xml")))
        _, _, frames = load_mimickit(file)
        joints = {name: frames[:-1, 6 + i] for i, name in enumerate(dofs)}
        expected = {name: m.joint(name) for name in dofs}
    elif fmt == "awd":
        loaded = load_awd(file)
        names = loaded["doc"]["Joints"]
        cols = loaded["fields"]["joints_pos"]
        joints = {name: cols[:, i] for i, name in enumerate(names)}
        expected = None  # resampled: checked by sign below
    elif fmt == "gmr":
        with open(file, "rb") as fh:
            d = pickle.load(fh)
        mj = model(robots.load_robot(spec))
        names = [mj.joint(i).name for i in range(1, mj.njnt)]
        joints = {name: d["dof_pos"][:, i] for i, name in enumerate(names)}
        expected = {name: m.joint(name) for name in names}
    elif fmt == "mjlab":
        data = load_mjlab(file)
        names = manifest["joint_order"]
        joints = {name: data["joint_pos"][:, i] for i, name in enumerate(names)}
        expected = None  # 50 Hz: checked by sign below
    elif fmt == "isaaclab":
        data = np.load(file, allow_pickle=False)
        joints = {name: data["dof_positions"][:, i] for i, name in enumerate(data["dof_names"].tolist())}
        expected = None  # upsampled for the loader's nearest-frame blend: checked by sign below
    else:
        out = load(file)
        joints = {name: out.joint(name) for name in out.joint_names}
        expected = {name: m.joint(name) for name in out.joint_names}
    assert np.all(joints["left_knee"] > 0) and np.all(joints["right_knee"] < 0), fmt
    if expected is not None:
        for name, values in expected.items():
            np.testing.assert_allclose(joints[name], values, atol=2e-6, err_msg=name)


def test_a_mini_biped_gait_transfers_onto_the_mirrored_robot(mirrored, tmp_path):
    source = tmp_path / "mini.npz"
    gait_generator.generate(robot="mini_biped", preset="medium", dx=0.03, length=2.0).save(source)
    manifest = retarget(source, tmp_path / "out", robot=str(mirrored["spec"]), format="motion",
                        from_robot="mini_biped", transfer=transfer_motion)
    out = load(tmp_path / "out" / manifest["motions"][0]["file"])
    assert np.all(out.joint("left_knee") > 0) and np.all(out.joint("right_knee") < 0)
