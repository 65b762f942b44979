"""URDF reading: joint order as pinocchio sees it, mesh resolution, and the injected frames."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pinocchio
import placo
import pytest

import robots
from robots.errors import RobotSpecError
from robots.urdf import inject_frames, parse_urdf, resolve_mesh


def _shuffled(text: str) -> str:
    """The same robot with its <joint> elements in reverse file order."""
    root = ET.fromstring(text)
    joints = root.findall("joint")
    for joint in joints:
        root.remove(joint)
    for joint in reversed(joints):
        root.append(joint)
    return ET.tostring(root, encoding="unicode")


def _pinocchio_names(path: Path) -> list[str]:
    return list(pinocchio.buildModelFromUrdf(str(path)).names[1:])


@pytest.mark.parametrize("name", robots.list_robots())
def test_parse_order_equals_pinocchio_order(name: str) -> None:
    robot = robots.load_robot(name)
    info = parse_urdf(robot.spec.urdf.read_text(), robot.spec.urdf)
    assert list(info.actuated) == _pinocchio_names(robot.spec.urdf)
    assert list(robot.joint_names) == _pinocchio_names(robot.placo_urdf_path)


@pytest.mark.parametrize("name", robots.list_robots())
def test_parse_order_ignores_file_order(name: str, tmp_path: Path) -> None:
    robot = robots.load_robot(name)
    path = tmp_path / "shuffled.urdf"
    path.write_text(_shuffled(robot.urdf_text))
    info = parse_urdf(path.read_text(), path)
    assert info.actuated == robot.joint_names
    assert list(info.actuated) == _pinocchio_names(path)


@pytest.mark.parametrize("name", robots.list_robots())
def test_parse_tree_limits_and_masses_agree_with_pinocchio(name: str) -> None:
    robot = robots.load_robot(name)
    info = robot.info
    model = pinocchio.buildModelFromUrdf(str(robot.spec.urdf))
    spec = robot.spec
    assert info.parent_of(info.root) is None
    assert info.is_descendant(spec.left_foot.link, spec.trunk_link)
    assert not info.is_descendant(spec.trunk_link, spec.left_foot.link)
    for link in (spec.left_foot.link, spec.right_foot.link):
        frame = model.frames[model.getFrameId(link)]
        chain, joint = [], frame.parentJoint
        while joint > 0:
            chain.append(model.names[joint])
            joint = model.parents[joint]
        assert [j for j in info.chain(link) if j in info.actuated] == chain[::-1]
    for i, joint in enumerate(info.actuated):
        j = info.joints[joint]
        assert (j.lower, j.upper) == (model.lowerPositionLimit[i], model.upperPositionLimit[i])
        assert j.effort == model.effortLimit[i]
        assert j.velocity == model.velocityLimit[i]
    total = sum(inertia.mass for inertia in model.inertias)
    assert sum(info.links.values()) == pytest.approx(total, rel=1e-12)


def test_parse_rejects_bad_xml_and_several_roots(tmp_path: Path) -> None:
    with pytest.raises(RobotSpecError, match="not valid XML"):
        parse_urdf("<robot><link name='a'></robot>", tmp_path / "bad.urdf")
    with pytest.raises(RobotSpecError, match=r"exactly one root link.*\['a', 'b'\]"):
        parse_urdf("<robot><link name='a'/><link name='b'/></robot>", tmp_path / "two.urdf")


def test_resolve_mesh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "share" / "my_robot"
    (package / "meshes").mkdir(parents=True)
    (package / "urdf").mkdir()
    mesh = package / "meshes" / "foot.stl"
    mesh.write_text("solid foot\nendsolid foot\n")
    urdf_dir = package / "urdf"
    assert resolve_mesh("../meshes/foot.stl", urdf_dir) == mesh.resolve()
    assert resolve_mesh(str(mesh), urdf_dir) == mesh.resolve()
    assert resolve_mesh(f"file://{mesh}", urdf_dir) == mesh.resolve()
    # package:// as an ancestor folder named like the package, or holding it
    assert resolve_mesh("package://my_robot/meshes/foot.stl", urdf_dir) == mesh.resolve()
    assert resolve_mesh("package://share/my_robot/meshes/foot.stl", urdf_dir) == mesh.resolve()
    assert resolve_mesh("package://my_robot/meshes/hand.stl", urdf_dir) is None
    assert resolve_mesh("package://other_robot/meshes/foot.stl", urdf_dir) is None
    assert resolve_mesh("meshes/foot.stl", urdf_dir) is None
    assert resolve_mesh("https://example.com/foot.stl", urdf_dir) is None
    # package:// through ROS_PACKAGE_PATH from an unrelated folder
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert resolve_mesh("package://my_robot/meshes/foot.stl", elsewhere) is None
    monkeypatch.setenv("ROS_PACKAGE_PATH", str(tmp_path / "share"))
    assert resolve_mesh("package://my_robot/meshes/foot.stl", elsewhere) == mesh.resolve()


@pytest.mark.parametrize("name", robots.list_robots())
def test_injected_text_has_absolute_existing_meshes(name: str) -> None:
    robot = robots.load_robot(name)
    meshes = [m.get("filename", "") for m in ET.fromstring(robot.urdf_text).iter("mesh")]
    assert len(meshes) == len(robot.info.meshes)
    for mesh in meshes:
        assert Path(mesh).is_absolute() and Path(mesh).is_file(), mesh


def test_inject_frames_leaves_original_elements_alone() -> None:
    robot = robots.load_robot("mini_biped")
    text = robot.spec.urdf.read_text()
    out = inject_frames(text, {"probe": ("left_thigh", (0.01, -0.02, 0.03))}, robot.spec.urdf.parent)
    before, after = parse_urdf(text, robot.spec.urdf), parse_urdf(out, robot.spec.urdf)
    assert after.actuated == before.actuated
    assert after.links == {**before.links, "probe": 0.0}
    assert after.joints["probe_frame"].type == "fixed"
    assert after.joints["probe_frame"].parent == "left_thigh"


@pytest.mark.parametrize("name", robots.list_robots())
def test_placo_sees_the_injected_frames(name: str) -> None:
    robot = robots.load_robot(name)
    humanoid = placo.HumanoidRobot(str(robot.placo_urdf_path), placo.Flags.ignore_collisions)
    frames = set(humanoid.frame_names())
    assert {"trunk", "left_foot", "right_foot"} <= frames
    rng = np.random.default_rng(0)
    for joint in robot.joint_names:
        lo, hi = robot.joint_limits(joint)
        humanoid.set_joint(joint, rng.uniform(lo, hi))
    humanoid.update_kinematics()
    spec = robot.spec
    for frame, (link, offset) in {
        "trunk": (spec.trunk_link, spec.trunk_offset),
        "left_foot": (spec.left_foot.link, spec.left_foot.sole_offset),
        "right_foot": (spec.right_foot.link, spec.right_foot.sole_offset),
    }.items():
        T_link_frame = np.linalg.inv(humanoid.get_T_world_frame(link)) @ humanoid.get_T_world_frame(frame)
        np.testing.assert_allclose(T_link_frame[:3, 3], offset, atol=1e-12)
        np.testing.assert_allclose(T_link_frame[:3, :3], np.eye(3), atol=1e-12)
    # the frames are massless
    assert humanoid.total_mass() == pytest.approx(sum(robot.info.links.values()), rel=1e-12)


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("urdf_joint_loop", "link 'left_thigh' is the child of joints 'left_hip_pitch' and 'loop'; a URDF must be a tree"),
        ("urdf_detached_foot_cycle", r"link\(s\) \['extra_link', 'left_foot_link'\] are not connected to the root link"),
        ("urdf_limit_abc", "joint 'left_hip_yaw' <limit> lower='abc': expected a finite number"),
        ("urdf_mass_nan", "link 'base' <mass> value='nan': expected a finite number"),
        ("urdf_deep_xml", "URDF elements nested deeper than 32 levels"),
        ("urdf_entity_bomb", "URDF is not valid XML"),
    ],
)
def test_malformed_urdf_is_a_clean_error(case: str, message: str) -> None:
    """Loops, detached cycles, bad numbers and hostile XML: one error naming the file, never a hang or RecursionError."""
    from tests.fuzz_inputs import urdf_cases

    with pytest.raises(RobotSpecError, match=rf"robot\.urdf: .*{message}"):
        parse_urdf(urdf_cases()[case].decode(), Path("robot.urdf"))


def test_joint_referring_to_a_missing_link_is_named() -> None:
    text = (Path(robots.spec_path("mini_biped")).parent / "mini_biped.urdf").read_text()
    text = text.replace('<child link="left_hip_yaw_link"/>', '<child link="nowhere"/>')
    with pytest.raises(RobotSpecError, match="joint 'left_hip_yaw': child link 'nowhere' is not a <link>"):
        parse_urdf(text, Path("robot.urdf"))
