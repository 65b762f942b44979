"""The MuJoCo model of every registered robot against its URDF, its spec and placo."""

from __future__ import annotations

import functools
import struct
import xml.etree.ElementTree as ET
from pathlib import Path

import mujoco
import numpy as np
import pinocchio
import placo
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.spatial.transform import Rotation

import robots
from motions.errors import MotionFormatError
from robots import mjcf
from robots.errors import RobotSpecError
from robots.mini_biped import description

ROBOTS = robots.list_robots()


@functools.cache
def _placo(name: str) -> placo.HumanoidRobot:
    robot = robots.load_robot(name)
    return placo.HumanoidRobot(str(robot.placo_urdf_path), placo.Flags.ignore_collisions)


@pytest.fixture(params=ROBOTS, scope="module")
def robot(request: pytest.FixtureRequest) -> robots.Robot:
    return robots.load_robot(request.param)


@pytest.fixture(scope="module")
def model(robot: robots.Robot) -> mujoco.MjModel:
    return mjcf.model(robot)


def _posture(robot: robots.Robot) -> np.ndarray:
    """Initial posture of the walk: bent knees, every other joint at its default."""
    angles = {**robot.posture(), **robot.spec.initial_posture}
    return np.array([angles.get(name, 0.0) for name in robot.joint_names])


def _standing_qpos(model: mujoco.MjModel, robot: robots.Robot) -> np.ndarray:
    """qpos at the initial posture with both soles at z = 0 (the posture's soles are level)."""
    data = mujoco.MjData(model)
    data.qpos[:] = mjcf.to_qpos(model, [[0.0, 0.0, 0.0]], [[0.0, 0.0, 0.0, 1.0]], _posture(robot)[None])[0]
    mujoco.mj_kinematics(model, data)
    data.qpos[2] = -data.site("left_foot").xpos[2]
    return data.qpos.copy()


def test_model_compiles_and_is_cached(robot: robots.Robot, model: mujoco.MjModel) -> None:
    assert isinstance(model, mujoco.MjModel)
    assert mjcf.model(robot) is model
    assert model.opt.timestep == robot.spec.mujoco_timestep
    assert model.nq == 7 + len(robot.joint_names)
    assert model.nv == 6 + len(robot.joint_names)


def test_free_joint_is_the_root(robot: robots.Robot, model: mujoco.MjModel) -> None:
    root = model.joint(mjcf.ROOT_JOINT)
    assert root.id == 0
    assert model.jnt_type[0] == mujoco.mjtJoint.mjJNT_FREE
    assert model.body(model.jnt_bodyid[0]).name == robot.root_link
    assert model.body_parentid[model.jnt_bodyid[0]] == 0


def test_joint_names_and_order(robot: robots.Robot, model: mujoco.MjModel) -> None:
    names = [model.joint(i).name for i in range(1, model.njnt)]
    assert names == list(robot.joint_names)
    assert names == list(pinocchio.buildModelFromUrdf(str(robot.placo_urdf_path)).names[1:])
    assert list(_placo(robot.name).joint_names()) == names
    np.testing.assert_array_equal(model.jnt_qposadr[1:], 7 + np.arange(len(names)))


def test_joint_limits_match_urdf_and_placo(robot: robots.Robot, model: mujoco.MjModel) -> None:
    humanoid = _placo(robot.name)
    for name in robot.joint_names:
        joint = model.joint(name)
        if robot.info.joints[name].type == "continuous":
            assert not model.jnt_limited[joint.id]
            continue
        assert model.jnt_limited[joint.id]
        np.testing.assert_array_equal(joint.range, robot.joint_limits(name))
        np.testing.assert_allclose(humanoid.get_joint_limits(name), robot.joint_limits(name), rtol=0, atol=1e-12)


def test_total_mass_matches_urdf_and_placo(robot: robots.Robot, model: mujoco.MjModel) -> None:
    urdf_mass = sum(robot.info.links.values())
    mujoco_mass = float(model.body_subtreemass[0])
    # The brief allows 1% for the G1 (meshes); the model keeps the URDF inertials exactly, so both are tight.
    assert mujoco_mass == pytest.approx(urdf_mass, rel=1e-6)
    assert mujoco_mass == pytest.approx(_placo(robot.name).total_mass(), rel=1e-6)


