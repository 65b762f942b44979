"""Actuator gains, armature and effort estimates, one group per set of joints with equal values.

``kp = effort / SATURATION_ERROR``; ``kv = 2 zeta sqrt(kp I_load)`` with ``I_load = m L^2``
for leg joints and the joint-space inertia of what a held joint carries otherwise;
``armature = ARMATURE_AT_2NM (effort / 2 N m)^ARMATURE_EXPONENT``; efforts missing
from the URDF are estimated from ``m g L``. Units: N m/rad, N m s/rad, N m, kg m^2.
"""

from __future__ import annotations

import math
import re

import mujoco
import numpy as np

from gait_generator.lipm import GRAVITY
from gait_generator.propose.analysis import Analysis
from gait_generator.propose.proposal import ActuatorProposal
from gait_generator.propose.rounding import significant
from gait_generator.propose.rules import (
    ARMATURE_AT_2NM,
    ARMATURE_EXPONENT,
    DAMPING_RATIO,
    LEG_EFFORT_FRACTION,
    OTHER_EFFORT_FRACTION,
    SATURATION_ERROR,
)

__all__ = ["propose_actuators"]

_SIDE = re.compile(r"(?<![A-Za-z])(left|right|Left|Right|l|r|L|R)(?![a-z])")
_SIDES = {"left": "right", "right": "left", "Left": "Right", "Right": "Left", "l": "r", "r": "l", "L": "R", "R": "L"}


def propose_actuators(an: Analysis, default_posture: dict[str, float],
                      initial: dict[str, float]) -> tuple[list[ActuatorProposal], list[str]]:
    """Actuator groups by the documented rule, in model order of their first joint; notes on estimated efforts.

    Args:
        an: The URDF's analysis.
        default_posture: Angles (rad) of the joints not driven.
        initial: Initial posture (rad) of the legs; the held joints' loads are taken in it.
    """
    model = an.model
    m = model.m
    info = model.info
    leg_joints = set(an.left.joints) | set(an.right.joints)
    d = model.pose({**default_posture, **initial})
    full = np.zeros((m.nv, m.nv))
    mujoco.mj_fullM(m, d, full)
    mgl = an.mass * GRAVITY * an.leg_length
    rows: dict[tuple[float, float, float, float, str], list[str]] = {}
    held_load: dict[str, float] = {}
    estimated = []
    for name in info.actuated:
        j = info.joints[name]
        leg = name in leg_joints
        effort = j.effort
        if effort <= 0.0:
            effort = (LEG_EFFORT_FRACTION if leg else OTHER_EFFORT_FRACTION) * mgl
            estimated.append(name)
        effort = significant(effort)
        kp = significant(effort / SATURATION_ERROR)
        dof = m.jnt_dofadr[model.joint_id(name)]
        held_load[name] = float(full[dof][dof])
        load = an.stance_inertia if leg else held_load[name]
        kv = significant(2.0 * DAMPING_RATIO * math.sqrt(kp * max(load, 0.0)))
        armature = significant(ARMATURE_AT_2NM * (effort / 2.0) ** ARMATURE_EXPONENT)
        rows.setdefault((kp, kv, effort, armature, "leg" if leg else "held"), []).append(name)
    groups = [
        ActuatorProposal(joints=tuple(names), kp=kp, kv=kv, effort=effort, armature=armature,
                         why=_why(an, names[0] in leg_joints, names[0] in estimated, effort, held_load[names[0]]),
                         pattern=_pattern(names, info.actuated))
        for (kp, kv, effort, armature, _), names in rows.items()
    ]
    groups.sort(key=lambda g: info.actuated.index(g.joints[0]))
    notes = []
    if estimated:
        notes.append(f"no effort limit in the URDF for {', '.join(estimated)}: estimated from mass and leg length")
    return groups, notes


def _why(an: Analysis, leg: bool, estimated: bool, effort: float, held_load: float) -> str:
    """Reason line of an actuator group: where the effort (N m) and the load (kg m^2) come from."""
    if estimated:
        fraction = LEG_EFFORT_FRACTION if leg else OTHER_EFFORT_FRACTION
        source = f"effort {effort:g} N m estimated as {fraction} m g L (no <limit effort> in the URDF)"
    else:
        source = f"effort {effort:g} N m from the URDF"
    if leg:
        return f"leg: {source}; I_load = m L^2 = {an.stance_inertia:.3g} kg m^2 (stance sway)"
    return f"held: {source}; I_load = {held_load:.3g} kg m^2 (what it carries, root fixed)"


def _pattern(names: list[str], universe: tuple[str, ...]) -> str:
    """A regular expression that matches exactly ``names`` among ``universe`` (full match).

    Mirrored pairs are written compactly, e.g. ``(left|right)_(hip_yaw|knee)_joint``; when that
    form would match anything else (or the names are not mirrored pairs) the names are listed.
    """
    explicit = "|".join(re.escape(n) for n in names)
    split = [_SIDE.search(n) for n in names]
    if len(names) < 2 or not all(split):
        return explicit
    parts = {(n[: s.start()], s.group(1), n[s.end():]) for n, s in zip(names, split) if s}
    prefixes = {pre for pre, _, _ in parts}
    sides = sorted({side for _, side, _ in parts})
    rests = sorted({rest for _, _, rest in parts}, key=lambda r: names.index(next(
        n for n in names if n.endswith(r))))
    if len(prefixes) != 1 or len(sides) != 2 or _SIDES[sides[0]] != sides[1] or len(parts) != 2 * len(rests):
        return explicit
    tail = ""
    while len(rests) > 1 and all(len(r) > 1 for r in rests) and len({r[-1] for r in rests}) == 1:
        tail = rests[0][-1] + tail
        rests = [r[:-1] for r in rests]
    head = ""
    while len(rests) > 1 and all(len(r) > 1 for r in rests) and len({r[0] for r in rests}) == 1:
        head += rests[0][0]
        rests = [r[1:] for r in rests]
    body = re.escape(rests[0]) if len(rests) == 1 else "(" + "|".join(re.escape(r) for r in rests) + ")"
    order = sorted(sides, key=lambda x: names.index(next(n for n, s in zip(names, split) if s and s.group(1) == x)))
    compact = (re.escape(next(iter(prefixes))) + "(" + "|".join(order) + ")" + re.escape(head) + body
               + re.escape(tail))
    if sorted(n for n in universe if re.fullmatch(compact, n)) != sorted(names):
        return explicit
    return compact
