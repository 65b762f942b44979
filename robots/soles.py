"""The soles that really touch the floor: support polygons from the feet's collision geometry.

``feet.length``/``feet.width`` in a robot spec are what placo plans with. The
polygon the robot can actually push through is the convex hull of its foot
collision geometry's lowest points: for the G1 that is four 5 mm spheres spanning
0.17 x 0.05-0.06 m, smaller than the nominal 0.18 x 0.07 m sole. Every ZMP margin
(the generator's ZMP targets, the validator's checks, the previews) uses this
polygon.

Polygons are given in the sole frame (the ``left_foot``/``right_foot`` site:
x forward, y left, z up, origin at the sole centre), counter-clockwise.
"""

from __future__ import annotations

from dataclasses import dataclass

import mujoco
import numpy as np
from numpy.typing import NDArray
from scipy.spatial import ConvexHull, QhullError

from robots.errors import RobotSpecError
from robots.robot import Robot

__all__ = [
    "LOWEST_TOLERANCE",
    "SolePolygons",
    "hull_distance",
    "polygon_distance",
    "polygon_distances",
    "sole_polygons",
    "support_distance",
]

FloatArray = NDArray[np.float64]

LOWEST_TOLERANCE = 1e-3
"""Collision points within this height (m) of a foot's lowest point belong to its sole."""
_RIM_POINTS = 16


@dataclass(frozen=True)
class SolePolygons:
    """Contact polygons of both soles.

    Attributes:
        left, right: (K, 2) polygon vertices in the sole frame, counter-clockwise (m).
        lowest: (2,) height of each foot's lowest collision point in its sole frame
            (m); about 0 when the spec's sole offset is right.
    """

    left: FloatArray
    right: FloatArray
    lowest: FloatArray

    def side(self, index: int) -> FloatArray:
        """Polygon of foot ``index`` (0 left, 1 right)."""
        return self.left if index == 0 else self.right


