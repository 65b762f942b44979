"""Held limbs clear of the walking legs: the default posture of arms whose collision geometry the legs would meet.

Arms hanging at 0 rad often sit a few millimetres from the thighs (TALOS's
forearms 9 mm, its wrists inside them); the walking thigh then meets them: a
self-collision, and in the physics replay a push. The rule:

* the walking postures are the legs' postures along the walks of every proposed
  preset's step limits and command range corners
  (:class:`~gait_generator.propose.stride.StrideModel`, sampled along the single support);
* a held body (one moved by a joint that is not driven) is *near* the legs when
  its collision geometry comes within :data:`HELD_CLEARANCE` of a leg body's in a
  walking posture (signed distance, :func:`mujoco.mj_geomDistance`; pairs
  farther apart than the sum of their bounding radii plus the clearance are not
  measured);
* for each side (the sign of the near body's y at the zero pose), the limb is
  turned by the first held hinge on the near body's chain from the root with a
  longitudinal axis (within 15 degrees of x: a shoulder roll) that does not also
  carry the other side's near bodies, away from the legs (the direction that
  increases the clearance), by the smallest multiple of :data:`TURN_STEP` that
  clears every walking posture, at most :data:`TURN_MAX` and 95 % of the joint's
  range; when no angle clears, the one with the most clearance.

Frames: the root link's at the zero pose. Units: m, rad.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import mujoco
import numpy as np

from gait_generator.propose.analysis import Analysis
from gait_generator.propose.model import FloatArray
from gait_generator.propose.posture import limits
from gait_generator.propose.rounding import round_to
from gait_generator.propose.rules import LATERAL_COS

__all__ = ["HELD_CLEARANCE", "MAX_POSTURES", "TURN_MAX", "TURN_STEP", "HeldTurn", "clear_held"]

HELD_CLEARANCE = 0.02
"""m a held body keeps from every leg body in every walking posture."""
TURN_STEP = 0.05
"""rad: grid of the turns tried."""
TURN_MAX = 0.5
"""rad: largest turn away from the legs."""
MAX_POSTURES = 200
"""Walking postures measured at most (evenly spaced through the list)."""


@dataclass(frozen=True)
class HeldTurn:
    """One held joint turned to clear the legs.

    Attributes:
        joint: The joint.
        angle: Its new default angle (rad).
        before: The clearance (m) at its old angle: the smallest signed distance to a leg body while walking.
        after: The clearance (m) at the new angle.
        near: The held body and the leg body nearest each other at the old angle.
    """

    joint: str
    angle: float
    before: float
    after: float
    near: tuple[str, str]


class _Distances:
    """Signed distances between the held bodies' and the leg bodies' collision geoms along the walking postures."""

    def __init__(self, an: Analysis, walking: list[dict[str, float]]) -> None:
        self.an = an
        m = an.model.m
        self.m, self.d = m, mujoco.MjData(m)
        legs = set(an.left.joints) | set(an.right.joints)
        moved_by = [{m.joint(j).name for j in an.model.joint_path(b)} for b in range(m.nbody)]
        colliding = [g for g in range(m.ngeom) if m.geom_contype[g] or m.geom_conaffinity[g]]
        self.leg = np.array([g for g in colliding if moved_by[m.geom_bodyid[g]] & legs], dtype=int)
        self.held = [g for g in colliding if not moved_by[m.geom_bodyid[g]] & legs and moved_by[m.geom_bodyid[g]]]
        names = sorted({name for q in walking for name in q})
        every = max(1, math.ceil(len(walking) / MAX_POSTURES))
        self._leg_adr = np.array([m.jnt_qposadr[an.model.joint_id(n)] for n in names], dtype=int)
        self._walking = np.array([[q.get(n, 0.0) for n in names] for q in walking[::every]])

    def _pose(self, q: dict[str, float], legs: FloatArray) -> None:
        self.d.qpos[:] = 0.0
        for name, value in q.items():
            self.d.qpos[self.m.jnt_qposadr[self.an.model.joint_id(name)]] = value
        self.d.qpos[self._leg_adr] = legs
        mujoco.mj_kinematics(self.m, self.d)

    def nearest(self, q: dict[str, float], held: list[int]) -> dict[int, tuple[float, int]]:
        """Held geom -> (smallest distance m over the walking postures, leg geom), for those within the clearance."""
        m, d = self.m, self.d
        h, g = np.asarray(held, dtype=int), self.leg
        out: dict[int, tuple[float, int]] = {}
        for legs in self._walking:
            self._pose(q, legs)
            centres = np.linalg.norm(d.geom_xpos[h][:, None, :] - d.geom_xpos[g][None, :, :], axis=2)
            gaps = centres - m.geom_rbound[h][:, None] - m.geom_rbound[g][None, :]
            for i, j in zip(*np.nonzero(gaps <= HELD_CLEARANCE)):
                dist = mujoco.mj_geomDistance(m, d, int(h[i]), int(g[j]), HELD_CLEARANCE, None)
                if dist < HELD_CLEARANCE and dist < out.get(int(h[i]), (math.inf, -1))[0]:
                    out[int(h[i])] = (dist, int(g[j]))
        return out

    def clearance(self, q: dict[str, float], held: list[int]) -> tuple[float, int, int]:
        """(smallest distance m, held geom, leg geom) over the walking postures (the clearance when farther)."""
        near = self.nearest(q, held)
        if not near:
            return HELD_CLEARANCE, -1, -1
        g = min(near, key=lambda k: near[k][0])
        return near[g][0], g, near[g][1]


def clear_held(an: Analysis, default: dict[str, float],
               walking: list[dict[str, float]]) -> tuple[dict[str, float], list[HeldTurn]]:
    """The default posture with held limbs turned clear of the walking legs (rule in the module docstring).

    Args:
        an: The robot's analysis.
        default: Angle (rad) of every joint not driven.
        walking: Leg postures (rad) of the walks of the proposed presets (at most
            :data:`MAX_POSTURES` of them, evenly spaced, are measured).

    Returns:
        The new default posture, and one :class:`HeldTurn` per joint turned.
    """
    if not walking:
        return dict(default), []
    dist = _Distances(an, walking)
    m = dist.m
    if not dist.held or not len(dist.leg):
        return dict(default), []
    near = sorted(dist.nearest(default, dist.held))
    if not near:
        return dict(default), []
    zero = mujoco.MjData(m)
    mujoco.mj_kinematics(m, zero)
    sides: dict[int, list[int]] = {}
    for g in near:
        sides.setdefault(1 if zero.geom_xpos[g][1] >= 0.0 else -1, []).append(g)
    paths = {side: [set(an.model.joint_path(int(m.geom_bodyid[g]))) for g in geoms] for side, geoms in sides.items()}
    out, turns = dict(default), []
    for side, geoms in sorted(sides.items(), reverse=True):
        others = set().union(*(p for s, ps in paths.items() if s != side for p in ps))
        chain = an.model.joint_path(int(m.geom_bodyid[geoms[0]]))
        joint = next((m.joint(j).name for j in chain if m.joint(j).name in default and j not in others
                      and m.jnt_type[j] == mujoco.mjtJoint.mjJNT_HINGE
                      and abs(float(zero.xaxis[j][0])) >= LATERAL_COS), None)
        if joint is None:
            continue
        before = dist.clearance(out, geoms)
        turn = _turn(joint, out, geoms, dist.clearance, an)
        if turn is not None:
            angle, after = turn
            out[joint] = angle
            turns.append(HeldTurn(joint, angle, before[0], after,
                                  (m.body(int(m.geom_bodyid[before[1]])).name,
                                   m.body(int(m.geom_bodyid[before[2]])).name)))
    return out, turns


def _turn(joint: str, q: dict[str, float], geoms: list[int],
          clearance: Callable[[dict[str, float], list[int]], tuple[float, int, int]],
          an: Analysis) -> tuple[float, float] | None:
    """(angle rad, clearance m) of the smallest turn of ``joint`` that clears the legs, else the clearest one.

    Turns go both ways from the current angle in :data:`TURN_STEP` steps, up to
    :data:`TURN_MAX` and 95 % of the joint's range; a way whose first step brings
    the limb nearer the legs is not followed. None when no turn helps.
    """
    lo, hi = limits(an.model, joint)
    if lo <= 0.0 <= hi:
        lo, hi = 0.95 * lo, 0.95 * hi
    start = q[joint]
    gap0 = clearance(q, geoms)[0]
    cleared: list[tuple[float, float]] = []
    best: tuple[float, float] | None = None
    for sign in (1.0, -1.0):
        for k in range(1, int(TURN_MAX / TURN_STEP + 1e-9) + 1):
            angle = round_to(start + sign * k * TURN_STEP, 4)
            if not lo <= angle <= hi:
                break
            gap = clearance({**q, joint: angle}, geoms)[0]
            if k == 1 and gap <= gap0:
                break
            if best is None or gap > best[1]:
                best = (angle, gap)
            if gap >= HELD_CLEARANCE:
                cleared.append((angle, gap))
                break
    if cleared:
        return min(cleared, key=lambda c: (abs(c[0] - start), -c[1]))
    return best
