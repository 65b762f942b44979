"""URDFs MuJoCo would refuse (``robots/repairs.py``): massless moving links, unbalanced inertias, no collisions.

Each robot is the built-in mini_biped's URDF changed in one place by the test
(``tests/synthetic.py``); real MuJoCo compiles, and the repairs are named by
``robots.mjcf.compiler_fixes`` and ``gait_robot check``'s spec step.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import mujoco
import pytest
import yaml

import robots
from gait_generator.propose import propose, render_spec
from gait_generator.propose.analysis import analysis_of
from robots import mjcf
from robots.errors import RobotSpecError
from robots.repairs import BOUND_MASS
from robots.soles import sole_polygons
from tests.synthetic import user_robot
from validate.robot_check import check_spec, check_stand


def _massless_antenna(links: dict[str, ET.Element], _root: ET.Element) -> None:
    links["left_antenna_link"].remove(links["left_antenna_link"].find("inertial"))


def _flat_head_inertia(links: dict[str, ET.Element], _root: ET.Element) -> None:
    inertia = links["head"].find("inertial/inertia")
    inertia.attrib.update(ixx="1e-5", iyy="1e-5", izz="1e-3", ixy="0", ixz="0", iyz="0")  # A + B < C


def _no_collisions(links: dict[str, ET.Element], _root: ET.Element) -> None:
    for link in links.values():
        for collision in link.findall("collision"):
            link.remove(collision)


def test_the_builtin_robots_need_no_repair() -> None:
    for name in robots.list_robots():
        assert mjcf.compiler_fixes(robots.load_robot(name)) == ()


def test_a_massless_moving_link_gets_the_bound_mass_and_is_reported(tmp_path: Path) -> None:
    robot = robots.load_robot(user_robot(tmp_path, "massless", _massless_antenna))
    model = mjcf.model(robot)
    assert model.body("left_antenna_link").mass[0] == pytest.approx(BOUND_MASS)
    assert [fix.split()[0] for fix in mjcf.compiler_fixes(robot)] == ["boundmass"]
    step, _ = check_spec(robot.spec.path)
    assert step.passed and "repaired: 1" in step.summary and step.details[0].startswith("boundmass")


def test_unbalanced_inertia_is_balanced_only_where_needed(tmp_path: Path) -> None:
    robot = robots.load_robot(user_robot(tmp_path, "unbalanced", _flat_head_inertia))
    model = mjcf.model(robot)
    a, b, c = sorted(model.body("head").inertia)
    assert a + b >= c * (1.0 - 1e-9)
    assert [fix.split(":")[0] for fix in mjcf.compiler_fixes(robot)] == ["balanceinertia"]
    assert model.body("base").inertia == pytest.approx(mjcf.model(robots.load_robot("mini_biped")).body("base").inertia)
    assert any(note.startswith("links whose inertia breaks A + B >= C (head)") for note in analysis_of(robot.spec.urdf).notes)


def test_visual_geometry_stands_in_for_missing_collisions(tmp_path: Path) -> None:
    spec = user_robot(tmp_path, "novisual", _no_collisions, collisions={"geometry": "visual"})
    robot = robots.load_robot(spec)
    model = mjcf.model(robot)
    colliding = [g for g in range(model.ngeom) if model.geom_contype[g] and model.geom_bodyid[g] > 0]
    assert len(colliding) == 19  # one per visual of mini_biped's URDF
    mine, builtin = sole_polygons(robot), sole_polygons(robots.load_robot("mini_biped"))  # the same boxes
    assert mine.lowest == pytest.approx(builtin.lowest, abs=1e-6)
    for side in (0, 1):
        assert sorted(map(tuple, mine.side(side).round(6))) == sorted(map(tuple, builtin.side(side).round(6)))
    assert check_stand(robot).passed

    proposal = propose(robot.spec.urdf)
    assert proposal.visual_geometry
    assert (proposal.left.foot_link, proposal.right.foot_link) == ("left_foot_link", "right_foot_link")
    text = render_spec(proposal, robot.spec.urdf.name, "presets")
    assert yaml.safe_load(text)["collisions"] == {"geometry": "visual"}


def test_an_unknown_collision_geometry_is_refused_naming_the_field(tmp_path: Path) -> None:
    spec = user_robot(tmp_path, "badgeometry", _no_collisions, collisions={"geometry": "mesh"})
    with pytest.raises(RobotSpecError, match=r"field 'collisions.geometry': expected one of \['collision', 'visual'\]"):
        robots.load_robot(spec)


def test_without_the_setting_a_urdf_without_collisions_has_no_robot_contacts(tmp_path: Path) -> None:
    robot = robots.load_robot(user_robot(tmp_path, "nocollide", _no_collisions))
    model = mjcf.model(robot)
    assert not any(model.geom_contype[g] and model.geom_bodyid[g] > 0 for g in range(model.ngeom))
    assert mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_GEOM, "floor") >= 0
