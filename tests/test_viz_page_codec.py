"""viz.page_codec: payloads round-trip, residuals invert, JSON is safe inside a script element."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from viz.page_codec import (
    QUANTUM,
    pack,
    page_json,
    quantized_residuals,
    restored,
    unpack,
)


def test_pack_round_trips_every_dtype():
    sections = {
        "a": np.arange(7, dtype=np.uint8),
        "b": np.array([0, 65535, 3], dtype=np.uint16),
        "c": np.array([[1, 2], [3, 2**32 - 1]], dtype=np.uint32),
        "d": np.array([-(2**31), 5, 2**31 - 1], dtype=np.int32),
        "e": np.array([0.5, -1.25], dtype=np.float32),
    }
    header, back = unpack(pack({"name": "x", "n": [1, 2.5]}, sections))
    assert header["name"] == "x" and header["n"] == [1, 2.5]
    assert set(back) == set(sections)
    for name, array in sections.items():
        assert back[name].dtype == array.dtype.newbyteorder("<")
        np.testing.assert_array_equal(back[name], array.ravel())


def test_pack_refuses_other_dtypes():
    with pytest.raises(ValueError, match="'x': dtype float64"):
        pack({}, {"x": np.zeros(3)})


def test_unpack_refuses_garbage():
    with pytest.raises(ValueError, match="not a page payload"):
        unpack("not base64 !")


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 40), st.integers(1, 5)),
              elements=st.floats(-50.0, 50.0, allow_nan=False)))
def test_residuals_restore_the_values_to_the_quantum(values):
    residuals = quantized_residuals(values)
    assert residuals.dtype == np.int32 and residuals.shape == values.shape[::-1]
    np.testing.assert_allclose(restored(residuals), values, atol=QUANTUM / 2 + 1e-9)


def test_residuals_of_a_smooth_signal_are_small():
    t = np.linspace(0.0, 10.0, 601)[:, None]
    walk = np.hstack([0.4 * t, 0.03 * np.sin(2 * np.pi * t)])  # m: forward walk with sway
    residuals = quantized_residuals(walk)
    assert np.abs(residuals[:, 2:]).max() < 20  # what makes them deflate well


def test_per_channel_quantum():
    values = np.array([[0.0, 1.0], [0.5, 0.0], [1.0, 1.0]])
    quantum = np.array([QUANTUM, 1.0])
    np.testing.assert_allclose(restored(quantized_residuals(values, quantum), quantum), values)


def test_page_json_cannot_close_the_script_element():
    text = page_json({"name": "</script><script>alert(1)</script>", "a": "&"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"name": "</script><script>alert(1)</script>", "a": "&"}
