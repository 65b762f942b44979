"""``gait_robot init``: a complete robot spec proposed from a URDF alone.

Real URDFs, real libraries: the G1 of example-robot-data and the built-in
mini_biped are proposed from their URDFs only; the proposals must load, agree with
the hand-written specs where those are known to be right (feet, soles, driven
joints, knee signs), and walk one clip that passes validation, physics replay
included. URDFs the tests write themselves cover mirrored leg axes and a robot
with one leg (refused).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

import gait_generator
import robots
import validate
from gait_generator.errors import ProposalError
from gait_generator.preset import PRESET_KEYS, load_preset
from gait_generator.propose import SATURATION_ERROR, propose, render_preset, render_spec
from robots.errors import RobotSpecError
from validate.robot_cli import main

MINI_URDF = Path(robots.__file__).parent / "mini_biped" / "mini_biped.urdf"
PRESETS = ("slow", "medium", "fast")


def _g1_urdf() -> Path:
    return robots.load_robot("g1").spec.urdf


def _init(urdf: Path, spec: Path, *extra: str) -> int:
    return main(["init", str(urdf), "-o", str(spec), *extra])


@pytest.fixture(scope="module")
def proposed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Spec files written by ``gait_robot init`` for the G1 and mini_biped URDFs."""
    folder = tmp_path_factory.mktemp("proposed")
    out = {}
    for name, urdf in (("g1", _g1_urdf()), ("mini_biped", MINI_URDF)):
        spec = folder / f"{name}_proposed.yaml"
        assert _init(urdf, spec) == 0
        out[name] = spec
    return out


@pytest.mark.parametrize("name", ["g1", "mini_biped"])
def test_proposal_loads_and_matches_the_hand_written_spec(proposed: dict[str, Path], name: str) -> None:
    robot = robots.load_robot(proposed[name])
    hand = robots.load_robot(name).spec
    spec = robot.spec
    # the URDF's <robot name>; "mini_biped" is a built-in's name, so the proposal renames itself
    assert spec.name == {"g1": "g1_29dof_rev_1_0", "mini_biped": "mini_biped_proposed"}[name]
    assert spec.trunk_link == hand.trunk_link
    assert spec.anchor_body == hand.anchor_body == {"g1": "torso_link", "mini_biped": "base"}[name]
    assert (spec.left_foot.link, spec.right_foot.link) == (hand.left_foot.link, hand.right_foot.link)
    for mine, theirs in ((spec.left_foot, hand.left_foot), (spec.right_foot, hand.right_foot)):
        assert max(abs(a - b) for a, b in zip(mine.sole_offset, theirs.sole_offset)) <= 0.005
    assert spec.knees == hand.knees
    assert spec.knee_signs == (1, 1)
    assert sorted(spec.driven_joints) == sorted(hand.driven_joints)
    assert len(spec.driven_joints) == 12
    assert (spec.foot_length, spec.foot_width) == pytest.approx((hand.foot_length, hand.foot_width), abs=0.005)
    for knee in spec.knees:
        assert spec.initial_posture[knee] == pytest.approx(0.6)


def test_g1_sole_offset_is_the_hand_measured_one(proposed: dict[str, Path]) -> None:
    spec = robots.load_robot(proposed["g1"]).spec
    for foot in (spec.left_foot, spec.right_foot):
        assert foot.sole_offset == pytest.approx((0.035, 0.0, -0.035), abs=0.005)


@pytest.mark.parametrize("name", ["g1", "mini_biped"])
def test_gains_follow_the_documented_rule(proposed: dict[str, Path], name: str) -> None:
    spec = robots.load_robot(proposed[name]).spec
    urdf = robots.load_robot(proposed[name]).info
    for joint in urdf.actuated:
        group = spec.actuator_for(joint)
        assert group.effort == pytest.approx(urdf.joints[joint].effort, rel=0.005)
        assert group.kp == pytest.approx(group.effort / SATURATION_ERROR, rel=0.005)
        assert group.kv > 0.0 and group.armature > 0.0


@pytest.mark.parametrize("name", ["g1", "mini_biped"])
def test_a_clip_of_the_proposal_passes_validation(proposed: dict[str, Path], name: str) -> None:
    spec = proposed[name]
    medium = load_preset(robots.load_robot(spec).spec.presets["medium"])
    dx = round(medium.max_dx_forward / 2.0, 3)
    motion = gait_generator.generate(robot=str(spec), preset="medium", dx=dx, length=4.0)
    result = validate.validate_motion(motion, robot=str(spec))
    assert result.status == "pass", result.reasons


