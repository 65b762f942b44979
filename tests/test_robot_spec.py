"""Robot spec files: a valid spec loads, and every kind of mistake is reported by field.

Each test writes a small spec and a test-authored two-leg biped URDF into
``tmp_path``, breaks one thing, and checks that :class:`RobotSpecError` names the
spec file and the offending field.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import robots
from motions.errors import GaitGeneratorError
from robots.errors import RobotSpecError
from robots.spec import CollisionSettings, load_spec

SPEC_NAME = "test_biped.yaml"

# A tiny STL (one tetrahedron), enough for a mesh to be found and read.
TETRA_STL = """solid tetra
facet normal 0 0 -1
 outer loop
  vertex 0 0 0
  vertex 0.01 0 0
  vertex 0 0.01 0
 endloop
endfacet
facet normal 0 -1 0
 outer loop
  vertex 0 0 0
  vertex 0 0 0.01
  vertex 0.01 0 0
 endloop
endfacet
facet normal -1 0 0
 outer loop
  vertex 0 0 0
  vertex 0 0.01 0
  vertex 0 0 0.01
 endloop
endfacet
facet normal 1 1 1
 outer loop
  vertex 0.01 0 0
  vertex 0 0 0.01
  vertex 0 0.01 0
 endloop
endfacet
endsolid tetra
"""


def _link(name: str, mass: float, extra: str = "") -> str:
    i = mass * 1e-3
    return (
        f'<link name="{name}"><inertial><origin xyz="0 0 -0.05"/><mass value="{mass}"/>'
        f'<inertia ixx="{i}" ixy="0" ixz="0" iyy="{i}" iyz="0" izz="{i}"/></inertial>{extra}</link>\n'
    )


def _joint(name: str, parent: str, child: str, xyz: str, lower: float = -1.5, upper: float = 1.5) -> str:
    return (
        f'<joint name="{name}" type="revolute"><parent link="{parent}"/><child link="{child}"/>'
        f'<origin xyz="{xyz}" rpy="0 0 0"/><axis xyz="0 1 0"/>'
        f'<limit lower="{lower}" upper="{upper}" effort="5" velocity="10"/></joint>\n'
    )


def biped_urdf(foot_mesh: str | None = None, second_root: bool = False) -> str:
    """A 2-leg biped: pelvis, and per side hip pitch, knee and ankle joints (axis +y)."""
    foot_geom = (
        f'<collision><geometry><mesh filename="{foot_mesh}"/></geometry></collision>'
        if foot_mesh
        else '<collision><origin xyz="0 0 -0.02"/><geometry><box size="0.1 0.05 0.01"/></geometry></collision>'
    )
    parts = [_link("pelvis", 2.0)]
    for side, y in (("left", 0.05), ("right", -0.05)):
        parts += [
            _link(f"{side}_thigh", 0.3),
            _link(f"{side}_shin", 0.2),
            _link(f"{side}_foot_link", 0.1, foot_geom),
            _joint(f"{side}_hip_pitch", "pelvis", f"{side}_thigh", f"0 {y} -0.05"),
            _joint(f"{side}_knee", f"{side}_thigh", f"{side}_shin", "0 0 -0.1", -0.1, 2.0),
            _joint(f"{side}_ankle", f"{side}_shin", f"{side}_foot_link", "0 0 -0.1"),
        ]
    if second_root:
        parts.append(_link("loose_part", 0.1))
    return '<?xml version="1.0"?>\n<robot name="test_biped">\n' + "".join(parts) + "</robot>\n"


def base_spec() -> dict:
    legs = [f"{s}_{j}" for s in ("left", "right") for j in ("hip_pitch", "knee", "ankle")]
    return {
        "name": "test_biped",
        "urdf": "test_biped.urdf",
        "trunk": {"link": "pelvis"},
        "feet": {
            "left": {"link": "left_foot_link", "sole_offset": [0.0, 0.0, -0.025]},
            "right": {"link": "right_foot_link", "sole_offset": [0.0, 0.0, -0.025]},
            "length": 0.1,
            "width": 0.05,
        },
        "driven_joints": legs,
        "knees": {"left": "left_knee", "right": "right_knee", "bend_sign": 1},
        "initial_posture": {"left_knee": 0.5, "right_knee": 0.5, "left_hip_pitch": -0.25, "right_hip_pitch": -0.25},
        "actuators": [{"joints": ".*", "kp": 10.0, "kv": 0.5, "effort": 5.0}],
        "presets": "presets",
        "sweep": {"xy_step": 0.01, "theta_step": 0.05},
    }


def write(tmp_path: Path, spec: dict, urdf: str | None = None) -> Path:
    """Write the spec (and the URDF, and one preset file) into tmp_path; return the spec file."""
    (tmp_path / "test_biped.urdf").write_text(biped_urdf() if urdf is None else urdf)
    presets = tmp_path / "presets"
    presets.mkdir(exist_ok=True)
    (presets / "medium.yaml").write_text("# walk preset of the test biped (only its presence is checked here)\n")
    path = tmp_path / SPEC_NAME
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


def expect_error(path: Path, *fragments: str) -> RobotSpecError:
    with pytest.raises(RobotSpecError) as info:
        robots.load_robot(path)
    message = str(info.value)
    assert SPEC_NAME in message, message
    for fragment in fragments:
        assert fragment in message, message
    return info.value


def test_valid_test_biped_loads(tmp_path: Path) -> None:
    robot = robots.load_robot(write(tmp_path, base_spec()))
    assert robot.name == "test_biped"
    assert robot.root_link == "pelvis"
    assert robot.joint_names == (
        "left_hip_pitch", "left_knee", "left_ankle", "right_hip_pitch", "right_knee", "right_ankle",
    )
    assert robot.spec.knee_signs == (1, 1)
    assert robot.spec.trunk_offset == (0.0, 0.0, 0.0)
    assert robot.spec.mujoco_timestep == 0.002
    assert set(robot.spec.presets) == {"medium"}
    assert robot.posture() == {}
    assert robot.joint_limits("left_knee") == (-0.1, 2.0)
    assert robot.spec.actuator_for("right_ankle").kp == 10.0
    for frame in robots.FRAME_NAMES:
        assert f'<link name="{frame}"' in robot.urdf_text
    assert robot.placo_urdf_path.read_text() == robot.urdf_text


def test_missing_spec_file(tmp_path: Path) -> None:
    path = tmp_path / SPEC_NAME
    with pytest.raises(RobotSpecError, match="not found") as info:
        robots.load_robot(path)
    assert SPEC_NAME in str(info.value)
    with pytest.raises(RobotSpecError, match="not found"):
        load_spec(path)


def test_unknown_robot_name() -> None:
    with pytest.raises(RobotSpecError, match="unknown robot 'no_such_robot'") as info:
        robots.load_robot("no_such_robot")
    for name in robots.list_robots():
        assert name in str(info.value)


def test_missing_urdf_file(tmp_path: Path) -> None:
    spec = base_spec()
    spec["urdf"] = "elsewhere/missing.urdf"
    expect_error(write(tmp_path, spec), "field 'urdf'", "missing.urdf", "not found")


@pytest.mark.parametrize(
    ("key", "edit"),
    [
        ("trunk.link", lambda s: s["trunk"].update(link="torso")),
        ("feet.left.link", lambda s: s["feet"]["left"].update(link="left_toe")),
        ("feet.right.link", lambda s: s["feet"]["right"].update(link="right_toe")),
    ],
)
def test_unknown_link(tmp_path: Path, key: str, edit) -> None:
    spec = base_spec()
    edit(spec)
    expect_error(write(tmp_path, spec), f"field '{key}'", "is not in test_biped.urdf")


@pytest.mark.parametrize(
    ("key", "edit"),
    [
        ("driven_joints", lambda s: s["driven_joints"].append("left_toe")),
        ("knees.left", lambda s: s["knees"].update(left="left_knee_joint")),
        ("default_posture.waist", lambda s: s.update(default_posture={"waist": 0.0})),
        ("initial_posture.left_hip", lambda s: s["initial_posture"].update(left_hip=0.1)),
    ],
)
def test_unknown_joint(tmp_path: Path, key: str, edit) -> None:
    spec = base_spec()
    edit(spec)
    expect_error(write(tmp_path, spec), f"field '{key}'", "is not a moving joint")


def test_knee_must_be_driven(tmp_path: Path) -> None:
    spec = base_spec()
    spec["driven_joints"].remove("right_knee")
    expect_error(write(tmp_path, spec), "field 'knees.right'", "driven_joints")


def test_foot_outside_trunk_subtree(tmp_path: Path) -> None:
    spec = base_spec()
    spec["trunk"]["link"] = "left_thigh"
    expect_error(write(tmp_path, spec), "field 'feet.right.link'", "not a descendant", "left_thigh")


@pytest.mark.parametrize("sign", [1, -1])
def test_knee_sign_contradicts_initial_posture(tmp_path: Path, sign: int) -> None:
    spec = base_spec()
    spec["knees"]["bend_sign"] = sign
    bent = -0.05 if sign == 1 else 0.5  # a knee bent against bend_sign (both inside the limits)
    spec["initial_posture"].update(left_knee=bent, right_knee=bent)
    expect_error(write(tmp_path, spec), "field 'knees.bend_sign'", "contradicts initial_posture.left_knee")


def test_knee_sign_must_be_plus_or_minus_one(tmp_path: Path) -> None:
    spec = base_spec()
    spec["knees"]["bend_sign"] = 2
    expect_error(write(tmp_path, spec), "field 'knees.bend_sign'", "expected 1 or -1")
    spec["knees"]["bend_sign"] = {"left": 1, "right": 0}
    expect_error(write(tmp_path, spec), "field 'knees.bend_sign'", "expected 1 or -1")
    spec["knees"]["bend_sign"] = {"left": 1}
    expect_error(write(tmp_path, spec), "field 'knees.bend_sign'", "keys left and right")


def test_knees_may_bend_opposite_ways(tmp_path: Path) -> None:
    # A mirrored right leg: its knee bends with negative angles.
    spec = base_spec()
    spec["knees"]["bend_sign"] = {"left": 1, "right": -1}
    spec["initial_posture"].update(left_knee=0.5, right_knee=-0.5)
    mirrored = biped_urdf().replace(
        '<joint name="right_knee" type="revolute">', '<joint name="right_knee" type="revolute" mirrored="1">')
    head, tail = mirrored.split('mirrored="1">', 1)
    tail = tail.replace('<axis xyz="0 1 0"/>', '<axis xyz="0 -1 0"/>', 1)
    tail = tail.replace('lower="-0.1" upper="2.0"', 'lower="-2.0" upper="0.1"', 1)
    robot = robots.load_robot(write(tmp_path, spec, urdf=head + ">" + tail))
    assert robot.spec.knee_signs == (1, -1)
    spec["initial_posture"]["right_knee"] = 0.05
    expect_error(write(tmp_path, spec, urdf=head + ">" + tail), "field 'knees.bend_sign'", "right knee",
                 "{left: 1, right: -1}")


def test_knee_signs_default_to_the_bent_initial_posture(tmp_path: Path) -> None:
    spec = base_spec()
    del spec["knees"]["bend_sign"]
    spec["initial_posture"].update(left_knee=0.5, right_knee=0.5)
    assert robots.load_robot(write(tmp_path, spec)).spec.knee_signs == (1, 1)
    spec["initial_posture"].pop("right_knee")
    expect_error(write(tmp_path, spec), "field 'knees.bend_sign'", "does not bend the right knee")


def test_posture_outside_joint_limits(tmp_path: Path) -> None:
    spec = base_spec()
    spec["initial_posture"]["left_knee"] = 2.5
    expect_error(write(tmp_path, spec), "field 'initial_posture.left_knee'", "outside the joint limits")


def test_unknown_top_level_key(tmp_path: Path) -> None:
    spec = base_spec()
    spec["walk_speed"] = 0.3
    expect_error(write(tmp_path, spec), "unknown field(s) ['walk_speed']")


@pytest.mark.parametrize(
    ("key", "edit", "typo"),
    [
        ("trunk", lambda s: s["trunk"].update(ofset=[0.0, 0.0, 0.1]), "ofset"),
        ("feet.left", lambda s: s["feet"]["left"].update(sole=[0.0, 0.0, -0.02]), "sole"),
        ("feet", lambda s: s["feet"].update(lenght=0.1), "lenght"),
        ("knees", lambda s: s["knees"].update(sign=1), "sign"),
        ("sweep", lambda s: s["sweep"].update(dz=[0.0, 0.0]), "dz"),
        ("mujoco", lambda s: s.update(mujoco={"time_step": 0.001}), "time_step"),
        ("collisions", lambda s: s.update(collisions={"excludes": []}), "excludes"),
    ],
)
def test_unknown_nested_key(tmp_path: Path, key: str, edit, typo: str) -> None:
    """A misspelt nested key is an error, not a silent fall-back to the default."""
    spec = base_spec()
    edit(spec)
    expect_error(write(tmp_path, spec), f"field '{key}'", f"unknown field(s) ['{typo}']")


@pytest.mark.parametrize(
    ("key", "edit"),
    [
        ("mujoco.timestep", lambda s: s.update(mujoco={"timestep": 0.5})),
        ("feet.length", lambda s: s["feet"].update(length=3.0)),
        ("sweep.xy_step", lambda s: s["sweep"].update(xy_step=0.0)),
        ("actuators[0].kp", lambda s: s["actuators"][0].update(kp=-1.0)),
        ("actuators[0].effort", lambda s: s["actuators"][0].update(effort=float("nan"))),
    ],
)
def test_number_out_of_range(tmp_path: Path, key: str, edit) -> None:
    spec = base_spec()
    edit(spec)
    expect_error(write(tmp_path, spec), f"field '{key}'")


@pytest.mark.parametrize(
    ("key", "edit", "fragment"),
    [
        ("feet.left.sole_offset", lambda s: s["feet"]["left"].update(sole_offset=[0.0, 0.0]), "3 numbers"),
        ("sweep.dx", lambda s: s["sweep"].update(dx=[-0.05, 0.05]), ("no longer used: the default --sweep ranges are "
                                                                   "each preset's command_range")),
        ("actuators[0]", lambda s: s["actuators"][0].pop("kv"), "missing field(s) ['kv']"),
        ("actuators", lambda s: s.update(actuators=[]), "expected a list of 1 to 32 groups"),
        ("initial_posture.left_knee", lambda s: s["initial_posture"].update(left_knee="bent"),
         "expected a finite number (rad), got 'bent'"),
        ("driven_joints", lambda s: s.update(driven_joints=["left_knee", "left_knee"]), "repeated"),
        ("name", lambda s: s.update(name=""), "non-empty string"),
        ("knees", lambda s: s.update(knees=["left_knee", "right_knee"]), "expected a mapping"),
        ("presets", lambda s: s.update(presets={}), "found none"),
    ],
)
def test_wrong_type_or_shape(tmp_path: Path, key: str, edit, fragment: str) -> None:
    spec = base_spec()
    edit(spec)
    expect_error(write(tmp_path, spec), f"field '{key}'", fragment)


def test_missing_sections_are_listed_at_once(tmp_path: Path) -> None:
    spec = base_spec()
    del spec["sweep"], spec["feet"]
    expect_error(write(tmp_path, spec), "missing field(s) ['feet', 'sweep']")
    spec = base_spec()
    del spec["feet"]["width"]
    expect_error(write(tmp_path, spec), "field 'feet': missing field(s) ['width']")


def test_collisions_section_is_optional_and_read(tmp_path: Path) -> None:
    assert robots.load_robot(write(tmp_path, base_spec())).spec.collisions == CollisionSettings("auto", ())
    spec = base_spec()
    spec["collisions"] = {"self": "none", "exclude": [["left_shin", "right_shin"], ["pelvis", "left_foot_link"]]}
    settings = robots.load_robot(write(tmp_path, spec)).spec.collisions
    assert settings == CollisionSettings("none", (("left_shin", "right_shin"), ("pelvis", "left_foot_link")))


@pytest.mark.parametrize(
    ("key", "collisions", "fragment"),
    [
        ("collisions.self", {"self": "some"}, "expected one of ['auto', 'none', 'all'], got 'some'"),
        ("collisions.self", {"self": False}, "got False"),  # YAML reads an unquoted `off` as False
        ("collisions", "auto", "expected a mapping with keys ['exclude', 'geometry', 'self']"),
        ("collisions.exclude", {"exclude": "left_shin"}, "expected a list of [link, link] pairs"),
        ("collisions.exclude[0]", {"exclude": [["left_shin"]]}, "two different link names, got ['left_shin']"),
        ("collisions.exclude[1]", {"exclude": [["left_shin", "right_shin"], ["left_shin", "left_shin"]]},
         "two different link names"),
        ("collisions.exclude[0]", {"exclude": [["left_shin", "left_toe"]]}, "link 'left_toe' is not in test_biped.urdf"),
    ],
)
def test_bad_collisions_section(tmp_path: Path, key: str, collisions, fragment: str) -> None:
    spec = base_spec()
    spec["collisions"] = collisions
    expect_error(write(tmp_path, spec), f"field '{key}'", fragment)


def test_bad_regex_in_actuators(tmp_path: Path) -> None:
    spec = base_spec()
    spec["actuators"] = [{"joints": "left_(knee", "kp": 10.0, "kv": 0.5, "effort": 5.0}]
    expect_error(write(tmp_path, spec), "field 'actuators[0].joints'", "invalid regular expression")


def test_actuators_must_cover_every_joint(tmp_path: Path) -> None:
    spec = base_spec()
    spec["actuators"] = [{"joints": "left_.*", "kp": 10.0, "kv": 0.5, "effort": 5.0}]
    expect_error(write(tmp_path, spec), "field 'actuators'", "no pattern matches joint 'right_hip_pitch'")


def test_first_matching_actuator_group_wins(tmp_path: Path) -> None:
    spec = base_spec()
    spec["actuators"] = [
        {"joints": ".*_knee", "kp": 30.0, "kv": 1.0, "effort": 5.0, "armature": 0.01},
        {"joints": ".*", "kp": 10.0, "kv": 0.5, "effort": 5.0},
    ]
    robot = robots.load_robot(write(tmp_path, spec))
    assert robot.spec.actuator_for("left_knee").kp == 30.0
    assert robot.spec.actuator_for("left_knee").armature == 0.01
    assert robot.spec.actuator_for("left_ankle").kp == 10.0
    assert robot.spec.actuator_for("left_ankle").armature == 0.0


def test_errors_share_the_project_base_class(tmp_path: Path) -> None:
    with pytest.raises(GaitGeneratorError):
        robots.load_robot(tmp_path / SPEC_NAME)
    assert issubclass(RobotSpecError, ValueError)
