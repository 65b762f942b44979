"""Meshes MuJoCo cannot read: Collada robots compile, walk, validate, preview and export.

The robot under test is a copy of the built-in ``mini_biped`` written into
``tmp_path`` whose foot geometry (visual and collision) and trunk visual are
Collada ``.dae`` meshes of the same boxes, written with trimesh. The foot meshes
declare ``<unit meter="0.001">`` and ``Z_UP``, which placo ignores (the vertices
are metres as stored): the MuJoCo soles must come out exactly as the built-in
robot's 0.10 x 0.055 m rectangles. Converted meshes go to a cache folder set
with ``GAIT_GENERATOR_CACHE``; real trimesh, pycollada, placo and MuJoCo
throughout.
"""

from __future__ import annotations

import io
import os
import warnings
import xml.etree.ElementTree as ET
from pathlib import Path

import collada
import numpy as np
import placo
import pytest
import trimesh
import yaml
from collada import asset, geometry, scene, source
from trimesh.transformations import rotation_matrix, translation_matrix

import gait_generator
import robots
from retarget.cli import main as retarget_main
from robots import mjcf
from robots.errors import MeshError, RobotSpecError
from robots.meshes import MeshWarning, mujoco_mesh
from robots.soles import sole_polygons
from validate import validate_motion
from viz.cli import main as preview_main

BUILTIN = Path(robots.spec_path("mini_biped"))
PRESETS = Path(gait_generator.__file__).resolve().parent.parent / "presets" / "mini_biped"
CORRUPT = b'<?xml version="1.0"?>\n<COLLADA version="1.4.1"><library_geometries><geometry id="g"'


@pytest.fixture(autouse=True)
def mesh_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test converts into its own cache folder."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("GAIT_GENERATOR_CACHE", str(folder))
    return folder / "meshes"


def _collada(mesh: trimesh.Trimesh, unit: float = 1.0, up: str = asset.UP_AXIS.Y_UP) -> bytes:
    """``mesh`` as Collada bytes (trimesh's export) declaring ``<unit meter=unit>`` and ``up``."""
    doc = collada.Collada(io.BytesIO(mesh.export(file_type="dae")))
    doc.assetInfo.unitmeter = unit
    doc.assetInfo.unitname = "millimeter" if unit == 0.001 else "meter"
    doc.assetInfo.upaxis = up
    doc.assetInfo.save()
    out = io.BytesIO()
    doc.write(out)
    return out.getvalue()


def _box_size(link: ET.Element, kind: str) -> list[float]:
    return [float(v) for v in link.find(f"{kind}/geometry/box").get("size").split()]


def _set_mesh(link: ET.Element, kind: str, filename: str) -> None:
    geom = link.find(f"{kind}/geometry")
    for child in list(geom):
        geom.remove(child)
    ET.SubElement(geom, "mesh", {"filename": filename})


def _collada_biped(folder: Path, foot_visual: str = "foot.dae", foot_collision: str = "foot.dae",
                   trunk_visual: str = "meshes/trunk.dae") -> Path:
    """Write the Collada copy of mini_biped into ``folder``; returns its spec file.

    ``foot.dae`` (mm unit, Z_UP) and ``meshes/trunk.dae`` hold the built-in boxes;
    the arguments choose which file each geometry uses (e.g. a corrupt one).
    """
    spec = yaml.safe_load(BUILTIN.read_text())
    tree = ET.parse(BUILTIN.parent / spec["urdf"])
    links = {link.get("name"): link for link in tree.getroot().iter("link")}
    feet = [links[spec["feet"][side]["link"]] for side in ("left", "right")]
    foot = _box_size(feet[0], "collision")
    assert foot == _box_size(feet[1], "collision") == _box_size(feet[0], "visual")
    (folder / "meshes").mkdir(parents=True, exist_ok=True)
    (folder / "foot.dae").write_bytes(_collada(trimesh.creation.box(extents=foot), 0.001, asset.UP_AXIS.Z_UP))
    trunk = links[spec["trunk"]["link"]]
    (folder / "meshes" / "trunk.dae").write_bytes(_collada(trimesh.creation.box(extents=_box_size(trunk, "visual"))))
    (folder / "corrupt.dae").write_bytes(CORRUPT)
    for link in feet:
        _set_mesh(link, "visual", foot_visual)
        _set_mesh(link, "collision", foot_collision)
    _set_mesh(trunk, "visual", trunk_visual)
    tree.write(folder / "collada_biped.urdf")
    spec.update(name="collada_biped", urdf="collada_biped.urdf", presets=str(PRESETS))
    path = folder / "collada_biped.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


