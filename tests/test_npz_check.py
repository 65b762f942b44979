"""Header checks of .npz archives before any array is read (motions.npz_check)."""

from __future__ import annotations

import resource
import time
import zipfile

import numpy as np
import pytest

from motions.npz_check import MAX_MOTION_BYTES, check_npz
from tests.fuzz_inputs import npy, npy_header, rewrite_npz, zip_bomb


class Boom(ValueError):
    """The caller's typed error."""


@pytest.fixture()
def small(tmp_path):
    path = tmp_path / "ok.npz"
    np.savez(path, a=np.zeros((10, 3)), names=np.array(["x", "yy"]))
    return path


def test_valid_archives_pass(small, tmp_path):
    check_npz(small, Boom)
    packed = tmp_path / "packed.npz"
    np.savez_compressed(packed, a=np.zeros((1000, 30)), b=np.arange(5))
    check_npz(packed, Boom)


def test_zip_bomb_is_refused_from_the_central_directory_alone(tmp_path):
    path = tmp_path / "bomb.npz"
    zip_bomb(path)
    assert path.stat().st_size < 4e6
    with zipfile.ZipFile(path) as archive:  # the bomb is real: 2 x 1.44 GB declared
        assert sum(i.file_size for i in archive.infolist()) > 2.8e9
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    with pytest.raises(Boom, match=f"declares more than {MAX_MOTION_BYTES} bytes of arrays"):
        check_npz(path, Boom)
    assert time.perf_counter() - start < 0.5
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 20_000  # KB


def test_header_claiming_more_than_the_member_holds_is_refused(small, tmp_path):
    lie = tmp_path / "lie.npz"
    rewrite_npz(small, lie, {"a.npy": npy_header((10**12,)) + bytes(240)})
    with pytest.raises(Boom, match=r"member 'a\.npy': its header declares shape \(1000000000000,\) of float64 "
                                   r"\(8000000000000 bytes\) but the member holds 240 bytes"):
        check_npz(lie, Boom)


@pytest.mark.parametrize(
    ("members", "message"),
    [
        ({"o.npy": npy_header((1,), "|O") + bytes(8)},
         "holds Python objects"),
        ({f"m{i}.npy": npy(np.zeros(1)) for i in range(70)}, "archive members, at most 64"),
        ({"x.npy": b"not an npy"}, "cannot read as a motion .npz"),
    ],
)
def test_other_bad_members(small, tmp_path, members, message):
    bad = tmp_path / "bad.npz"
    rewrite_npz(small, bad, members)
    with pytest.raises(Boom, match=message):
        check_npz(bad, Boom)


def test_compression_other_than_deflate_is_refused(tmp_path):
    path = tmp_path / "bz.npz"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_BZIP2) as archive:
        archive.writestr("a.npy", npy(np.zeros(3)))
    with pytest.raises(Boom, match="compression method 12, expected stored or deflate"):
        check_npz(path, Boom)


def test_not_a_zip_is_a_clean_error(tmp_path):
    path = tmp_path / "x.npz"
    path.write_bytes(b"PK\x03\x04" + bytes(50))
    with pytest.raises(Boom, match=r"x\.npz: cannot read as a motion \.npz \(BadZipFile"):
        check_npz(path, Boom)
