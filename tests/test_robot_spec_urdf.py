"""Robot spec files and their URDF: the URDF is read and its meshes found, the anchor body is checked, and every built-in spec loads.

The helpers (a test-authored two-leg biped URDF and its spec) are those of
``tests/test_robot_spec.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import robots
from tests.test_robot_spec import TETRA_STL, _link, base_spec, biped_urdf, expect_error, write


def test_urdf_with_two_roots(tmp_path: Path) -> None:
    path = write(tmp_path, base_spec(), urdf=biped_urdf(second_root=True))
    expect_error(path, "field 'urdf'", "exactly one root link", "loose_part")


def test_urdf_not_xml(tmp_path: Path) -> None:
    path = write(tmp_path, base_spec(), urdf="<robot name='x'><link name='a'></robot>")
    expect_error(path, "field 'urdf'", "not valid XML")


def test_reserved_frame_name_in_urdf(tmp_path: Path) -> None:
    urdf = biped_urdf().replace("pelvis", "trunk")
    spec = base_spec()
    spec["trunk"]["link"] = "trunk"
    expect_error(write(tmp_path, spec, urdf), "field 'urdf'", "reserved")


@pytest.mark.parametrize(
    "mesh", ["meshes/missing_foot.stl", "package://test_biped_description/meshes/missing_foot.stl"]
)
def test_mesh_not_found(tmp_path: Path, mesh: str) -> None:
    path = write(tmp_path, base_spec(), urdf=biped_urdf(foot_mesh=mesh))
    expect_error(path, "field 'urdf'", f"mesh '{mesh}'", "not found")


def test_relative_mesh_is_found_and_made_absolute(tmp_path: Path) -> None:
    (tmp_path / "meshes").mkdir()
    (tmp_path / "meshes" / "foot.stl").write_text(TETRA_STL)
    robot = robots.load_robot(write(tmp_path, base_spec(), urdf=biped_urdf(foot_mesh="meshes/foot.stl")))
    assert f'filename="{(tmp_path / "meshes" / "foot.stl").resolve()}"' in robot.urdf_text


def test_package_mesh_is_found_in_an_ancestor_folder(tmp_path: Path) -> None:
    package = tmp_path / "test_biped_description"
    (package / "meshes").mkdir(parents=True)
    (package / "meshes" / "foot.stl").write_text(TETRA_STL)
    (package / "urdf").mkdir()
    (package / "urdf" / "test_biped.urdf").write_text(
        biped_urdf(foot_mesh="package://test_biped_description/meshes/foot.stl")
    )
    spec = base_spec()
    spec["urdf"] = "test_biped_description/urdf/test_biped.urdf"
    robot = robots.load_robot(write(tmp_path, spec))
    assert "package://" not in robot.urdf_text
    assert f'filename="{(package / "meshes" / "foot.stl").resolve()}"' in robot.urdf_text


def test_anchor_body_defaults_to_the_trunk_link_and_may_be_any_moving_link(tmp_path: Path) -> None:
    assert robots.load_robot(write(tmp_path, base_spec())).anchor_body == "pelvis"
    spec = base_spec()
    spec["trunk"]["anchor_body"] = "left_thigh"
    robot = robots.load_robot(write(tmp_path, spec))
    assert robot.anchor_body == robot.spec.anchor_body == "left_thigh"


def test_anchor_body_must_be_a_link_that_stays_a_body(tmp_path: Path) -> None:
    spec = base_spec()
    spec["trunk"]["anchor_body"] = "chest"
    expect_error(write(tmp_path, spec), "field 'trunk.anchor_body'", "link 'chest' is not in test_biped.urdf")
    # A link on a fixed joint is merged into its parent by MuJoCo: the message names the body to use.
    imu = (_link("imu", 0.01) + '<joint name="imu_joint" type="fixed"><parent link="pelvis"/><child link="imu"/>'
           '<origin xyz="0 0 0.02"/></joint>\n')
    urdf = biped_urdf().replace("</robot>", imu + "</robot>")
    spec["trunk"]["anchor_body"] = "imu"
    expect_error(write(tmp_path, spec, urdf), "field 'trunk.anchor_body'", "fixed joint 'imu_joint'",
                 "into the body 'pelvis'")


@pytest.mark.parametrize("name", robots.list_robots())
def test_builtin_anchor_bodies_are_bodies_of_the_mujoco_model(name: str) -> None:
    from robots.mjcf import model

    robot = robots.load_robot(name)
    m = model(robot)
    assert robot.anchor_body in [m.body(i).name for i in range(1, m.nbody)]
    assert robot.anchor_body == {"g1": "torso_link"}.get(name, robot.spec.trunk_link)


@pytest.mark.parametrize("name", robots.list_robots())
def test_builtin_specs_load(name: str) -> None:
    robot = robots.load_robot(name)
    assert robot.name == name
    assert robots.load_robot(name) is robot  # cached per process
    assert set(robot.spec.driven_joints) <= set(robot.joint_names)
    assert robot.spec.presets, "every built-in robot ships at least one preset"
    for knee, sign in zip(robot.spec.knees, robot.spec.knee_signs):
        assert robot.spec.initial_posture[knee] * sign > 0