def test_inertias_kept_from_urdf(robot: robots.Robot, model: mujoco.MjModel) -> None:
    """Every moving body carries the mass of its URDF link plus the links fused into it."""
    pin = pinocchio.buildModelFromUrdf(str(robot.placo_urdf_path))
    for i, name in enumerate(robot.joint_names, start=1):
        body = model.jnt_bodyid[model.joint(name).id]
        assert model.body_mass[body] == pytest.approx(pin.inertias[i].mass, rel=1e-9)
        principal = np.sort(np.linalg.eigvalsh(pin.inertias[i].inertia))
        np.testing.assert_allclose(np.sort(model.body_inertia[body]), principal, rtol=1e-6, atol=1e-12)


def test_one_position_actuator_per_joint(robot: robots.Robot, model: mujoco.MjModel) -> None:
    assert model.nu == len(robot.joint_names)
    for i, name in enumerate(robot.joint_names):
        act = model.actuator(i)
        group = robot.spec.actuator_for(name)
        joint = model.joint(name)
        assert act.name == name
        assert model.actuator_trntype[i] == mujoco.mjtTrn.mjTRN_JOINT
        assert model.actuator_trnid[i, 0] == joint.id
        assert model.actuator_gainprm[i, 0] == group.kp
        np.testing.assert_array_equal(model.actuator_biasprm[i, :3], [0.0, -group.kp, -group.kv])
        assert model.actuator_forcelimited[i]
        np.testing.assert_array_equal(act.forcerange, [-group.effort, group.effort])
        assert model.actuator_ctrllimited[i] == (robot.info.joints[name].type != "continuous")
        if model.actuator_ctrllimited[i]:
            np.testing.assert_array_equal(act.ctrlrange, robot.joint_limits(name))
        assert model.dof_armature[model.jnt_dofadr[joint.id]] == group.armature


def test_floor(model: mujoco.MjModel) -> None:
    floor = model.geom("floor")
    assert floor.type == mujoco.mjtGeom.mjGEOM_PLANE
    assert floor.bodyid == 0
    assert floor.contype & floor.conaffinity
    colliding = [g for g in range(model.ngeom) if model.geom_bodyid[g] != 0 and model.geom_contype[g]]
    assert colliding, "the robot keeps its URDF collision geoms"
    for g in colliding:
        assert model.geom_contype[g] & floor.conaffinity or model.geom_conaffinity[g] & floor.contype


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_sites_agree_with_placo_frames(robot: robots.Robot, model: mujoco.MjModel, seed: int) -> None:
    """Sole and trunk sites equal placo's frames for the same base pose and joints (seed 0: neutral)."""
    rng = np.random.default_rng(seed)
    joints = np.zeros(len(robot.joint_names))
    if seed:
        joints = np.array([rng.uniform(*robot.joint_limits(n)) for n in robot.joint_names])
    pos = rng.uniform(-1.0, 1.0, 3)
    quat = Rotation.random(random_state=seed).as_quat()  # xyzw
    humanoid = _placo(robot.name)
    T = np.eye(4)
    T[:3, :3] = Rotation.from_quat(quat).as_matrix()
    T[:3, 3] = pos
    humanoid.set_T_world_fbase(T)
    for name, q in zip(robot.joint_names, joints):
        humanoid.set_joint(name, q)
    humanoid.update_kinematics()
    data = mujoco.MjData(model)
    data.qpos[:] = mjcf.to_qpos(model, pos[None], quat[None], joints[None])[0]
    mujoco.mj_kinematics(model, data)
    for frame in robots.FRAME_NAMES:
        T_placo = humanoid.get_T_world_frame(frame)
        np.testing.assert_allclose(data.site(frame).xpos, T_placo[:3, 3], rtol=0, atol=1e-6)
        np.testing.assert_allclose(data.site(frame).xmat.reshape(3, 3), T_placo[:3, :3], rtol=0, atol=1e-6)


def test_root_quaternion_is_xyzw_outside_mujoco(model: mujoco.MjModel) -> None:
    """A yaw of +90 deg given as xyzw turns the root's x axis onto world +y."""
    yaw90_xyzw = np.array([[0.0, 0.0, np.sin(np.pi / 4), np.cos(np.pi / 4)]])
    qpos = mjcf.to_qpos(model, [[0.0, 0.0, 1.0]], yaw90_xyzw, np.zeros((1, model.nu)))
    np.testing.assert_allclose(qpos[0, 3:7], [np.cos(np.pi / 4), 0.0, 0.0, np.sin(np.pi / 4)])
    data = mujoco.MjData(model)
    data.qpos[:] = qpos[0]
    mujoco.mj_kinematics(model, data)
    root = model.jnt_bodyid[0]
    np.testing.assert_allclose(data.xmat[root].reshape(3, 3)[:, 0], [0.0, 1.0, 0.0], atol=1e-12)


