"""The fast reductions give numpy's results: maxima exactly, sums to rounding, NaN propagated."""

import numpy as np
import pytest

from handkeras.reductions import max_last, sum_last, sum_rows

# Small arrays take numpy's own reduction, larger narrow ones the transposed copy.
SHAPES = [(7,), (5, 1), (32, 2), (200, 2), (1024, 10), (3, 4, 10), (8, 40, 10), (6, 16), (60, 16),
          (60, 17), (60, 33), (64, 300)]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("keepdims", [False, True])
def test_max_last_is_numpys_maximum_along_the_last_axis(shape, keepdims):
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    got = max_last(x, keepdims=keepdims)
    expected = x.max(axis=-1, keepdims=keepdims)
    assert got.shape == expected.shape and got.dtype == x.dtype
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("keepdims", [False, True])
def test_sum_last_is_numpys_sum_along_the_last_axis(shape, keepdims):
    x = np.random.default_rng(1).standard_normal(shape)
    got = sum_last(x, keepdims=keepdims)
    expected = x.sum(axis=-1, keepdims=keepdims)
    assert got.shape == expected.shape and got.dtype == x.dtype
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


def test_reductions_of_views_that_are_not_contiguous():
    x = np.random.default_rng(2).standard_normal((40, 20))[::2, ::3]
    np.testing.assert_array_equal(max_last(x), x.max(axis=-1))
    np.testing.assert_allclose(sum_last(x), x.sum(axis=-1), rtol=1e-12)


def test_nan_and_infinity_propagate_to_their_rows_only():
    x = np.zeros((4, 10), np.float32)
    x[1, 3], x[2, 5] = np.nan, np.inf
    assert np.isnan(max_last(x)[1]) and max_last(x)[2] == np.inf
    assert np.isnan(sum_last(x)[1]) and sum_last(x)[2] == np.inf
    assert max_last(x)[[0, 3]].tolist() == [0, 0] and sum_last(x)[[0, 3]].tolist() == [0, 0]


def test_empty_batches_reduce_to_empty_results():
    assert max_last(np.zeros((0, 10), np.float32)).shape == (0,)
    assert sum_last(np.zeros((0, 10), np.float32), keepdims=True).shape == (0, 1)


def test_sum_rows_writes_the_column_sums_into_out():
    m = np.random.default_rng(3).standard_normal((500, 7)).astype(np.float32)
    out = np.empty(7, np.float32)
    assert sum_rows(m, out) is out
    np.testing.assert_allclose(out, m.sum(axis=0), rtol=1e-5)
