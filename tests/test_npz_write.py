"""Tests for motions.npz_write: deterministic, little-endian, pickle-free .npz bytes."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest

from motions.npz_write import npz_bytes


def test_same_arrays_give_the_same_bytes_in_the_given_order() -> None:
    arrays = {"b": np.arange(6.0).reshape(2, 3), "a": np.int64(3), "c": np.str_("xyzw")}
    data = npz_bytes(arrays)
    assert data == npz_bytes(dict(arrays))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = archive.infolist()
    assert [i.filename for i in infos] == ["b.npy", "a.npy", "c.npy"]
    assert {(i.compress_type, i.date_time, i.create_system, i.external_attr) for i in infos} == {
        (zipfile.ZIP_STORED, (1980, 1, 1, 0, 0, 0), 3, 0o644 << 16)
    }
    with np.load(io.BytesIO(data), allow_pickle=False) as loaded:
        np.testing.assert_array_equal(loaded["b"], arrays["b"])
        assert int(loaded["a"]) == 3 and str(loaded["c"]) == "xyzw"


def test_big_endian_and_strided_input_is_stored_as_little_endian_c_order() -> None:
    values = np.arange(12.0).reshape(3, 4)
    big = values.astype(">f8")[:, ::2]
    data = npz_bytes({"x": big})
    assert data == npz_bytes({"x": np.ascontiguousarray(values[:, ::2])})
    with np.load(io.BytesIO(data), allow_pickle=False) as loaded:
        assert loaded["x"].dtype == np.dtype("<f8")
        np.testing.assert_array_equal(loaded["x"], values[:, ::2])


def test_object_arrays_are_refused() -> None:
    with pytest.raises(ValueError, match="pickle"):
        npz_bytes({"x": np.array([{"a": 1}], dtype=object)})
