"""``keras.backend``'s dtype and naming helpers, ``keras.Variable`` and ``keras.KerasTensor``
against Keras 3.15.1's: the same answers to the same calls, the same values, dtypes, names and
errors."""

import numpy as np
import pytest

import handkeras

keras = pytest.importorskip("keras")
torch = pytest.importorskip("torch")


def outcome(function, *args, **kwargs):
    """What a call returns, or the type and message of what it raises."""
    try:
        return "returns", function(*args, **kwargs)
    except Exception as error:  # noqa: BLE001 - the comparison is the point
        return type(error).__name__, str(error)


DTYPES = [None, "float32", "bfloat16", "float16", "int8", "uint8", "int64", "bool", "string",
          "complex64", int, float, bool, np.float64, np.uint32, "float", "foo"]


@pytest.mark.parametrize("dtype", DTYPES, ids=repr)
@pytest.mark.parametrize("function", ["is_float_dtype", "is_int_dtype", "standardize_dtype"])
def test_dtype_predicates_answer_as_keras(function, dtype):
    assert (outcome(getattr(handkeras.backend, function), dtype)
            == outcome(getattr(keras.backend, function), dtype))


@pytest.mark.parametrize("dtypes", [("int32", "float16"), ("int8", "uint8"), ("bool", "int16"),
                                    ("float32", "float64"), ("uint8",), ()], ids=repr)
def test_result_type_promotes_as_keras(dtypes):
    assert handkeras.backend.result_type(*dtypes) == keras.backend.result_type(*dtypes)


def test_get_uid_counts_on_the_layer_name_counters_until_clear_session():
    def session(library):
        library.backend.clear_session()
        uids = [library.backend.get_uid(), library.backend.get_uid(), library.backend.get_uid("x")]
        library.layers.Dense(2)
        uids.append(library.backend.get_uid("dense"))
        uids.append(library.layers.Dense(2).name)
        library.backend.clear_session()
        return uids + [library.backend.get_uid("dense"), library.layers.Dense(2).name]

    assert session(handkeras) == session(keras) == [1, 2, 1, 2, "dense_2", 1, "dense_1"]


def test_is_keras_tensor_is_the_same_in_backend_and_utils():
    for library in (handkeras, keras):
        assert library.backend.is_keras_tensor(library.Input((2,)))
        assert not library.backend.is_keras_tensor(np.zeros(2))


# ------------------------------------------------------------------------------ Variable
INITIAL_VALUES = [1.0, 1, True, [1.5, 2.0], [1, 2], np.arange(3.0), np.arange(3),
                  np.zeros((2, 2), "float16"), np.arange(4, dtype="int32").reshape(2, 2)]


def described(variable):
    """What a script can read of a variable."""
    return (variable.name, variable.path, tuple(variable.shape), str(np.dtype(variable.dtype)),
            np.asarray(variable.numpy()).tolist(), variable.trainable, variable.aggregation,
            variable.synchronization)


@pytest.mark.parametrize("initial", INITIAL_VALUES, ids=repr)
def test_a_variable_from_a_value_is_keras_s(initial):
    # Keras on torch refuses integer variables that require gradients: compare untrainable ones.
    ours = handkeras.Variable(initial, trainable=False, name="v")
    theirs = keras.Variable(initial, trainable=False, name="v")
    assert described(ours) == described(theirs)


@pytest.mark.parametrize("arguments", [
    dict(initializer="ones", shape=(2, 3)),
    dict(initializer="zeros", shape=(4,), dtype="float64", trainable=False),
    dict(initializer=np.ones(3), dtype="float16"),
    dict(initializer=2.0, dtype="float64", aggregation="sum", synchronization="on_read"),
    dict(initializer=1.0, aggregation=None, synchronization=None),
], ids=repr)
def test_a_variable_from_arguments_is_keras_s(arguments):
    ours = handkeras.Variable(**arguments, name="w")
    theirs = keras.Variable(**arguments, name="w")
    assert described(ours) == described(theirs)


@pytest.mark.parametrize("arguments", [
    dict(initializer="zeros"),
    dict(initializer=1.0, name="a/b"),
    dict(initializer=1.0, name=3),
    dict(initializer=1.0, dtype="float33"),
    dict(initializer=1.0, aggregation="max"),
    dict(initializer=1.0, synchronization="sometimes"),
], ids=repr)
def test_bad_variable_arguments_raise_keras_s_errors(arguments):
    ours = outcome(handkeras.Variable, **arguments)
    theirs = outcome(keras.Variable, **arguments)
    assert ours[0] == theirs[0] == "ValueError"
    if "initializer=" not in theirs[1]:  # Keras's message shows its initializer object's repr
        assert ours[1].split(". handkeras")[0] == theirs[1]


def test_unnamed_variables_are_numbered_as_keras_numbers_them():
    for library in (handkeras, keras):
        library.backend.clear_session()
    assert ([handkeras.Variable(0.0).name for _ in range(3)]
            == [keras.Variable(0.0).name for _ in range(3)])


# ------------------------------------------------------------------------------ KerasTensor
@pytest.mark.parametrize("arguments", [dict(shape=(None, 3)),
                                       dict(shape=(2, 4), dtype="int32", name="t"),
                                       dict(shape=(5,), sparse=True)], ids=repr)
def test_a_keras_tensor_made_directly_is_keras_s(arguments):
    def described_tensor(tensor):
        return (tuple(tensor.shape), tensor.dtype, tensor.sparse, tensor.ragged, tensor.ndim)

    assert (described_tensor(handkeras.KerasTensor(**arguments))
            == described_tensor(keras.KerasTensor(**arguments)))
