"""The Lambda layer against Keras 3.15.1 (torch backend), in float64: outputs, inferred and given
output shapes, masks, configs, training with a leading Lambda, and files holding a Python lambda
or a named function moving both ways (lambdas only with ``safe_mode=False``, in both libraries).

The functions are plain arithmetic and indexing, which run on numpy arrays and torch tensors alike.
"""

import numpy as np
import pytest

import handkeras
from parity import assert_close

keras = pytest.importorskip("keras")
pytest.importorskip("torch")

from keras_pair import FILE_CASES, assert_same_history, assert_same_weights  # noqa: E402
from keras_pair import make_models, plain  # noqa: E402


def scaled(x):
    """A named function, registered under the same name in both libraries."""
    return x * 0.5 - 1.0


for library in (keras, handkeras):
    library.saving.register_keras_serializable(package="reference_lambda")(scaled)


def numpy_of(value):
    return keras.ops.convert_to_numpy(value)


def data(shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape)


@pytest.mark.parametrize("function,input_shape", [
    (lambda x: x * 2.0 + 1.0, (3,)),
    (lambda x: x[:, :2], (4, 3)),
    (lambda x: x[:, 1:] ** 2, (5,)),
    (lambda x: x.reshape(-1, 6), (2, 3)),
])
def test_outputs_and_inferred_shapes_are_keras_s(function, input_shape):
    x = data((4,) + input_shape)
    ours, theirs = handkeras.layers.Lambda(function), keras.layers.Lambda(function)
    assert_close(ours(x), numpy_of(theirs(x)), "output")
    for shape in [(None,) + input_shape, (None,) * (len(input_shape) + 1), (7,) + input_shape]:
        if None in shape[1:] and "reshape" in str(function.__code__.co_names):
            continue  # a reshape needs the sizes
        assert ours.compute_output_shape(shape) == theirs.compute_output_shape(shape), shape


def test_given_output_shapes_are_read_as_keras_reads_them():
    for output_shape in [(2,), (2, 1), lambda shape: shape[:1] + (9,)]:
        ours = handkeras.layers.Lambda(lambda x: x, output_shape=output_shape)
        theirs = keras.layers.Lambda(lambda x: x, output_shape=output_shape)
        for shape in [(None, 3), (5, 3)]:
            assert ours.compute_output_shape(shape) == tuple(theirs.compute_output_shape(shape))


def test_a_function_that_cannot_run_on_the_shape_raises_keras_s_error():
    def needs_five(x):
        return x @ np.ones((5, 2))

    with pytest.raises(NotImplementedError) as theirs:
        keras.layers.Lambda(needs_five).compute_output_shape((None, 3))
    with pytest.raises(NotImplementedError) as ours:
        handkeras.layers.Lambda(needs_five).compute_output_shape((None, 3))
    assert str(ours.value).startswith(str(theirs.value))


def test_masks_and_supports_masking_are_keras_s():
    x = np.array([[1.0, 0.0, 2.0]])
    previous = np.array([[True, False, True]])
    for mask in [None, lambda inputs, mask: ~mask, lambda inputs, mask: inputs > 1.5,
                 np.array([False, True, True])]:
        ours = handkeras.layers.Lambda(lambda v: v, mask=mask)
        theirs = keras.layers.Lambda(lambda v: v, mask=mask)
        assert ours.supports_masking == theirs.supports_masking
        expected = theirs.compute_mask(keras.ops.convert_to_tensor(x),
                                       keras.ops.convert_to_tensor(previous))
        got = ours.compute_mask(x, previous)
        assert (got is None) == (expected is None)
        if expected is not None:
            np.testing.assert_array_equal(got, numpy_of(expected))


def test_configs_of_named_functions_are_keras_s_both_ways():
    for make in (lambda L: L.Lambda(scaled, name="scale"),
                 lambda L: L.Lambda(scaled, output_shape=(3,), arguments={}, name="scale")):
        theirs = make(keras.layers).get_config()
        ours = make(handkeras.layers).get_config()
        assert plain(ours) == plain(theirs)
        assert handkeras.layers.Lambda.from_config(theirs).function is scaled
        assert keras.layers.Lambda.from_config(plain(ours)).function is scaled


