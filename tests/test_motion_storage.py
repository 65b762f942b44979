"""Tests for motions.storage: the versioned, byte-deterministic .npz motion file."""

from __future__ import annotations

import dataclasses
import io
import json
import re
import zipfile
from pathlib import Path

import numpy as np
import pytest

from motions import FORMAT_VERSION, Loop, Motion, load
from motions.errors import MotionFormatError, OutputError
from motions.storage import save, to_bytes
from motions.synthetic import synthetic_walk

# Every key of format version 1, as listed in docs/motion_format.md.
DOCUMENTED_KEYS = {
    "format_version", "quat_order", "fps", "joint_names",
    "root_pos", "root_quat", "joint_pos", "joint_vel", "root_lin_vel", "root_ang_vel",
    "left_foot_pos", "right_foot_pos", "contacts", "com_pos", "zmp",
    "footsteps_side", "footsteps_pos", "footsteps_yaw", "footsteps_t_start", "footsteps_t_end",
    "command_dx", "command_dy", "command_dtheta", "achieved_vx", "achieved_vy", "achieved_yaw_rate",
    "loop_looping", "loop_cycle_frames", "loop_num_cycles", "loop_cycle_offset_pos", "loop_cycle_offset_yaw",
    "meta",
}  # fmt: skip


@pytest.fixture(scope="module")
def motion() -> Motion:
    walk = synthetic_walk(fps=50.0, cycle_frames=20, num_cycles=2, yaw_rate=0.25)
    meta = {"robot": "mini_biped", "preset": "medium", "seed": 7, "params": {"com_height": 0.2, "ratio": [0.18, 0.5]}}
    return dataclasses.replace(walk, meta=meta)


@pytest.fixture()
def saved(motion: Motion, tmp_path: Path) -> Path:
    return motion.save(tmp_path / "clip.npz")


def assert_motions_equal(a: Motion, b: Motion) -> None:
    for field in dataclasses.fields(Motion):
        x, y = getattr(a, field.name), getattr(b, field.name)
        if dataclasses.is_dataclass(x):
            for sub in dataclasses.fields(x):
                xs, ys = getattr(x, sub.name), getattr(y, sub.name)
                np.testing.assert_array_equal(xs, ys, err_msg=f"{field.name}.{sub.name}")
                assert np.asarray(xs).dtype == np.asarray(ys).dtype
                assert type(xs) is type(ys)
        elif isinstance(x, np.ndarray):
            np.testing.assert_array_equal(x, y, err_msg=field.name)
            assert x.dtype == y.dtype, field.name
        else:
            assert x == y and type(x) is type(y), field.name


def _rewrite(source: Path, target: Path, change: dict[str, object | None]) -> Path:
    """Copy a motion file with some keys replaced (None removes the key), via plain np.savez."""
    with np.load(source, allow_pickle=False) as archive:
        arrays = {key: archive[key] for key in archive.files}
    for key, value in change.items():
        if value is None:
            del arrays[key]
        else:
            arrays[key] = value
    with open(target, "wb") as handle:
        np.savez(handle, **arrays)
    return target


def test_round_trip_is_exact(motion: Motion, saved: Path) -> None:
    assert_motions_equal(load(saved), motion)
    assert_motions_equal(load(str(saved)), motion)


def test_round_trip_non_looping_without_joints(motion: Motion, tmp_path: Path) -> None:
    bare = synthetic_walk(joint_names=(), cycle_frames=4, num_cycles=1)
    bare = dataclasses.replace(bare, loop=Loop(looping=False), meta={})
    assert_motions_equal(load(bare.save(tmp_path / "bare.npz")), bare)


def test_resave_is_byte_identical(motion: Motion, saved: Path, tmp_path: Path) -> None:
    again = save(motion, tmp_path / "again.npz")
    reloaded = load(saved).save(tmp_path / "reloaded.npz")
    assert saved.read_bytes() == again.read_bytes() == reloaded.read_bytes() == to_bytes(motion)
    with zipfile.ZipFile(saved) as archive:
        for info in archive.infolist():
            assert info.date_time == (1980, 1, 1, 0, 0, 0)
            assert info.compress_type == zipfile.ZIP_STORED


