"""The result of :func:`gait_generator.propose.propose`: every spec field decided, the presets and the reasons.

Lengths in m, angles in rad, gains in N m/rad and N m s/rad, efforts in N m,
armature in kg m^2; frames are the URDF's at the zero pose (root link x forward,
y left, z up).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gait_generator.propose.rules import TIMESTEP

__all__ = ["ActuatorProposal", "Decision", "LegProposal", "Proposal"]


@dataclass(frozen=True)
class Decision:
    """One decision of the proposal, for the report and the spec's comments.

    Attributes:
        field: Spec field (or ``presets``/``warning``).
        value: Short text of the value chosen.
        why: Why it was chosen.
    """

    field: str
    value: str
    why: str

    def line(self) -> str:
        """The decision as one report line."""
        return f"{self.field}: {self.value} ({self.why})"


@dataclass(frozen=True)
class LegProposal:
    """What was decided for one leg.

    Attributes:
        side: ``"left"`` or ``"right"``.
        joints: Moving joints from the branch point to the foot.
        foot_link: Link the foot frame is attached to.
        sole_offset: Sole centre in the foot link frame (m).
        sole_size: Sole length and width (m).
        sole_geoms: Collision geoms that make the sole, e.g. ``"4 spheres"``.
        knee: Knee joint.
        knee_sign: +1 if the knee bends with positive angles.
        knee_shift: How far (m) the sole moves backward for +0.3 rad of knee.
        hip_pitch: Lateral-axis joint above the knee.
        ankle_pitch: Lateral-axis joint below the knee.
        hip_roll: Longitudinal-axis joint above the knee (None if there is none).
        initial: Initial posture of the hip pitch, knee and ankle pitch (rad).
        tilt: Sole tilt (rad) in the initial posture relative to the zero pose.
        signs: Bend signs of (hip pitch, knee, ankle pitch) that keep the sole flat.
    """

    side: str
    joints: tuple[str, ...]
    foot_link: str
    sole_offset: tuple[float, float, float]
    sole_size: tuple[float, float]
    sole_geoms: str
    knee: str
    knee_sign: int
    knee_shift: float
    hip_pitch: str
    ankle_pitch: str
    hip_roll: str | None
    initial: dict[str, float]
    tilt: float
    signs: tuple[int, int, int]


@dataclass(frozen=True)
class ActuatorProposal:
    """One actuator group of the proposal (units as in :class:`robots.spec.ActuatorGroup`).

    Attributes:
        joints: Joint names in the group (model order).
        kp: N m/rad. kv: N m s/rad. effort: N m. armature: kg m^2.
        why: How the values were obtained.
    """

    joints: tuple[str, ...]
    kp: float
    kv: float
    effort: float
    armature: float
    why: str

    pattern: str = ""
    """Regular expression matching exactly these joints among the robot's (set by :func:`propose`)."""


@dataclass(frozen=True)
class Proposal:
    """A complete robot spec proposed for a URDF, with presets and the reasons.

    Attributes:
        name: Robot name.
        urdf: The URDF (resolved).
        urdf_robot_name: ``<robot name>`` in the URDF.
        trunk_link: Root link.
        anchor_body: Body a tracking controller anchors on (:mod:`gait_generator.propose.anchor`).
        left, right: The two legs.
        foot_length, foot_width: Sole size (m).
        driven_joints: Leg joints, left leg then right leg, hip to foot.
        default_posture: Angle (rad) of every joint not driven.
        initial_posture: Bent-knee posture (rad) of the legs.
        actuators: Actuator groups, in model order of their first joint.
        presets: Preset name -> mapping of preset keys (validated ranges).
        preset_notes: Preset name -> header comment lines.
        preset_comments: Preset name -> key -> how its value was derived.
        sweep: The spec's ``sweep`` mapping.
        mass: Total mass (kg).
        leg_length: Hip pitch axis to sole at the zero pose (m).
        com_height: CoM height above the soles in the initial posture (m).
        hip_spacing: Lateral distance between the hip-roll axes (m).
        reference: Built-in robot the presets are scaled from.
        decisions: Every decision with its reason, in spec order.
        visual_geometry: The visual geometry stands in for the missing collision geometry.
    """

    name: str
    urdf: Path
    urdf_robot_name: str
    trunk_link: str
    anchor_body: str
    left: LegProposal
    right: LegProposal
    foot_length: float
    foot_width: float
    driven_joints: tuple[str, ...]
    default_posture: dict[str, float]
    initial_posture: dict[str, float]
    actuators: tuple[ActuatorProposal, ...]
    presets: dict[str, dict[str, Any]]
    preset_notes: dict[str, list[str]]
    preset_comments: dict[str, dict[str, str]]
    sweep: dict[str, Any]
    mass: float
    leg_length: float
    com_height: float
    hip_spacing: float
    reference: str
    decisions: tuple[Decision, ...] = field(default_factory=tuple)
    visual_geometry: bool = False
    """The URDF has no collision geometry: the spec sets ``collisions.geometry: visual``."""

    @property
    def legs(self) -> tuple[LegProposal, LegProposal]:
        """``(left, right)``."""
        return (self.left, self.right)

    def why(self, field_name: str) -> str:
        """Reason recorded for ``field_name`` (empty if none)."""
        return "; ".join(d.why for d in self.decisions if d.field == field_name)

    def spec_data(self, urdf_ref: str, presets_ref: str) -> dict[str, Any]:
        """The spec as a plain mapping (what :func:`~gait_generator.propose.yaml_text.render_spec` parses back to).

        Args:
            urdf_ref: ``urdf`` field as it should be written (relative or absolute path).
            presets_ref: ``presets`` field (the preset folder, relative to the spec).
        """
        return {
            "name": self.name,
            "description": self.description,
            "urdf": urdf_ref,
            "trunk": {"link": self.trunk_link, "offset": [0.0, 0.0, 0.0], "anchor_body": self.anchor_body},
            "feet": {
                **{leg.side: {"link": leg.foot_link, "sole_offset": list(leg.sole_offset)} for leg in self.legs},
                "length": self.foot_length,
                "width": self.foot_width,
            },
            "driven_joints": list(self.driven_joints),
            "default_posture": dict(self.default_posture),
            "knees": {"left": self.left.knee, "right": self.right.knee,
                      "bend_sign": {"left": self.left.knee_sign, "right": self.right.knee_sign}},
            "initial_posture": dict(self.initial_posture),
            "actuators": [{"joints": a.pattern, "kp": a.kp, "kv": a.kv, "effort": a.effort, "armature": a.armature}
                          for a in self.actuators],
            "presets": presets_ref,
            "sweep": dict(self.sweep),
            "mujoco": {"timestep": TIMESTEP},
            **({"collisions": {"geometry": "visual"}} if self.visual_geometry else {}),
        }

    @property
    def description(self) -> str:
        """One-paragraph description written into the spec."""
        return (f"Proposed by gait_robot init from {self.urdf.name}: {self.mass:.3g} kg, legs {self.leg_length:.3f} m "
                f"(hip pitch axis to sole), {len(self.driven_joints) // 2} driven joints per leg. Review every field.")
