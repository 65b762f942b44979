"""The meshcat scene of a clip: robot geoms, footsteps, CoM/ZMP, support polygons, contacts.

Scene layout (every path is under the visualizer's root, ``/meshcat``)::

    clip/robot/<body>/g<i>[/<part>]    the MuJoCo model's visual geoms, per body
    clip/robot/<foot body>/contact     green sole pad, visible while the foot is in contact
    clip/robot/<foot body>/swing       grey sole pad, visible while the foot is in the air
    clip/plan/r<n>/footsteps/<i>_<side> planned footstep (the sole's contact polygon)
    clip/plan/r<n>/com                 planned CoM trajectory (line)
    clip/plan/r<n>/zmp                 planned ZMP trajectory (line on the ground)
    clip/plan/r<n>/support/p<j>        support polygon of contact phase j (shown during it)
    clip/markers/com, clip/markers/zmp current CoM and ZMP

``r<n>`` is repetition ``n`` of a looping clip, drawn at the clip's loop offset
applied ``n`` times (:func:`viz.kinematics.loop_transform`). The same
:class:`ClipScene` drives the live player (``meshcat.Visualizer``) and
``meshcat.animation.Animation`` frames. The HTML pages draw the same scene
with their own player (:mod:`viz.export`, :mod:`viz.page_robot`, :mod:`viz.page_clip`).
"""

from __future__ import annotations

from dataclasses import dataclass

import meshcat.geometry as g
import meshcat.transformations as tf
import mujoco
import numpy as np
from meshcat.animation import AnimationFrameVisualizer
from numpy.typing import NDArray

from motions import Motion
from robots import Robot, mjcf
from robots.soles import SolePolygons, sole_polygons
from viz.kinematics import ClipPoses, clip_poses, loop_transform

__all__ = ["ROOT", "ClipScene", "SupportPhase", "convex_hull", "placed_polygon", "support_phases", "visual_geoms"]

ROOT = "clip"
"""Top node of everything this module draws."""

FloatArray = NDArray[np.float64]

SIDE_NAMES = ("left", "right")
SIDE_COLOURS = (0x3B7DD8, 0xD8553B)
COM_COLOUR = 0x1FA34A
ZMP_COLOUR = 0xB03BD8
SUPPORT_COLOUR = 0xF2C200
CONTACT_COLOUR = 0x22DD44
SWING_COLOUR = 0x9A9A9A
GROUND_LIFT = 0.001
"""Height (m) of drawings on the ground, so they do not flicker with the floor grid."""


def _rgb_int(rgba: NDArray[np.float32]) -> int:
    r, gg, b = (round(float(np.clip(c, 0.0, 1.0)) * 255) for c in rgba[:3])
    return (r << 16) | (gg << 8) | b


def _pose(pos: NDArray, quat_wxyz: NDArray) -> FloatArray:
    """Homogeneous transform from a MuJoCo position and **wxyz** quaternion."""
    out = tf.quaternion_matrix(np.asarray(quat_wxyz, dtype=np.float64))  # meshcat's tf is wxyz too
    out[:3, 3] = pos
    return out


def convex_hull(points: NDArray) -> FloatArray:
    """Counter-clockwise convex hull of 2-D points (Andrew's monotone chain), shape (H, 2)."""
    pts = sorted({(float(x), float(y)) for x, y in np.asarray(points, dtype=np.float64)})
    if len(pts) <= 2:
        return np.asarray(pts)

    def half(seq: list[tuple[float, float]]) -> list[tuple[float, float]]:
        out: list[tuple[float, float]] = []
        for p in seq:
            while len(out) >= 2:
                (ax, ay), (bx, by) = out[-2], out[-1]
                if (bx - ax) * (p[1] - ay) - (by - ay) * (p[0] - ax) > 1e-12:
                    break
                out.pop()
            out.append(p)
        return out

    lower, upper = half(pts), half(pts[::-1])
    return np.asarray(lower[:-1] + upper[:-1])


def placed_polygon(polygon: NDArray, centre: NDArray, rotation: NDArray) -> FloatArray:
    """A sole's contact polygon (K, 2, sole frame) placed at ``centre`` (3,) with ``rotation`` (3, 3): (K, 3) world."""
    local = np.column_stack([polygon, np.zeros(len(polygon))])
    return centre + local @ np.asarray(rotation).T


