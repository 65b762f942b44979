"""The analysis model: a URDF's collision geometry in MuJoCo, root link welded at the origin, one body per link.

Every position is in the world frame of this model, which is the root link's
frame (x forward, y left, z up for a URDF the proposal accepts); lengths in m,
angles in rad.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import mujoco
import numpy as np
from numpy.typing import NDArray

from gait_generator.errors import ProposalError
from robots.errors import RobotSpecError
from robots.repairs import visual_collisions
from robots.soles import _geom_points
from robots.urdf import UrdfInfo, inject_frames, parse_urdf, read_urdf

__all__ = ["AnalysisModel", "FloatArray", "build_model", "collision_points", "rotation_angle"]

FloatArray = NDArray[np.float64]

_READABLE = (".stl", ".obj", ".msh")  # mesh files MuJoCo reads
_COMPILER = (
    '<mujoco><compiler angle="radian" discardvisual="true" strippath="false" fusestatic="false" '
    'inertiafromgeom="false" balanceinertia="true" boundmass="1e-6" boundinertia="1e-9" autolimits="true"/>'
    "</mujoco>"
)
# fusestatic=false keeps every URDF link as its own body, so links on fixed joints can be feet.
# boundmass/boundinertia let links without <inertial> compile for the analysis (reported).


@dataclass
class AnalysisModel:
    """The URDF's collision geometry in MuJoCo, root welded at the origin, one body per link.

    Attributes:
        urdf: The URDF file (named in every error).
        info: The parsed URDF.
        m: The compiled model (body 1 is the root link).
        d: Its data, shared by every forward-kinematics query (see :meth:`pose`).
        owner: Body id -> body of its rigid group (nearest ancestor-or-self with a joint, else the root).
        massless: Links without mass on moving joints (MuJoCo refuses them in a simulation).
        visual: The URDF has no collision geometry, and its visual geometry stands in for it.
        unbalanced: Links whose principal inertias break ``A + B >= C`` (MuJoCo refuses them unbalanced).
    """

    urdf: Path
    info: UrdfInfo
    m: mujoco.MjModel
    d: mujoco.MjData
    owner: list[int]
    massless: list[str]
    visual: bool = False
    unbalanced: list[str] = field(default_factory=list)
    _joint_ids: dict[str, int] = field(default_factory=dict, repr=False)

    def joint_id(self, name: str) -> int:
        """MuJoCo id of joint ``name``."""
        if name not in self._joint_ids:
            self._joint_ids[name] = int(self.m.joint(name).id)
        return self._joint_ids[name]

    def pose(self, angles: dict[str, float]) -> mujoco.MjData:
        """Forward kinematics (and CoM) with ``angles`` (rad) set and every other joint at 0."""
        d = self.d
        d.qpos[:] = 0.0
        for name, value in angles.items():
            d.qpos[self.m.jnt_qposadr[self.joint_id(name)]] = value
        mujoco.mj_fwdPosition(self.m, d)
        return d

    def joint_path(self, body: int) -> list[int]:
        """Joint ids from the root down to ``body`` (inclusive of its own joint)."""
        out = []
        b = body
        while b > 0:
            out.extend(range(self.m.body_jntadr[b], self.m.body_jntadr[b] + self.m.body_jntnum[b]))
            b = int(self.m.body_parentid[b])
        return out[::-1]

    def ancestors(self, body: int) -> list[int]:
        """``body`` and its ancestors up to the root body (world excluded)."""
        out = []
        b = body
        while b > 0:
            out.append(b)
            b = int(self.m.body_parentid[b])
        return out

    def group_bodies(self, group: int) -> list[int]:
        """The bodies of rigid group ``group`` (those whose :attr:`owner` it is), in id order."""
        return [b for b in range(1, self.m.nbody) if self.owner[b] == group]


def build_model(urdf: Path) -> AnalysisModel:
    """Compile the URDF's collision geometry for the analysis.

    Args:
        urdf: An existing URDF file (resolved).

    Raises:
        ProposalError: The URDF is malformed, or MuJoCo cannot read it.
    """
    text = read_urdf(urdf)  # bounded, UTF-8 checked: RobotSpecError naming the file
    try:
        info = parse_urdf(text, urdf)
        root = ET.fromstring(inject_frames(text, {}, urdf.parent))
    except ET.ParseError as exc:
        raise ProposalError(f"{urdf}: URDF is not valid XML: {exc}") from exc
    except RobotSpecError as exc:
        raise ProposalError(str(exc)) from exc
    for old in root.findall("mujoco"):
        root.remove(old)
    stand_in = not any(link.find("collision") is not None for link in root.findall("link"))
    if stand_in:  # no collision geometry at all: the visual geometry stands in (collisions.geometry: visual)
        visual_collisions(root)
    for link in root.findall("link"):
        for visual in link.findall("visual"):
            link.remove(visual)
        for mesh in link.iter("mesh"):
            _readable_mesh(mesh, urdf, link.get("name", ""))
    root.insert(0, ET.fromstring(_COMPILER))
    try:
        m = mujoco.MjSpec.from_string(ET.tostring(root, encoding="unicode")).compile()
    except ValueError as exc:
        hint = ""
        meshes = [e.get("filename", "") for e in root.iter("mesh")]
        odd = sorted({Path(f).suffix.lower() for f in meshes} - set(_READABLE))
        if odd:
            hint = f" (MuJoCo reads STL, OBJ and MSH meshes; this URDF's collision geometry uses {', '.join(odd)})"
        raise ProposalError(f"{urdf}: MuJoCo cannot read the URDF's collision geometry: {exc}{hint}") from exc
    owner = [0] * m.nbody
    for b in range(1, m.nbody):
        parent = int(m.body_parentid[b])
        owner[b] = b if (m.body_jntnum[b] > 0 or parent == 0) else owner[parent]
    m.opt.disableflags |= mujoco.mjtDisableBit.mjDSBL_CONTACT  # poses need kinematics and inertia, not contacts
    unbalanced = sorted(link.get("name", "") for link in root.findall("link") if _unbalanced(link))
    massless = sorted(name for j in info.joints.values() if j.type in ("revolute", "continuous", "prismatic")
                      for name in [j.child] if info.links.get(name, 0.0) <= 0.0)
    return AnalysisModel(urdf=urdf, info=info, m=m, d=mujoco.MjData(m), owner=owner, massless=massless,
                         visual=stand_in and m.ngeom > 0, unbalanced=unbalanced)


def _unbalanced(link: ET.Element) -> bool:
    """True when the link's ``<inertia>`` has principal moments breaking ``A + B >= C`` (beyond round-off)."""
    inertia = link.find("inertial/inertia")
    if inertia is None:
        return False
    v = {k: float(inertia.get(k, 0.0)) for k in ("ixx", "ixy", "ixz", "iyy", "iyz", "izz")}
    full = np.array([[v["ixx"], v["ixy"], v["ixz"]], [v["ixy"], v["iyy"], v["iyz"]], [v["ixz"], v["iyz"], v["izz"]]])
    a, b, c = np.linalg.eigvalsh(full)
    return bool(a + b < c - 1e-12 * max(abs(c), 1e-12))


