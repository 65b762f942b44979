"""The robot of an HTML page: its visual geoms and decimated meshes, written once per page.

Every clip of a page poses the same robot description (:class:`RobotGeometry`):
the geometry travels once, and a clip only carries the poses of the
:attr:`RobotGeometry.body_ids` bodies per frame (:mod:`viz.page_clip`).

Meshes are decimated with trimesh's quadric decimation (the ``fast-simplification``
package) to :data:`MESH_FACE_BUDGET` faces for the whole robot, shared among
the meshes in proportion to their face counts, each keeping at least
:data:`MIN_MESH_FACES` (or all it has). The G1's 290 000 faces become about
43 000, which the preview cannot tell apart at its scale. Vertices are then
stored as uint16 within each mesh's bounding box (a 0.3 m link: 5 um steps).
"""

from __future__ import annotations

from dataclasses import dataclass

import mujoco
import numpy as np
import trimesh
from numpy.typing import NDArray

from robots import Robot, mjcf
from viz.page_codec import pack, rounded
from viz.scene import CONTACT_COLOUR, SWING_COLOUR, visual_geoms

__all__ = ["MESH_FACE_BUDGET", "MIN_MESH_FACES", "RobotGeometry", "decimate", "face_targets", "robot_geometry"]

MESH_FACE_BUDGET = 40_000
"""Faces kept over all the meshes of a robot (the G1 has about 290 000)."""

MIN_MESH_FACES = 200
"""Faces every mesh keeps at least (or all it has, if fewer)."""

PAD_THICKNESS = 0.003
"""Thickness (m) of the contact pads drawn under the soles."""

_KINDS = {
    mujoco.mjtGeom.mjGEOM_BOX: "box",
    mujoco.mjtGeom.mjGEOM_SPHERE: "sphere",
    mujoco.mjtGeom.mjGEOM_ELLIPSOID: "ellipsoid",
    mujoco.mjtGeom.mjGEOM_CYLINDER: "cylinder",
    mujoco.mjtGeom.mjGEOM_CAPSULE: "capsule",
    mujoco.mjtGeom.mjGEOM_MESH: "mesh",
}


@dataclass(frozen=True)
class RobotGeometry:
    """A robot as drawn by the pages.

    Attributes:
        name: The robot's name.
        body_ids: MuJoCo ids of the bodies a clip poses (those with something
            drawn on them), in payload order.
        payload: The geometry, packed (:func:`viz.page_codec.pack`): header keys
            ``bodies``, ``geoms``, ``meshes``, ``pads``; sections ``m<k>v`` (uint16
            vertices) and ``m<k>f`` (faces) per mesh.
        faces: Mesh faces kept, after decimation.
        source_faces: Mesh faces of the model.
    """

    name: str
    body_ids: tuple[int, ...]
    payload: str
    faces: int
    source_faces: int


def face_targets(face_counts: list[int], budget: int = MESH_FACE_BUDGET, minimum: int = MIN_MESH_FACES) -> list[int]:
    """Faces to keep per mesh: ``budget`` shared in proportion to ``face_counts``, at least ``minimum`` each.

    A mesh is never given more faces than it has; when the meshes already fit
    the budget they are all kept whole.
    """
    total = sum(face_counts)
    if total <= budget:
        return list(face_counts)
    return [min(n, max(minimum, int(budget * n / total))) for n in face_counts]


