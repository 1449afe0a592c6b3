"""keras.random against Keras 3.15.1: each function's shape and dtype for the same arguments,
Keras's seed semantics, and the errors of a float function asked for integers and of a bad seed.
(The numbers themselves come from different generators and are not compared.)"""

import numpy as np
import pytest

import handkeras

keras = pytest.importorskip("keras")

CALLS = {
    "normal": (((2, 3),), {"mean": 1.0, "stddev": 2.0}),
    "uniform": (((4,),), {"minval": -1.0, "maxval": 1.0, "dtype": "float64"}),
    "randint": (((2, 2), 0, 5), {}),
    "truncated_normal": (((3, 1),), {"dtype": "float16"}),
    "gamma": (((5,), 2.0), {}),
    "binomial": (((2,), 5, 0.5), {}),
    "beta": (((2, 2), 2.0, 3.0), {}),
    "categorical": ((np.log([[0.5, 0.25, 0.25], [0.1, 0.1, 0.8]]), 6), {}),
    "shuffle": ((np.arange(12).reshape(3, 4),), {"axis": 1}),
}


@pytest.fixture(autouse=True)
def keras_floats():
    """Keras's default floatx, which the directory's float64 set-up changes, in both libraries."""
    keras.config.set_floatx("float32")
    handkeras.config.set_floatx("float32")


@pytest.mark.parametrize("name", CALLS)
def test_shape_and_dtype_are_keras(name):
    args, kwargs = CALLS[name]
    ours = getattr(handkeras.random, name)(*args, seed=1, **kwargs)
    theirs = keras.ops.convert_to_numpy(getattr(keras.random, name)(*args, seed=1, **kwargs))
    assert (ours.shape, ours.dtype) == (theirs.shape, theirs.dtype)


def test_dropout_keeps_keras_scale_and_dtype():
    x = np.ones((4, 5), np.float32)
    ours = handkeras.random.dropout(x, 0.2, seed=1)
    theirs = keras.ops.convert_to_numpy(keras.random.dropout(keras.ops.convert_to_tensor(x), 0.2,
                                                             seed=1))
    assert ours.dtype == theirs.dtype
    assert set(np.unique(ours)) <= {0.0, np.float32(1.25)} >= set(np.unique(theirs))


def test_seed_semantics_are_keras():
    for library in (handkeras, keras):
        draw = lambda seed: keras.ops.convert_to_numpy(library.random.normal((3,), seed=seed))  # noqa
        assert np.array_equal(draw(5), draw(5)), library.__name__
        generator = library.random.SeedGenerator(2)
        assert not np.array_equal(draw(generator), draw(generator)), library.__name__
        assert library.random.SeedGenerator(4).get_config()["seed"] == 4


@pytest.mark.parametrize("call", [
    lambda library: library.random.uniform((2,), dtype="int32"),
    lambda library: library.random.normal((2,), seed="x"),
], ids=["integer dtype", "seed of another type"])
def test_errors_are_keras_value_errors(call):
    with pytest.raises(ValueError) as theirs:
        call(keras)
    with pytest.raises(ValueError) as ours:
        call(handkeras)
    named = str(theirs.value).split("`")[1]  # what Keras's message names: the function, `seed`
    assert named in str(ours.value)
