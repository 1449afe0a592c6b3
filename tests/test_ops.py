"""``handkeras.ops``: Keras's array functions on numpy arrays, with Keras's promotion rules.

(tests/reference/test_keras_ops.py compares every op with Keras itself.)
"""

import inspect
import warnings
from pathlib import Path

import numpy as np
import pytest

import handkeras
from handkeras import ops
from handkeras.ops.dtypes import result_type


@pytest.mark.parametrize("dtypes, expected", [
    (("int32", float), "float32"),       # a Python float is weak, and gives floatx
    (("int8", int), "int8"),             # a Python int takes the array's integer type
    (("float16", float), "float16"),
    (("float64", float), "float64"),     # float64 stays float64
    (("int8", "uint8"), "int16"),        # signed and unsigned: the signed type holding both
    (("uint8", "uint16"), "uint16"),
    (("int64", "uint64"), "float32"),    # no integer holds both: floatx
    (("int64", "float16"), "float16"),   # an integer never widens a float
    (("float16", "float32"), "float32"),
    (("bool", "bool"), "bool"),
    (("bool", int), "int32"),
    (("bool", float), "float32"),
    ((int, float), "float32"),
    ((int,), "int32"),
    ((), "float32"),
    ((None,), "float32"),
    ((np.dtype("float64"), np.dtype("float64")), "float64"),  # equal to `float`, yet not weak
    ((np.dtype("int64"), np.dtype("int8")), "int64"),         # equal to "int", yet not weak
])
def test_result_type_follows_keras_s_table(dtypes, expected):
    assert result_type(*dtypes) == expected


def test_python_floats_follow_floatx():
    handkeras.config.set_floatx("float64")
    try:
        assert result_type("int32", float) == "float64"
        assert ops.add(np.arange(3, dtype="int32"), 0.5).dtype == np.float64
        assert ops.convert_to_tensor(1.5).dtype == np.float64
    finally:
        handkeras.config.set_floatx("float32")


def test_ops_return_keras_s_dtypes_not_numpy_s():
    ints = np.arange(4, dtype="int32")
    assert ops.add(ints, 0.5).dtype == np.float32          # numpy: float64
    assert ops.mean(ints).dtype == np.float32             # numpy: float64
    assert ops.sum(np.ones(3, bool)).dtype == np.int32     # numpy: int64
    assert ops.multiply(np.ones(2, "int8"), 3).dtype == np.int8
    assert ops.add(np.ones(2, "int8"), np.ones(2, "uint8")).dtype == np.int16
    assert ops.argmax(np.ones((2, 3)), axis=-1).dtype == np.int32
    assert ops.convert_to_tensor([1, 2.5]).dtype == np.float32
    assert ops.convert_to_tensor([1, 2]).dtype == np.int32
    assert ops.convert_to_tensor(2**40).dtype == np.int64
    assert ops.convert_to_tensor(np.float64(1.5)).dtype == np.float32   # a Python float
    assert ops.convert_to_tensor([np.float64(1.5)]).dtype == np.float64  # an item's own dtype
    assert ops.convert_to_tensor([]).dtype == np.float32
    assert ops.sqrt(np.array(4.0)).dtype == np.float64
    assert ops.sqrt(np.float64(4.0)).dtype == np.float32  # a Python float subclass, as in Keras


def test_results_are_numpy_arrays_even_for_full_reductions():
    total = ops.sum(np.ones((2, 2), "float32"))
    assert isinstance(total, np.ndarray) and total.shape == () and total == 4
    assert ops.is_tensor(total) and not ops.is_tensor([1.0])


def test_unknown_dtype_names_are_clear_value_errors():
    with pytest.raises(ValueError, match="^Invalid dtype: float33$"):  # Keras's words
        ops.cast(np.ones(2), "float33")
    with pytest.raises(ValueError, match="Invalid dtype"):
        ops.zeros((2,), dtype="complex64")
    with pytest.raises(ValueError, match="Invalid dtype"):
        result_type("int32", "str")


def test_dtype_names_are_read_as_keras_utils_reads_them(float64):
    """The Python type ``float`` names float32 whatever floatx is, as in Keras."""
    assert ops.zeros((2,), dtype=float).dtype == np.float32
    assert ops.cast(np.ones(2, np.int32), float).dtype == np.float32


