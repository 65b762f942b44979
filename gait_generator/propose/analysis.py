"""Analysis of a URDF's legs: both legs decided, the default posture, mass, leg length and crouch heights.

Cached per URDF file version, because the built-in robots are analysed again as
preset references. Lengths in m, angles in rad, masses in kg; heights are above
the soles at the zero pose, in the root link's frame.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from gait_generator.errors import ProposalError
from gait_generator.propose.legs import LegBranch, find_legs, pitch_joints
from gait_generator.propose.model import AnalysisModel, build_model
from gait_generator.propose.posture import (
    bend_room,
    default_posture,
    flat_signs,
    knee_sign,
    leg_bend,
)
from gait_generator.propose.proposal import LegProposal
from gait_generator.propose.rules import APEX_ROOM, KNEE_BEND
from gait_generator.propose.sole import place_sole, sole_point
from robots.repairs import BOUND_MASS

__all__ = ["Analysis", "analysis_of"]


@dataclass
class Analysis:
    """What the analysis of one URDF decided, and the model to ask further questions.

    Attributes:
        model: The analysis model.
        left, right: The two legs as proposed.
        sole_legs: The same legs as found (with the sole geometry), left then right.
        default_posture: Angle (rad) of every moving joint not in the legs.
        midpoints: Joints of ``default_posture`` held at the middle of their range (0 is outside it).
        mass: Total mass (kg).
        leg_length: Hip pitch axis to sole at the zero pose, mean of both legs (m).
        com_height: CoM height above the soles in the initial posture (m).
        com_straight: CoM height above the soles with straight legs (m).
        hip_spacing: Lateral distance between the hip-roll axes (m).
        sole_spacing: Lateral distance between the sole centres at the zero pose (m).
        notes: Notes for review.
    """

    model: AnalysisModel
    left: LegProposal
    right: LegProposal
    sole_legs: tuple[LegBranch, LegBranch]
    default_posture: dict[str, float]
    midpoints: list[str]
    mass: float
    leg_length: float
    com_height: float
    com_straight: float
    hip_spacing: float
    sole_spacing: float
    notes: list[str]

    @property
    def five_joint(self) -> bool:
        """True for legs of five joints (no ankle roll): each sole must stay under its hip."""
        return len(self.left.joints) == 5

    @property
    def stance_inertia(self) -> float:
        """``m L^2`` (kg m^2): the whole body swaying on a stance leg."""
        return self.mass * self.leg_length ** 2

    def bent(self, leg: LegProposal, bend: float, knee_room: float = 0.9) -> dict[str, float]:
        """Hip pitch, knee and ankle pitch of ``leg`` (rad) with the knee bent ``bend`` rad, sole flat."""
        return leg_bend(self.model, leg.hip_pitch, leg.knee, leg.ankle_pitch, leg.signs, bend, knee_room)

    def crouch(self, bend: float) -> float:
        """CoM height (m) above the soles with both knees bent ``bend`` rad (hip and ankle pitch
        half each, soles flat, joints not driven at their default posture)."""
        q = dict(self.default_posture)
        for leg in (self.left, self.right):
            q.update(self.bent(leg, bend))
        d = self.model.pose(q)
        soles = [sole_point(self.model, leg)[2] for leg in self.sole_legs]
        return float(d.subtree_com[0][2] - np.mean(soles))

    def hip_height(self, bend: float) -> float:
        """Height (m) of the hip pitch axes above the soles with both knees bent ``bend`` rad, soles flat."""
        out = []
        for leg, sole in zip((self.left, self.right), self.sole_legs):
            d = self.model.pose(self.bent(leg, bend, knee_room=APEX_ROOM))
            out.append(float(d.xanchor[self.model.joint_id(leg.hip_pitch)][2] - sole_point(self.model, sole)[2]))
        return float(np.mean(out))

    def bend_limit(self, foot_height: float) -> tuple[float, str]:
        """Deepest knee bend (rad) a walking crouch may use so that a swing foot can still rise
        ``foot_height`` (m), and the joint that limits it.

        At the swing apex the leg is ``foot_height`` shorter than in the crouch, with the sole flat;
        the knee may then use ``APEX_ROOM`` (95 %) of its range and the hip and ankle pitch (half
        the bend each, the sole under the hip) as much of theirs.
        """
        apex, joint = math.inf, ""
        for leg in (self.left, self.right):
            for name, sign, share in ((leg.knee, leg.signs[1], 1.0), (leg.hip_pitch, leg.signs[0], 0.5),
                                      (leg.ankle_pitch, leg.signs[2], 0.5)):
                room = APEX_ROOM * max(bend_room(self.model, name, sign), 0.0) / share
                if room < apex:
                    apex, joint = room, name
        lowest = self.hip_height(apex) + foot_height
        bends = np.arange(0.0, apex, 0.01)
        ok = [b for b in bends if self.hip_height(float(b)) >= lowest]
        return (float(ok[-1]) if ok else 0.0), joint

    def bend_for(self, com_height: float) -> float:
        """Knee bend (rad, 0.01 rad grid, linear in between) at which the CoM is ``com_height`` (m) above the soles."""
        bends = np.arange(0.0, 2.0, 0.01)
        heights = np.array([self.crouch(b) for b in bends])
        if com_height >= heights[0]:
            return 0.0
        below = np.flatnonzero(heights <= com_height)
        if not len(below):
            return float(bends[-1])
        k = int(below[0])
        h0, h1 = heights[k - 1], heights[k]
        return float(bends[k - 1] + (h0 - com_height) / max(h0 - h1, 1e-12) * 0.01)


def analysis_of(urdf: str | Path) -> Analysis:
    """Analyse a URDF's legs (cached per file version); rules in :mod:`gait_generator.propose`.

    Raises:
        ProposalError: The URDF is missing or cannot be read, or a leg field cannot be decided.
    """
    path = Path(urdf).resolve()
    if not path.is_file():
        raise ProposalError(f"{path}: URDF file not found")
    return _analyse_cached(path, path.stat().st_mtime_ns)


@lru_cache(maxsize=8)
def _analyse_cached(urdf: Path, mtime_ns: int) -> Analysis:
    return _analyse(urdf)


def _analyse(urdf: Path) -> Analysis:
    model = build_model(urdf)
    first, second, notes = find_legs(model)
    for leg in (first, second):
        place_sole(model, leg)
    if (first.sole_world[1] > 0) == (second.sole_world[1] > 0) or abs(first.sole_world[1]) < 1e-4:
        raise ProposalError(f"{urdf}: field 'feet': both feet lie on the same side of the root's x-z plane "
                            f"(y = {first.sole_world[1]:.3f} and {second.sole_world[1]:.3f} m); is the root link's "
                            "frame x forward, y left, z up? Fill in feet by hand")
    left, right = (first, second) if first.sole_world[1] > 0 else (second, first)
    legs: list[LegProposal] = []
    spacing_y, lengths = [], []
    for side, leg in (("left", left), ("right", right)):
        n = len(leg.joints)
        if not 5 <= n <= 6:
            raise ProposalError(
                f"{urdf}: field 'driven_joints': the {side} leg has {n} moving joints ({', '.join(leg.joints)}), "
                "the walk drives legs of 5 (no ankle roll) or 6 joints; fill in driven_joints by hand")
        hip, knee, ankle, roll = pitch_joints(model, leg, side)
        sign, shift = knee_sign(model, leg, knee, side)
        signs, tilt = flat_signs(model, leg, hip, knee, ankle, sign, side)
        d = model.pose({})
        lengths.append(float(d.xanchor[model.joint_id(hip)][2] - leg.sole_world[2]))
        spacing_y.append(float(d.xanchor[model.joint_id(roll if roll else leg.joints[0])][1]))
        legs.append(LegProposal(
            side=side, joints=tuple(leg.joints), foot_link=model.m.body(leg.foot_body).name,
            sole_offset=leg.sole_offset, sole_size=leg.sole_size, sole_geoms=leg.sole_geoms, knee=knee,
            knee_sign=sign, knee_shift=abs(shift), hip_pitch=hip, ankle_pitch=ankle, hip_roll=roll,
            initial=leg_bend(model, hip, knee, ankle, signs, KNEE_BEND), tilt=tilt, signs=signs))
    default, mids = default_posture(model.info, set(legs[0].joints) | set(legs[1].joints))
    d = model.pose(default)
    com_straight = float(d.subtree_com[0][2] - (left.sole_world[2] + right.sole_world[2]) / 2.0)
    if model.massless:
        notes.append(f"links with no mass on moving joints ({', '.join(model.massless)}): MuJoCo refuses them, so "
                     f"its model gives each {BOUND_MASS:g} kg (boundmass, robots/repairs.py); give them their real "
                     "mass if you know it")
    if model.unbalanced:
        notes.append(f"links whose inertia breaks A + B >= C ({', '.join(model.unbalanced)}): MuJoCo refuses them, "
                     "so its model balances them (balanceinertia, robots/repairs.py); check the URDF's inertias")
    an = Analysis(model=model, left=legs[0], right=legs[1], sole_legs=(left, right), default_posture=default,
                  midpoints=mids, mass=float(sum(model.info.links.values())), leg_length=float(np.mean(lengths)),
                  com_height=0.0, com_straight=com_straight, hip_spacing=float(abs(spacing_y[0] - spacing_y[1])),
                  sole_spacing=float(abs(left.sole_world[1] - right.sole_world[1])), notes=notes)
    an.com_height = an.crouch(KNEE_BEND)
    return an
