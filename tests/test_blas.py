"""numpy's own BLAS, reached for the updates numpy has no one function for: found where numpy ships
it, giving numpy's results, and declining (doing nothing) whenever it cannot do the work."""

import numpy as np
import pytest

from handkeras import blas

BIG = (300, 200)  # past blas.MIN_SIZE


def numpy_blas():
    return np.show_config(mode="dicts")["Build Dependencies"]["blas"]["name"]


def test_the_routines_are_found_in_numpys_scipy_openblas():
    if numpy_blas() != "scipy-openblas":
        pytest.fail(f"this numpy uses {numpy_blas()}; the routines are looked up in scipy-openblas")
    for name in ("axpy", "ger", "gemm"):
        for dtype in (np.float32, np.float64):
            assert blas._routine(name, dtype) is not None, (name, dtype)
    assert blas._routine("axpy", np.float16) is None


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_axpy_adds_the_scaled_values_in_place(dtype):
    rng = np.random.default_rng(0)
    y, x = rng.standard_normal(BIG).astype(dtype), rng.standard_normal(BIG).astype(dtype)
    alpha = dtype(0.25)  # a power of two: both roundings agree with one
    expected = y + alpha * x
    assert blas.axpy(alpha, x, y)
    np.testing.assert_array_equal(y, expected)


@pytest.mark.parametrize("case", ["small", "float16", "mixed dtypes", "strided", "read-only",
                                  "sizes differ"])
def test_axpy_declines_and_leaves_the_target_alone(case):
    y, x = np.ones(BIG, np.float32), np.ones(BIG, np.float32)
    if case == "small":
        y, x = y[:2], x[:2]
    elif case == "float16":
        y, x = y.astype(np.float16), x.astype(np.float16)
    elif case == "mixed dtypes":
        x = x.astype(np.float64)
    elif case == "strided":
        y, x = y[:, ::2], x[:, ::2]
    elif case == "read-only":
        y.flags.writeable = False
    else:
        x = x[:-1]
    before = y.copy()
    assert not blas.axpy(np.float32(2), x, y)
    np.testing.assert_array_equal(y, before)


@pytest.mark.parametrize("shape", [BIG, (3, 100, 200)], ids=str)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_add_to_rows_is_numpys_broadcast_to_the_bit(dtype, shape):
    rng = np.random.default_rng(1)
    array, row = rng.standard_normal(shape).astype(dtype), rng.standard_normal(200).astype(dtype)
    expected = array + row
    assert blas.add_to_rows(array, row)
    np.testing.assert_array_equal(array, expected)


@pytest.mark.parametrize("case", ["small", "one axis", "row of another width", "strided row"])
def test_add_to_rows_declines_and_leaves_the_matrix_alone(case):
    matrix, row = np.zeros(BIG, np.float32), np.ones(BIG[1], np.float32)
    if case == "small":
        matrix = matrix[:2]
    elif case == "one axis":
        matrix, row = matrix.reshape(-1), np.ones(BIG[0] * BIG[1], np.float32)
    elif case == "row of another width":
        row = row[:-1]
    else:
        row = np.ones(2 * BIG[1], np.float32)[::2]
    assert not blas.add_to_rows(matrix, row)
    assert not matrix.any()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_add_product_adds_the_scaled_product_of_the_transposed_left_and_the_right(dtype):
    rng = np.random.default_rng(2)
    left, right = rng.standard_normal((32, 300)), rng.standard_normal((32, 200))
    target = rng.standard_normal(BIG)
    expected = target + 0.25 * left.T @ right  # float64 reference
    left, right, ours = left.astype(dtype), right.astype(dtype), target.astype(dtype)
    assert blas.add_product(dtype(0.25), left, right, ours)
    np.testing.assert_allclose(ours, expected, rtol=1e-12 if dtype == np.float64 else 1e-5,
                               atol=1e-12 if dtype == np.float64 else 1e-5)


@pytest.mark.parametrize("read_only", [False, True])
def test_inputs_may_be_read_only_or_start_inside_another_array(read_only):
    # the routines take each array's address by one of two routes, by whether it is writable
    rng = np.random.default_rng(5)
    left = rng.standard_normal((33, 300)).astype(np.float32)[1:]  # starts one row in
    right = rng.standard_normal((32, 200)).astype(np.float32)
    x = rng.standard_normal(blas.MIN_SIZE + 7).astype(np.float32)[7:]
    for array in (left, right, x):
        array.flags.writeable = not read_only
    target = rng.standard_normal(BIG).astype(np.float32)
    expected = target.astype(np.float64) + 0.5 * left.T.astype(np.float64) @ right
    assert blas.add_product(np.float32(0.5), left, right, target)
    np.testing.assert_allclose(target, expected, rtol=1e-5, atol=1e-5)
    y = np.zeros_like(x)
    assert blas.axpy(np.float32(2.0), x, y)
    np.testing.assert_array_equal(y, 2 * x)


@pytest.mark.parametrize("case", ["small", "float16", "mixed dtypes", "strided factor",
                                  "rows differ", "wrong target shape", "read-only"])
def test_add_product_declines_and_leaves_the_target_alone(case):
    left, right = np.ones((8, BIG[0]), np.float32), np.ones((8, BIG[1]), np.float32)
    target = np.zeros(BIG, np.float32)
    if case == "small":
        left, right, target = left[:, :2], right[:, :2], target[:2, :2]
    elif case == "float16":
        left, right, target = (a.astype(np.float16) for a in (left, right, target))
    elif case == "mixed dtypes":
        right = right.astype(np.float64)
    elif case == "strided factor":
        left = np.ones((16, BIG[0]), np.float32)[::2]
    elif case == "rows differ":
        right = right[:-1]
    elif case == "wrong target shape":
        target = np.zeros((BIG[1], BIG[0]), np.float32)
    else:
        target.flags.writeable = False
    assert not blas.add_product(np.float32(1), left, right, target)
    assert not target.any()