def test_configs_of_python_lambdas_have_keras_s_form_and_load_in_the_other_library():
    shift = 1.0

    def make(L):
        return L.Lambda(lambda x, k=2.0: x * k + shift, output_shape=(3,), name="affine")

    theirs, ours = (make(library.layers).get_config() for library in (keras, handkeras))
    for config in (theirs, ours):
        assert config["function"]["class_name"] == "__lambda__"
        assert config["function"]["config"]["defaults"] == (2.0,)
        assert config["function"]["config"]["closure"] == (1.0,)
    assert plain({**ours, "function": None}) == plain({**theirs, "function": None})
    x = data((2, 3))
    assert_close(handkeras.layers.Lambda.from_config(plain(theirs), safe_mode=False)(x),
                 x * 2.0 + 1.0, "handkeras's Lambda from Keras's config")
    # Keras itself cannot load defaults from JSON (a list where Python wants a tuple): without them

    def make_without_defaults(L):
        return L.Lambda(lambda x: x * 2.0 + 1.0, name="affine")

    theirs, ours = (make_without_defaults(library.layers).get_config()
                    for library in (keras, handkeras))
    from_keras = handkeras.layers.Lambda.from_config(plain(theirs), safe_mode=False)
    from_ours = keras.layers.Lambda.from_config(plain(ours), safe_mode=False)
    assert_close(from_keras(x), x * 2.0 + 1.0, "handkeras's Lambda from Keras's config")
    assert_close(numpy_of(from_ours(x)), x * 2.0 + 1.0, "Keras's Lambda from handkeras's config")


def _lambda_model(library):
    L = library.layers
    return library.Sequential([library.Input((3,)), L.Dense(4), L.Lambda(lambda x: x * 2.0 + 1.0),
                               L.Dense(2)])


@pytest.mark.parametrize("writer,reader,filename", FILE_CASES)
def test_files_with_a_python_lambda_load_only_with_safe_mode_off(tmp_path, writer, reader,
                                                                  filename):
    source = _lambda_model(writer)
    source.save(tmp_path / filename)
    with pytest.raises(ValueError, match="risk of arbitrary code execution"):
        reader.models.load_model(tmp_path / filename)
    loaded = reader.models.load_model(tmp_path / filename, safe_mode=False)
    x = data((5, 3))
    assert_close(numpy_of(loaded.predict(x, verbose=0)), numpy_of(source.predict(x, verbose=0)),
                 f"{reader.__name__} predictions")


def test_the_refusal_is_keras_s_message():
    config = keras.layers.Lambda(lambda x: x).get_config()
    with pytest.raises(ValueError) as theirs:
        keras.layers.Lambda.from_config(dict(config))
    with pytest.raises(ValueError) as ours:
        handkeras.layers.Lambda.from_config(dict(config))
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("writer,reader,filename", FILE_CASES)
def test_files_with_a_registered_function_load_in_safe_mode(tmp_path, writer, reader, filename):
    L = writer.layers
    source = writer.Sequential([writer.Input((3,)), L.Lambda(scaled), L.Dense(2)])
    source.save(tmp_path / filename)
    loaded = reader.models.load_model(tmp_path / filename)
    assert loaded.layers[0].function is scaled
    x = data((5, 3))
    assert_close(numpy_of(loaded.predict(x, verbose=0)), numpy_of(source.predict(x, verbose=0)),
                 f"{reader.__name__} predictions")


def test_a_model_with_leading_lambdas_trains_as_in_keras():
    x, y = data((16, 4, 4)) * 100.0, data((16, 2), seed=1)

    def build(lib):
        L = lib.layers
        return lib.Sequential([lib.Input((4, 4)), L.Lambda(lambda v: v / 255.0),
                               L.Lambda(lambda v: v[:, :, :, None]), L.Conv2D(2, 2),
                               L.Flatten(), L.Dense(2)])

    mine, theirs = make_models(build)
    for model, lib in ((theirs, keras), (mine, handkeras)):
        model.compile(optimizer=lib.optimizers.Adam(0.01), loss="mse")
    history = [m.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
               for m in (mine, theirs)]
    assert_same_history(*history)
    assert_same_weights(mine, theirs)