def test_plain_numpy_reads_every_documented_key(motion: Motion, saved: Path) -> None:
    with np.load(saved, allow_pickle=False) as archive:
        assert set(archive.files) == DOCUMENTED_KEYS
        assert int(archive["format_version"]) == FORMAT_VERSION
        assert str(archive["quat_order"]) == "xyzw"
        assert tuple(archive["joint_names"]) == motion.joint_names
        assert json.loads(str(archive["meta"])) == motion.meta
        np.testing.assert_array_equal(archive["root_quat"], motion.root_quat)
        assert archive["contacts"].dtype == np.bool_
        assert archive["footsteps_side"].dtype == np.int8


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(MotionFormatError, match="nope.npz: cannot read"):
        load(tmp_path / "nope.npz")


def test_truncated_file(saved: Path) -> None:
    data = saved.read_bytes()
    saved.write_bytes(data[: len(data) // 2])
    with pytest.raises(MotionFormatError, match="clip.npz"):
        load(saved)


@pytest.mark.parametrize("garbage", [b"", b"hello", bytes(range(256)) * 40, b"PK\x03\x04" + b"\x00" * 100])
def test_garbage_file(tmp_path: Path, garbage: bytes) -> None:
    path = tmp_path / "garbage.npz"
    path.write_bytes(garbage)
    with pytest.raises(MotionFormatError, match="garbage.npz"):
        load(path)


def test_every_corruption_is_detected_or_harmless(motion: Motion, saved: Path) -> None:
    data = saved.read_bytes()
    for position in range(0, len(data), 53):
        corrupt = bytearray(data)
        corrupt[position] ^= 0xFF
        saved.write_bytes(bytes(corrupt))
        try:
            loaded = load(saved)
        except MotionFormatError:
            continue
        assert_motions_equal(loaded, motion)  # only unchecked zip fields were hit


def test_single_npy_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "array.npz"
    with open(path, "wb") as handle:
        np.save(handle, np.zeros(3))
    with pytest.raises(MotionFormatError, match="single .npy array"):
        load(path)


def test_missing_key_is_named(saved: Path, tmp_path: Path) -> None:
    path = _rewrite(saved, tmp_path / "missing.npz", {"root_ang_vel": None})
    with pytest.raises(MotionFormatError, match=r"missing.npz: key 'root_ang_vel' is missing"):
        load(path)


@pytest.mark.parametrize("version", [0, 2, FORMAT_VERSION + 10])
def test_unsupported_version(saved: Path, tmp_path: Path, version: int) -> None:
    path = _rewrite(saved, tmp_path / "version.npz", {"format_version": np.int64(version), "root_pos": None})
    with pytest.raises(MotionFormatError, match=f"'format_version' is {version}, this reader supports {FORMAT_VERSION}"):
        load(path)


def test_pickled_object_array_is_rejected(saved: Path, tmp_path: Path) -> None:
    evil = np.array([{"__reduce__": "os.system"}], dtype=object)
    path = _rewrite(saved, tmp_path / "pickle.npz", {"meta": evil})
    with pytest.raises(MotionFormatError, match=r"member 'meta.npy': dtype object holds Python objects"):
        load(path)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("root_pos", np.zeros((40, 3), dtype=np.float32), r"key 'root_pos' has dtype float32, expected float64"),
        ("contacts", np.zeros((40, 2), dtype=np.int64), r"key 'contacts' has dtype int64, expected bool"),
        ("fps", np.array([50.0]), r"key 'fps' has shape \(1,\), expected 0 dimensions"),
        ("joint_names", np.arange(6), r"key 'joint_names' has dtype int64, expected a unicode string"),
        ("quat_order", np.str_("wxyz"), r"key 'quat_order' is 'wxyz', expected 'xyzw'"),
        ("meta", np.str_("{not json"), r"key 'meta': not valid JSON"),
        ("root_quat", np.zeros((40, 4)), r"root_quat: shape \(40, 4\), row 0 has norm 0"),
        ("joint_vel", np.zeros((39, 6)), r"joint_vel: shape \(39, 6\), expected \(T, J\) = \(40, 6\)"),
        ("footsteps_side", np.full(4, 3, dtype=np.int8), r"footsteps.side: values \[3\]"),
    ],
)
def test_bad_key_is_named(saved: Path, tmp_path: Path, key: str, value: np.ndarray, message: str) -> None:
    path = _rewrite(saved, tmp_path / "bad.npz", {key: value})
    with pytest.raises(MotionFormatError, match=message) as info:
        load(path)
    assert str(info.value).startswith(str(path))


