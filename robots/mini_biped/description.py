"""Parametric description of ``mini_biped``, the project's own duck-class biped.

One :class:`MiniBipedDimensions` generates the URDF that placo loads; MuJoCo's
model is compiled from that same URDF (see :mod:`robots.mjcf`), so masses,
inertias, joint names, order and limits agree by construction.

Geometry is primitive (boxes, cylinders, spheres) with inertias computed from
the primitive and its mass. Masses follow the published Open Duck Mini v2
breakdown (about 2.06 kg in total); proportions are our own, chosen so that the
medium preset's CoM height (0.20 m) gives about 65 degrees of knee bend.

Legs have six joints: hip_yaw, hip_roll, hip_pitch, knee, ankle (pitch) and
ankle_roll. ``mini_biped5`` is the same robot with the ankle roll fixed at 0
(``ankle_roll=False``): five joints per leg, the Open Duck Mini / BDX kind. A
five-joint leg cannot hold its sole flat, the trunk level and the CoM all at
once; the generator keeps the soles and the CoM exact and lets the trunk roll
(see ``docs/robots.md``).

Frames: x forward, y left, z up. Every joint axis is +x, +y or +z on both legs,
so a positive knee angle always means the shin swings backwards (correct bend).

Regenerate the shipped file with ``python -m robots.mini_biped.description``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["FIVE_JOINT", "FIVE_JOINT_URDF_PATH", "URDF_PATH", "MiniBipedDimensions", "urdf_text"]

URDF_PATH = Path(__file__).with_name("mini_biped.urdf")
"""Where the generated URDF is shipped (kept equal to :func:`urdf_text` by a test)."""


@dataclass(frozen=True)
class MiniBipedDimensions:
    """Lengths in metres, masses in kilograms, limits in degrees (converted on output)."""

    trunk_size: tuple[float, float, float] = (0.12, 0.10, 0.07)
    """Trunk box extents (x, y, z), centred at ``trunk_center``."""
    trunk_center: tuple[float, float, float] = (0.0, 0.0, 0.005)
    trunk_mass: float = 0.70
    hip_y: float = 0.045
    """Lateral offset of each hip-yaw axis from the trunk centre line."""
    hip_z: float = -0.016
    """Height of the hip-yaw joint below the trunk origin."""
    yaw_to_roll: float = 0.012
    roll_to_pitch: float = 0.012
    thigh: float = 0.08
    shin: float = 0.08
    ankle_to_sole: float = 0.035
    foot_size: tuple[float, float, float] = (0.10, 0.055, 0.01)
    """Sole box (length, width, thickness); its bottom face is the sole."""
    leg_masses: dict[str, float] = field(
        default_factory=lambda: {
            "hip_yaw_link": 0.066,
            "hip_roll_link": 0.075,
            "thigh": 0.124,
            "shin": 0.073,
            "ankle_link": 0.015,
            "foot": 0.060,
        }
    )
    neck_z: float = 0.04
    """Height of the neck-pitch axis above the trunk origin."""
    neck_length: float = 0.05
    neck_mass: float = 0.17
    head_link_mass: float = 0.02
    """Mass of each of the two small links between head_pitch, head_yaw and head_roll."""
    head_size: tuple[float, float, float] = (0.09, 0.08, 0.06)
    head_mass: float = 0.29
    antenna_mass: float = 0.01
    antenna_length: float = 0.06
    limits_deg: dict[str, tuple[float, float]] = field(
        default_factory=lambda: {
            "hip_yaw": (-30.0, 30.0),
            "hip_roll": (-25.0, 25.0),
            "hip_pitch": (-70.0, 30.0),
            "knee": (-90.0, 90.0),
            "ankle": (-90.0, 90.0),
            "ankle_roll": (-30.0, 30.0),
            "neck_pitch": (-20.0, 65.0),
            "head_pitch": (-45.0, 45.0),
            "head_yaw": (-160.0, 160.0),
            "head_roll": (-30.0, 30.0),
            "antenna": (-90.0, 90.0),
        }
    )
    effort: float = 2.0
    """Joint effort limit (N m), 12 V serial-bus servo class."""
    velocity: float = 20.0
    """Joint velocity limit (rad/s): fast ~1 N m servo class. The presets peak at about 18 rad/s in
    the swing knee (a 0.17 s swing moving the foot 0.1 m)."""
    ankle_roll: bool = True
    """False fixes the ankle roll joints at 0: five-joint legs (``mini_biped5``)."""
    name: str = "mini_biped"
    """Robot name written into the URDF."""


def _fmt(values: tuple[float, ...] | list[float]) -> str:
    return " ".join(f"{v:.6g}" for v in values)


def _box_inertia(m: float, sx: float, sy: float, sz: float) -> tuple[float, float, float]:
    return (m * (sy**2 + sz**2) / 12, m * (sx**2 + sz**2) / 12, m * (sx**2 + sy**2) / 12)


def _cyl_inertia(m: float, r: float, h: float) -> tuple[float, float, float]:
    side = m * (3 * r**2 + h**2) / 12
    return (side, side, m * r**2 / 2)


class _Builder:
    def __init__(self, dims: MiniBipedDimensions) -> None:
        self.d = dims
        self.parts: list[str] = []

    def link(
        self,
        name: str,
        mass: float,
        com: tuple[float, float, float],
        inertia: tuple[float, float, float],
        geom: str,
        geom_xyz: tuple[float, float, float],
        collide: bool = True,
    ) -> None:
        ixx, iyy, izz = inertia
        shape = (
            f'<origin xyz="{_fmt(geom_xyz)}" rpy="0 0 0"/>'
            f"<geometry>{geom}</geometry>"
        )
        collision = f"<collision>{shape}</collision>" if collide else ""
        self.parts.append(
            f'  <link name="{name}">\n'
            f'    <inertial><origin xyz="{_fmt(com)}" rpy="0 0 0"/><mass value="{mass:.6g}"/>'
            f'<inertia ixx="{ixx:.6g}" ixy="0" ixz="0" iyy="{iyy:.6g}" iyz="0" izz="{izz:.6g}"/></inertial>\n'
            f"    <visual>{shape}</visual>\n"
            f"    {collision}\n"
            f"  </link>"
        )

    def joint(
        self,
        name: str,
        parent: str,
        child: str,
        xyz: tuple[float, float, float],
        axis: tuple[float, float, float],
        limit_key: str,
        fixed: bool = False,
    ) -> None:
        if fixed:
            self.parts.append(
                f'  <joint name="{name}" type="fixed">\n'
                f'    <parent link="{parent}"/><child link="{child}"/>\n'
                f'    <origin xyz="{_fmt(xyz)}" rpy="0 0 0"/>\n'
                f"  </joint>"
            )
            return
        lo, hi = self.d.limits_deg[limit_key]
        self.parts.append(
            f'  <joint name="{name}" type="revolute">\n'
            f'    <parent link="{parent}"/><child link="{child}"/>\n'
            f'    <origin xyz="{_fmt(xyz)}" rpy="0 0 0"/><axis xyz="{_fmt(axis)}"/>\n'
            f'    <limit lower="{math.radians(lo):.6f}" upper="{math.radians(hi):.6f}" '
            f'effort="{self.d.effort:.6g}" velocity="{self.d.velocity:.6g}"/>\n'
            f"  </joint>"
        )

    def leg(self, side: str, sign: float) -> None:
        d, m = self.d, self.d.leg_masses
        r = 0.014
        yaw_l, roll_l = f"{side}_hip_yaw_link", f"{side}_hip_roll_link"
        thigh, shin, foot = f"{side}_thigh", f"{side}_shin", f"{side}_foot_link"
        self.joint(f"{side}_hip_yaw", "base", yaw_l, (0.0, sign * d.hip_y, d.hip_z), (0, 0, 1), "hip_yaw")
        h = d.yaw_to_roll
        self.link(yaw_l, m["hip_yaw_link"], (0, 0, -h / 2), _cyl_inertia(m["hip_yaw_link"], r, h),
                  f'<cylinder radius="{r}" length="{h:.6g}"/>', (0, 0, -h / 2), collide=False)
        self.joint(f"{side}_hip_roll", yaw_l, roll_l, (0.0, 0.0, -h), (1, 0, 0), "hip_roll")
        h = d.roll_to_pitch
        self.link(roll_l, m["hip_roll_link"], (0, 0, -h / 2), _box_inertia(m["hip_roll_link"], 0.03, 0.03, h),
                  f'<box size="0.03 0.03 {h:.6g}"/>', (0, 0, -h / 2), collide=False)
        self.joint(f"{side}_hip_pitch", roll_l, thigh, (0.0, 0.0, -h), (0, 1, 0), "hip_pitch")
        self.link(thigh, m["thigh"], (0, 0, -d.thigh / 2), _cyl_inertia(m["thigh"], r, d.thigh),
                  f'<cylinder radius="{r}" length="{d.thigh - 2 * r:.6g}"/>', (0, 0, -d.thigh / 2))
        self.joint(f"{side}_knee", thigh, shin, (0.0, 0.0, -d.thigh), (0, 1, 0), "knee")
        self.link(shin, m["shin"], (0, 0, -d.shin / 2), _cyl_inertia(m["shin"], r * 0.85, d.shin),
                  f'<cylinder radius="{r * 0.85:.6g}" length="{d.shin - 2 * r:.6g}"/>', (0, 0, -d.shin / 2))
        ankle_l = f"{side}_ankle_link"
        self.joint(f"{side}_ankle", shin, ankle_l, (0.0, 0.0, -d.shin), (0, 1, 0), "ankle")
        self.link(ankle_l, m["ankle_link"], (0, 0, 0), _box_inertia(m["ankle_link"], 0.02, 0.02, 0.02),
                  '<box size="0.02 0.02 0.02"/>', (0, 0, 0), collide=False)
        self.joint(f"{side}_ankle_roll", ankle_l, foot, (0.0, 0.0, 0.0), (1, 0, 0), "ankle_roll",
                   fixed=not d.ankle_roll)
        fx, fy, fz = d.foot_size
        zc = -d.ankle_to_sole + fz / 2
        self.link(foot, m["foot"], (0, 0, zc), _box_inertia(m["foot"], fx, fy, fz),
                  f'<box size="{_fmt((fx, fy, fz))}"/>', (0, 0, zc))

    def head(self) -> None:
        d = self.d
        self.joint("neck_pitch", "base", "neck", (0.0, 0.0, d.neck_z), (0, 1, 0), "neck_pitch")
        self.link("neck", d.neck_mass, (0, 0, d.neck_length / 2), _cyl_inertia(d.neck_mass, 0.015, d.neck_length),
                  f'<cylinder radius="0.015" length="{d.neck_length:.6g}"/>', (0, 0, d.neck_length / 2),
                  collide=False)
        small = _box_inertia(d.head_link_mass, 0.02, 0.02, 0.02)
        self.joint("head_pitch", "neck", "head_pitch_link", (0.0, 0.0, d.neck_length), (0, 1, 0), "head_pitch")
        self.link("head_pitch_link", d.head_link_mass, (0, 0, 0), small, '<box size="0.02 0.02 0.02"/>',
                  (0, 0, 0), collide=False)
        self.joint("head_yaw", "head_pitch_link", "head_yaw_link", (0.0, 0.0, 0.0), (0, 0, 1), "head_yaw")
        self.link("head_yaw_link", d.head_link_mass, (0, 0, 0), small, '<box size="0.02 0.02 0.02"/>',
                  (0, 0, 0), collide=False)
        self.joint("head_roll", "head_yaw_link", "head", (0.0, 0.0, 0.0), (1, 0, 0), "head_roll")
        hx, hy, hz = d.head_size
        c = (0.02, 0.0, hz / 2 + 0.005)
        self.link("head", d.head_mass, c, _box_inertia(d.head_mass, hx, hy, hz), f'<box size="{_fmt(d.head_size)}"/>', c)
        for side, sign in (("left", 1.0), ("right", -1.0)):
            self.joint(f"{side}_antenna", "head", f"{side}_antenna_link", (0.0, sign * hy / 2, hz), (0, 1, 0),
                       "antenna")
            al = d.antenna_length
            self.link(f"{side}_antenna_link", d.antenna_mass, (0, 0, al / 2),
                      _cyl_inertia(d.antenna_mass, 0.003, al), f'<cylinder radius="0.003" length="{al:.6g}"/>',
                      (0, 0, al / 2), collide=False)


def urdf_text(dims: MiniBipedDimensions | None = None) -> str:
    """Return the URDF of ``mini_biped`` for the given dimensions.

    Args:
        dims: Dimensions to build from; the defaults describe the shipped robot.

    Returns:
        URDF XML text. Joint order (depth first): left leg, right leg, neck and head.
    """
    d = dims or MiniBipedDimensions()
    b = _Builder(d)
    b.link("base", d.trunk_mass, d.trunk_center, _box_inertia(d.trunk_mass, *d.trunk_size),
           f'<box size="{_fmt(d.trunk_size)}"/>', d.trunk_center)
    # Emitted in alphabetical order of the root's child joints (left_*, neck_*, right_*):
    # pinocchio orders siblings that way and MuJoCo follows file order, so both agree.
    b.leg("left", 1.0)
    b.head()
    b.leg("right", -1.0)
    body = "\n".join(b.parts)
    return (
        '<?xml version="1.0"?>\n'
        "<!-- Generated by robots/mini_biped/description.py; do not edit by hand. -->\n"
        f'<robot name="{d.name}">\n{body}\n</robot>\n'
    )


FIVE_JOINT = MiniBipedDimensions(ankle_roll=False, name="mini_biped5")
"""``mini_biped5``: the same robot with the ankle roll fixed (five-joint legs)."""
FIVE_JOINT_URDF_PATH = URDF_PATH.parent.parent / "mini_biped5" / "mini_biped5.urdf"
"""Where the five-joint URDF is shipped."""


if __name__ == "__main__":
    for path, dims in ((URDF_PATH, None), (FIVE_JOINT_URDF_PATH, FIVE_JOINT)):
        path.write_text(urdf_text(dims))
        print(f"wrote {path}")
