"""Leg postures: knee bend direction, bent-knee angles within joint limits, and the posture of joints not driven.

Angles in rad; the sole tilt is measured against the foot's orientation at the zero pose.
"""

from __future__ import annotations

import math

from gait_generator.errors import ProposalError
from gait_generator.propose.legs import LegBranch
from gait_generator.propose.model import AnalysisModel, rotation_angle
from gait_generator.propose.rounding import round_to
from gait_generator.propose.rules import KNEE_BEND, KNEE_PROBE
from gait_generator.propose.sole import sole_point
from robots.urdf import UrdfInfo

__all__ = ["bend_room", "default_posture", "flat_signs", "knee_sign", "leg_bend", "limits"]


def limits(model: AnalysisModel, joint: str) -> tuple[float, float]:
    """Position limits (rad) of ``joint``; a continuous joint gets [-pi, pi]."""
    j = model.info.joints[joint]
    return (-math.pi, math.pi) if j.type == "continuous" else (j.lower, j.upper)


def bend_room(model: AnalysisModel, joint: str, sign: int) -> float:
    """How far (rad) ``joint`` may turn from 0 in the direction ``sign`` (negative when 0 is beyond that limit)."""
    lo, hi = limits(model, joint)
    return hi if sign > 0 else -lo


def _clip(value: float, bounds: tuple[float, float], fraction: float = 0.95) -> float:
    """``value`` moved inside ``bounds`` (keeping ``fraction`` of the way from 0 to a bound when 0 is inside)."""
    lo, hi = bounds
    if lo <= 0.0 <= hi:
        return min(max(value, fraction * lo), fraction * hi)
    return min(max(value, lo), hi)


def leg_bend(model: AnalysisModel, hip: str, knee: str, ankle: str, signs: tuple[int, int, int],
             bend: float, knee_room: float = 0.9) -> dict[str, float]:
    """Hip pitch, knee and ankle pitch angles (rad) for a knee bent ``bend`` rad its way, within limits.

    The knee takes at most ``knee_room`` of its range in its bend direction; the hip pitch takes
    half of the knee's bend (inside 95 % of its limits) and the ankle pitch the rest.

    Args:
        model: The analysis model (for the joint limits).
        hip, knee, ankle: Hip pitch, knee and ankle pitch joints.
        signs: Bend signs of (hip pitch, knee, ankle pitch).
        bend: Knee bend (rad, positive).
        knee_room: Fraction of the knee's range it may use.
    """
    b = min(bend, knee_room * bend_room(model, knee, signs[1]))
    h = _clip(signs[0] * b / 2.0, limits(model, hip))
    a = _clip(signs[2] * (b - abs(h)), limits(model, ankle))
    return {hip: round_to(h, 4), knee: round_to(signs[1] * b, 4), ankle: round_to(a, 4)}


def knee_sign(model: AnalysisModel, leg: LegBranch, knee: str, side: str) -> tuple[int, float]:
    """Bend sign of ``knee`` and how far (m) +0.3 rad moves the sole backward (-x), by forward kinematics.

    Each leg gets its own sign, so mirrored axes give opposite signs.

    Raises:
        ProposalError: The knee does not move the sole forward or backward.
    """
    model.pose({})
    before = sole_point(model, leg).copy()
    model.pose({knee: KNEE_PROBE})
    shift = float(before[0] - sole_point(model, leg)[0])
    if abs(shift) < 1e-6:
        raise ProposalError(f"{model.urdf}: field 'knees.bend_sign': rotating {knee} does not move the {side} sole "
                            "forward or backward; fill in knees.bend_sign by hand")
    return (1 if shift > 0 else -1), shift


def flat_signs(model: AnalysisModel, leg: LegBranch, hip: str, knee: str, ankle: str, sign: int,
               side: str) -> tuple[tuple[int, int, int], float]:
    """Hip and ankle pitch signs that keep the sole parallel to the trunk with the knee bent ``KNEE_BEND``.

    Found by forward kinematics among the four sign combinations.

    Returns:
        The (hip, knee, ankle) bend signs and the remaining sole tilt (rad).

    Raises:
        ProposalError: The knee can bend less than 0.1 rad its way.
    """
    room = bend_room(model, knee, sign)
    if room < 0.1:
        lo, hi = limits(model, knee)
        raise ProposalError(f"{model.urdf}: field 'initial_posture.{knee}': the {side} knee can bend only "
                            f"{max(room, 0.0):.3f} rad its way (limits [{lo:.4f}, {hi:.4f}]); fill in "
                            "initial_posture by hand")
    r0 = model.pose({}).xmat[leg.foot_body].reshape(3, 3).copy()
    best: tuple[float, tuple[int, int, int]] | None = None
    for sh in (-1, 1):
        for sa in (-1, 1):
            d = model.pose(leg_bend(model, hip, knee, ankle, (sh, sign, sa), KNEE_BEND))
            tilt = rotation_angle(r0, d.xmat[leg.foot_body].reshape(3, 3))
            if best is None or tilt < best[0] - 1e-9:
                best = (tilt, (sh, sign, sa))
    assert best is not None
    return best[1], best[0]


def default_posture(info: UrdfInfo, legs: set[str]) -> tuple[dict[str, float], list[str]]:
    """0 rad for every moving joint not in ``legs``, or the middle of its range when 0 is outside it.

    Returns:
        Joint -> angle (rad), and the joints that got the middle of their range.
    """
    out: dict[str, float] = {}
    mids = []
    for joint in info.actuated:
        if joint in legs:
            continue
        j = info.joints[joint]
        if j.type != "continuous" and not j.lower <= 0.0 <= j.upper:
            out[joint] = round_to((j.lower + j.upper) / 2.0, 4)
            mids.append(joint)
        else:
            out[joint] = 0.0
    return out, mids