@settings(max_examples=25, deadline=None)
@given(
    frames=st.integers(1, 6),
    data=st.data(),
)
def test_qpos_round_trip(frames: int, data: st.DataObject) -> None:
    model = mjcf.model(robots.load_robot("mini_biped"))
    finite = st.floats(-10.0, 10.0, allow_nan=False)
    pos = data.draw(arrays(np.float64, (frames, 3), elements=finite))
    quat = data.draw(arrays(np.float64, (frames, 4), elements=st.floats(-1.0, 1.0, allow_nan=False)))
    joints = data.draw(arrays(np.float64, (frames, model.nu), elements=finite))
    qpos = mjcf.to_qpos(model, pos, quat, joints)
    assert qpos.shape == (frames, model.nq)
    np.testing.assert_array_equal(qpos[:, 3], quat[:, 3])
    back = mjcf.from_qpos(model, qpos)
    for original, restored in zip((pos, quat, joints), back):
        np.testing.assert_array_equal(original, restored)
    np.testing.assert_array_equal(mjcf.to_qpos(model, *back), qpos)


def test_qpos_accepts_the_robot(robot: robots.Robot, model: mujoco.MjModel) -> None:
    q = _posture(robot)[None]
    a = mjcf.to_qpos(robot, [[0.0, 0.0, 0.5]], [[0.0, 0.0, 0.0, 1.0]], q)
    b = mjcf.to_qpos(model, [[0.0, 0.0, 0.5]], [[0.0, 0.0, 0.0, 1.0]], q)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(mjcf.from_qpos(robot, a)[2], q)


def test_to_qpos_rejects_wrong_shapes() -> None:
    robot = robots.load_robot("mini_biped")
    J = len(robot.joint_names)
    cases = [
        ((np.zeros(3), np.zeros((1, 4)), np.zeros((1, J))), r"root_pos: expected shape \(T, 3\), got \(3,\)"),
        ((np.zeros((2, 3)), np.zeros((1, 4)), np.zeros((2, J))), r"root_quat_xyzw: .* \(2, 4\), got \(1, 4\)"),
        ((np.zeros((2, 3)), np.zeros((2, 4)), np.zeros((2, J - 1))), rf"joint_pos: .* \(2, {J}\), got \(2, {J - 1}\)"),
    ]
    for args, fragment in cases:
        with pytest.raises(MotionFormatError, match=fragment):
            mjcf.to_qpos(robot, *args)


def test_from_qpos_rejects_wrong_shapes() -> None:
    model = mjcf.model(robots.load_robot("mini_biped"))
    with pytest.raises(MotionFormatError, match=rf"qpos: expected shape \(T, {model.nq}\), got \(3, {model.nq - 1}\)"):
        mjcf.from_qpos(model, np.zeros((3, model.nq - 1)))
    fixed = mujoco.MjModel.from_xml_string(
        "<mujoco><worldbody><body><joint/><geom size='0.1'/></body></worldbody></mujoco>"
    )
    with pytest.raises(MotionFormatError, match="no free joint"):
        mjcf.from_qpos(fixed, np.zeros((1, 1)))


def test_feet_resting_on_the_floor_are_always_listed(robot: robots.Robot, model: mujoco.MjModel) -> None:
    """Feet at z = 0 (kinematic replay) are in data.contact whatever the round-off; no force above the floor."""
    standing = _standing_qpos(model, robot)
    data = mujoco.MjData(model)
    floor = model.geom("floor").id
    feet = {model.site_bodyid[model.site(side).id] for side in ("left_foot", "right_foot")}
    # At dz = 0 the soles sit at +-1e-16 from round-off: listed either way, pushing or not.
    for dz, pushes in ((-1e-9, True), (0.0, None), (1e-9, False), (0.003, False), (-0.001, True)):
        data.qpos[:] = standing
        data.qpos[2] += dz
        mujoco.mj_forward(model, data)
        contacts = [c for c in data.contact[: data.ncon] if floor in (c.geom1, c.geom2)]
        touching = {model.geom_bodyid[c.geom2 if c.geom1 == floor else c.geom1] for c in contacts}
        assert touching == feet, f"dz={dz}"
        if pushes is not None:
            assert any(c.exclude == 0 for c in contacts) == pushes, f"dz={dz}"
    data.qpos[:] = standing
    data.qpos[2] += mjcf.FLOOR_CONTACT_GAP + 0.001
    mujoco.mj_forward(model, data)
    assert not any(floor in (c.geom1, c.geom2) for c in data.contact[: data.ncon])


