"""Reading a URDF and adding the frames placo needs, without touching the user's file."""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from gait_generator.errors import RobotSpecError

__all__ = ["UrdfJoint", "UrdfInfo", "parse_urdf", "inject_frames", "resolve_mesh"]


@dataclass(frozen=True)
class UrdfJoint:
    """A joint as written in the URDF (limits in rad, rad/s and N m)."""

    name: str
    type: str
    parent: str
    child: str
    lower: float
    upper: float
    velocity: float
    effort: float


@dataclass(frozen=True)
class UrdfInfo:
    """The kinematic tree of a URDF.

    Attributes:
        root: Name of the root link (the floating base).
        links: Link name -> mass (kg); links without ``<inertial>`` weigh 0.
        joints: Joint name -> joint, for every joint in the file.
        actuated: Names of the moving (revolute, continuous, prismatic) joints in
            depth-first order with siblings sorted by joint name, which is the
            order pinocchio (and so placo) uses.
        meshes: Mesh filenames as written in the file.
    """

    root: str
    links: dict[str, float]
    joints: dict[str, UrdfJoint]
    actuated: tuple[str, ...]
    meshes: tuple[str, ...]

    def parent_of(self, link: str) -> str | None:
        """Parent link of ``link`` (None for the root)."""
        for j in self.joints.values():
            if j.child == link:
                return j.parent
        return None

    def is_descendant(self, link: str, ancestor: str) -> bool:
        """True if ``link`` lies below ``ancestor`` in the tree (or is it)."""
        node: str | None = link
        while node is not None:
            if node == ancestor:
                return True
            node = self.parent_of(node)
        return False

    def chain(self, link: str) -> list[str]:
        """Names of the joints from the root down to ``link``."""
        out = []
        node = link
        while True:
            joint = next((j for j in self.joints.values() if j.child == node), None)
            if joint is None:
                return out[::-1]
            out.append(joint.name)
            node = joint.parent


_MOVING = {"revolute", "continuous", "prismatic"}


def parse_urdf(text: str, source: Path) -> UrdfInfo:
    """Parse URDF text into a :class:`UrdfInfo`.

    Args:
        text: URDF XML.
        source: File it came from (for error messages).

    Raises:
        RobotSpecError: Malformed XML, or a tree without a single root link.
    """
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise RobotSpecError(f"{source}: URDF is not valid XML: {exc}") from exc
    links: dict[str, float] = {}
    for link in root.findall("link"):
        mass = link.find("inertial/mass")
        links[link.get("name", "")] = float(mass.get("value", 0.0)) if mass is not None else 0.0
    joints: dict[str, UrdfJoint] = {}
    for j in root.findall("joint"):
        limit = j.find("limit")
        lim = {k: float(limit.get(k, 0.0)) for k in ("lower", "upper", "velocity", "effort")} if limit is not None else {}
        joints[j.get("name", "")] = UrdfJoint(
            name=j.get("name", ""),
            type=j.get("type", ""),
            parent=j.find("parent").get("link", "") if j.find("parent") is not None else "",
            child=j.find("child").get("link", "") if j.find("child") is not None else "",
            lower=lim.get("lower", 0.0),
            upper=lim.get("upper", 0.0),
            velocity=lim.get("velocity", 0.0),
            effort=lim.get("effort", 0.0),
        )
    children = {j.child for j in joints.values()}
    roots = [name for name in links if name not in children]
    if len(roots) != 1:
        raise RobotSpecError(
            f"{source}: URDF must have exactly one root link to float the base on, found {roots or 'none'}"
        )
    by_parent: dict[str, list[UrdfJoint]] = {}
    for j in joints.values():
        by_parent.setdefault(j.parent, []).append(j)
    order: list[str] = []

    def walk(link: str) -> None:
        for j in sorted(by_parent.get(link, []), key=lambda jj: jj.name):
            if j.type in _MOVING:
                order.append(j.name)
            walk(j.child)

    walk(roots[0])
    meshes = tuple(m.get("filename", "") for m in root.iter("mesh"))
    return UrdfInfo(root=roots[0], links=links, joints=joints, actuated=tuple(order), meshes=meshes)


def resolve_mesh(filename: str, urdf_dir: Path) -> Path | None:
    """Find the file a URDF mesh filename points to.

    Args:
        filename: As written in the URDF: absolute, relative to the URDF's folder,
            ``file://<path>`` or ``package://<package>/<path>``. A ``package://``
            name is looked up like ROS does without a ROS install: in every
            ancestor ``A`` of the URDF's folder (``A/<package>/<path>``, or
            ``A/<path>`` when ``A`` is itself named ``<package>``), then in the
            folders listed in ``ROS_PACKAGE_PATH``.
        urdf_dir: Folder of the URDF file.

    Returns:
        The absolute path of an existing file, or None if none is found.
    """
    if filename.startswith("file://"):
        filename = filename[len("file://") :]
    if filename.startswith("package://"):
        package, _, rel = filename[len("package://") :].partition("/")
        roots = [urdf_dir.resolve(), *urdf_dir.resolve().parents]
        roots += [Path(p) for p in os.environ.get("ROS_PACKAGE_PATH", "").split(os.pathsep) if p]
        for root in roots:
            for candidate in (root / package / rel, root / rel if root.name == package else None):
                if candidate is not None and candidate.is_file():
                    return candidate.resolve()
        return None
    if "://" in filename:
        return None
    path = Path(filename)
    if not path.is_absolute():
        path = urdf_dir / path
    return path.resolve() if path.is_file() else None


def inject_frames(text: str, frames: dict[str, tuple[str, tuple[float, float, float]]], mesh_dir: Path) -> str:
    """Return URDF text with massless frame links added on fixed joints.

    Args:
        text: Original URDF XML (not modified).
        frames: New link name -> (parent link, xyz offset in the parent frame, m).
        mesh_dir: Folder of the original URDF. Mesh filenames (relative,
            ``file://`` or ``package://``) are replaced by absolute paths (see
            :func:`resolve_mesh`) so the text loads from anywhere, in placo and in
            MuJoCo; a mesh that cannot be found is left as written.

    Returns:
        The new URDF text.
    """
    root = ET.fromstring(text)
    for mesh in root.iter("mesh"):
        found = resolve_mesh(mesh.get("filename", ""), mesh_dir)
        if found is not None:
            mesh.set("filename", str(found))
    for name, (parent, xyz) in frames.items():
        ET.SubElement(root, "link", {"name": name})
        joint = ET.SubElement(root, "joint", {"name": f"{name}_frame", "type": "fixed"})
        ET.SubElement(joint, "parent", {"link": parent})
        ET.SubElement(joint, "child", {"link": name})
        ET.SubElement(joint, "origin", {"xyz": " ".join(f"{v:.9g}" for v in xyz), "rpy": "0 0 0"})
    return ET.tostring(root, encoding="unicode")
