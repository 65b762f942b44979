"""Leg structure discovery: the two leg branches of a URDF, their joints, and which joints pitch and roll.

Frames: the root link's at the zero pose (x forward, y left, z up); lengths in m.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import mujoco
import numpy as np

from gait_generator.errors import ProposalError
from gait_generator.propose.model import AnalysisModel, FloatArray, collision_points
from gait_generator.propose.rules import FLOOR_FRACTION, LATERAL_COS

__all__ = ["LegBranch", "find_legs", "pitch_joints"]


@dataclass
class LegBranch:
    """One leg as found in the model; :func:`gait_generator.propose.sole.place_sole` fills in the sole fields.

    Attributes:
        group: Body of the foot's rigid group (the leg's last moving link).
        top: First moving body below the branch point.
        joints: Moving joint names from the branch point down to the foot.
        foot_body: Body of the foot link.
        sole_world: Sole centre at the zero pose, world frame (m).
        sole_offset: Sole centre in the foot link frame (m, rounded to 0.1 mm).
        sole_size: Sole length and width (m).
        sole_geoms: Collision geoms that make the sole, e.g. ``"4 spheres"``.
    """

    group: int
    top: int
    joints: list[str]
    foot_body: int = 0
    sole_world: FloatArray = field(default_factory=lambda: np.zeros(3))
    sole_offset: tuple[float, float, float] = (0.0, 0.0, 0.0)
    sole_size: tuple[float, float] = (0.0, 0.0)
    sole_geoms: str = ""


def find_legs(model: AnalysisModel) -> tuple[LegBranch, LegBranch, list[str]]:
    """The two leg branches (in no particular side order) and notes for review.

    The legs are the two branches from their common ancestor that end lowest at
    the zero pose, each with at least three moving joints.

    Raises:
        ProposalError: No collision geometry, fewer or more than two branches
            reaching the floor.
    """
    m, where = model.m, model.urdf
    model.pose({})
    groups = sorted(set(model.owner[1:]))
    low: dict[int, float] = {}
    for grp in groups:
        pts, _, _ = collision_points(model, model.group_bodies(grp))
        if len(pts):
            low[grp] = float(pts[:, 2].min())
    if not low:
        raise ProposalError(f"{where}: field 'feet': the URDF has no collision geometry, so its feet cannot be "
                            "found (and MuJoCo could not stand it on the floor); add <collision> elements to the "
                            "feet, or write the spec by hand (docs/robots.md)")
    order = sorted(low, key=lambda g: (low[g], g))
    a = order[0]
    depth = {g: len(model.joint_path(g)) for g in low}

    def lca(x: int, y: int) -> int:
        ys = set(model.ancestors(y))
        return next((b for b in model.ancestors(x) if b in ys), 1)

    def branch_depth(g: int, top: int) -> int:
        return depth[g] - len(model.joint_path(top))

    candidates = []
    for g in order[1:]:
        if g in model.ancestors(a) or a in model.ancestors(g):
            continue
        c = lca(a, g)
        if branch_depth(a, c) >= 3 and branch_depth(g, c) >= 3:
            candidates.append((g, c))
    leg_a = _chain(model, a, None)
    height = max(model.d.xanchor[model.joint_id(leg_a[0])][2] - low[a], 1e-6) if leg_a else 1.0
    tolerance = FLOOR_FRACTION * height
    if not candidates or low[candidates[0][0]] - low[a] > tolerance:
        other = (f"; the lowest other branch ends at link '{m.body(candidates[0][0]).name}', "
                 f"{low[candidates[0][0]] - low[a]:.3f} m higher" if candidates else "")
        raise ProposalError(
            f"{where}: field 'feet': found one leg reaching the floor (ending at link '{m.body(a).name}'), a biped "
            f"needs two{other}; fill in feet.left/right, driven_joints and knees by hand (docs/robots.md)")
    b, branch = candidates[0]
    legs = []
    for g in (a, b):
        path = model.ancestors(g)[::-1]
        top = next(x for x in path[path.index(branch) + 1:] if m.body_jntnum[x] > 0)
        legs.append(LegBranch(group=g, top=top, joints=_chain(model, g, branch)))
    tops = {legs[0].top, legs[1].top}
    for g in order:
        if low[g] - low[a] > tolerance:
            break
        if any(t in model.ancestors(g) for t in tops) or g in model.ancestors(a) or g in model.ancestors(b):
            continue
        names = ", ".join(f"'{m.body(x).name}'" for x in (a, b, g))
        raise ProposalError(
            f"{where}: field 'feet': three branches reach the floor (ending at links {names}); a biped has two "
            "legs; fill in feet.left/right, driven_joints and knees by hand (docs/robots.md)")
    notes = []
    upper = [model.m.joint(j).name for j in model.joint_path(branch)]
    if upper:
        notes.append(f"moving joints between the trunk and the legs ({', '.join(upper)}) are held, not driven")
    return legs[0], legs[1], notes


def _chain(model: AnalysisModel, group: int, branch: int | None) -> list[str]:
    """Moving joint names from below ``branch`` (the root when None) down to ``group``."""
    ids = model.joint_path(group)
    if branch is not None:
        ids = ids[len(model.joint_path(branch)):]
    return [model.m.joint(j).name for j in ids]


def pitch_joints(model: AnalysisModel, leg: LegBranch, side: str) -> tuple[str, str, str, str | None]:
    """(hip pitch, knee, ankle pitch, hip roll) of ``leg`` at the zero pose.

    The knee is the hinge between hip and ankle whose axis is lateral and whose
    anchor lies nearest mid-leg (20-80 % of the hip-to-sole height); hip and ankle
    pitch are the lateral hinges next to it above and below; the hip roll is the
    last longitudinal hinge above it (None if there is none).

    Args:
        model: The analysis model.
        leg: The leg, its sole placed.
        side: ``"left"`` or ``"right"`` (for messages).

    Raises:
        ProposalError: No knee, hip pitch or ankle pitch.
    """
    d = model.pose({})
    where = model.urdf
    joints = leg.joints
    z_hip = float(d.xanchor[model.joint_id(joints[0])][2])
    height = z_hip - float(leg.sole_world[2])
    hinge = {j: model.m.jnt_type[model.joint_id(j)] == mujoco.mjtJoint.mjJNT_HINGE for j in joints}

    def hinge_along(j: str, index: int) -> bool:  # index 0: longitudinal (x), 1: lateral (y)
        return bool(hinge[j]) and abs(float(d.xaxis[model.joint_id(j)][index])) >= LATERAL_COS

    best, best_score = None, math.inf
    for j in joints[1:-1]:
        if not hinge_along(j, 1):
            continue
        frac = (z_hip - float(d.xanchor[model.joint_id(j)][2])) / max(height, 1e-9)
        if 0.2 <= frac <= 0.8 and abs(frac - 0.5) < best_score:
            best, best_score = j, abs(frac - 0.5)
    if best is None:
        raise ProposalError(
            f"{where}: field 'knees.{side}': no knee on the {side} leg ({', '.join(joints)}): no joint between hip "
            "and ankle has a lateral axis (parallel to the root's y) near mid-leg; fill in knees, initial_posture "
            "and driven_joints by hand (docs/robots.md)")
    k = joints.index(best)
    above = [j for j in joints[:k] if hinge_along(j, 1)]
    below = [j for j in joints[k + 1:] if hinge_along(j, 1)]
    if not above or not below:
        missing = "hip pitch (above the knee)" if not above else "ankle pitch (below the knee)"
        raise ProposalError(
            f"{where}: field 'initial_posture': the {side} leg ({', '.join(joints)}) has no {missing} joint with "
            "a lateral axis to keep the sole flat with a bent knee; fill in initial_posture by hand "
            "(docs/robots.md)")
    roll = [j for j in joints[:k] if hinge_along(j, 0)]
    return above[-1], best, below[0], (roll[-1] if roll else None)