def test_save_to_unwritable_location(motion: Motion, tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="no_such_dir/clip.npz"):
        motion.save(tmp_path / "no_such_dir" / "clip.npz")
    blocker = tmp_path / "file"
    blocker.write_bytes(b"")
    with pytest.raises(OutputError, match="file/clip.npz"):
        motion.save(blocker / "clip.npz")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


def test_to_bytes_is_a_valid_archive(motion: Motion) -> None:
    with zipfile.ZipFile(io.BytesIO(to_bytes(motion))) as archive:
        assert archive.testzip() is None
        assert {name.removesuffix(".npy") for name in archive.namelist()} == DOCUMENTED_KEYS



def test_members_are_written_in_the_order_the_reader_lists_them(motion: Motion, tmp_path: Path) -> None:
    from motions import storage

    t, j = motion.joint_pos.shape
    accelerated = dataclasses.replace(motion, joint_acc=np.zeros((t, j)), root_lin_acc=np.zeros((t, 3)),
                                      root_ang_acc=np.ones((t, 3)), command_per_frame=np.ones((t, 3)),
                                      gait_phase=np.r_[np.nan, np.arange(t - 1) / t])
    for clip, optional in ((motion, []), (accelerated, list(storage._OPTIONAL_KEYS))):
        with zipfile.ZipFile(io.BytesIO(to_bytes(clip))) as archive:
            assert archive.namelist() == [f"{key}.npy" for key in (*storage._KEYS, *optional)]
    path = save(accelerated, tmp_path / "accelerated.npz")
    assert to_bytes(load(path)) == path.read_bytes() == accelerated.save(tmp_path / "again.npz").read_bytes()


def test_per_frame_labels_are_optional_and_round_trip(motion: Motion, tmp_path: Path) -> None:
    t = motion.num_frames
    phase = np.where(np.arange(t) < 3, np.nan, (np.arange(t) % 20) / 20)
    labelled = dataclasses.replace(motion, command_per_frame=np.tile([0.1, 0.0, -0.2], (t, 1)), gait_phase=phase)
    back = load(save(labelled, tmp_path / "labelled.npz"))
    np.testing.assert_array_equal(back.command_per_frame, labelled.command_per_frame)
    np.testing.assert_array_equal(back.gait_phase, phase)  # NaN where standing, kept as NaN
    old = load(save(motion, tmp_path / "old.npz"))  # a file without them (as written before they existed)
    assert old.command_per_frame is None and old.gait_phase is None


@pytest.mark.parametrize(("key", "value", "message"), [
    ("gait_phase", lambda t: np.ones(t), "expected a phase in [0, 1) or NaN"),
    ("gait_phase", lambda t: np.full(t, np.inf), "expected a phase in [0, 1) or NaN"),
    ("gait_phase", lambda t: np.zeros(t + 1), "expected (T,)"),
    ("command_per_frame", lambda t: np.zeros((t, 2)), "expected (T, 3)"),
    ("command_per_frame", lambda t: np.full((t, 3), np.nan), "non-finite"),
])
def test_bad_per_frame_labels_are_refused(motion: Motion, key: str, value, message: str) -> None:
    with pytest.raises(MotionFormatError, match=re.escape(message)):
        dataclasses.replace(motion, **{key: value(motion.num_frames)})
