"""MotionLibrary: loading and filters, sampling, nearest command, the interpolated reference."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from gait_generator import generate
from gait_generator.index import motion_filename
from motions import Motion, MotionLibrary
from motions.errors import LibraryError, MotionFormatError
from motions.index import MotionEntry, SkippedWriter, record_motions
from motions.library import Reference
from motions.rotations import matrix_from_quat

DX = (-0.02, 0.0, 0.02, 0.04)
DY = (-0.01, 0.0, 0.01)
DTHETA = (-0.1, 0.0, 0.1)
GRID = [(dx, dy, dt) for dx in DX for dy in DY for dt in DTHETA]
STEP = np.array([0.02, 0.01, 0.1])


@pytest.fixture(scope="module")
def clips() -> list[Motion]:
    return [generate(robot="mini_biped", preset="medium", dx=dx, dy=dy, dtheta=dt, length=1.0, seed=0)
            for dx, dy, dt in GRID]


def write_folder(folder: Path, motions: list[Motion], index: bool = True) -> list[MotionEntry]:
    folder.mkdir(parents=True, exist_ok=True)
    entries = []
    for i, m in enumerate(motions):
        name = motion_filename("medium", m.command.dx, m.command.dy, m.command.dtheta, i)
        m.save(folder / name)
        entries.append(MotionEntry.from_motion(i, name, m))
    if index:
        record_motions(folder, "mini_biped", entries, keep_validation=False)
    return entries


@pytest.fixture(scope="module")
def folder(clips, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("lib") / "motions"
    write_folder(path, clips)
    return path


@pytest.fixture(scope="module")
def lib(folder) -> MotionLibrary:
    return MotionLibrary.load(folder)


def expected_frames(m: Motion, columns: list[int]) -> dict[str, np.ndarray]:
    """The first cycle of a clip in the heading frame, computed independently of the library."""
    c = m.loop.cycle_frames
    r = matrix_from_quat(m.root_quat[:c])
    yaw = np.arctan2(r[:, 1, 0], r[:, 0, 0])
    cos, sin = np.cos(yaw), np.sin(yaw)
    rz_t = np.zeros((c, 3, 3))
    rz_t[:, 0, 0], rz_t[:, 0, 1], rz_t[:, 1, 0], rz_t[:, 1, 1], rz_t[:, 2, 2] = cos, sin, -sin, cos, 1.0

    def heading(v):
        return np.einsum("kij,kj->ki", rz_t, v[:c])

    return {
        "joint_pos": m.joint_pos[:c][:, columns],
        "joint_vel": m.joint_vel[:c][:, columns],
        "root_lin_vel": heading(m.root_lin_vel),
        "root_ang_vel": heading(m.root_ang_vel),
        "contacts": m.contacts[:c].astype(float),
        "left_foot_pos": heading(m.left_foot_pos - m.root_pos),
        "right_foot_pos": heading(m.right_foot_pos - m.root_pos),
    }


def as_array(ref: Reference) -> np.ndarray:
    return np.concatenate([getattr(ref, f.name) for f in dataclasses.fields(ref)], axis=1)


# ----------------------------------------------------------------- loading


def test_load_directory_with_index(lib, clips):
    assert len(lib) == len(GRID) == 36
    assert lib.joint_names == clips[0].joint_names
    np.testing.assert_allclose(lib.weights, np.full(36, 1 / 36))
    np.testing.assert_allclose(lib.commands, GRID)
    assert lib.interpolation == "grid"
    for axis, values in zip(lib.grid_axes, (DX, DY, DTHETA)):
        np.testing.assert_allclose(axis, values)
    np.testing.assert_allclose(lib.command_scale, STEP, rtol=1e-9)
    assert all(f is not None and f.is_file() for f in lib.files)


def test_load_index_json_and_plain_npz_directory(folder, tmp_path, lib):
    by_index = MotionLibrary.load(folder / "index.json")
    np.testing.assert_array_equal(by_index.commands, lib.commands)
    plain = tmp_path / "plain"
    plain.mkdir()
    for p in sorted(folder.glob("*.npz"))[:5]:
        shutil.copy(p, plain / p.name)
    by_glob = MotionLibrary.load(plain)
    assert [f.name for f in by_glob.files] == sorted(p.name for p in plain.glob("*.npz"))
    single = MotionLibrary.load(by_glob.files[0])
    assert len(single) == 1


def test_index_ignores_failed_entries_and_skipped_commands(clips, tmp_path):
    entries = write_folder(tmp_path, clips[:3])
    entries.append(MotionEntry.failed(3, "never_written.npz", "medium", (0.06, 0.03, 0.3), "knee flip"))
    skipped = SkippedWriter(tmp_path, ["medium"])
    skipped.add([4], "medium", [(0.5, 0.0, 0.0)], ["dx"], ["dx above max_dx_forward (0.05 m)"])
    record_motions(tmp_path, "mini_biped", entries, keep_validation=False, skipped=skipped)
    assert len(MotionLibrary.load(tmp_path)) == 3


def test_dataset_yaml_weights_and_relative_paths(folder, tmp_path):
    files = sorted(folder.glob("*.npz"))[:3]
    dataset = tmp_path / "dataset.yaml"
    dataset.write_text(yaml.safe_dump({"motions": [
        {"file": str(files[0]), "weight": 1.0},
        {"file": str(files[1]), "weight": 3.0},
        {"file": str(files[2])},  # weight defaults to 1
    ]}))
    lib = MotionLibrary.load(dataset)
    np.testing.assert_allclose(lib.weights, [0.2, 0.6, 0.2])
    # Relative paths are relative to the YAML file.
    local = folder / "local.yaml"
    local.write_text(yaml.safe_dump({"motions": [{"file": files[1].name, "weight": 2}]}))
    try:
        assert MotionLibrary.load(local).files == (files[1],)
    finally:
        local.unlink()


@pytest.mark.parametrize(
    "doc, match",
    [
        ({"motions": [{"file": "clip.pkl", "weight": 1.0}]}, "pickle"),
        ({"motions": [{"file": "a.npz", "weight": -1.0}]}, "weight"),
        ({"motions": [{"weight": 1.0}]}, "file"),
        ({"clips": []}, r"missing key\(s\) \['motions'\]"),
    ],
)
def test_bad_dataset_yaml(tmp_path, doc, match):
    path = tmp_path / "dataset.yaml"
    path.write_text(yaml.safe_dump(doc))
    with pytest.raises(LibraryError, match=match):
        MotionLibrary.load(path)


def test_filters_robot_preset_and_validation_status(clips, tmp_path):
    entries = write_folder(tmp_path, clips[:4], index=False)
    entries[3] = dataclasses.replace(entries[3], preset="slow")
    record_motions(tmp_path, "mini_biped", entries, keep_validation=False)
    doc = json.loads((tmp_path / "index.json").read_text())
    doc["motions"][0]["validation"] = {"status": "pass", "max_tracking_error": 0.01}
    doc["motions"][1]["validation"] = {"status": "fail", "reason": "fell"}
    doc["motions"][2]["validation"] = {"status": "pass"}
    (tmp_path / "index.json").write_text(json.dumps(doc))

    assert len(MotionLibrary.load(tmp_path, robot="mini_biped")) == 4
    with pytest.raises(LibraryError, match="no motions match"):
        MotionLibrary.load(tmp_path, robot="g1")
    assert len(MotionLibrary.load(tmp_path, preset="medium")) == 3
    assert len(MotionLibrary.load(tmp_path, preset="slow")) == 1
    passed = MotionLibrary.load(tmp_path, status="pass")
    assert [f.name for f in passed.files] == [entries[0].file, entries[2].file]
    assert [f.name for f in MotionLibrary.load(tmp_path, status="fail").files] == [entries[1].file]
    assert len(MotionLibrary.load(tmp_path, preset="medium", status="pass")) == 2
    with pytest.raises(ValueError, match="status"):
        MotionLibrary.load(tmp_path, status="ok")


def test_repr_counts_the_clips_by_robot_preset_and_validation(clips, tmp_path):
    write_folder(tmp_path, clips[:3])
    doc = json.loads((tmp_path / "index.json").read_text())
    doc["motions"][0]["validation"] = {"status": "pass"}
    doc["motions"][1]["validation"] = {"status": "fail", "reason": "fell"}
    (tmp_path / "index.json").write_text(json.dumps(doc))
    library = MotionLibrary.load(tmp_path)
    assert library.validation == ("pass", "fail", None)
    assert repr(library).splitlines() == [
        f"MotionLibrary(3 clips, 18 joints, 3 looping, interpolation={library.interpolation!r}",
        "  robots: mini_biped 3",
        "  presets: medium 3",
        "  validation: fail 1, not validated 1, pass 1)",
    ]
    assert MotionLibrary(clips[:2]).validation == (None, None)
    with pytest.raises(LibraryError, match="validation: 1 entries, expected one per motion"):
        MotionLibrary(clips[:2], validation=["pass"])


def test_filters_without_index_use_the_clip_meta(clips, tmp_path):
    write_folder(tmp_path, clips[:2], index=False)
    assert len(MotionLibrary.load(tmp_path, robot="mini_biped", preset="medium")) == 2
    with pytest.raises(LibraryError, match="no motions match"):
        MotionLibrary.load(tmp_path, preset="fast")
    with pytest.raises(LibraryError, match="no motions match"):
        MotionLibrary.load(tmp_path, status="pass")  # nothing validated


# -------------------------------------------------------------- bad inputs


def test_missing_path_and_missing_or_corrupt_clip(clips, tmp_path):
    with pytest.raises(LibraryError, match="no such file"):
        MotionLibrary.load(tmp_path / "nowhere.yaml")
    entries = write_folder(tmp_path / "a", clips[:2])
    (tmp_path / "a" / entries[1].file).unlink()
    with pytest.raises(MotionFormatError, match=re.escape(entries[1].file)):
        MotionLibrary.load(tmp_path / "a")
    entries = write_folder(tmp_path / "b", clips[:2])
    corrupt = tmp_path / "b" / entries[0].file
    corrupt.write_bytes(corrupt.read_bytes()[:200])
    with pytest.raises(MotionFormatError, match=re.escape(entries[0].file)):
        MotionLibrary.load(tmp_path / "b")
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "index.json").write_text("{not json")
    with pytest.raises(LibraryError, match="index"):
        MotionLibrary.load(tmp_path / "c")


def test_mismatched_joint_names_name_the_file(clips, tmp_path):
    m = clips[1]
    renamed = dataclasses.replace(m, joint_names=("extra_joint",) + m.joint_names[1:])
    write_folder(tmp_path, [clips[0], renamed])
    with pytest.raises(LibraryError, match=r"_00001\.npz: joint names differ.*missing \['" + m.joint_names[0]):
        MotionLibrary.load(tmp_path)


def test_constructor_rejects_bad_weights_and_empty(clips):
    with pytest.raises(LibraryError, match="at least one"):
        MotionLibrary([])
    with pytest.raises(LibraryError, match="weights"):
        MotionLibrary(clips[:2], weights=[0.0, 0.0])
    with pytest.raises(LibraryError, match="weights"):
        MotionLibrary(clips[:2], weights=[1.0])


# ---------------------------------------------------------------- sampling


def test_sample_follows_the_weights(clips):
    lib = MotionLibrary(clips[:3], weights=[1.0, 2.0, 7.0])
    draws = lib.sample(20000, np.random.default_rng(1234))
    assert draws.shape == (20000,) and draws.dtype == np.int64
    freq = np.bincount(draws, minlength=3) / draws.size
    # 4 standard deviations of a binomial proportion at n = 20000 is < 0.013.
    np.testing.assert_allclose(freq, [0.1, 0.2, 0.7], atol=0.013)
    np.testing.assert_array_equal(draws, lib.sample(20000, np.random.default_rng(1234)))
    assert lib.sample(0, np.random.default_rng(0)).shape == (0,)
    with pytest.raises(TypeError, match="Generator"):
        lib.sample(3, 0)


# ----------------------------------------------------------------- nearest


def test_nearest_is_the_scaled_euclidean_minimum(lib):
    for i, c in enumerate(GRID):
        assert lib.nearest_index(c) == i
        assert lib.nearest(np.array(c) + 0.4 * STEP * np.array([1, -1, 1])) is lib.motions[i]
    rng = np.random.default_rng(0)
    queries = rng.uniform([-0.04, -0.03, -0.3], [0.06, 0.03, 0.3], (200, 3))
    brute = np.argmin((((queries[:, None] - np.array(GRID)[None]) / STEP) ** 2).sum(-1), axis=1)
    np.testing.assert_array_equal(lib.nearest_index(queries), brute)
    with pytest.raises(ValueError, match="shape"):
        lib.nearest([0.0, 0.0])


# --------------------------------------------------------------- reference


def test_reference_reproduces_every_frame_at_grid_commands(lib, clips):
    commands, phases, expected = [], [], {}
    for m in clips:
        c = m.loop.cycle_frames
        commands.append(np.tile([m.command.dx, m.command.dy, m.command.dtheta], (c, 1)))
        phases.append(np.arange(c) / c)
        for key, value in expected_frames(m, list(range(m.num_joints))).items():
            expected.setdefault(key, []).append(value)
    ref = lib.reference(np.concatenate(commands), np.concatenate(phases))  # one vectorised call
    for key, values in expected.items():
        np.testing.assert_allclose(getattr(ref, key), np.concatenate(values), atol=1e-6, rtol=0, err_msg=key)
    assert set(np.unique(ref.contacts)) <= {0.0, 1.0}


def test_reference_uses_library_joint_order(clips):
    m = clips[7]
    order = list(range(m.num_joints))[::-1]
    permuted = dataclasses.replace(
        m, joint_names=tuple(m.joint_names[j] for j in order), joint_pos=m.joint_pos[:, order],
        joint_vel=m.joint_vel[:, order],
    )
    lib = MotionLibrary([permuted])
    assert lib.joint_names == permuted.joint_names
    lib = MotionLibrary([clips[0], permuted])  # output order: the first clip's
    c = m.loop.cycle_frames
    ref = lib.reference([m.command.dx, m.command.dy, m.command.dtheta], np.arange(c) / c)
    np.testing.assert_allclose(ref.joint_pos, m.joint_pos[:c], atol=1e-12)


def test_reference_shapes_and_broadcasting(lib):
    j = lib.num_joints
    rng = np.random.default_rng(3)
    ref = lib.reference(rng.uniform([-0.02, -0.01, -0.1], [0.04, 0.01, 0.1], (7, 3)), rng.random(7))
    assert ref.joint_pos.shape == ref.joint_vel.shape == (7, j)
    assert ref.root_lin_vel.shape == ref.root_ang_vel.shape == (7, 3)
    assert ref.left_foot_pos.shape == ref.right_foot_pos.shape == (7, 3)
    assert ref.contacts.shape == (7, 2) and np.all((ref.contacts >= 0) & (ref.contacts <= 1))
    assert lib.reference([0.01, 0.0, 0.05], np.linspace(0, 0.9, 5)).joint_pos.shape == (5, j)
    assert lib.reference(np.zeros((4, 3)), 0.25).joint_pos.shape == (4, j)
    np.testing.assert_allclose(as_array(lib.reference([0.0, 0.0, 0.0], [1.0])),
                               as_array(lib.reference([0.0, 0.0, 0.0], [0.0])), atol=1e-12)
    for command, phase in [(np.zeros((4, 2)), np.zeros(4)), (np.zeros((4, 3)), np.zeros(5)),
                           (np.zeros((4, 3)), np.zeros((4, 1))), ([np.nan, 0, 0], [0.0]), ([0, 0, 0], [np.inf])]:
        with pytest.raises(ValueError):
            lib.reference(command, phase)


def test_reference_clamps_commands_outside_the_grid(lib):
    low, high = lib.command_range()
    np.testing.assert_allclose(low, [-0.02, -0.01, -0.1])
    np.testing.assert_allclose(high, [0.04, 0.01, 0.1])
    phase = np.linspace(0, 1, 9, endpoint=False)
    outside = lib.reference([0.5, -0.2, 3.0], phase)
    clamped = lib.reference([0.04, -0.01, 0.1], phase)
    np.testing.assert_array_equal(as_array(outside), as_array(clamped))


def test_reference_between_two_commands_is_their_average(lib):
    c = lib.motions[0].loop.cycle_frames
    phase = np.arange(c) / c
    a, b = np.array(GRID[13]), np.array(GRID[13 + 9])  # neighbours along dx
    mid = as_array(lib.reference((a + b) / 2, phase))
    np.testing.assert_allclose(mid, (as_array(lib.reference(a, phase)) + as_array(lib.reference(b, phase))) / 2,
                               atol=1e-12)


command_in_range = st.tuples(
    st.floats(-0.02, 0.04) | st.sampled_from(DX),
    st.floats(-0.01, 0.01) | st.sampled_from(DY),
    st.floats(-0.1, 0.1) | st.sampled_from(DTHETA),
)


@settings(max_examples=200, deadline=None)
@given(command=command_in_range, phase=st.floats(0.0, 1.0, exclude_max=True),
       direction=st.tuples(*[st.floats(-1.0, 1.0)] * 4))
def test_reference_is_continuous(lib, command, phase, direction):
    eps = 1e-6
    d = np.array(direction)
    c = lib.motions[0].loop.cycle_frames
    # Lipschitz bound: per unit phase C * 2 max|value|; per grid step 2 max|value| on each axis.
    every_frame = lib.reference(np.repeat(lib.commands, c, axis=0), np.tile(np.arange(c) / c, len(lib)))
    bound = eps * (c + 3) * 2 * np.abs(as_array(every_frame)).max()
    here = as_array(lib.reference(np.array(command), [phase]))
    there = as_array(lib.reference(np.array(command) + eps * d[:3] * STEP, [phase + eps * d[3]]))
    assert np.abs(there - here).max() <= bound


def test_phase_wraps_continuously(lib):
    here = as_array(lib.reference([0.01, 0.005, 0.05], [0.0]))
    there = as_array(lib.reference([0.01, 0.005, 0.05], [1.0 - 1e-9]))
    assert np.abs(there - here).max() < 1e-5


def test_incomplete_grid_falls_back_to_inverse_distance(clips):
    lib = MotionLibrary(clips[:-1])  # one grid node missing
    assert lib.interpolation == "idw" and lib.grid_axes is None
    for m in clips[:-1]:
        c = m.loop.cycle_frames
        ref = lib.reference([m.command.dx, m.command.dy, m.command.dtheta], np.arange(c) / c)
        np.testing.assert_allclose(ref.joint_pos, m.joint_pos[:c], atol=1e-6)
    rng = np.random.default_rng(5)
    q = rng.uniform([-0.02, -0.01, -0.1], [0.04, 0.01, 0.1], (50, 3))
    ph = rng.random(50)
    delta = as_array(lib.reference(q + 1e-7 * STEP, ph)) - as_array(lib.reference(q, ph))
    assert np.abs(delta).max() < 1e-3
    assert lib.reference(q, ph).contacts.max() <= 1.0


def test_reference_needs_one_looping_clip_per_command(clips):
    lib = MotionLibrary([clips[0], clips[0]])
    assert lib.sample(2, np.random.default_rng(0)).shape == (2,)
    with pytest.raises(ValueError, match="same command"):
        lib.reference([0.0, 0.0, 0.0], [0.0])
    start = generate(robot="mini_biped", preset="medium", dx=0.02, length=1.0, with_start=True)
    with pytest.raises(ValueError, match="no looping clips"):
        MotionLibrary([start]).reference([0.02, 0.0, 0.0], [0.0])
