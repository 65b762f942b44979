"""viz.page_robot: the robot a page draws, with decimated meshes written once."""

from __future__ import annotations

import numpy as np
import pytest
import trimesh
from hypothesis import given
from hypothesis import strategies as st

import robots
from robots import mjcf
from viz.page_codec import unpack
from viz.page_robot import (
    MESH_FACE_BUDGET,
    MIN_MESH_FACES,
    decimate,
    face_targets,
    robot_geometry,
)
from viz.scene import visual_geoms


@given(st.lists(st.integers(1, 20_000), min_size=1, max_size=40), st.integers(1_000, 60_000))
def test_face_targets_share_the_budget(counts, budget):
    targets = face_targets(counts, budget, MIN_MESH_FACES)
    assert all(0 < t <= n for t, n in zip(targets, counts, strict=True))
    if sum(counts) <= budget:
        assert targets == counts
    else:
        assert sum(targets) <= budget + MIN_MESH_FACES * len(counts)
        assert all(t >= min(n, MIN_MESH_FACES) for t, n in zip(targets, counts, strict=True))


def test_decimate_keeps_the_shape():
    sphere = trimesh.creation.icosphere(subdivisions=5, radius=0.1)  # 20 480 faces
    vertices, faces = decimate(sphere.vertices, sphere.faces, 1_000)
    assert len(faces) <= 1_100
    simple = trimesh.Trimesh(vertices, faces)
    assert simple.volume == pytest.approx(sphere.volume, rel=0.03)
    np.testing.assert_allclose(simple.bounds, sphere.bounds, atol=0.005)
    same_v, same_f = decimate(sphere.vertices, sphere.faces, 10**6)  # fewer faces than the target: unchanged
    assert len(same_f) == len(sphere.faces) and np.array_equal(same_v, sphere.vertices)


def test_mini_biped_geometry_lists_every_visual_geom():
    robot = robots.load_robot("mini_biped")
    model = mjcf.model(robot)
    geometry = robot_geometry(robot)
    header, _ = unpack(geometry.payload)
    assert len(header["geoms"]) == len(visual_geoms(model))
    assert header["bodies"] == [model.body(b).name for b in geometry.body_ids]
    assert {g["kind"] for g in header["geoms"]} <= {"box", "sphere", "ellipsoid", "cylinder", "capsule", "mesh"}
    assert len(header["pads"]) == 2 and header["pads"][0]["size"][:2] == [robot.spec.foot_length, robot.spec.foot_width]
    for geom in header["geoms"]:
        assert len(geom["quat"]) == 4 and abs(np.linalg.norm(geom["quat"]) - 1) < 1e-6  # xyzw, unit


def test_g1_meshes_are_decimated_and_written_once():
    robot = robots.load_robot("g1")
    model = mjcf.model(robot)
    geometry = robot_geometry(robot)
    header, sections = unpack(geometry.payload)
    assert geometry.source_faces == int(model.mesh_facenum.sum()) > 250_000
    assert geometry.faces <= MESH_FACE_BUDGET + MIN_MESH_FACES * model.nmesh
    assert len(header["meshes"]) <= model.nmesh  # one entry per mesh, however many geoms use it
    for k, mesh in enumerate(header["meshes"]):
        vertices, faces = sections[f"m{k}v"], sections[f"m{k}f"]
        assert len(faces) == 3 * mesh["faces"] and faces.max() < len(vertices) // 3
    assert len(geometry.payload) < 600_000  # base64 of the whole robot
