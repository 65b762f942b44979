"""The text of the proposed spec and preset YAML files, a comment on every decision.

Numbers are written so that YAML 1.1 reads them back exactly; ``gait_robot init``
(:mod:`validate.robot_cli`) writes the texts to disk (atomically).
"""

from __future__ import annotations

import json
import re
import textwrap
from typing import TYPE_CHECKING, Any

import yaml

from gait_generator.preset import PRESET_KEYS
from gait_generator.propose.rules import TIMESTEP

if TYPE_CHECKING:
    from gait_generator.propose.proposal import Proposal

__all__ = ["render_preset", "render_spec"]


def _num(value: float) -> str:
    """A float as YAML 1.1 reads it back exactly (always with a decimal point, never an exponent)."""
    text = f"{float(value):.10f}".rstrip("0")
    text = text + "0" if text.endswith(".") else text
    return "0.0" if text in ("-0.0", "0.0") else text


_PLAIN = re.compile(r"^[A-Za-z_./][A-Za-z0-9_.\-/]*$")


def _str(value: str) -> str:
    """A YAML scalar for ``value``: plain when YAML reads it back unchanged, else double-quoted (JSON)."""
    if _PLAIN.match(value) and yaml.safe_load(value) == value:
        return value
    return json.dumps(value)


def _value(value: Any) -> str:
    """A YAML flow scalar, list or mapping for ``value`` (bool, int, float, str, list or dict)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _num(value)
    if isinstance(value, str):
        return _str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_str(str(k))}: {_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"cannot write {value!r} to YAML")


def _flow(key: str, items: list[str], brackets: str, indent: int, width: int = 110) -> list[str]:
    """``key: [a, b, ...]`` wrapped at ``width``, continuation lines aligned after the bracket."""
    head = " " * indent + f"{key}: {brackets[0]}"
    pad = " " * len(head)
    lines, line = [], head
    for i, item in enumerate(items):
        text = item + (", " if i < len(items) - 1 else brackets[1])
        if len(line) + len(text.rstrip()) > width and line not in (head, pad):
            lines.append(line.rstrip())
            line = pad
        line += text
    if not items:
        line += brackets[1]
    lines.append(line.rstrip())
    return lines


def _comment(text: str, indent: int = 0, width: int = 110) -> list[str]:
    """``text`` as ``# `` comment lines indented by ``indent``, wrapped at ``width``."""
    prefix = " " * indent + "# "
    return textwrap.wrap(text, width=width, initial_indent=prefix, subsequent_indent=prefix,
                         break_long_words=False, break_on_hyphens=False)