def test_presets_are_complete_valid_and_scaled(proposed: dict[str, Path]) -> None:
    robot = robots.load_robot(proposed["g1"])
    assert sorted(robot.spec.presets) == sorted(PRESETS)
    for name in PRESETS:
        path = robot.spec.presets[name]
        data = yaml.safe_load(path.read_text())
        assert "zmp_reference_weight" not in data
        assert set(data) == set(PRESET_KEYS) | {"command_range"}
        preset = load_preset(path)
        hand = load_preset(robots.load_robot("g1").spec.presets[name])
        # the G1 is its own closest reference (r = 1): timing and step limits are the hand-written ones, but
        # fast's 0.18 m step takes the ankle pitch within RANGE_MARGIN of its limit (gait_generator/propose/limits.py)
        assert preset.single_support_duration == hand.single_support_duration
        if name == "fast":
            assert 0.15 < preset.max_dx_forward < hand.max_dx_forward
        else:
            assert preset.max_dx_forward == hand.max_dx_forward
        assert preset.zmp_margin == 0.005
        assert preset.com_height == pytest.approx(hand.com_height, abs=0.002)
    # the G1 is its own reference (r = 1): the proposed grid steps are its hand-written ones
    hand_sweep = robots.load_robot("g1").spec.sweep
    assert (robot.spec.sweep.xy_step, robot.spec.sweep.theta_step) == (hand_sweep.xy_step, hand_sweep.theta_step)


def test_spec_text_reads_back_as_the_proposal(tmp_path: Path) -> None:
    proposal = propose(MINI_URDF)
    text = render_spec(proposal, "mini.urdf", "mini_presets")
    assert yaml.safe_load(text) == proposal.spec_data("mini.urdf", "mini_presets")
    comments = " ".join(line.strip()[2:] for line in text.splitlines() if line.strip().startswith("# "))
    assert "left: foot of the leg branch whose sole has y > 0" in comments
    assert "sole offset: lowest face of left_foot_link's collision geometry (1 box)" in comments
    for name in PRESETS:
        values = yaml.safe_load(render_preset(proposal, name))
        assert values == proposal.presets[name]


def _mirrored_urdf(folder: Path) -> Path:
    """mini_biped with the right leg's pitch axes flipped (as CAD exports often do)."""
    root = ET.parse(MINI_URDF).getroot()
    for joint in root.findall("joint"):
        if joint.get("name") in ("right_hip_pitch", "right_knee", "right_ankle"):
            joint.find("axis").set("xyz", "0 -1 0")
            limit = joint.find("limit")
            lower, upper = float(limit.get("lower")), float(limit.get("upper"))
            limit.set("lower", repr(-upper))
            limit.set("upper", repr(-lower))
    path = folder / "mirrored.urdf"
    path.write_text(ET.tostring(root, encoding="unicode"))
    return path


def test_mirrored_right_leg_gets_its_own_knee_sign(tmp_path: Path) -> None:
    urdf = _mirrored_urdf(tmp_path)
    spec = tmp_path / "mirrored.yaml"
    assert _init(urdf, spec) == 0
    data = yaml.safe_load(spec.read_text())
    assert data["knees"]["bend_sign"] == {"left": 1, "right": -1}
    assert data["urdf"] == "mirrored.urdf"  # next to the spec: written relative to it
    posture = data["initial_posture"]
    assert posture["left_knee"] > 0 > posture["right_knee"]
    # hip and ankle pitch compensate with the mirrored signs too, keeping the soles flat
    assert posture["left_hip_pitch"] < 0 < posture["right_hip_pitch"]
    assert posture["left_ankle"] < 0 < posture["right_ankle"]


def _one_leg_urdf(folder: Path) -> Path:
    root = ET.parse(MINI_URDF).getroot()
    for element in list(root):
        name = element.get("name", "")
        if element.tag in ("link", "joint") and name.startswith("right_") and "antenna" not in name:
            root.remove(element)
    path = folder / "one_leg.urdf"
    path.write_text(ET.tostring(root, encoding="unicode"))
    return path


def test_one_leg_is_refused_naming_what_to_fill_in(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    urdf = _one_leg_urdf(tmp_path)
    with pytest.raises(ProposalError, match="field 'feet': found one leg") as info:
        propose(urdf)
    assert isinstance(info.value, RobotSpecError)
    assert str(urdf) in str(info.value) and "fill in feet.left/right" in str(info.value)
    spec = tmp_path / "one_leg.yaml"
    assert _init(urdf, spec) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"gait_robot: error: {urdf}: field 'feet'")
    assert not spec.exists() and not (tmp_path / "one_leg_presets").exists()