def _geom_points(m: mujoco.MjModel, g: int) -> tuple[FloatArray, float]:
    """Candidate lowest points (n, 3) of collision geom ``g`` in its body frame, and a radius to
    subtract along the vertical (spheres and capsules: their points are centres)."""
    size = m.geom_size[g]
    kind = m.geom_type[g]
    rot = np.zeros(9)
    mujoco.mju_quat2Mat(rot, m.geom_quat[g])
    rot = rot.reshape(3, 3)
    if kind == mujoco.mjtGeom.mjGEOM_SPHERE:
        local = np.zeros((1, 3))
        radius = size[0]
    elif kind == mujoco.mjtGeom.mjGEOM_CAPSULE:
        local = np.array([[0.0, 0.0, -size[1]], [0.0, 0.0, size[1]]])
        radius = size[0]
    elif kind == mujoco.mjtGeom.mjGEOM_BOX:
        local = np.array([[sx, sy, sz] for sx in (-1, 1) for sy in (-1, 1) for sz in (-1, 1)]) * size
        radius = 0.0
    elif kind in (mujoco.mjtGeom.mjGEOM_CYLINDER, mujoco.mjtGeom.mjGEOM_ELLIPSOID):
        a = np.linspace(0.0, 2 * np.pi, _RIM_POINTS, endpoint=False)
        if kind == mujoco.mjtGeom.mjGEOM_CYLINDER:
            rim = np.column_stack([size[0] * np.cos(a), size[0] * np.sin(a)])
            local = np.vstack([np.column_stack([rim, np.full(len(a), z)]) for z in (-size[1], size[1])])
        else:
            u, v = np.meshgrid(a, np.linspace(0.0, np.pi, _RIM_POINTS // 2 + 1))
            local = np.column_stack([(np.cos(u) * np.sin(v)).ravel(), (np.sin(u) * np.sin(v)).ravel(),
                                     np.cos(v).ravel()]) * size
        radius = 0.0
    elif kind == mujoco.mjtGeom.mjGEOM_MESH:
        mesh = m.geom_dataid[g]
        start, count = m.mesh_vertadr[mesh], m.mesh_vertnum[mesh]
        local = np.array(m.mesh_vert[start : start + count], dtype=float)
        radius = 0.0
    else:
        return np.zeros((0, 3)), 0.0
    return local @ rot.T + m.geom_pos[g], float(radius)


def _hull(points: FloatArray, where: str) -> FloatArray:
    try:
        hull = ConvexHull(points)
    except (QhullError, ValueError) as exc:
        raise RobotSpecError(f"{where}: the foot's lowest collision points span no area ({exc})") from exc
    return points[hull.vertices]  # counter-clockwise in 2-D


_CACHE: dict[int, tuple[mujoco.MjModel, SolePolygons]] = {}


def sole_polygons(robot: Robot, model: mujoco.MjModel | None = None) -> SolePolygons:
    """The contact polygons of ``robot``'s soles, from its MuJoCo collision geometry.

    Args:
        robot: The robot.
        model: Its compiled MuJoCo model (default :func:`robots.mjcf.model`, whose
            polygons are cached for the process).

    Raises:
        RobotSpecError: A foot has no collision geometry, or its lowest points span no area.
    """
    if model is None:
        from robots import mjcf

        model = mjcf.model(robot)
    cached = _CACHE.get(id(model))
    if cached is None or cached[0] is not model:
        cached = _CACHE[id(model)] = (model, _compute(robot, model))
    return cached[1]


def _compute(robot: Robot, m: mujoco.MjModel) -> SolePolygons:
    polygons, lowest = [], []
    for side in ("left", "right"):
        site = m.site(f"{side}_foot").id
        body = int(m.site_bodyid[site])
        rot = np.zeros(9)
        mujoco.mju_quat2Mat(rot, m.site_quat[site])
        rot = rot.reshape(3, 3)
        parts = [_geom_points(m, g) for g in range(m.ngeom)
                 if m.geom_bodyid[g] == body and (m.geom_contype[g] or m.geom_conaffinity[g])]
        parts = [(p, r) for p, r in parts if len(p)]
        where = f"{robot.spec.path}: field 'feet.{side}.link'"
        if not parts:
            raise RobotSpecError(f"{where}: the foot has no collision geometry to stand on")
        # body frame -> sole frame; sphere and capsule centres drop by their radius along the sole's z
        cloud = np.vstack([(p - m.site_pos[site]) @ rot - np.array([0.0, 0.0, r]) for p, r in parts])
        low = float(cloud[:, 2].min())
        sole = cloud[cloud[:, 2] <= low + LOWEST_TOLERANCE, :2]
        polygons.append(_hull(sole, where))
        lowest.append(low)
    return SolePolygons(left=polygons[0], right=polygons[1], lowest=np.array(lowest))


def polygon_distance(points: FloatArray, polygon: FloatArray) -> FloatArray:
    """Signed distance (m) of 2-D points to a convex counter-clockwise polygon: < 0 inside.

    Args:
        points: (n, 2) points. polygon: (K, 2) vertices, counter-clockwise.

    Returns:
        (n,) distance to the boundary, negative inside, positive outside.
    """
    points = np.atleast_2d(points)
    return polygon_distances(points, np.broadcast_to(polygon, (len(points), *polygon.shape)))


def polygon_distances(points: FloatArray, polygons: FloatArray) -> FloatArray:
    """Signed distance (m) of each point to its own convex polygon, vectorised over rows.

    Args:
        points: (n, 2) points. polygons: (n, K, 2) counter-clockwise vertices; a
            polygon with fewer vertices repeats one (zero-length edges are ignored).

    Returns:
        (n,) distance to the boundary, negative inside, positive outside.
    """
    a = polygons
    edge = np.roll(polygons, -1, axis=1) - a
    length = np.sqrt(np.einsum("nkc,nkc->nk", edge, edge))
    valid = length > 1e-12
    safe = np.where(valid, length, 1.0)
    normal = np.stack([edge[..., 1], -edge[..., 0]], axis=2) / safe[..., None]  # outward for CCW
    rel = points[:, None, :] - a
    inside = np.where(valid, np.einsum("nkc,nkc->nk", rel, normal), -np.inf).max(axis=1)
    u = np.clip(np.einsum("nkc,nkc->nk", rel, edge) / safe**2, 0.0, 1.0)
    gap = rel - u[..., None] * edge
    outside = np.where(valid, np.sqrt(np.einsum("nkc,nkc->nk", gap, gap)), np.inf).min(axis=1)
    return np.where(inside > 0, outside, inside)


def hull_distance(point: FloatArray, clouds: list[FloatArray]) -> float:
    """Signed distance (m) of one 2-D point to the convex hull of several point sets (world frame)."""
    cloud = np.vstack(clouds)
    try:
        hull = ConvexHull(cloud)
    except (QhullError, ValueError):
        return float("inf")
    return float(polygon_distance(np.asarray(point)[None], cloud[hull.vertices])[0])


def support_distance(points: FloatArray, support: NDArray[np.bool_], polygons: FloatArray) -> FloatArray:
    """Signed distance (m) of one point per frame to the hull of that frame's supporting soles.

    Args:
        points: (T, 2) points on the floor (world).
        support: (T, 2) which soles support, columns [left, right].
        polygons: (T, 2, K, 2) each sole's contact polygon in the world, counter-clockwise
            (a shorter polygon repeats its last vertex).

    Returns:
        (T,) negative inside (minus the distance to the nearest edge), positive
        outside, ``inf`` where no sole supports.
    """
    _t, _, k, _ = polygons.shape
    merged = np.repeat(polygons[:, 0], 2, axis=1)  # (T, 2K, 2): room for the hull of both soles
    right = support[:, 1] & ~support[:, 0]
    merged[right] = np.repeat(polygons[right, 1], 2, axis=1)
    for f in np.flatnonzero(support.all(axis=1)):
        cloud = polygons[f].reshape(-1, 2)
        try:
            hull = cloud[ConvexHull(cloud).vertices]
        except (QhullError, ValueError):
            hull = cloud[:1]
        merged[f] = np.vstack([hull, np.repeat(hull[-1:], 2 * k - len(hull), axis=0)])
    out = polygon_distances(points, merged)
    out[~support.any(axis=1)] = np.inf
    return out
