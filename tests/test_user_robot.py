"""A user's robot is added without touching code: a URDF, a spec YAML and a preset folder.

The test authors its own small biped (a box trunk and two 6-joint legs built from
boxes and cylinders, with their masses and inertias), writes the three kinds of
file into ``tmp_path`` and runs ``auto_gait_generator --robot <spec.yaml>`` in
process. Its link and joint names differ from every built-in robot's, so nothing
can come from the registry by accident.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

import motions
from gait_generator.cli import main
from gait_generator.preset import load_preset
from gait_generator.timing import snap_timing
from robots import load_robot
from tests.quality import check_clip

# Leg chain of one side, hip to sole (m). Roughly duck-class, but not mini_biped's numbers.
HIP_Y = 0.05  # lateral offset of the hip-yaw axis from the trunk centre
HIP_Z = -0.02  # hip-yaw axis below the trunk origin
YAW_TO_ROLL = 0.015
ROLL_TO_PITCH = 0.015
THIGH = 0.09
SHIN = 0.09
ANKLE_TO_SOLE = 0.04
FOOT = (0.11, 0.06, 0.012)  # sole box: length, width, thickness


@dataclass(frozen=True)
class _Joint:
    """One revolute joint of a leg and the child link it moves."""

    suffix: str  # joint name after the side prefix
    link: str  # child link name after the side prefix
    xyz: tuple[float, float, float]  # joint origin in the parent link (m)
    axis: str
    lower: float  # rad
    upper: float  # rad
    mass: float  # kg, of the child link
    geometry: str  # "box x y z" or "cylinder radius length"
    com_z: float  # child link CoM below the joint (m, negative is down)


def _inertia(geometry: str, mass: float) -> tuple[float, float, float]:
    """Diagonal inertia (kg m^2) of a solid box or a z-axis cylinder about its centre."""
    kind, *dims = geometry.split()
    values = [float(v) for v in dims]
    if kind == "box":
        x, y, z = values
        return mass * (y * y + z * z) / 12, mass * (x * x + z * z) / 12, mass * (x * x + y * y) / 12
    r, length = values
    side = mass * (3 * r * r + length * length) / 12
    return side, side, mass * r * r / 2


def _geometry_xml(geometry: str) -> str:
    kind, *dims = geometry.split()
    if kind == "box":
        return f'<box size="{" ".join(dims)}"/>'
    return f'<cylinder radius="{dims[0]}" length="{dims[1]}"/>'


def _link_xml(name: str, mass: float, geometry: str, com_z: float) -> str:
    ixx, iyy, izz = _inertia(geometry, mass)
    geom = f'<origin xyz="0 0 {com_z}" rpy="0 0 0"/><geometry>{_geometry_xml(geometry)}</geometry>'
    return (
        f'  <link name="{name}">\n'
        f'    <inertial><origin xyz="0 0 {com_z}" rpy="0 0 0"/><mass value="{mass}"/>'
        f'<inertia ixx="{ixx:.6g}" ixy="0" ixz="0" iyy="{iyy:.6g}" iyz="0" izz="{izz:.6g}"/></inertial>\n'
        f"    <visual>{geom}</visual>\n"
        f"    <collision>{geom}</collision>\n"
        f"  </link>\n"
    )


def _leg(side: str) -> list[_Joint]:
    y = HIP_Y if side == "l" else -HIP_Y
    # Hip pitch bends the leg forward with negative angles (axis +y), the knee with
    # positive ones; the limits are mirrored for the roll and yaw axes by symmetry.
    return [
        _Joint("hip_z", "hip_z_link", (0.0, y, HIP_Z), "0 0 1", -0.5, 0.5, 0.07, "cylinder 0.018 0.015", -0.0075),
        _Joint("hip_x", "hip_x_link", (0.0, 0.0, -YAW_TO_ROLL), "1 0 0", -0.45, 0.45, 0.08,
               "box 0.04 0.03 0.015", -0.0075),
        _Joint("hip_y", "thigh", (0.0, 0.0, -ROLL_TO_PITCH), "0 1 0", -1.3, 0.6, 0.14,
               f"box 0.03 0.035 {THIGH}", -THIGH / 2),
        _Joint("knee_y", "shank", (0.0, 0.0, -THIGH), "0 1 0", -0.2, 2.2, 0.09,
               f"cylinder 0.014 {SHIN}", -SHIN / 2),
        _Joint("ankle_y", "ankle_link", (0.0, 0.0, -SHIN), "0 1 0", -1.4, 1.0, 0.02, "box 0.02 0.02 0.02", 0.0),
        _Joint("ankle_x", "sole_link", (0.0, 0.0, 0.0), "1 0 0", -0.5, 0.5, 0.08,
               f"box {FOOT[0]} {FOOT[1]} {FOOT[2]}", -ANKLE_TO_SOLE + FOOT[2] / 2),
    ]


def walker_urdf() -> str:
    """URDF text of the test biped: 1.2 kg trunk, 0.48 kg per leg."""
    parts = ['<?xml version="1.0"?>\n<robot name="walker">\n', _link_xml("torso", 1.2, "box 0.09 0.13 0.08", 0.03)]
    for side in ("l", "r"):
        parent = "torso"
        for j in _leg(side):
            child = f"{side}_{j.link}"
            parts.append(
                f'  <joint name="{side}_{j.suffix}" type="revolute">\n'
                f'    <parent link="{parent}"/><child link="{child}"/>\n'
                f'    <origin xyz="{j.xyz[0]} {j.xyz[1]} {j.xyz[2]}" rpy="0 0 0"/><axis xyz="{j.axis}"/>\n'
                f'    <limit lower="{j.lower}" upper="{j.upper}" effort="1.5" velocity="20"/>\n'
                f"  </joint>\n"
            )
            parts.append(_link_xml(child, j.mass, j.geometry, j.com_z))
            parent = child
    parts.append("</robot>\n")
    return "".join(parts)


LEG_JOINTS = ["hip_z", "hip_x", "hip_y", "knee_y", "ankle_y", "ankle_x"]

SPEC = {
    "name": "walker",
    "description": "Test-authored 2.16 kg biped with 6-joint legs (tests/test_user_robot.py).",
    "urdf": "urdf/walker.urdf",
    "trunk": {"link": "torso", "offset": [0.0, 0.0, 0.0]},
    "feet": {
        "left": {"link": "l_sole_link", "sole_offset": [0.0, 0.0, -ANKLE_TO_SOLE]},
        "right": {"link": "r_sole_link", "sole_offset": [0.0, 0.0, -ANKLE_TO_SOLE]},
        "length": FOOT[0],
        "width": FOOT[1],
    },
    "driven_joints": [f"{s}_{j}" for s in ("l", "r") for j in LEG_JOINTS],
    "knees": {"left": "l_knee_y", "right": "r_knee_y", "bend_sign": 1},
    "initial_posture": {f"{s}_{j}": a for s in ("l", "r") for j, a in (("hip_y", -0.5), ("knee_y", 1.0),
                                                                        ("ankle_y", -0.5))},
    "actuators": [{"joints": ".*", "kp": 25.0, "kv": 0.6, "effort": 1.5, "armature": 0.005}],
    "presets": "presets",
    "sweep": {"xy_step": 0.01, "theta_step": 0.1},
    "mujoco": {"timestep": 0.002},
}

# Every key with its unit, as in presets/<robot>/*.yaml (docs/presets.md).
PRESET = """\
# Medium walk of the test walker. Units: s, m, rad unless the key says otherwise.
single_support_duration: 0.18      # s on one foot per step
double_support_ratio: 0.2          # double support as a fraction of single support
startend_double_support_ratio: 1.5 # start/end double support as a fraction of single support
com_height: 0.20                   # m, CoM height above the floor
foot_height: 0.025                 # m, swing apex
foot_rise_ratio: 0.2               # fraction of swing rising/falling vertically
feet_spacing: 0.12                 # m, lateral distance between sole centres
trunk_pitch_deg: -2.0              # deg, trunk pitch (positive leans forward)
zmp_margin: 0.005                  # m, ZMP margin inside the support polygon
foot_zmp_target_x: 0.0             # m, ZMP target in the stance foot, forward
foot_zmp_target_y: 0.0             # m, ZMP target in the stance foot, outward
max_dx_forward: 0.06               # m per step
max_dx_backward: 0.04              # m per step (positive number)
max_dy: 0.03                       # m per step, either side
max_dtheta: 0.3                    # rad per step, either side
command_range:                     # default ranges for random commands (per step)
  dx: [-0.03, 0.05]
  dy: [-0.015, 0.015]
  dtheta: [-0.2, 0.2]