def visual_geoms(model: mujoco.MjModel) -> list[int]:
    """Ids of the geoms a preview draws: the visual-only geoms (no collision), else every geom, world's excluded."""
    ids = [i for i in range(model.ngeom) if model.geom_bodyid[i] != 0]
    visual = [i for i in ids if model.geom_contype[i] == 0 and model.geom_conaffinity[i] == 0]
    return visual or ids


@dataclass(frozen=True)
class SupportPhase:
    """A run of frames with the same contact state.

    Attributes:
        start: First frame of the run.
        stop: One past its last frame.
        contacts: (left, right) contact flags during the run.
        polygon: Convex hull of the soles in contact, shape (H, 2), m, world x/y;
            empty (0, 2) in flight.
    """

    start: int
    stop: int
    contacts: tuple[bool, bool]
    polygon: FloatArray


def support_phases(motion: Motion, poses: ClipPoses, soles: SolePolygons) -> list[SupportPhase]:
    """Split a clip into contact phases and compute each phase's support polygon.

    The polygon is the convex hull of the contacting soles' contact polygons (from
    the feet's collision geometry, :mod:`robots.soles`) at the phase's middle frame.
    """
    phases: list[SupportPhase] = []
    contacts = motion.contacts
    start = 0
    for k in range(1, motion.num_frames + 1):
        if k < motion.num_frames and np.array_equal(contacts[k], contacts[start]):
            continue
        mid = (start + k - 1) // 2
        corners = [
            placed_polygon(soles.side(side), poses.sole_pose[mid, side, :3, 3], poses.sole_pose[mid, side, :3, :3])
            for side in (0, 1)
            if contacts[mid, side]
        ]
        polygon = convex_hull(np.concatenate(corners)[:, :2]) if corners else np.zeros((0, 2))
        phases.append(SupportPhase(start, k, (bool(contacts[start, 0]), bool(contacts[start, 1])), polygon))
        start = k
    return phases


def _line(points: NDArray, colour: int, linewidth: float = 2.0) -> g.Line:
    return g.Line(g.PointsGeometry(np.asarray(points, dtype=np.float32).T), g.LineBasicMaterial(color=colour, linewidth=linewidth))


def _polygon_objects(polygon: NDArray, z: float, colour: int, opacity: float) -> tuple[g.Mesh, g.LineLoop]:
    """A filled translucent polygon (triangle fan) and its outline, at height z."""
    pts = np.column_stack([polygon, np.full(len(polygon), z)])
    faces = np.array([[0, i, i + 1] for i in range(1, len(pts) - 1)])
    fill = g.Mesh(g.TriangularMeshGeometry(pts, faces), g.MeshBasicMaterial(color=colour, opacity=opacity))
    outline = g.LineLoop(g.PointsGeometry(pts.astype(np.float32).T), g.LineBasicMaterial(color=colour, linewidth=2.0))
    return fill, outline


def _set_visible(target, visible: bool) -> None:
    if isinstance(target, AnimationFrameVisualizer):
        target.set_property("visible", "boolean", bool(visible))
    else:
        target.set_property("visible", bool(visible))


