"""Sole geometry: which link carries each foot's sole frame, the sole centre in it and the sole size.

The sole is the foot's collision points within ``robots.soles.LOWEST_TOLERANCE``
(1 mm) of its lowest point at the zero pose. Lengths in m; the sole offset is in
the foot link's frame, every other position in the root link's frame.
"""

from __future__ import annotations

import math

import mujoco
import numpy as np

from gait_generator.errors import ProposalError
from gait_generator.propose.legs import LegBranch
from gait_generator.propose.model import (
    AnalysisModel,
    FloatArray,
    collision_points,
    rotation_angle,
)
from gait_generator.propose.rounding import round_to
from gait_generator.propose.rules import ALIGNED_RAD
from robots.soles import LOWEST_TOLERANCE

__all__ = ["place_sole", "sole_point"]

_GEOM_KIND = {
    mujoco.mjtGeom.mjGEOM_SPHERE: "sphere",
    mujoco.mjtGeom.mjGEOM_CAPSULE: "capsule",
    mujoco.mjtGeom.mjGEOM_BOX: "box",
    mujoco.mjtGeom.mjGEOM_CYLINDER: "cylinder",
    mujoco.mjtGeom.mjGEOM_ELLIPSOID: "ellipsoid",
    mujoco.mjtGeom.mjGEOM_MESH: "mesh",
}


def place_sole(model: AnalysisModel, leg: LegBranch) -> None:
    """Set the foot link, sole centre, offset, size and geoms of ``leg`` (at the zero pose).

    The sole offset is the centre of the sole points' bounding box in x/y at the
    lowest z; the size is that box's extent plus the radius of spheres and capsules
    on each side. The foot link is the link holding the lowest collision geometry,
    else the leg's last moving link, else another link of the foot's rigid body,
    whichever frame is parallel to the root's.

    Raises:
        ProposalError: No link of the foot is parallel to the root link (or the
            root frame is yawed relative to the feet).
    """
    m, d, where = model.m, model.pose({}), model.urdf
    bodies = model.group_bodies(leg.group)
    pts, radii, geoms = collision_points(model, bodies)
    low = float(pts[:, 2].min())
    sole = pts[:, 2] <= low + LOWEST_TOLERANCE
    lo = (pts[sole, :2] - radii[sole, None]).min(axis=0)
    hi = (pts[sole, :2] + radii[sole, None]).max(axis=0)
    centre = np.array([*(pts[sole, :2].min(axis=0) + pts[sole, :2].max(axis=0)) / 2.0, low])
    holder = int(m.geom_bodyid[geoms[int(np.argmin(pts[:, 2]))]])
    root_rot = d.xmat[1].reshape(3, 3)
    choices = [holder, leg.group] + [b for b in bodies if b not in (holder, leg.group)]
    aligned = [b for b in choices if rotation_angle(root_rot, d.xmat[b].reshape(3, 3)) <= ALIGNED_RAD]
    if not aligned:
        names = ", ".join(m.body(b).name for b in choices)
        yawed = [b for b in choices if float(d.xmat[b].reshape(3, 3)[:, 2] @ root_rot[:, 2]) > math.cos(ALIGNED_RAD)]
        if yawed:
            rot = root_rot.T @ d.xmat[yawed[0]].reshape(3, 3)
            yaw = math.degrees(math.atan2(rot[1, 0], rot[0, 0]))
            raise ProposalError(
                f"{where}: field 'trunk.link': the foot link '{m.body(yawed[0]).name}' is yawed {yaw:.0f} deg from "
                f"the root link '{model.info.root}' at the zero pose: the root frame is not x forward, y left, z up "
                "(the spec cannot rotate the trunk frame); fill in the spec by hand, or give the URDF a root link "
                "with x forward (docs/robots.md)")
        raise ProposalError(
            f"{where}: field 'feet.link': no link of the foot ({names}) has a frame parallel to the root link's "
            "at the zero pose, and the spec's sole frame takes the foot link's orientation; add a fixed sole link "
            "(x forward, z up) to each foot or write feet by hand (docs/robots.md)")
    foot = aligned[0]
    rot = d.xmat[foot].reshape(3, 3)
    offset = rot.T @ (centre - d.xpos[foot])
    leg.foot_body = foot
    leg.sole_world = centre
    leg.sole_offset = (round_to(offset[0], 4), round_to(offset[1], 4), round_to(offset[2], 4))
    leg.sole_size = (float(hi[0] - lo[0]), float(hi[1] - lo[1]))
    leg.sole_geoms = _describe_geoms(m, [g for g, s in zip(geoms, sole) if s])


def sole_point(model: AnalysisModel, leg: LegBranch) -> FloatArray:
    """World position (m) of ``leg``'s sole centre in the model's current pose."""
    d = model.d
    return d.xpos[leg.foot_body] + d.xmat[leg.foot_body].reshape(3, 3) @ np.array(leg.sole_offset)


def _describe_geoms(m: mujoco.MjModel, geoms: list[int]) -> str:
    """E.g. ``"4 spheres"`` or ``"1 box and 2 spheres"``."""
    counts: dict[str, int] = {}
    for g in sorted(set(geoms)):
        kind = _GEOM_KIND.get(int(m.geom_type[g]), "geom")
        counts[kind] = counts.get(kind, 0) + 1
    parts = [f"{n} {kind}{'es' if n > 1 and kind.endswith('x') else 's' if n > 1 else ''}"
             for kind, n in sorted(counts.items())]
    return " and ".join(parts)
