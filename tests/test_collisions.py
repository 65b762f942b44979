"""Self-collisions of the MuJoCo model (robots/collisions.py), on real MuJoCo.

The robot is mini_biped with its shins' collision boxes widened until they
overlap by 30 mm at rest (tests/synthetic.py), as many real URDFs' leg meshes
do. Measured before writing the assertions: with ``collisions.self: all`` it
falls after 0.82 s of standing; with ``auto`` (the default) the pair is excluded
and it stands exactly like mini_biped (trunk drop 0.5 mm, CoM drift 0.7 mm).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import mujoco
import numpy as np
import pytest

import robots
from robots import mjcf
from robots.collisions import REST_CONTACT_TOLERANCE, rest_overlaps, rest_qpos
from robots.errors import RobotSpecError
from tests.synthetic import SHIN_BOX, overlapping_shins, set_collision_box, user_robot
from validate.stand import stand
from validate.trace import robot_model

OVERLAP = SHIN_BOX[0]  # the boxes overlap 0.06 m in y and 0.03 m in x: MuJoCo reports the smaller depth


def _pairs(robot: robots.Robot) -> list[tuple[str, str, str]]:
    return [(p.body1, p.body2, p.source) for p in mjcf.excluded_pairs(robot)]


def test_overlap_at_rest_is_found_and_excluded_by_default(tmp_path: Path) -> None:
    robot = robots.load_robot(overlapping_shins(tmp_path, "shins_auto"))  # no collisions section: auto
    assert robot.spec.collisions.mode == "auto"
    assert _pairs(robot) == [("left_shin", "right_shin", "rest")]
    assert mjcf.excluded_pairs(robot)[0].distance == pytest.approx(-OVERLAP, abs=1e-4)
    model = mjcf.model(robot)
    assert model.nexclude == 1
    assert rest_overlaps(model, robot) == []  # nothing left touching at rest


def test_robot_with_the_overlap_excluded_stands(tmp_path: Path) -> None:
    result = stand(robots.load_robot(overlapping_shins(tmp_path, "shins_auto")), 2.0)
    assert result.stayed_up and result.simulated_s == pytest.approx(2.0)
    assert abs(result.trunk_drop_m) < 0.003 and result.com_drift_m < 0.003


def test_with_every_pair_colliding_the_overlap_throws_it_over(tmp_path: Path) -> None:
    robot = robots.load_robot(overlapping_shins(tmp_path, "shins_all", collisions={"self": "all"}))
    assert _pairs(robot) == []
    assert mjcf.model(robot).nexclude == 0
    result = stand(robot, 2.0)
    assert not result.stayed_up
    assert result.simulated_s < 1.5


def test_spec_pairs_are_excluded_in_every_mode(tmp_path: Path) -> None:
    path = overlapping_shins(tmp_path, "shins_listed", collisions={"self": "all", "exclude": [["right_shin",
                                                                                               "left_shin"]]})
    robot = robots.load_robot(path)
    pairs = mjcf.excluded_pairs(robot)
    assert _pairs(robot) == [("left_shin", "right_shin", "spec")]  # model order, whatever the spec's order
    assert pairs[0].distance == pytest.approx(-OVERLAP, abs=1e-4)
    assert "collisions.exclude" in pairs[0].line() and "overlap 30.0 mm" in pairs[0].line()
    assert stand(robot, 2.0).stayed_up


def test_self_none_leaves_only_floor_contacts(tmp_path: Path) -> None:
    robot = robots.load_robot(overlapping_shins(tmp_path, "shins_none", collisions={"self": "none"}))
    model = mjcf.model(robot)
    assert _pairs(robot) == []
    data = mujoco.MjData(model)
    data.qpos[:] = rest_qpos(model, robot)
    mujoco.mj_forward(model, data)
    floor = model.geom("floor").id
    touching = {(int(model.geom_bodyid[c.geom1]), int(model.geom_bodyid[c.geom2])) for c in data.contact[: data.ncon]}
    feet = {int(model.site_bodyid[model.site(s).id]) for s in ("left_foot", "right_foot")}
    assert touching and all(0 in pair for pair in touching)  # every contact is with the floor ...
    assert {b for pair in touching for b in pair} - {0} == feet  # ... and both soles rest on it
    assert all(floor in (c.geom1, c.geom2) for c in data.contact[: data.ncon])
    assert stand(robot, 2.0).stayed_up


def test_validator_treats_pairs_touching_at_rest_alike(tmp_path: Path) -> None:
    """The validator's allowed pairs come from the same rest test: empty once excluded, the pair with self: all."""
    auto = robot_model(robots.load_robot(overlapping_shins(tmp_path, "shins_auto")))
    assert auto.allowed_pairs == frozenset()
    every = robot_model(robots.load_robot(overlapping_shins(tmp_path, "shins_all", collisions={"self": "all"})))
    ids = tuple(sorted((every.model.body("left_shin").id, every.model.body("right_shin").id)))
    assert every.allowed_pairs == frozenset({ids})