def test_initial_posture_is_free_of_self_collision(robot: robots.Robot, model: mujoco.MjModel) -> None:
    """The built-in robots' collision geometry is clean: nothing touches at rest, so nothing is excluded."""
    assert robot.spec.collisions.mode == "auto"
    assert mjcf.excluded_pairs(robot) == ()
    assert model.nexclude == 0
    data = mujoco.MjData(model)
    data.qpos[:] = _standing_qpos(model, robot)
    data.qpos[2] += 0.5
    mujoco.mj_forward(model, data)
    pairs = [(model.geom(c.geom1).name, model.geom(c.geom2).name) for c in data.contact[: data.ncon]]
    assert pairs == []


def test_stands_on_its_position_actuators(robot: robots.Robot, model: mujoco.MjModel) -> None:
    """Holding the initial posture, the robot stands for 1 s: the gains and contacts are sane."""
    data = mujoco.MjData(model)
    data.qpos[:] = _standing_qpos(model, robot)
    height = data.qpos[2]
    data.ctrl[:] = _posture(robot)
    for _ in range(round(1.0 / model.opt.timestep)):
        mujoco.mj_step(model, data)
    assert np.all(np.isfinite(data.qpos))
    assert abs(data.qpos[2] - height) < 0.02
    up = data.xmat[model.jnt_bodyid[0]].reshape(3, 3)[:, 2]
    assert up[2] > np.cos(np.radians(10.0))
    np.testing.assert_allclose(data.site("left_foot").xpos[2], 0.0, atol=0.003)


def test_mjcf_xml_round_trips(robot: robots.Robot, model: mujoco.MjModel, tmp_path: Path) -> None:
    path = tmp_path / f"{robot.name}.xml"
    path.write_text(mjcf.mjcf_xml(robot))
    loaded = mujoco.MjModel.from_xml_path(str(path))
    assert (loaded.nq, loaded.nv, loaded.nu, loaded.nsite) == (model.nq, model.nv, model.nu, model.nsite)
    assert [loaded.joint(i).name for i in range(loaded.njnt)] == [model.joint(i).name for i in range(model.njnt)]
    assert loaded.body_subtreemass[0] == pytest.approx(model.body_subtreemass[0], rel=1e-9)
    np.testing.assert_allclose(loaded.actuator_gainprm, model.actuator_gainprm)


def test_every_joint_of_the_exported_mjcf_has_an_explicit_axis(robot: robots.Robot, model: mujoco.MjModel) -> None:
    # GMR's KinematicsModel and MimicKit's MJCFCharModel read `axis` without MuJoCo's default (0 0 1).
    xml = mjcf.mjcf_xml(robot)
    joints = list(ET.fromstring(xml).iter("joint"))
    assert len(joints) == model.njnt and all(j.get("axis") for j in joints)
    loaded = mujoco.MjModel.from_xml_string(xml)
    np.testing.assert_array_equal(loaded.jnt_axis, model.jnt_axis)  # writing the defaults changes nothing
    assert mujoco.MjModel.from_xml_string(mujoco.MjSpec.from_string(xml).to_xml()).njnt == model.njnt


def test_portable_assets_point_every_file_next_to_the_xml(robot: robots.Robot, tmp_path: Path) -> None:
    from robots.mjcf_export import portable_assets

    xml, files = portable_assets(mjcf.mjcf_xml(robot))
    for relative, source in files.items():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_bytes(source.read_bytes())
        assert not Path(relative).is_absolute() and relative.startswith("meshes/")
    (tmp_path / "robot.xml").write_text(xml)
    assert mujoco.MjModel.from_xml_path(str(tmp_path / "robot.xml")).nmesh == len(list(ET.fromstring(xml).iter("mesh")))


