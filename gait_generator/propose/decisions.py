"""The proposal itself: every spec field decided from the URDF's analysis, with the reason of each decision."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from gait_generator.propose.actuators import propose_actuators
from gait_generator.propose.analysis import analysis_of
from gait_generator.propose.anchor import propose_anchor
from gait_generator.propose.clearance import HELD_CLEARANCE, clear_held
from gait_generator.propose.presets import scale_presets
from gait_generator.propose.proposal import Decision, Proposal
from gait_generator.propose.rounding import round_to
from gait_generator.propose.rules import (
    ARMATURE_AT_2NM,
    ARMATURE_EXPONENT,
    DAMPING_RATIO,
    FLAT_RAD,
    KNEE_BEND,
    KNEE_PROBE,
    SATURATION_ERROR,
)
from robots.registry import BUILTIN_ROBOTS

__all__ = ["propose", "spec_name"]


def _slug(text: str) -> str:
    """``text`` in lower case, runs of non-alphanumerics as ``_``, without leading or trailing ``_``."""
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def spec_name(urdf_robot_name: str, fallback: str) -> str:
    """Sanitised robot name: lower case, runs of non-alphanumerics as ``_``; ``fallback`` if empty."""
    name = _slug(urdf_robot_name)
    if not name:
        name = _slug(fallback) or "robot"
    if name[0].isdigit():
        name = f"robot_{name}"
    return name


def propose(urdf: str | Path, name: str | None = None) -> Proposal:
    """Propose a complete robot spec for a biped URDF (rules in the :mod:`gait_generator.propose` docstring).

    Args:
        urdf: The URDF file.
        name: Robot name; default from the URDF's ``<robot name>``.

    Returns:
        The proposal: every spec field, three presets and the reason of each decision.

    Raises:
        ProposalError: The URDF cannot be read, or a field cannot be decided (the
            message names the field to fill in by hand).
    """
    path = Path(urdf).resolve()
    an = analysis_of(path)
    info = an.model.info
    decisions: list[Decision] = []

    def decide(field_name: str, value: str, why: str) -> None:
        decisions.append(Decision(field_name, value, why))

    robot_tag = ET.fromstring(path.read_text()).get("name", "")
    if name is None:
        chosen = spec_name(robot_tag, path.stem)
        why = f"from the URDF's <robot name=\"{robot_tag}\">" if robot_tag else "from the URDF file name"
        if chosen in BUILTIN_ROBOTS:
            chosen = f"{chosen}_proposed"
            why += " (a built-in robot has that name; renamed so its motions never validate against the built-in)"
    else:
        chosen, why = name, "given with --name"
    decide("name", chosen, why)
    decide("urdf", path.name, f"{len(info.links)} links, {len(info.actuated)} moving joints, {an.mass:.3g} kg")
    decide("trunk.link", info.root, "the URDF root link, the floating base")
    if an.model.visual:
        decide("collisions.geometry", "visual",
               "the URDF has no <collision> element: each link's <visual> geometry stands in for it, for the feet "
               "and soles here and in MuJoCo (convex hulls of the meshes); check the soles")

    left, right = an.left, an.right
    length = round_to(max(left.sole_size[0], right.sole_size[0]), 3)
    width = round_to(max(left.sole_size[1], right.sole_size[1]), 3)
    for leg in (left, right):
        decide(f"feet.{leg.side}", f"{leg.foot_link}, sole_offset {list(leg.sole_offset)} m",
               f"foot of the leg branch whose sole has y {'>' if leg.side == 'left' else '<'} 0 "
               f"({leg.joints[0]} ... {leg.joints[-1]}); sole offset: lowest face of {leg.foot_link}'s collision "
               f"geometry ({leg.sole_geoms})")
    decide("feet.length/width", f"{length} x {width} m",
           "extent of the lowest collision points (within 1 mm of the lowest), plus sphere/capsule radii")
    driven = (*left.joints, *right.joints)
    anchor, anchor_why = propose_anchor(info, driven)
    decide("trunk.anchor_body", anchor, anchor_why)
    decide("driven_joints", f"{len(left.joints)} + {len(right.joints)} leg joints",
           "every moving joint from the trunk's branch point to each foot")

    default, mids = an.default_posture, an.midpoints
    if default:
        decide("default_posture", f"{len(default)} joints held",
               "0 rad" + (f"; the middle of the range for {', '.join(mids)} (0 is outside it)" if mids else
                          " (inside every joint's limits)"))
    initial = {**left.initial, **right.initial}
    shifts = ", ".join(f"{leg.side} sole {leg.knee_shift * 1000:.0f} mm "
                       f"{'backward' if leg.knee_sign > 0 else 'forward'}" for leg in (left, right))
    decide("knees", f"{left.knee} / {right.knee}, bend_sign {{left: {left.knee_sign}, right: {right.knee_sign}}}",
           f"lateral axis nearest mid-leg; +{KNEE_PROBE} rad moves the {shifts}")
    tilts = max(left.tilt, right.tilt)
    flat = (f"sole flat (tilt {math.degrees(tilts):.2f} deg)" if tilts <= FLAT_RAD
            else f"sole tilted {math.degrees(tilts):.1f} deg: joint limits stop the compensation, check it")
    decide("initial_posture",
           ", ".join(f"{j} {initial[j]:+.2f}" for j in (left.hip_pitch, left.knee, left.ankle_pitch)) + " (left)",
           f"knee bent {KNEE_BEND} rad its way, hip and ankle pitch half each with the signs that keep the {flat}; "
           f"CoM {an.com_height:.3f} m above the soles (straight legs: {an.com_straight:.3f} m)")

    scaled = scale_presets(an, width)
    default, turns = clear_held(an, default, scaled.walking)
    for turn in turns:
        decide("default_posture", f"{turn.joint} {turn.angle:+.2f}",
               f"{turn.joint} {turn.angle:+.2f}: turned away from the legs: {turn.near[0]} "
               + (f"sank {-turn.before * 1000:.0f} mm into" if turn.before < 0.0 else
                  f"came {turn.before * 1000:.0f} mm from")
               + f" {turn.near[1]} in the walks of the presets' largest steps; now "
               + (f"at least {HELD_CLEARANCE * 1000:.0f} mm away" if turn.after >= HELD_CLEARANCE else
                  f"{turn.after * 1000:.0f} mm, the most this joint gives (wanted: {HELD_CLEARANCE * 1000:.0f} mm)"))

    actuators, act_notes = propose_actuators(an, default, initial)
    decide("actuators", f"{len(actuators)} groups",
           f"kp = effort / {SATURATION_ERROR} rad; kv = 2 x {DAMPING_RATIO} x sqrt(kp I_load), I_load = m L^2 = "
           f"{an.stance_inertia:.3g} kg m^2 for leg joints, the held inertia for the others; "
           f"armature (rotor inertia, not in URDFs) estimated as {ARMATURE_AT_2NM} kg m^2 x (effort / 2 N m)^"
           f"{ARMATURE_EXPONENT}")

    ref, r, presets = scaled.reference, scaled.ratio, scaled.values
    medium = presets["medium"]
    sweep = scaled.sweep()
    decide("presets", f"slow, medium, fast from {ref.name} (r = {r:.3f})",
           f"built-in robot with the closest leg length ({ref.leg_length:.3f} m vs {an.leg_length:.3f} m); "
           f"com_height {medium['com_height']} m, feet_spacing {medium['feet_spacing']} m")
    decide("sweep", f"xy_step {sweep['xy_step']}, theta_step {sweep['theta_step']}",
           f"xy_step {ref.name}'s {ref.xy_step:g} x r, theta_step as {ref.name}; the grid spans each preset's "
           "command_range")
    for note in an.notes + act_notes:
        decide("note", note, "review")

    return Proposal(
        name=chosen, urdf=path, urdf_robot_name=robot_tag, trunk_link=info.root, anchor_body=anchor, left=left,
        right=right, foot_length=length, foot_width=width, driven_joints=driven, default_posture=default,
        initial_posture=initial, actuators=tuple(actuators), presets=presets, preset_notes=scaled.notes,
        preset_comments=scaled.comments, sweep=sweep, mass=an.mass, leg_length=an.leg_length,
        com_height=an.com_height, hip_spacing=an.hip_spacing, reference=ref.name, decisions=tuple(decisions),
        visual_geometry=an.model.visual)