def test_pairs_just_apart_at_rest_are_kept(tmp_path: Path) -> None:
    """Shins 2 mm apart (beyond the 1 mm tolerance) keep colliding; 0.5 mm apart they are excluded."""
    legs = 2 * 0.045  # mini_biped's hip spacing (m): the shins' centre lines are this far apart
    found = {}
    for gap in (0.002, 0.0005):
        def widen(links: dict[str, ET.Element], _root: ET.Element, gap: float = gap) -> None:
            for side in ("left", "right"):
                set_collision_box(links[f"{side}_shin"], (0.03, legs - gap, 0.05), (0.0, 0.0, -0.04))

        name = f"gap_{round(gap * 1e4)}"
        found[gap] = mjcf.excluded_pairs(robots.load_robot(user_robot(tmp_path, name, widen)))
    assert REST_CONTACT_TOLERANCE == 0.001
    assert found[0.002] == ()
    assert [(p.body1, p.body2) for p in found[0.0005]] == [("left_shin", "right_shin")]
    assert found[0.0005][0].distance == pytest.approx(0.0005, abs=1e-5)


def _with_toe(links: dict[str, ET.Element], root: ET.Element) -> None:
    """Add a link ``left_toe`` on a fixed joint under ``left_foot_link`` (fused into its body by MuJoCo)."""
    ET.SubElement(root, "link", name="left_toe")
    joint = ET.SubElement(root, "joint", name="left_toe_fixed", type="fixed")
    ET.SubElement(joint, "parent", link="left_foot_link")
    ET.SubElement(joint, "child", link="left_toe")
    ET.SubElement(joint, "origin", xyz="0.05 0 -0.03", rpy="0 0 0")


def test_a_link_on_a_fixed_joint_names_its_parent_body(tmp_path: Path) -> None:
    path = user_robot(tmp_path, "toe", _with_toe, collisions={"exclude": [["left_toe", "right_foot_link"]]})
    robot = robots.load_robot(path)
    pairs = mjcf.excluded_pairs(robot)
    assert _pairs(robot) == [("left_foot_link", "right_foot_link", "spec")]
    assert pairs[0].distance is None  # the feet are 0.09 m apart at rest


def test_a_pair_within_one_rigid_body_is_refused(tmp_path: Path) -> None:
    path = user_robot(tmp_path, "toe_self", _with_toe, collisions={"exclude": [["left_foot_link", "left_toe"]]})
    robot = robots.load_robot(path)
    with pytest.raises(RobotSpecError, match=r"toe_self\.yaml: field 'collisions\.exclude\[0\]': links "
                                             r"'left_foot_link' and 'left_toe' are one rigid body"):
        mjcf.model(robot)


def test_mjcf_export_carries_the_exclusions(tmp_path: Path) -> None:
    robot = robots.load_robot(overlapping_shins(tmp_path, "shins_auto"))
    xml = mjcf.mjcf_xml(robot)
    excludes = [(e.get("body1"), e.get("body2")) for e in ET.fromstring(xml).iter("exclude")]
    assert excludes == [("left_shin", "right_shin")]
    assert mujoco.MjModel.from_xml_string(xml).nexclude == 1


@pytest.mark.parametrize("name", robots.list_robots())
def test_rest_qpos_stands_the_robot_upright_on_its_soles(name: str) -> None:
    robot = robots.load_robot(name)
    model = mjcf.model(robot)
    data = mujoco.MjData(model)
    data.qpos[:] = rest_qpos(model, robot)
    mujoco.mj_kinematics(model, data)
    soles = [data.site(side).xpos[2] for side in ("left_foot", "right_foot")]
    assert min(soles) == pytest.approx(0.0, abs=1e-12)
    np.testing.assert_allclose(data.xmat[model.jnt_bodyid[0]].reshape(3, 3), np.eye(3), atol=1e-12)
    posture = {**robot.posture(), **robot.spec.initial_posture}
    for joint in robot.joint_names:
        assert data.joint(joint).qpos[0] == posture.get(joint, 0.0)
