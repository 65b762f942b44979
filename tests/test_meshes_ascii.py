"""ASCII STL meshes, which MuJoCo cannot read (``robots.meshes``): converted like Collada, binary STL left alone.

The meshes are boxes written by trimesh into ``tmp_path``; converted files go to
a cache folder set with ``GAIT_GENERATOR_CACHE``. Real trimesh and MuJoCo.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
import trimesh

import robots
from robots import mjcf
from robots.meshes import mujoco_mesh
from robots.soles import sole_polygons
from tests.synthetic import user_robot

FOOT = (0.1, 0.055, 0.01)
"""mini_biped's foot box (m)."""


@pytest.fixture(autouse=True)
def _cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GAIT_GENERATOR_CACHE", str(tmp_path / "cache"))


def _box(path: Path, ascii_stl: bool) -> Path:
    mesh = trimesh.creation.box(extents=FOOT)
    path.write_bytes(trimesh.exchange.stl.export_stl_ascii(mesh).encode() if ascii_stl
                     else trimesh.exchange.stl.export_stl(mesh))
    return path


def test_ascii_stl_is_converted_and_binary_stl_kept(tmp_path: Path) -> None:
    ascii_path = _box(tmp_path / "foot.stl", ascii_stl=True)
    binary_path = _box(tmp_path / "foot_binary.stl", ascii_stl=False)
    assert ascii_path.read_bytes().startswith(b"solid")
    converted = mujoco_mesh(ascii_path)
    assert converted.suffix == ".obj" and converted.stem == "foot"
    assert converted.is_relative_to(tmp_path / "cache")
    vertices = trimesh.load(converted, process=False).vertices
    assert np.abs(vertices).max(axis=0) == pytest.approx(np.array(FOOT) / 2, abs=1e-7)
    assert mujoco_mesh(binary_path) == binary_path


def test_a_robot_with_ascii_stl_feet_compiles_with_the_same_soles(tmp_path: Path) -> None:
    mesh = _box(tmp_path / "foot.stl", ascii_stl=True)

    def stl_feet(links: dict[str, ET.Element], _root: ET.Element) -> None:
        for side in ("left", "right"):
            geometry = links[f"{side}_foot_link"].find("collision/geometry")
            geometry.remove(geometry[0])
            ET.SubElement(geometry, "mesh", filename=str(mesh))

    robot = robots.load_robot(user_robot(tmp_path, "stl_feet", stl_feet))
    mine, builtin = sole_polygons(robot), sole_polygons(robots.load_robot("mini_biped"))
    assert mjcf.model(robot).nmesh == 1
    assert mine.lowest == pytest.approx(builtin.lowest, abs=1e-6)
    for side in (0, 1):
        assert sorted(map(tuple, mine.side(side).round(6))) == sorted(map(tuple, builtin.side(side).round(6)))