def test_collada_robot_compiles_with_the_builtin_soles(tmp_path: Path, mesh_cache: Path) -> None:
    robot = robots.load_robot(str(_collada_biped(tmp_path / "robot")))
    with warnings.catch_warnings():
        warnings.simplefilter("error", MeshWarning)
        model = mjcf.model(robot)
    assert model.nmesh == 2  # foot (shared by both feet, visual and collision) and trunk
    assert {model.mesh(i).name for i in range(model.nmesh)} == {"foot", "trunk"}
    assert len(list(mesh_cache.glob("*/*.obj"))) == 2
    ours, builtin = sole_polygons(robot, model), sole_polygons(robots.load_robot("mini_biped"))
    for side in (0, 1):
        got = ours.side(side)
        assert np.ptp(got, axis=0) == pytest.approx([0.10, 0.055], abs=1e-7)
        assert sorted(map(tuple, got.round(7))) == sorted(map(tuple, builtin.side(side).round(7)))
    np.testing.assert_allclose(ours.lowest, builtin.lowest, atol=1e-7)


def test_conversion_matches_placo_geometry_units_and_scene_graph(tmp_path: Path) -> None:
    """Nested, rotated and instanced nodes, ``unit meter=0.001``, ``Z_UP``: vertices equal placo's."""
    doc = collada.Collada()

    def add(mesh: trimesh.Trimesh, gid: str) -> geometry.Geometry:
        points = source.FloatSource(f"{gid}-v", np.asarray(mesh.vertices, dtype=float).ravel(), ("X", "Y", "Z"))
        geom = geometry.Geometry(doc, gid, gid, [points])
        inputs = source.InputList()
        inputs.addInput(0, "VERTEX", f"#{gid}-v")
        geom.primitives.append(geom.createTriangleSet(np.asarray(mesh.faces).ravel(), inputs, "material"))
        doc.geometries.append(geom)
        return geom

    box = add(trimesh.creation.box(extents=(0.1, 0.02, 0.03)), "box")
    ball = add(trimesh.creation.icosphere(subdivisions=1, radius=0.05), "ball")
    matrix = lambda t: [scene.MatrixTransform(np.asarray(t, dtype=float).ravel())]
    inner = scene.Node("inner", [scene.GeometryNode(ball)],
                       matrix(translation_matrix([0.0, 0.2, 0.1]) @ rotation_matrix(0.4, [1, 0, 0])))
    outer = scene.Node("outer", [scene.GeometryNode(box), inner],
                       matrix(translation_matrix([0.3, 0.0, 0.0]) @ rotation_matrix(0.7, [0, 0, 1])))
    again = scene.Node("again", [scene.GeometryNode(box)], matrix(translation_matrix([-0.3, 0.0, 0.5])))
    doc.scenes.append(scene.Scene("scene", [outer, again]))
    doc.scene = doc.scenes[0]
    doc.assetInfo.unitmeter, doc.assetInfo.unitname = 0.001, "millimeter"
    doc.assetInfo.upaxis = asset.UP_AXIS.Z_UP
    dae = tmp_path / "part.DAE"
    doc.write(str(dae))
    urdf = tmp_path / "part.urdf"
    urdf.write_text(
        '<robot name="part"><link name="base"><inertial><mass value="1"/>'
        '<inertia ixx="1" iyy="1" izz="1" ixy="0" ixz="0" iyz="0"/></inertial>'
        f'<collision><geometry><mesh filename="{dae}"/></geometry></collision></link></robot>'
    )
    (placo_geometry,) = placo.RobotWrapper(str(urdf)).collision_model.geometryObjects
    expected = np.unique(np.asarray(placo_geometry.geometry.vertices()), axis=0)

    converted = mujoco_mesh(dae)
    assert converted.suffix == ".obj" and converted.stem == "part"
    got = np.unique(np.asarray(trimesh.load_mesh(converted, process=False).vertices), axis=0)
    assert got.shape == expected.shape == (58, 3)  # 2 boxes x 8 + 42 sphere vertices
    np.testing.assert_allclose(got, expected, atol=1e-8)
    # unit and up axis ignored, as by placo: extents are the metres as stored
    np.testing.assert_allclose(np.ptp(got, axis=0), [0.69468, 0.2411, 0.53], atol=1e-5)