"""


@pytest.fixture(scope="module")
def walker_spec(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The spec file of the test walker, with its URDF and presets beside it."""
    root = tmp_path_factory.mktemp("walker")
    (root / "urdf").mkdir()
    (root / "urdf" / "walker.urdf").write_text(walker_urdf())
    (root / "presets").mkdir()
    (root / "presets" / "medium.yaml").write_text(PRESET)
    spec = root / "walker.yaml"
    spec.write_text(yaml.safe_dump(SPEC, sort_keys=False))
    return spec


def test_spec_loads_with_the_users_names(walker_spec: Path) -> None:
    robot = load_robot(walker_spec)
    assert robot.name == "walker"
    assert robot.root_link == "torso"
    assert set(robot.joint_names) == set(SPEC["driven_joints"])
    assert robot.joint_limits("l_knee_y") == (-0.2, 2.2)


def test_cli_generates_motions_for_a_user_robot(walker_spec: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["--robot", str(walker_spec), "-n", "2", "-o", str(out), "-l", "2"]) == 0
    index = json.loads((out / "index.json").read_text())
    assert index["robot"] == "walker"
    assert len(index["motions"]) == 2
    assert [e["status"] for e in index["motions"]] == ["ok", "ok"], index["motions"]
    robot = load_robot(walker_spec)
    preset = load_preset(walker_spec.parent / "presets" / "medium.yaml")
    step = snap_timing(preset, 60).step_duration
    for entry in index["motions"]:
        motion = motions.load(out / entry["file"])
        assert tuple(motion.joint_names) == robot.joint_names
        check_clip(motion, robot, step)
