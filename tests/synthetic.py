"""Robots the tests write into a folder: mini_biped's URDF changed in one place, with a user spec.

Shared by ``tests/test_collisions.py`` and ``tests/test_robot_check.py``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

import robots
from robots.mini_biped import description

SHIN_BOX = (0.03, 0.12, 0.05)
"""Collision box (x, y, z in m) of each shin in :func:`overlapping_shins`: 0.12 m wide, centred on
legs 0.09 m apart, so the two shins overlap by 0.03 m at rest (as wide as the box is deep in x)."""


def user_robot(folder: Path, name: str, edit: Callable[[dict[str, ET.Element], ET.Element], None],
               **spec_changes: Any) -> Path:
    """Write mini_biped's URDF changed by ``edit(links_by_name, robot_element)`` and its spec; return the spec.

    ``spec_changes`` are set on the spec's top level (e.g. ``collisions={"self": "all"}``);
    presets are mini_biped's own files.
    """
    root = ET.fromstring(description.urdf_text())
    edit({link.get("name", ""): link for link in root.findall("link")}, root)
    urdf = folder / f"{name}.urdf"
    urdf.write_text(ET.tostring(root, encoding="unicode"))
    source = robots.load_robot("mini_biped").spec
    spec = yaml.safe_load(source.path.read_text())
    spec.update(name=name, urdf=urdf.name, presets={k: str(v) for k, v in source.presets.items()}, **spec_changes)
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


def set_collision_box(link: ET.Element, size: tuple[float, float, float], xyz: tuple[float, float, float]) -> None:
    """Replace ``link``'s collision geometry by one box of ``size`` at ``xyz`` (m, link frame)."""
    for old in link.findall("collision"):
        link.remove(old)
    collision = ET.SubElement(link, "collision")
    ET.SubElement(collision, "origin", xyz=" ".join(map(str, xyz)), rpy="0 0 0")
    ET.SubElement(ET.SubElement(collision, "geometry"), "box", size=" ".join(map(str, size)))


def overlapping_shins(folder: Path, name: str, **spec_changes: Any) -> Path:
    """mini_biped whose shin collision boxes (:data:`SHIN_BOX`) overlap each other at rest."""

    def widen(links: dict[str, ET.Element], _root: ET.Element) -> None:
        for side in ("left", "right"):
            set_collision_box(links[f"{side}_shin"], SHIN_BOX, (0.0, 0.0, -0.04))

    return user_robot(folder, name, widen, **spec_changes)