def test_conversion_is_cached_by_content(tmp_path: Path, mesh_cache: Path) -> None:
    dae = tmp_path / "foot.dae"
    dae.write_bytes(_collada(trimesh.creation.box(extents=(0.1, 0.055, 0.01))))
    first = mujoco_mesh(dae)
    assert first.is_relative_to(mesh_cache) and first.name == "foot.obj"
    stamp = first.stat().st_mtime_ns
    os.utime(first, ns=(stamp - 10**9, stamp - 10**9))  # any rewrite would move the mtime again
    second = mujoco_mesh(dae)
    assert second == first
    assert second.stat().st_mtime_ns == stamp - 10**9
    assert [p.name for p in first.parent.iterdir()] == ["foot.obj"]  # no temporary left behind

    dae.write_bytes(_collada(trimesh.creation.box(extents=(0.2, 0.055, 0.01))))
    assert mujoco_mesh(dae) != first  # new content, new entry

    stl = tmp_path / "shin.STL"
    trimesh.creation.box(extents=(0.1, 0.1, 0.1)).export(stl, file_type="stl")
    assert mujoco_mesh(stl) == stl  # MuJoCo reads it: untouched, nothing cached
    assert len(list(mesh_cache.glob("*/*"))) == 2


def test_unreadable_meshes_name_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "corrupt.dae"
    bad.write_bytes(CORRUPT)
    with pytest.raises(MeshError, match=r"corrupt\.dae: cannot convert the mesh for MuJoCo"):
        mujoco_mesh(bad)
    empty = tmp_path / "empty.dae"
    empty.write_bytes(b'<COLLADA xmlns="http://www.collada.org/2005/11/COLLADASchema" version="1.4.1"/>')
    with pytest.raises(MeshError, match=r"empty\.dae"):
        mujoco_mesh(empty)
    with pytest.raises(MeshError, match=r"absent\.dae: cannot read the mesh file"):
        mujoco_mesh(tmp_path / "absent.dae")


def test_corrupt_visual_mesh_is_left_out(tmp_path: Path) -> None:
    robot = robots.load_robot(str(_collada_biped(tmp_path / "robot", trunk_visual="corrupt.dae")))
    with pytest.warns(MeshWarning, match=r"visual mesh corrupt\.dae of link 'base' left out"):
        model = mjcf.model(robot)
    assert {model.mesh(i).name for i in range(model.nmesh)} == {"foot"}
    base = model.body("base").id
    assert [g for g in range(model.ngeom) if model.geom_bodyid[g] == base and model.geom_contype[g] == 0] == []
    assert sole_polygons(robot, model).left.shape == (4, 2)


def test_corrupt_collision_mesh_is_an_error(tmp_path: Path) -> None:
    robot = robots.load_robot(str(_collada_biped(tmp_path / "robot", foot_collision="corrupt.dae")))
    with pytest.raises(MeshError, match=r"collision mesh of link 'left_foot_link'.*corrupt\.dae"):
        mjcf._urdf_for_mujoco(robot)
    with pytest.raises(RobotSpecError, match=r"collision mesh of link 'left_foot_link': .*corrupt\.dae: cannot") as info:
        mjcf.model(robot)
    # build_spec reports every ValueError as "MuJoCo cannot read <urdf>: ..."; the MeshError is its cause
    assert isinstance(info.value, MeshError) or isinstance(info.value.__cause__, MeshError)


def test_collada_robot_walks_validates_previews_and_exports(tmp_path: Path) -> None:
    spec = _collada_biped(tmp_path / "robot")
    motion = gait_generator.generate(robot=str(spec), preset="medium", dx=0.03, length=2.0)
    assert motion.meta["robot"] == "collada_biped"
    result = validate_motion(motion, robot=str(spec))
    assert result.status == "pass", result
    clip = motion.save(tmp_path / "clip.npz")
    html = tmp_path / "clip.html"
    assert preview_main([str(clip), "--robot", str(spec), "--html", str(html)]) == 0
    assert html.stat().st_size > 0
    out = tmp_path / "mjlab"
    assert retarget_main([str(clip), "-o", str(out), "--robot", str(spec), "--format", "mjlab"]) == 0
    assert list(out.glob("*.npz"))