def test_build_spec_returns_a_fresh_editable_spec(robot: robots.Robot) -> None:
    spec = mjcf.build_spec(robot)
    assert isinstance(spec, mujoco.MjSpec)
    spec.geom("floor").friction = [0.5, 0.005, 0.0001]
    assert mjcf.build_spec(robot).geom("floor").friction[0] == 1.0


def _user_robot(tmp_path: Path, name: str, edit) -> robots.Robot:
    """mini_biped's URDF changed by ``edit(root_element)``, loaded from a user spec in tmp_path."""
    source = robots.load_robot("mini_biped")
    root = ET.fromstring(source.spec.urdf.read_text())
    edit(root)
    urdf = tmp_path / f"{name}.urdf"
    urdf.write_text(ET.tostring(root, encoding="unicode"))
    spec = yaml.safe_load(source.spec.path.read_text())
    spec.update(name=name, urdf=urdf.name, presets={k: str(v) for k, v in source.spec.presets.items()})
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(spec))
    return robots.load_robot(path)


def _reverse_joints(root: ET.Element) -> None:
    joints = root.findall("joint")
    for joint in joints:
        root.remove(joint)
    for joint in reversed(joints):
        root.append(joint)


def test_joint_order_follows_pinocchio_when_file_order_differs(tmp_path: Path) -> None:
    robot = _user_robot(tmp_path, "reversed_biped", _reverse_joints)
    raw = mujoco.MjSpec.from_file(str(robot.spec.urdf)).compile()
    raw_order = [raw.joint(i).name for i in range(raw.njnt)]
    assert raw_order != list(robot.joint_names), "the file order must differ for this test to mean anything"
    model = mjcf.build_spec(robot).compile()
    assert [model.joint(i).name for i in range(1, model.njnt)] == list(robot.joint_names)
    assert list(robot.joint_names) == list(pinocchio.buildModelFromUrdf(str(robot.spec.urdf)).names[1:])


def test_model_cache_is_per_robot(tmp_path: Path) -> None:
    robot = _user_robot(tmp_path, "reversed_biped", _reverse_joints)
    model = mjcf.model(robot)
    assert model is mjcf.model(robot)
    assert model is not mjcf.model(robots.load_robot("mini_biped"))


def _binary_stl_tetrahedron(size: float) -> bytes:
    """A closed tetrahedron as a binary STL (MuJoCo reads binary STL only)."""
    o, x, y, z = (0.0, 0.0, 0.0), (size, 0.0, 0.0), (0.0, size, 0.0), (0.0, 0.0, size)
    faces = [(o, y, x), (o, x, z), (o, z, y), (x, y, z)]
    out = bytearray(b"tetrahedron".ljust(80, b" ")) + struct.pack("<I", len(faces))
    for face in faces:
        out += struct.pack("<3f", 0.0, 0.0, 0.0)
        for vertex in face:
            out += struct.pack("<3f", *vertex)
        out += struct.pack("<H", 0)
    return bytes(out)


def test_mesh_robot_compiles_and_a_corrupt_mesh_is_a_spec_error(tmp_path: Path) -> None:
    """A relative mesh reaches MuJoCo; a mesh file MuJoCo cannot read is reported against the spec."""
    (tmp_path / "meshes").mkdir()
    (tmp_path / "meshes" / "head.stl").write_bytes(_binary_stl_tetrahedron(0.05))
    (tmp_path / "meshes" / "broken.stl").write_bytes(b"\x00" * 7)

    def head_mesh(filename: str):
        def edit(root: ET.Element) -> None:
            head = next(link for link in root.findall("link") if link.get("name") == "head")
            visual = ET.SubElement(head, "visual")
            ET.SubElement(ET.SubElement(visual, "geometry"), "mesh", {"filename": filename})
        return edit

    good = _user_robot(tmp_path, "mesh_biped", head_mesh("meshes/head.stl"))
    model = mjcf.model(good)
    assert model.nmesh == 1
    assert model.body_subtreemass[0] == pytest.approx(sum(good.info.links.values()), rel=1e-9)
    broken = _user_robot(tmp_path, "broken_biped", head_mesh("meshes/broken.stl"))
    with pytest.raises(RobotSpecError, match=r"broken_biped\.yaml: field 'urdf': MuJoCo cannot compile"):
        mjcf.model(broken)


def test_shipped_mini_biped_urdf_is_generated() -> None:
    assert description.URDF_PATH == robots.load_robot("mini_biped").spec.urdf
    assert description.URDF_PATH.read_text() == description.urdf_text()