def decimate(vertices: NDArray, faces: NDArray, target: int) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Reduce a triangle mesh to about ``target`` faces (trimesh quadric decimation); unchanged if it has fewer.

    Returns:
        (V, 3) vertices and (F, 3) faces. A mesh the decimation would empty is returned whole.
    """
    vertices = np.asarray(vertices, dtype=np.float64)
    faces = np.asarray(faces, dtype=np.int64)
    if target >= len(faces):
        return vertices, faces
    mesh = trimesh.Trimesh(vertices, faces, process=False)
    simple = mesh.simplify_quadric_decimation(face_count=int(target))
    if len(simple.faces) == 0:
        return vertices, faces
    return np.asarray(simple.vertices, dtype=np.float64), np.asarray(simple.faces, dtype=np.int64)


def _quantized(vertices: NDArray) -> tuple[NDArray[np.uint16], list[float], list[float]]:
    lo, hi = vertices.min(axis=0), vertices.max(axis=0)
    span = np.where(hi > lo, hi - lo, 1.0)
    q = np.round((vertices - lo) / span * 65535.0).astype(np.uint16)
    return q, lo.tolist(), (lo + span).tolist()


def _colour(model: mujoco.MjModel, g: int) -> tuple[int, float]:
    rgba = model.mat_rgba[model.geom_matid[g]] if model.geom_matid[g] >= 0 else model.geom_rgba[g]
    r, gg, b = (round(float(np.clip(c, 0.0, 1.0)) * 255) for c in rgba[:3])
    return (r << 16) | (gg << 8) | b, float(rgba[3]) if rgba[3] > 0 else 1.0


def _quat_xyzw(quat_wxyz: NDArray) -> list[float]:
    w, x, y, z = (float(v) for v in quat_wxyz)
    return rounded([x, y, z, w], 9)


def robot_geometry(robot: Robot, model: mujoco.MjModel | None = None) -> RobotGeometry:
    """Describe ``robot`` for the pages (see :class:`RobotGeometry`); meshes are decimated here.

    Args:
        robot: The robot.
        model: Its compiled model (default: :func:`robots.mjcf.model`).
    """
    m = model if model is not None else mjcf.model(robot)
    geoms = [g for g in visual_geoms(m) if int(m.geom_type[g]) in _KINDS]
    sites = [m.site(f"{side}_foot") for side in ("left", "right")]
    foot_bodies = [int(site.bodyid[0]) for site in sites]
    body_ids = tuple(sorted({int(m.geom_bodyid[g]) for g in geoms} | set(foot_bodies)))
    slot = {b: k for k, b in enumerate(body_ids)}

    mesh_ids = sorted({int(m.geom_dataid[g]) for g in geoms if m.geom_type[g] == mujoco.mjtGeom.mjGEOM_MESH})
    counts = [int(m.mesh_facenum[k]) for k in mesh_ids]
    sections: dict[str, NDArray] = {}
    meshes = []
    for k, (mesh, target) in enumerate(zip(mesh_ids, face_targets(counts), strict=True)):
        va, vn = m.mesh_vertadr[mesh], m.mesh_vertnum[mesh]
        fa, fn = m.mesh_faceadr[mesh], m.mesh_facenum[mesh]
        vertices, faces = decimate(m.mesh_vert[va : va + vn], m.mesh_face[fa : fa + fn], target)
        q, lo, hi = _quantized(vertices)
        sections[f"m{k}v"] = q
        sections[f"m{k}f"] = faces.astype(np.uint16 if len(vertices) <= 65535 else np.uint32)
        meshes.append({"name": m.mesh(mesh).name, "lo": rounded(lo, 9), "hi": rounded(hi, 9), "faces": len(faces)})

    described = []
    for g in geoms:
        kind = _KINDS[mujoco.mjtGeom(int(m.geom_type[g]))]
        colour, opacity = _colour(m, g)
        item = {"body": slot[int(m.geom_bodyid[g])], "kind": kind, "size": rounded(m.geom_size[g], 9),
                "pos": rounded(m.geom_pos[g], 9), "quat": _quat_xyzw(m.geom_quat[g]), "color": colour,
                "opacity": opacity}
        if kind == "mesh":
            item["mesh"] = mesh_ids.index(int(m.geom_dataid[g]))
        described.append(item)

    pads = []
    for side, site in enumerate(sites):
        pos = np.asarray(site.pos, dtype=np.float64)
        quat = np.asarray(site.quat, dtype=np.float64)
        down = np.zeros(3)
        mujoco.mju_rotVecQuat(down, np.array([0.0, 0.0, -PAD_THICKNESS / 2]), quat)
        pads.append({"body": slot[foot_bodies[side]], "pos": rounded(pos + down, 9), "quat": _quat_xyzw(quat),
                     "size": rounded([robot.spec.foot_length, robot.spec.foot_width, PAD_THICKNESS], 9)})

    header = {"robot": robot.name, "bodies": [m.body(b).name for b in body_ids], "geoms": described,
              "meshes": meshes, "pads": pads, "colours": {"contact": CONTACT_COLOUR, "swing": SWING_COLOUR}}
    kept = sum(mesh["faces"] for mesh in meshes)
    return RobotGeometry(robot.name, body_ids, pack(header, sections), kept, sum(counts))