def render_spec(p: Proposal, urdf_ref: str, presets_ref: str) -> str:
    """The spec file text of ``p``, with a comment above each field saying why its value was chosen.

    Args:
        p: The proposal.
        urdf_ref: ``urdf`` field as it should be written (relative or absolute path).
        presets_ref: ``presets`` field (the preset folder, relative to the spec).

    Returns:
        YAML text that :func:`yaml.safe_load` reads back as ``p.spec_data(urdf_ref, presets_ref)``.
    """
    data = p.spec_data(urdf_ref, presets_ref)
    out = [
        f"# Robot spec proposed by `gait_robot init` from {p.urdf.name} (see docs/robots.md). Review it, then run",
        "# `gait_robot check` on it. The comment above each field says why its value was chosen.",
        "# Lengths in m, angles in rad, gains in N m/rad and N m s/rad, efforts in N m, armature in kg m^2.",
    ]
    out += _comment(f"name: {p.why('name')}")
    out.append(f"name: {_str(p.name)}")
    out.append("description: >-")
    out += textwrap.wrap(data["description"], width=108, initial_indent="  ", subsequent_indent="  ",
                         break_long_words=False, break_on_hyphens=False)
    out += _comment(f"urdf: {p.why('urdf')}; path relative to this file when possible")
    out.append(f"urdf: {_str(urdf_ref)}")
    out += _comment(f"trunk: {p.why('trunk.link')}; anchor_body: {p.why('trunk.anchor_body')}")
    out.append(f"trunk: {_value(data['trunk'])}")
    out.append("feet:")
    for leg in p.legs:
        out += _comment(f"{leg.side}: {p.why('feet.' + leg.side)}", indent=2)
        out.append(f"  {leg.side}: {_value(data['feet'][leg.side])}")
    out += _comment(f"length, width: {p.why('feet.length/width')}", indent=2)
    out.append(f"  length: {_num(p.foot_length)}")
    out.append(f"  width: {_num(p.foot_width)}")
    out += _comment(f"driven_joints: {p.why('driven_joints')}")
    out += _flow("driven_joints", [_str(j) for j in p.driven_joints], "[]", 0)
    out += _comment(f"default_posture: {p.why('default_posture') or 'every moving joint is driven'}")
    out += _flow("default_posture", [f"{_str(k)}: {_num(v)}" for k, v in p.default_posture.items()], "{}", 0)
    out += _comment(f"knees: {p.why('knees')}")
    out.append(f"knees: {_value(data['knees'])}")
    out += _comment(f"initial_posture: {p.why('initial_posture')}")
    out += _flow("initial_posture", [f"{_str(k)}: {_num(v)}" for k, v in p.initial_posture.items()], "{}", 0)
    out += _comment(f"actuators: {p.why('actuators')}. Rule documented in gait_generator/propose/ and docs/robots.md.")
    out.append("actuators:")
    for group, row in zip(p.actuators, data["actuators"]):
        out += _comment(group.why, indent=2)
        out.append(f"  - {_value(row)}")
    out += _comment(f"presets: {p.why('presets')}")
    out.append(f"presets: {_str(presets_ref)}")
    out += _comment(f"sweep: {p.why('sweep')}")
    out.append("sweep:")
    for key, value in p.sweep.items():
        out.append(f"  {key}: {_value(value)}")
    out += _comment(f"mujoco.timestep: the project's default physics step, {TIMESTEP} s")
    out.append("mujoco:")
    out.append(f"  timestep: {_num(TIMESTEP)}")
    if p.visual_geometry:
        out += _comment(f"collisions.geometry: {p.why('collisions.geometry')}")
        out.append("collisions:")
        out.append("  geometry: visual")
    notes = [d for d in p.decisions if d.field == "note"]
    if notes:
        out.append("")
        out += _comment("Notes for review:")
        for n in notes:
            out += _comment(f"- {n.value}")
    return "\n".join(out) + "\n"


_PRESET_COMMENTS = {
    "single_support_duration": "s on one foot per step (snapped to whole frames)",
    "double_support_ratio": "double support as a fraction of single support",
    "startend_double_support_ratio": "start/end double support as a fraction of single support",
    "com_height": "m, CoM height above the floor",
    "foot_height": "m, swing apex",
    "foot_rise_ratio": "fraction of swing rising/falling vertically",
    "feet_spacing": "m, lateral distance between sole centres",
    "trunk_pitch_deg": "deg, trunk pitch (positive leans forward)",
    "zmp_margin": "m, ZMP margin inside the support polygon",
    "foot_zmp_target_x": "m, ZMP target in the stance foot, forward",
    "foot_zmp_target_y": "m, ZMP target in the stance foot, outward",
    "max_dx_forward": "m per step",
    "max_dx_backward": "m per step (positive number)",
    "max_dy": "m per step, either side",
    "max_dtheta": "rad per step, either side",
    "command_range": "default ranges for random commands (per step)",
}


def render_preset(p: Proposal, name: str) -> str:
    """The text of preset ``name`` (``slow``, ``medium`` or ``fast``) of ``p``, commented like the built-in presets.

    Returns:
        YAML text that :func:`yaml.safe_load` reads back as ``p.presets[name]`` (units: see docs/presets.md).
    """
    values, comments = p.presets[name], p.preset_comments[name]
    out = []
    for line in p.preset_notes[name]:
        out += _comment(line)
    column = 35
    for key in (*PRESET_KEYS, "command_range"):
        value = "" if key == "command_range" else _num(values[key])
        text = f"{key}: {value}".rstrip()
        out.append(f"{text:<{column - 1}} # {_PRESET_COMMENTS[key]}; {comments[key]}")
    for key, pair in values["command_range"].items():
        out.append(f"  {key}: {_value(pair)}")
    return "\n".join(out) + "\n"
