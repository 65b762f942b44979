"""MJCF text for other tools: an explicit ``axis`` on every joint, and asset files kept next to the XML.

:func:`robots.mjcf.mjcf_xml` writes the robot's MJCF with MuJoCo's own
serialiser, which leaves out attributes equal to MuJoCo's defaults. Two of those
omissions break other readers of the file:

* a hinge or slide joint along z gets no ``axis`` (MuJoCo's default is
  ``0 0 1``), and parsers that read the attribute without a default (GMR's
  ``KinematicsModel``, MimicKit's ``MJCFCharModel``) fail on it.
  :func:`explicit_axes` writes ``axis="0 0 1"`` on every ``<joint>`` that has
  none; on the free joint MuJoCo ignores it, so the model is unchanged;
* asset files (meshes) are referenced by absolute path inside the environment
  that built the model, so a copied export folder no longer loads.
  :func:`portable_assets` rewrites every asset ``file`` to a path relative to
  the XML (MuJoCo resolves relative asset paths against the model file's
  folder) and returns the files to copy there.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

__all__ = ["ASSET_DIR", "DEFAULT_AXIS", "explicit_axes", "joints_without_axis", "portable_assets"]

DEFAULT_AXIS = "0 0 1"
"""MuJoCo's default joint axis, written where the serialiser left it out."""

ASSET_DIR = "meshes"
"""Folder, next to the XML, that :func:`portable_assets` puts the asset files in."""

_PATH_ATTRIBUTES = ("meshdir", "texturedir", "assetdir")


def explicit_axes(xml: str) -> str:
    """Give every ``<joint>`` element an explicit ``axis`` (MuJoCo's default ``0 0 1`` where it has none).

    Args:
        xml: MJCF text.

    Returns:
        The same model as MJCF text; only ``axis`` attributes are added.
    """
    root = ET.fromstring(xml)
    for joint in root.iter("joint"):
        if joint.get("axis") is None:
            joint.set("axis", DEFAULT_AXIS)
    return ET.tostring(root, encoding="unicode")


def joints_without_axis(xml: str) -> list[str]:
    """Names of the ``<joint>`` elements of an MJCF text that have no ``axis`` attribute (empty when all do)."""
    return [joint.get("name", "?") for joint in ET.fromstring(xml).iter("joint") if joint.get("axis") is None]


def portable_assets(xml: str, subdir: str = ASSET_DIR) -> tuple[str, dict[str, Path]]:
    """Point every asset file of an MJCF text at ``<subdir>/<name>``, relative to the XML file.

    File names keep the source's name; a second, different file with the same
    name gets ``_1``, ``_2``, ... before its suffix. ``meshdir``, ``texturedir``
    and ``assetdir`` are removed from ``<compiler>`` so the relative paths are
    read against the XML's own folder.

    Args:
        xml: MJCF text whose asset ``file`` attributes are absolute paths (as
            :func:`robots.mjcf.mjcf_xml` writes them).
        subdir: Folder next to the XML for the asset files.

    Returns:
        ``(xml, files)``: the rewritten text and, for each relative path written
        into it, the source file to copy there (in document order).

    Raises:
        FileNotFoundError: An asset ``file`` is relative (cannot be located) or
            does not exist; the message names it.
    """
    root = ET.fromstring(xml)
    for compiler in root.iter("compiler"):
        for attribute in _PATH_ATTRIBUTES:
            compiler.attrib.pop(attribute, None)
    files: dict[str, Path] = {}
    by_source: dict[Path, str] = {}
    for asset in root.iter("asset"):
        for element in asset:
            value = element.get("file")
            if value is None:
                continue
            source = Path(value)
            if not source.is_absolute() or not source.is_file():
                raise FileNotFoundError(f"MJCF <{element.tag} name='{element.get('name', '')}'> file {value}: "
                                        "not an existing absolute path, cannot copy it next to the XML")
            if source not in by_source:
                name, i = source.name, 0
                while f"{subdir}/{name}" in files:
                    i += 1
                    name = f"{source.stem}_{i}{source.suffix}"
                by_source[source] = f"{subdir}/{name}"
                files[by_source[source]] = source
            element.set("file", by_source[source])
    return ET.tostring(root, encoding="unicode"), files