def test_signatures_are_keras_s_and_bind_like_functions():
    assert str(inspect.signature(ops.sum)) == "(x, axis=None, keepdims=False)"
    assert str(inspect.signature(ops.gelu)) == "(x, approximate=True)"  # not the activation's
    assert ops.sum.__name__ == "sum" and ops.sum.__doc__
    with pytest.raises(TypeError):
        ops.sum(np.ones(2), axes=0)
    with pytest.raises(TypeError):
        ops.add(np.ones(2))


def test_sparse_and_ragged_tensors_are_refused():
    with pytest.raises(ValueError, match="sparse=True"):
        ops.convert_to_tensor([1.0], sparse=True)
    with pytest.raises(ValueError, match="ragged=True"):
        ops.convert_to_tensor([1.0], ragged=True)
    with pytest.raises(ValueError, match="sparse=True"):
        ops.one_hot([0], 2, sparse=True)


def test_one_hot_names_an_index_past_num_classes():
    with pytest.raises(ValueError, match="num_classes`=3.*index 3"):
        ops.one_hot(np.array([0, 3]), 3)
    assert ops.one_hot(np.array([-1, 1]), 2).tolist() == [[0, 0], [0, 1]]


def test_core_conversions():
    x = np.arange(6.0).reshape(2, 3)
    copy = ops.convert_to_numpy(x)
    copy[0, 0] = 7
    assert x[0, 0] == 0
    assert ops.shape(x) == (2, 3) and all(type(n) is int for n in ops.shape(x))
    assert ops.shape([[1], [2]]) == (2, 1)
    assert ops.shape(handkeras.Input((4,))) == (None, 4)
    assert ops.dtype(x) == "float64" and ops.dtype(3) == "int32" and ops.dtype(True) == "bool"
    assert ops.ndim(x) == 2 and ops.size(x) == 6
    assert ops.stop_gradient(x) is x
    assert [row.tolist() for row in ops.unstack(x, axis=1)] == [[0, 3], [1, 4], [2, 5]]
    with pytest.raises(ValueError, match="`num` must equal"):
        ops.unstack(x, num=3)
    assert ops.saturate_cast(np.array([-300.0, 5.5, 300.0]), "uint8").tolist() == [0, 5, 255]


def test_broadcast_results_can_be_written():
    grid = ops.broadcast_to(np.arange(3), (2, 3))
    grid[0, 0] = 7
    assert grid.tolist() == [[7, 1, 2], [0, 1, 2]]


def test_where_and_nonzero_give_index_tuples():
    rows, cols = ops.nonzero(np.array([[0, 2], [3, 0]]))
    assert rows.tolist() == [0, 1] and cols.tolist() == [1, 0] and rows.dtype == np.int32
    (indices,) = ops.where(np.array([False, True, True]))
    assert indices.tolist() == [1, 2]
    assert ops.where(np.array([True, False]), np.ones(2, "int32"), 0.5).dtype == np.float32


def test_post_processing_predictions_as_in_keras_scripts():
    model = handkeras.Sequential([handkeras.Input((4,)),
                                  handkeras.layers.Dense(3, activation="softmax")])
    probabilities = model.predict(np.ones((5, 4), "float32"), verbose=0)
    labels = ops.argmax(probabilities, axis=-1)
    assert labels.shape == (5,) and labels.dtype == np.int32
    values, indices = ops.top_k(probabilities, 2)
    assert indices[:, 0].tolist() == labels.tolist()
    assert ops.all(ops.in_top_k(labels, probabilities, 1))
    np.testing.assert_allclose(ops.sum(ops.softmax(probabilities), axis=-1), 1, rtol=1e-6)


def test_activations_are_computed_without_overflow():
    assert ops.sigmoid(np.array([-1000.0, 1000.0], "float32")).tolist() == [0.0, 1.0]
    assert np.isfinite(ops.logsumexp(np.array([1000.0, 1000.0]))).all()
    assert ops.relu(np.array([-2, 3], "int32")).dtype == np.int32


def test_the_docs_list_every_op():
    """docs/ops.md's table of what exists names every public op."""
    text = (Path(__file__).parents[1] / "docs" / "ops.md").read_text()
    table = text[text.index("## What exists"):text.index("**Not there**")]
    assert sorted(name for name in ops.__all__ if f"`{name}`" not in table) == []


def test_infinities_and_nan_come_without_warnings_as_in_keras():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert ops.log(np.float32(0)) == -np.inf
        assert ops.divide(np.array([1.0, 0.0]), 0.0)[0] == np.inf
        assert np.isnan(ops.arccosh(np.array(0.5)))
