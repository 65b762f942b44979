"""Preset scaling: slow/medium/fast presets Froude-scaled from the built-in robot with the closest leg length.

With ``r = L / L_ref``: lengths (foot height, step limits, command ranges in dx/dy)
times r, durations times sqrt(r), angles and ratios unchanged. ``com_height`` is
the crouch with the knees bent like the reference's (bounded so a swing foot can
still rise ``foot_height``); ``feet_spacing`` the hip spacing, at least two sole
widths. Five-joint legs (no ankle roll) scale from a five-joint built-in robot,
keep each sole under its hip (``feet_spacing`` is the soles' spacing at the zero
pose) and get ``max_dy`` 0. Every value is clamped into :data:`gait_generator.preset.PRESET_KEYS`.
Units: s, m, rad.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from gait_generator.errors import ProposalError
from gait_generator.preset import PRESET_KEYS, Preset, load_preset
from gait_generator.propose.analysis import Analysis, analysis_of
from gait_generator.propose.limits import fit_preset
from gait_generator.propose.rounding import round_to
from gait_generator.propose.rules import APEX_ROOM, PRESET_NAMES, ZMP_MARGIN
from motions.errors import GaitGeneratorError
from robots.registry import BUILTIN_ROBOTS
from robots.spec import load_spec

__all__ = ["Reference", "ScaledPresets", "scale_presets"]


@dataclass(frozen=True)
class Reference:
    """A built-in robot the presets can be scaled from.

    Attributes:
        name: Built-in robot name.
        analysis: Its URDF's analysis (same rules as the proposal).
        leg_length: Its leg length (m), by the same analysis.
        presets: Its slow/medium/fast presets.
        xy_step: Its sweep grid step in dx/dy (m).
        theta_step: Its sweep grid step in dtheta (rad).
    """

    name: str
    analysis: Analysis
    leg_length: float
    presets: dict[str, Preset]
    xy_step: float
    theta_step: float


@dataclass(frozen=True)
class ScaledPresets:
    """The proposed presets and how they were scaled.

    Attributes:
        reference: The built-in robot scaled from.
        ratio: ``r``, this robot's leg length over the reference's.
        values: Preset name -> mapping of preset keys (clamped into their ranges).
        notes: Preset name -> header comment lines.
        comments: Preset name -> key -> how its value was derived.
        walking: Leg postures (rad) along the walks of every preset's step limits and command range corners.
    """

    reference: Reference
    ratio: float
    values: dict[str, dict[str, Any]]
    notes: dict[str, list[str]]
    comments: dict[str, dict[str, str]]
    walking: list[dict[str, float]] = field(default_factory=list)

    def sweep(self) -> dict[str, Any]:
        """The spec's ``sweep``: the reference's grid steps, ``xy_step`` scaled like lengths.

        The grid's ranges are each preset's ``command_range``, so the spec holds steps only.
        """
        ref, r = self.reference, self.ratio
        return {
            "xy_step": round_to(max(ref.xy_step * r, 1e-3), 3),
            "theta_step": round_to(ref.theta_step, 3),
        }


@lru_cache(maxsize=4)
def _references() -> tuple[Reference, ...]:
    """Built-in robots with slow/medium/fast presets, their leg lengths (same analysis) and presets.

    A built-in robot that the analysis cannot handle is skipped (it cannot be a reference).
    """
    out = []
    for name in sorted(BUILTIN_ROBOTS):
        try:
            spec = load_spec(BUILTIN_ROBOTS[name])
            presets = {p: load_preset(spec.presets[p]) for p in PRESET_NAMES if p in spec.presets}
            if len(presets) != len(PRESET_NAMES):
                continue
            an = analysis_of(spec.urdf)
        except GaitGeneratorError:
            continue
        out.append(Reference(name=name, analysis=an, leg_length=an.leg_length, presets=presets,
                             xy_step=spec.sweep.xy_step, theta_step=spec.sweep.theta_step))
    return tuple(out)


def _clamp_key(key: str, value: float) -> float:
    spec = PRESET_KEYS[key]
    return min(max(value, spec.lo), spec.hi)


def _within(pair: tuple[float, float], scale: float, lo: float, hi: float) -> list[float]:
    """A command range ``pair`` times ``scale``, inside [lo, hi], rounded to 3 decimals."""
    return [round_to(max(pair[0] * scale, lo), 3), round_to(min(pair[1] * scale, hi), 3)]


def scale_presets(an: Analysis, foot_width: float) -> ScaledPresets:
    """The slow, medium and fast presets of the analysed robot, scaled from the closest built-in robot.

    Args:
        an: The robot's analysis.
        foot_width: Sole width (m); the feet are at least two of it apart.

    Raises:
        ProposalError: No built-in robot has the three presets.
    """
    refs = _references()
    if an.five_joint:  # scale from a robot of the same kind: its cadence, turns and no sidesteps
        refs = tuple(ref for ref in refs if ref.analysis.five_joint) or refs
    if not refs:
        raise ProposalError(f"{an.model.urdf}: field 'presets': no built-in robot with slow/medium/fast presets to "
                            "scale the presets from; write presets by hand (docs/presets.md)")
    ref = min(refs, key=lambda r: (abs(math.log(an.leg_length / r.leg_length)), r.name))
    r = an.leg_length / ref.leg_length
    if an.five_joint:
        spacing = an.sole_spacing
        spacing_why = (f"five-joint legs keep each sole under its hip: the soles' spacing at the zero pose, "
                       f"{an.sole_spacing:.3f} m")
    else:
        spacing = max(an.hip_spacing, 2.0 * foot_width)
        spacing_why = (f"hip spacing {an.hip_spacing:.3f} m" if spacing == an.hip_spacing
                       else f"2 x sole width (hip spacing {an.hip_spacing:.3f} m is narrower)")
    values, notes, comments, walking = {}, {}, {}, []
    for name in PRESET_NAMES:
        values[name], comments[name], notes[name], postures = _scale(an, ref, r, name, spacing, spacing_why,
                                                                     spacing if an.five_joint else 2.0 * foot_width)
        walking.extend(postures)
    return ScaledPresets(reference=ref, ratio=r, values=values, notes=notes, comments=comments, walking=walking)


def _scale(an: Analysis, ref: Reference, r: float, name: str, spacing: float, spacing_why: str,
           narrowest: float) -> tuple[dict[str, Any], dict[str, str], list[str], list[dict[str, float]]]:
    """Preset ``name`` scaled from ``ref`` by ``r`` and fitted to the joints (:mod:`gait_generator.propose.limits`):
    (values, per-key derivations, header notes, walking leg postures)."""
    p = ref.presets[name]
    v: dict[str, Any] = {}
    c: dict[str, str] = {}

    def put(key: str, value: float, why: str, digits: int = 3) -> None:
        v[key] = round_to(_clamp_key(key, value), digits)
        c[key] = why

    put("single_support_duration", p.single_support_duration * math.sqrt(r),
        f"{ref.name}'s {p.single_support_duration:g} x sqrt(r)")
    put("double_support_ratio", p.double_support_ratio, f"as {ref.name}")
    put("startend_double_support_ratio", p.startend_double_support_ratio, f"as {ref.name}")
    ref_bend = ref.analysis.bend_for(p.com_height)
    limit, limiter = an.bend_limit(round_to(_clamp_key("foot_height", p.foot_height * r), 3))
    bend = min(ref_bend, limit)
    com = math.floor(round(an.crouch(bend), 4) * 1000.0) / 1000.0
    crouch = (f"knees bent {bend:.2f} rad like {ref.name}'s at {p.com_height:g} m" if bend == ref_bend else
              f"knees bent {bend:.2f} rad, less than {ref.name}'s {ref_bend:.2f} rad at {p.com_height:g} m: "
              f"a {p.foot_height * r:.3f} m swing needs {limiter}'s range")
    put("com_height", com, crouch)
    put("foot_height", p.foot_height * r, f"{ref.name}'s {p.foot_height:g} x r")
    put("foot_rise_ratio", p.foot_rise_ratio, f"as {ref.name}")
    put("feet_spacing", spacing, spacing_why)
    put("trunk_pitch_deg", p.trunk_pitch_deg, f"as {ref.name}", 2)
    put("zmp_margin", ZMP_MARGIN, "proposal default")
    put("foot_zmp_target_x", 0.0, "sole centre")
    put("foot_zmp_target_y", 0.0, "sole centre")
    for key in ("max_dx_forward", "max_dx_backward", "max_dy"):
        put(key, getattr(p, key) * r, f"{ref.name}'s {getattr(p, key):g} x r")
    if an.five_joint:
        put("max_dy", 0.0, "five-joint legs cannot step sideways (both soles flat fix their spacing)")
    put("max_dtheta", p.max_dtheta, f"as {ref.name}")
    cr = p.command_range
    v["command_range"] = {
        "dx": _within(cr["dx"], r, -v["max_dx_backward"], v["max_dx_forward"]),
        "dy": _within(cr["dy"], r, -v["max_dy"], v["max_dy"]),
        "dtheta": _within(cr["dtheta"], 1.0, -v["max_dtheta"], v["max_dtheta"]),
    }
    c["command_range"] = f"{ref.name}'s x r (dx, dy), dtheta as {ref.name}"
    fit = fit_preset(an, v, an.default_posture, ref_bend, narrowest)
    for key, why in fit.changed.items():
        c[key] = f"{c[key]}; {why}" if key != "command_range" else f"{c[key]}, {why}"
    notes = [
        (f"{name.capitalize()} walk proposed by gait_robot init. Units: s, m, rad unless the key says otherwise "
         "(see docs/presets.md)."),
        (f"Froude-scaled from {ref.name}/{name}.yaml: leg length {an.leg_length:.3f} m vs {ref.leg_length:.3f} m, "
         f"r = {r:.3f}: lengths x r, durations x sqrt(r), angles and ratios unchanged."),
        (f"com_height: the CoM height (rounded down to the mm) with the knees bent as much as {ref.name}'s at its "
         f"com_height {p.com_height:g} m ({ref_bend:.2f} rad, angles unchanged), at most {limit:.2f} rad (so "
         f"that a swing foot rises foot_height with the knee, hip and ankle pitch within {APEX_ROOM:.0%} of their "
         f"range; {limiter} first); feet_spacing: {spacing_why}."),
    ]
    return v, c, notes + fit.notes, fit.postures
