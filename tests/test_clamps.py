"""max_zero and min_zero are numpy's maximum and minimum against 0, bit for bit, in the input's
dtype, whatever its size, layout or output; their zeros stay one small read-only vector."""

import numpy as np
import pytest

from handkeras import clamps
from handkeras.clamps import max_zero, min_zero

SPECIAL = [np.nan, np.inf, -np.inf, -0.0, 0.0, -1.5, 2.5, 1e-45, -1e-45]
CLAMPS = [(max_zero, np.maximum), (min_zero, np.minimum)]


def _values(shape, dtype, seed=0):
    x = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    flat = x.reshape(-1)
    flat[:len(SPECIAL)] = np.asarray(SPECIAL[:flat.size], dtype)
    return x


def _assert_same_bits(got, expected):
    got, expected = np.asarray(got), np.asarray(expected)
    assert got.shape == expected.shape and got.dtype == expected.dtype
    np.testing.assert_array_equal(_bytes(got), _bytes(expected))


def _bytes(array):
    return np.ascontiguousarray(array).reshape(-1).view(np.uint8)


@pytest.mark.parametrize("clamp, ufunc", CLAMPS)
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("shape", [(), (0,), (0, 5), (9,), (4, 16), (128, 512), (3, 4, 5, 6)])
def test_the_clamp_is_numpys_against_zero(clamp, ufunc, dtype, shape):
    x = _values(shape, dtype)
    _assert_same_bits(clamp(x), ufunc(x, dtype(0)))


@pytest.mark.parametrize("clamp, ufunc", CLAMPS)
def test_integer_inputs_keep_their_dtype(clamp, ufunc):
    x = np.arange(-5, 5, dtype=np.int32).reshape(2, 5)
    _assert_same_bits(clamp(x), ufunc(x, 0))


@pytest.mark.parametrize("clamp, ufunc", CLAMPS)
def test_out_receives_the_result_in_place(clamp, ufunc):
    x = _values((64, 33), np.float32)
    expected = ufunc(x, np.float32(0))
    assert clamp(x, out=x) is x
    _assert_same_bits(x, expected)


@pytest.mark.parametrize("clamp, ufunc", CLAMPS)
def test_views_that_are_not_contiguous(clamp, ufunc):
    x = _values((40, 30), np.float64)[::3, ::2]
    _assert_same_bits(clamp(x), ufunc(x, 0.0))


@pytest.mark.parametrize("clamp, ufunc", CLAMPS)
@pytest.mark.parametrize("contiguous", [True, False])
@pytest.mark.parametrize("in_place", [True, False])
def test_arrays_larger_than_a_block(monkeypatch, clamp, ufunc, contiguous, in_place):
    monkeypatch.setattr(clamps, "BLOCK", 100)
    monkeypatch.setattr(clamps, "_zeros", {})
    x = _values((13, 37), np.float32, seed=1)  # 481 elements: four whole blocks and a part
    if not contiguous:
        x = np.asfortranarray(x)
    expected = ufunc(x, np.float32(0))
    got = clamp(x, out=x) if in_place else clamp(x)
    _assert_same_bits(got, expected)
    assert all(vector.size <= 100 for vector in clamps._zeros.values())


def test_the_zeros_are_read_only_and_stay_zero():
    x = _values((8, 8), np.float32)
    max_zero(x, out=x)
    vector = clamps._zeros[np.dtype(np.float32)]
    assert not vector.flags.writeable
    assert not vector.any()