def test_knee_missing_is_refused(tmp_path: Path) -> None:
    root = ET.parse(MINI_URDF).getroot()
    for joint in root.findall("joint"):
        if joint.get("name") == "left_knee":
            joint.find("axis").set("xyz", "1 0 0")  # the knee turned into a second roll joint
    urdf = tmp_path / "no_knee.urdf"
    urdf.write_text(ET.tostring(root, encoding="unicode"))
    with pytest.raises(ProposalError, match="field 'knees.left': no knee on the left leg"):
        propose(urdf)


def test_cli_writes_spec_and_presets_and_refuses_to_overwrite(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "robot" / "mini.yaml"
    assert _init(MINI_URDF, spec) == 0
    out = capsys.readouterr().out
    assert "knees: left_knee / right_knee, bend_sign {left: 1, right: 1}" in out
    assert f"wrote {spec}" in out
    presets = tmp_path / "robot" / "mini_presets"
    assert sorted(p.name for p in presets.iterdir()) == ["fast.yaml", "medium.yaml", "slow.yaml"]
    data = yaml.safe_load(spec.read_text())
    assert data["presets"] == "mini_presets"
    assert Path(data["urdf"]).is_absolute() or (spec.parent / data["urdf"]).resolve() == MINI_URDF.resolve()
    before = spec.read_text()
    spec.write_text(before + "# edited by hand\n")
    assert _init(MINI_URDF, spec) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"gait_robot: error: {spec}: exists; pass --force to overwrite")
    assert spec.read_text().endswith("# edited by hand\n")
    assert _init(MINI_URDF, spec, "--force", "--name", "my_mini") == 0
    assert yaml.safe_load(spec.read_text())["name"] == "my_mini"
    assert robots.load_robot(spec).name == "my_mini"


def test_cli_rejects_a_spec_path_without_yaml_suffix(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _init(MINI_URDF, tmp_path / "mini.txt") == 1
    assert "gait_robot: error:" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


def test_missing_efforts_are_estimated_and_reported(tmp_path: Path) -> None:
    urdf = tmp_path / "no_effort.urdf"
    urdf.write_text(MINI_URDF.read_text().replace('effort="2"', 'effort="0"'))
    proposal = propose(urdf)
    mgl = proposal.mass * 9.81 * proposal.leg_length
    knee = next(a for a in proposal.actuators if "left_knee" in a.joints)
    assert knee.effort == pytest.approx(0.5 * mgl, rel=0.01)
    assert "estimated as 0.5 m g L" in knee.why
    assert any(d.field == "note" and "no effort limit in the URDF" in d.value for d in proposal.decisions)


def test_a_five_joint_biped_the_test_writes_walks_every_proposed_preset(tmp_path: Path) -> None:
    # A duck-class robot the project has never seen: mini_biped's description with five-joint
    # legs, wider hips, longer legs and a heavier trunk.
    from dataclasses import replace

    from robots.mini_biped import description

    dims = replace(description.FIVE_JOINT, name="duck5", hip_y=0.05, thigh=0.09, shin=0.085, trunk_mass=0.9)
    urdf = tmp_path / "duck5.urdf"
    urdf.write_text(description.urdf_text(dims))
    spec = tmp_path / "duck5.yaml"
    assert _init(urdf, spec) == 0
    for preset in PRESETS:
        p = load_preset(tmp_path / "duck5_presets" / f"{preset}.yaml")
        assert p.max_dy == 0.0 and tuple(p.command_range["dy"]) == (0.0, 0.0)  # no sidesteps on five-joint legs
        assert p.feet_spacing == pytest.approx(2 * dims.hip_y)  # each sole under its hip
        motion = gait_generator.generate(robot=str(spec), preset=preset, dx=0.6 * p.max_dx_forward,
                                         dtheta=0.6 * p.max_dtheta, length=4.0)
        assert motion.meta["ik"].startswith("weighted")
        result = validate.validate_motion(motion, robot=str(spec))
        assert result.status == "pass", (preset, result.reasons)
        assert result.check("stance_slip").metrics["stance_slip_max_m"] <= 1e-4, preset
        assert result.check("sole_penetration").metrics["sole_penetration_max_m"] <= 1e-4, preset
