"""Reading a URDF and adding the frames placo needs, without touching the user's file."""

from __future__ import annotations

import math
import os
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from motions.safe_io import read_text, short
from robots.errors import RobotSpecError

__all__ = [
    "MAX_URDF_BYTES",
    "MAX_XML_DEPTH",
    "UrdfInfo",
    "UrdfJoint",
    "inject_frames",
    "parse_urdf",
    "read_urdf",
    "resolve_mesh",
]

MAX_URDF_BYTES = 64 << 20
"""Largest URDF file read (64 MiB; meshes are separate files)."""

MAX_XML_DEPTH = 32
"""Deepest element nesting accepted in a URDF (a URDF uses about 4)."""


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


def read_urdf(path: Path) -> str:
    """The text of a URDF file (UTF-8, at most :data:`MAX_URDF_BYTES`).

    Raises:
        RobotSpecError: Unreadable, too large or not UTF-8 (names the file).
    """
    return read_text(path, error=RobotSpecError, max_bytes=MAX_URDF_BYTES, what="URDF")


def _xml(text: str, source: Path) -> ET.Element:
    """Parse XML and refuse nesting deeper than :data:`MAX_XML_DEPTH` (checked without recursion)."""
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise RobotSpecError(f"{source}: URDF is not valid XML: {exc}") from exc
    stack = [(root, 1)]
    while stack:
        element, depth = stack.pop()
        if depth > MAX_XML_DEPTH:
            raise RobotSpecError(f"{source}: URDF elements nested deeper than {MAX_XML_DEPTH} levels "
                                 f"(at <{short(element.tag, 40)}>)")
        stack.extend((child, depth + 1) for child in element)
    return root


def _float(element: ET.Element, key: str, default: float, where: str) -> float:
    """Attribute ``key`` of ``element`` as a finite float; RobotSpecError naming ``where`` otherwise."""
    text = element.get(key)
    if text is None:
        return default
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise RobotSpecError(f"{where} {key}={short(text)}: expected a finite number")
    return value


def parse_urdf(text: str, source: Path) -> UrdfInfo:
    """Parse URDF text into a :class:`UrdfInfo`.

    Args:
        text: URDF XML.
        source: File it came from (for error messages).

    Raises:
        RobotSpecError: Malformed XML, nesting deeper than :data:`MAX_XML_DEPTH`,
            a number attribute that is not a finite number, a joint naming an
            unknown link, a link with two parent joints, or links that do not
            form one tree under a single root link.
    """
    root = _xml(text, source)
    links: dict[str, float] = {}
    for link in root.findall("link"):
        mass = link.find("inertial/mass")
        where = f"{source}: link {short(link.get('name', ''))} <mass>"
        links[link.get("name", "")] = _float(mass, "value", 0.0, where) if mass is not None else 0.0
    joints: dict[str, UrdfJoint] = {}
    for j in root.findall("joint"):
        limit = j.find("limit")
        where = f"{source}: joint {short(j.get('name', ''))} <limit>"
        lim = ({k: _float(limit, k, 0.0, where) for k in ("lower", "upper", "velocity", "effort")}
               if limit is not None else {})
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
    parent_joint: dict[str, str] = {}
    for j in joints.values():
        for role, link in (("parent", j.parent), ("child", j.child)):
            if link not in links:
                raise RobotSpecError(f"{source}: joint {short(j.name)}: {role} link {short(link)} is not a <link>")
        if j.child in parent_joint:
            raise RobotSpecError(f"{source}: link {short(j.child)} is the child of joints "
                                 f"{short(parent_joint[j.child])} and {short(j.name)}; a URDF must be a tree")
        parent_joint[j.child] = j.name
    roots = [name for name in links if name not in parent_joint]
    if len(roots) != 1:
        raise RobotSpecError(
            f"{source}: URDF must have exactly one root link to float the base on, found {short(roots) if roots else 'none'}"
        )
    by_parent: dict[str, list[UrdfJoint]] = {}
    for j in joints.values():
        by_parent.setdefault(j.parent, []).append(j)
    order: list[str] = []
    reached = {roots[0]}
    stack = sorted(by_parent.get(roots[0], []), key=lambda jj: jj.name, reverse=True)
    while stack:  # depth first, siblings by joint name; iterative (each link has one parent: no cycle)
        j = stack.pop()
        reached.add(j.child)
        if j.type in _MOVING:
            order.append(j.name)
        stack.extend(sorted(by_parent.get(j.child, []), key=lambda jj: jj.name, reverse=True))
    detached = sorted(set(links) - reached)
    if detached:
        raise RobotSpecError(f"{source}: link(s) {short(detached)} are not connected to the root link "
                             f"'{roots[0]}' (a joint loop, or a second tree)")
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
    filename = filename.removeprefix("file://")
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
    root = ET.fromstring(text)  # already checked by parse_urdf when the robot was validated
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
