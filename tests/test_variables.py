"""Variable: a named array that stands for its value where Keras variables do (numbers, arithmetic,
comparisons, formatting, numpy), with Keras's repr."""

import math

import numpy as np
import pytest

from handkeras import Variable, backend


def scalar(value, dtype="float32"):
    return Variable.holding(np.array(value, dtype=dtype), "rate", trainable=False, path="opt/rate")


def test_repr_and_str_show_path_shape_dtype_and_value_as_keras():
    expected = "<Variable path=opt/rate, shape=(), dtype=float32, value=0.10000000149011612>"
    assert repr(scalar(0.1)) == str(scalar(0.1)) == f"{scalar(0.1)}" == expected


def test_a_scalar_variable_converts_to_python_numbers():
    assert float(scalar(0.5)) == 0.5 and int(scalar(3, "int32")) == 3
    assert "%.1f %d" % (scalar(0.5), scalar(3, "int32")) == "0.5 3"
    assert list(range(scalar(3, "int32"))) == [0, 1, 2] and ["a", "b"][scalar(1, "int32")] == "b"
    assert math.sqrt(scalar(0.25)) == 0.5 and round(scalar(0.25), 1) == 0.2
    assert bool(scalar(1, "int32")) and not scalar(0, "int32")


def test_format_specs_apply_to_the_value():
    assert f"{scalar(0.5):.3f} {scalar(7, 'int32'):>3d}" == "0.500   7"


def test_arithmetic_gives_numpy_values_in_the_variables_dtype():
    rate = scalar(0.5)
    for result in (rate * 2, 2 * rate, rate + 1, 1 - rate, rate / 2, 1 / rate, rate ** 2, -rate):
        assert isinstance(result, np.float32)
    assert (rate * 2, 1 - rate, 2 ** scalar(3, "int32"), 7 // scalar(2, "int32")) == (1.0, 0.5, 8, 3)
    np.testing.assert_array_equal(np.array([1.0, 2.0]) * rate, [0.5, 1.0])
    np.testing.assert_array_equal(rate * np.array([1.0, 2.0]), [0.5, 1.0])
    assert sum([rate, rate]) == 1.0 and np.float64(4) * rate == 2.0


def test_comparisons_are_element_wise_on_the_value():
    rate = scalar(0.5)
    assert rate == 0.5 and rate != 0.25 and 0.25 < rate <= 0.5 and rate >= rate
    kernel = Variable(np.arange(3.0), name="kernel")
    np.testing.assert_array_equal(kernel > 0.5, [False, True, True])


def test_a_variable_with_dimensions_is_no_number_but_an_array():
    kernel = Variable(np.ones((2, 3)), name="kernel")
    with pytest.raises(TypeError, match=r"shape=\(2, 3\)"):
        float(kernel)
    np.testing.assert_array_equal(kernel * 2, np.full((2, 3), 2.0))
    np.testing.assert_array_equal(kernel @ np.ones(3), [3.0, 3.0])
    np.testing.assert_array_equal(kernel[0], np.ones(3))


def test_variables_with_dimensions_equal_other_variables_only_when_the_same():
    kernel, bias = Variable(np.ones(2), name="kernel"), Variable(np.ones(2), name="bias")
    assert kernel == kernel and kernel != bias
    assert bias in [kernel, bias] and [kernel, bias].index(bias) == 1
    assert kernel not in [Variable(np.ones(3), name="other"), bias]


def test_scalar_variables_compare_as_numbers_with_each_other():
    assert scalar(3, "int32") == scalar(3, "int32") == 3 and scalar(3, "int32") != scalar(4, "int32")


def test_variables_hash_by_identity():
    kernel, bias = Variable(np.ones(2), name="kernel"), Variable(np.ones(2), name="bias")
    assert {kernel: "k", bias: "b"}[bias] == "b" and len({kernel, bias}) == 2


def test_assign_add_and_assign_sub_change_the_value_in_place():
    count = scalar(3, "int32")
    array = count.value
    count.assign_add(2)
    count.assign_sub(1)
    assert count.value is array and count == 4


# ----------------------------------------------------------------------------- Keras's constructor
def test_a_variable_made_from_a_value_copies_it_and_keeps_its_dtype():
    data = np.arange(3.0)
    variable = Variable(data, name="w")
    data[0] = 9.0
    assert variable.numpy().tolist() == [0.0, 1.0, 2.0] and variable.dtype == np.float64
    assert (variable.name, variable.path, variable.trainable) == ("w", "w", True)


@pytest.mark.parametrize("initializer, dtype", [(1.0, "float32"), (1, "int32"), (True, "bool"),
                                                ([1.5, 2.0], "float32"),
                                                (np.zeros(2, "float16"), "float16")])
def test_python_values_take_keras_default_dtypes(initializer, dtype):
    assert Variable(initializer).dtype == dtype


def test_an_initializer_needs_a_shape_and_runs_for_it_in_the_dtype_given():
    variable = Variable("ones", shape=(2, 3), dtype="float64", trainable=False)
    assert variable.numpy().tolist() == [[1.0] * 3] * 2 and variable.dtype == np.float64
    assert not variable.trainable
    assert Variable("zeros", shape=(2,)).dtype == np.float32
    with pytest.raises(ValueError, match="the `shape` argument should be specified"):
        Variable("zeros")


def test_unnamed_variables_are_numbered_and_named_ones_take_the_open_name_scope():
    backend.clear_session()
    assert [Variable(0.0).name for _ in range(3)] == ["variable", "variable_1", "variable_2"]
    with backend.name_scope("outer"):
        assert Variable(0.0, name="w").path == "outer/w"


@pytest.mark.parametrize("arguments, message", [
    ({"name": "a/b"}, "cannot contain character `/`. Received: name=a/b"),
    ({"aggregation": "max"}, "argument `aggregation`.*Received: aggregation=max"),
    ({"synchronization": "x"}, "argument `synchronization`.*Received: synchronization=x"),
    ({"shape": (4,)}, "`shape` \\(4,\\) differs from the shape of its initial value, \\(3,\\)"),
    ({"dtype": "float33"}, "Invalid dtype"),
])
def test_bad_constructor_arguments_are_refused_by_name(arguments, message):
    with pytest.raises(ValueError, match=message):
        Variable(np.zeros(3), **arguments)


def test_aggregation_and_synchronization_are_kept():
    variable = Variable(0.0, aggregation="sum", synchronization=None)
    assert (variable.aggregation, variable.synchronization) == ("sum", "none")
    weight = Variable.holding(np.zeros(2), "kernel")
    assert (weight.aggregation, weight.synchronization) == ("none", "auto")


def test_holding_shares_the_array_it_is_given():
    data = np.zeros(2)
    weight = Variable.holding(data, "kernel", path="dense/kernel", trainable=False)
    weight.assign([1.0, 2.0])
    assert data.tolist() == [1.0, 2.0] and weight.path == "dense/kernel" and not weight.trainable