def _readable_mesh(mesh: ET.Element, urdf: Path, link: str) -> None:
    """Point a collision ``<mesh>`` at a file MuJoCo reads (``robots.meshes`` converts .dae, ASCII STL, ...)."""
    source = Path(mesh.get("filename", ""))
    if not source.is_absolute() or not source.is_file():
        return  # missing: MuJoCo's error names it
    try:
        from robots.meshes import mujoco_mesh
    except ImportError:  # no converter: MuJoCo's own error names the file
        return
    try:
        mesh.set("filename", str(mujoco_mesh(source)))
    except RobotSpecError as exc:
        raise ProposalError(f"{urdf}: collision mesh of link '{link}': {exc}") from exc


def collision_points(model: AnalysisModel, bodies: list[int]) -> tuple[FloatArray, FloatArray, list[int]]:
    """World collision points of ``bodies`` in the current pose.

    Args:
        model: The analysis model, posed (see :meth:`AnalysisModel.pose`).
        bodies: Body ids whose colliding geoms count.

    Returns:
        (n, 3) points (m, sphere and capsule points lowered by their radius, as
        :mod:`robots.soles` does), (n,) radius of each (m), and the geom id of each.
    """
    m, d = model.m, model.d
    points, radii, geoms = [], [], []
    for g in range(m.ngeom):
        b = int(m.geom_bodyid[g])
        if b not in bodies or not (m.geom_contype[g] or m.geom_conaffinity[g]):
            continue
        local, radius = _geom_points(m, g)
        if not len(local):
            continue
        world = local @ d.xmat[b].reshape(3, 3).T + d.xpos[b] - np.array([0.0, 0.0, radius])
        points.append(world)
        radii.append(np.full(len(world), radius))
        geoms.extend([g] * len(world))
    if not points:
        return np.zeros((0, 3)), np.zeros(0), []
    return np.vstack(points), np.concatenate(radii), geoms


def rotation_angle(a: FloatArray, b: FloatArray) -> float:
    """Angle (rad) of the rotation between two 3x3 rotation matrices."""
    c = (np.trace(a.T @ b) - 1.0) / 2.0
    return float(math.acos(max(-1.0, min(1.0, c))))