class ClipScene:
    """Everything needed to draw one clip in meshcat and pose it at any frame.

    Args:
        motion: The clip (quaternions xyzw).
        robot: Its robot (joints must match the clip's).
        repetitions: How many repetitions of the plan :meth:`draw` lays out
            (each at its loop offset); the live player uses 1 and moves it.
    """

    def __init__(self, motion: Motion, robot: Robot, repetitions: int = 1) -> None:
        if repetitions < 1:
            raise ValueError(f"repetitions: {repetitions}, expected >= 1")
        self.motion = motion
        self.robot = robot
        self.repetitions = int(repetitions)
        self.model = mjcf.model(robot)
        self.poses = clip_poses(motion, robot)
        self.foot_length = float(robot.spec.foot_length)
        self.foot_width = float(robot.spec.foot_width)
        self.soles = sole_polygons(robot, self.model)
        self.phases = support_phases(motion, self.poses, self.soles)
        self._phase_of_frame = np.zeros(motion.num_frames, dtype=np.int64)
        for j, phase in enumerate(self.phases):
            self._phase_of_frame[phase.start : phase.stop] = j
        sites = [self.model.site(f"{side}_foot") for side in SIDE_NAMES]
        self.foot_bodies = tuple(self.model.body(int(site.bodyid[0])).name for site in sites)
        self._sole_local = tuple(_pose(site.pos, site.quat) for site in sites)

    # ----------------------------------------------------------------- paths
    @staticmethod
    def body_path(body: str) -> str:
        return f"{ROOT}/robot/{body}"

    @staticmethod
    def plan_path(repetition: int) -> str:
        return f"{ROOT}/plan/r{repetition}"

    # ------------------------------------------------------------------ draw
    def draw(self, vis) -> None:
        """Send every object of the scene to ``vis`` (a ``meshcat.Visualizer``), posed at frame 0."""
        vis[ROOT].delete()
        self._draw_robot(vis)
        for n in range(self.repetitions):
            self._draw_plan(vis, n)
        vis[f"{ROOT}/markers/com"].set_object(g.Sphere(0.012), g.MeshLambertMaterial(color=COM_COLOUR))
        vis[f"{ROOT}/markers/zmp"].set_object(g.Cylinder(0.002, 0.012), g.MeshLambertMaterial(color=ZMP_COLOUR))
        self._set_camera(vis)
        self.set_frame(vis, 0, 0, previous=None)

    def _draw_robot(self, vis) -> None:
        m = self.model
        for i in visual_geoms(m):
            body = m.body(int(m.geom_bodyid[i])).name
            node = vis[f"{self.body_path(body)}/g{i}"]
            rgba = m.mat_rgba[m.geom_matid[i]] if m.geom_matid[i] >= 0 else m.geom_rgba[i]
            material = g.MeshPhongMaterial(color=_rgb_int(rgba), opacity=float(rgba[3]) if rgba[3] > 0 else 1.0)
            node.set_transform(_pose(m.geom_pos[i], m.geom_quat[i]))
            size = m.geom_size[i]
            kind = mujoco.mjtGeom(int(m.geom_type[i]))
            if kind == mujoco.mjtGeom.mjGEOM_BOX:
                node["shape"].set_object(g.Box(2.0 * size), material)
            elif kind == mujoco.mjtGeom.mjGEOM_SPHERE:
                node["shape"].set_object(g.Sphere(size[0]), material)
            elif kind == mujoco.mjtGeom.mjGEOM_ELLIPSOID:
                node["shape"].set_object(g.Ellipsoid(size[:3]), material)
            elif kind in (mujoco.mjtGeom.mjGEOM_CYLINDER, mujoco.mjtGeom.mjGEOM_CAPSULE):
                # three.js cylinders run along y, MuJoCo's along z; half-length size[1].
                node["shape"].set_object(g.Cylinder(2.0 * size[1], size[0]), material)
                node["shape"].set_transform(tf.rotation_matrix(np.pi / 2, [1, 0, 0]))
                if kind == mujoco.mjtGeom.mjGEOM_CAPSULE:
                    for name, z in (("cap_top", size[1]), ("cap_bottom", -size[1])):
                        node[name].set_object(g.Sphere(size[0]), material)
                        node[name].set_transform(tf.translation_matrix([0.0, 0.0, z]))
            elif kind == mujoco.mjtGeom.mjGEOM_MESH:
                mesh = int(m.geom_dataid[i])
                va, vn = m.mesh_vertadr[mesh], m.mesh_vertnum[mesh]
                fa, fn = m.mesh_faceadr[mesh], m.mesh_facenum[mesh]
                flat = g.MeshPhongMaterial(color=material.color, opacity=material.opacity, flatShading=True)
                node["shape"].set_object(g.TriangularMeshGeometry(m.mesh_vert[va : va + vn], m.mesh_face[fa : fa + fn]), flat)
        pad = g.Box([self.foot_length, self.foot_width, 0.003])
        for side, body in enumerate(self.foot_bodies):
            local = self._sole_local[side] @ tf.translation_matrix([0.0, 0.0, -0.0015])
            for name, colour in (("contact", CONTACT_COLOUR), ("swing", SWING_COLOUR)):
                node = vis[f"{self.body_path(body)}/{name}"]
                node.set_object(pad, g.MeshLambertMaterial(color=colour, opacity=0.9))
                node.set_transform(local)

    def _draw_plan(self, vis, n: int) -> None:
        motion = self.motion
        plan = vis[self.plan_path(n)]
        plan.set_transform(loop_transform(motion, n))
        steps = motion.footsteps
        for i in range(steps.num_steps):
            side = int(steps.side[i])
            yaw = float(steps.yaw[i])
            rot = tf.rotation_matrix(yaw, [0, 0, 1])[:3, :3]
            centre = steps.pos[i].copy()
            centre[2] = GROUND_LIFT
            corners = placed_polygon(self.soles.side(side), centre, rot)
            fill, outline = _polygon_objects(corners[:, :2], GROUND_LIFT, SIDE_COLOURS[side], 0.25)
            step = plan[f"footsteps/{i:03d}_{SIDE_NAMES[side]}"]
            step["fill"].set_object(fill)
            step["outline"].set_object(outline)
        plan["com"].set_object(_line(motion.com_pos, COM_COLOUR))
        zmp = np.column_stack([motion.zmp, np.full(motion.num_frames, 2 * GROUND_LIFT)])
        plan["zmp"].set_object(_line(zmp, ZMP_COLOUR))
        for j, phase in enumerate(self.phases):
            node = plan[f"support/p{j:03d}"]
            if len(phase.polygon) >= 3:
                fill, outline = _polygon_objects(phase.polygon, 3 * GROUND_LIFT, SUPPORT_COLOUR, 0.45)
                node["fill"].set_object(fill)
                node["outline"].set_object(outline)
            _set_visible(node, False)

    def _set_camera(self, vis) -> None:
        """Look at the clip from the front right, above the ground (meshcat orbits around the origin)."""
        span = float(np.max(np.ptp(self.motion.root_pos[:, :2], axis=0)))
        height = float(np.median(self.motion.root_pos[:, 2]))
        reach = max(span, 6.0 * height)
        # The camera node is y-up (three.js): world offset (a, b, c) is (a, c, -b) there.
        a, b, c = 0.35 * reach, -0.6 * reach, 0.3 * reach
        vis["/Cameras/default/rotated/<object>"].set_property("position", [a, -c, b])
        # meshcat's 20 m grid is drawn too coarse to read at a small robot's scale.
        vis["/Grid"].set_property("visible", False)

    # ----------------------------------------------------------------- frame
    def hide_support(self, target) -> None:
        """Hide every support polygon except the one of frame 0 (the first key of an animation)."""
        first = int(self._phase_of_frame[0])
        for n in range(self.repetitions):
            for j in range(len(self.phases)):
                if (n, j) != (0, first):
                    _set_visible(target[f"{self.plan_path(n)}/support/p{j:03d}"], False)

    def set_frame(self, target, frame: int, repetition: int, previous: tuple[int, int] | None) -> tuple[int, int]:
        """Pose the scene at ``frame`` of repetition ``repetition``.

        Args:
            target: A ``meshcat.Visualizer`` (live) or an animation frame
                (``animation.at_frame(vis, i)``).
            frame: Frame index in the clip, 0 .. T-1.
            repetition: Which repetition of the clip (robot moved by the loop
                offset applied that many times).
            previous: What the previous call returned; only the visibility that
                changed since is sent. None sends everything.

        Returns:
            The state to pass as ``previous`` next time: (support phase index, contacts code).
        """
        offset = loop_transform(self.motion, repetition)
        for b, body in enumerate(self.poses.body_names):
            target[self.body_path(body)].set_transform(offset @ self.poses.body_pose[frame, b])
        com = offset @ np.append(self.motion.com_pos[frame], 1.0)
        zmp = offset @ np.array([*self.motion.zmp[frame], 2 * GROUND_LIFT, 1.0])
        target[f"{ROOT}/markers/com"].set_transform(tf.translation_matrix(com[:3]))
        target[f"{ROOT}/markers/zmp"].set_transform(
            tf.translation_matrix(zmp[:3]) @ tf.rotation_matrix(np.pi / 2, [1, 0, 0])
        )
        contacts = self.motion.contacts[frame]
        code = int(contacts[0]) + 2 * int(contacts[1])
        phase = int(self._phase_of_frame[frame])
        plan_rep = repetition if repetition < self.repetitions else 0
        state = (plan_rep * len(self.phases) + phase, code)
        if previous is None or previous[1] != code:
            for side, body in enumerate(self.foot_bodies):
                _set_visible(target[f"{self.body_path(body)}/contact"], contacts[side])
                _set_visible(target[f"{self.body_path(body)}/swing"], not contacts[side])
        if previous is None or previous[0] != state[0]:
            if previous is not None:
                old_rep, old_phase = divmod(previous[0], len(self.phases))
                _set_visible(target[f"{self.plan_path(old_rep)}/support/p{old_phase:03d}"], False)
            _set_visible(target[f"{self.plan_path(plan_rep)}/support/p{phase:03d}"], True)
        return state
