"""EinsumDense against Keras 3.15.1 (torch backend), in float64 to rtol 1e-9: the docstring's
examples, weight shapes, names and paths, output shapes, outputs with the same weights, configs
both ways, the exception type of each bad equation or shape, short fits, and LoRA.

Keras makes LoRA's factors float32 whatever the layer's dtype (handkeras: the layer's dtype, so
that float64 gradient checks reach them); its LoRA outputs are compared with factors whose
products float32 holds exactly, its LoRA training to float32's precision.

Saving either library's model and loading it in the other (LoRA included) is covered by the layer
table of test_keras_saving.py.
"""

import numpy as np
import pytest

import handkeras
from parity import assert_close

keras = pytest.importorskip("keras")
pytest.importorskip("torch")

from keras.src.layers.core.einsum_dense import _analyze_einsum_string  # noqa: E402
from keras_pair import (assert_same_history, assert_same_weights,  # noqa: E402
                        make_models, plain)

CASES = [  # equation, output_shape, bias_axes, input shape (batch excluded), activation
    ("ab,bc->ac", 4, "c", (3,), "relu"),
    ("ab,cb->ac", 4, None, (3,), "linear"),
    ("...b,bc->...c", 4, "c", (3, 5), "softmax"),
    ("...b,bc->...c", 4, "c", (5,), "tanh"),
    ("...ab,bc->...ac", (3, 7), "ac", (4, 3, 5), "linear"),
    ("ab...,bc->ac...", 4, "c", (5, 3, 2), "sigmoid"),
    ("abc,cd->abd", (3, 4), "bd", (3, 5), "tanh"),
    ("abc,cde->abde", (None, 4, 2), "de", (3, 5), "linear"),
    ("abc,cde->abde", (3, 4, 2), "b", (3, 5), "linear"),
    ("abc,bcd->ad", 4, None, (3, 5), "tanh"),
    ("abcd,cde->abe", (None, 4), "e", (3, 5, 6), "linear"),
    ("abc,bcd->abd", (3, 4), "bd", (3, 5), "softmax"),
]
IDS = [f"{case[0]} {case[2]}" for case in CASES]


def _numpy(value):
    return np.asarray(value.detach().numpy() if hasattr(value, "detach") else value)


def _layer(library, case, **kwargs):
    equation, output_shape, bias_axes, _, activation = case
    return library.layers.EinsumDense(equation, output_shape, bias_axes=bias_axes,
                                      activation=activation, **kwargs)


@pytest.mark.parametrize("example, input_shape, output_shape", [
    (("ab,bc->ac", 64, "c"), (32,), (None, 64)),
    # The docstring shows (None, 32, 64); Keras gives the None of `output_shape`.
    (("abc,cd->abd", (None, 64), "d"), (32, 128), (None, None, 64)),
    (("...x,xy->...y", 64, "y"), (32, 128), (None, 32, 64)),
])
def test_the_docstring_examples_give_keras_s_shapes(example, input_shape, output_shape):
    equation, shape, bias_axes = example
    for library in (keras, handkeras):
        layer = library.layers.EinsumDense(equation, output_shape=shape, bias_axes=bias_axes)
        assert tuple(layer(library.Input(shape=input_shape)).shape) == output_shape


def _paths(model):
    """The weights' paths, the model's and the layer's names (which differ between the two
    libraries' counters) written as placeholders."""
    return [w.path.replace(f"{model.name}/{model.layers[0].name}/", "<model>/<layer>/")
            for w in model.weights]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_weights_output_shapes_and_outputs_are_keras_s(case):
    shape = case[3]
    theirs = keras.Sequential([keras.Input(shape), _layer(keras, case)])
    ours = handkeras.Sequential([handkeras.Input(shape), _layer(handkeras, case)])
    assert [(w.name, tuple(w.shape), w.trainable) for w in ours.weights] == [
        (w.name, tuple(w.shape), w.trainable) for w in theirs.weights]
    assert _paths(ours) == _paths(theirs)
    assert ours.layers[0].compute_output_shape((None,) + shape) == \
        theirs.layers[0].compute_output_shape((None,) + shape)
    assert ours.output_shape == tuple(theirs.output_shape)
    rng = np.random.default_rng(0)
    ours.set_weights(theirs.get_weights())
    x = rng.normal(size=(6,) + shape)
    assert_close(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), "predict")


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_the_kernel_initializer_counts_the_fans_keras_counts(case):
    """glorot_uniform's limit ``sqrt(6 / (fan_in + fan_out))``, the fans over the kernel axes
    that Keras's shape analysis calls input and output axes: the draws fill that range."""
    equation, output_shape, bias_axes, shape, _ = case
    output_shape = output_shape if isinstance(output_shape, tuple) else (output_shape,)
    kernel_shape, _, _, input_axes, output_axes = _analyze_einsum_string(
        equation, bias_axes, (None,) + shape, output_shape)
    fan_in, fan_out = (np.prod([kernel_shape[i] for i in axes]) for axes in (input_axes,
                                                                              output_axes))
    limit = np.sqrt(6 / (fan_in + fan_out))
    layer = _layer(handkeras, case,
                   kernel_initializer=handkeras.initializers.GlorotUniform(seed=1))
    layer.build((None,) + shape)
    largest = np.abs(layer.kernel.value).max()
    assert 0.7 * limit < largest <= limit


@pytest.mark.parametrize("kwargs", [
    {},
    {"kernel_initializer": "he_normal", "bias_initializer": "ones", "kernel_regularizer": "l2",
     "bias_regularizer": "l1", "activity_regularizer": "l2", "kernel_constraint": "non_neg",
     "bias_constraint": "max_norm", "name": "einsum_mixer", "trainable": False},
    {"lora_rank": 2},
    {"lora_rank": 2, "lora_alpha": 5},
], ids=["defaults", "every argument", "lora", "lora alpha"])
@pytest.mark.parametrize("case", [CASES[6], CASES[7], CASES[4]], ids=[IDS[6], IDS[7], IDS[4]])
def test_configs_are_keras_s_and_load_in_the_other_library(case, kwargs):
    kwargs = {"name": "mixer", **kwargs}  # the libraries' name counters differ
    theirs, ours = _layer(keras, case, **kwargs), _layer(handkeras, case, **kwargs)
    for layer in (theirs, ours):
        layer.build((None,) + case[3])
    config = plain(theirs.get_config())
    assert plain(ours.get_config()) == config
    assert plain(handkeras.layers.EinsumDense.from_config(config).get_config()) == config
    assert plain(keras.layers.EinsumDense.from_config(plain(ours.get_config())).get_config()) \
        == config


@pytest.mark.parametrize("equation, output_shape, bias_axes, input_shape", [
    ("ab->ac", 4, None, (3,)),
    ("a...b,bc->a...c", 4, None, (2, 3)),
    ("ab,bc->ad", 4, None, (3,)),
    ("ab,bcq->ac", 4, None, (3,)),
    ("ab,bc->ac", 4, "x", (3,)),
    ("abc,cd->abd", (5, 4), None, (3, 6)),
    ("ab,bc->ac", (None,), None, (3,)),
    ("abc,cd->abd", (None, 8), "bd", (3, 5)),
])
def test_a_bad_equation_or_shape_is_a_value_error_in_both(equation, output_shape, bias_axes,
                                                           input_shape):
    for library in (keras, handkeras):
        with pytest.raises(ValueError):
            layer = library.layers.EinsumDense(equation, output_shape, bias_axes=bias_axes)
            layer(library.Input(input_shape))


def test_a_model_of_einsum_dense_layers_fits_as_in_keras():
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(20, 3, 5)), rng.normal(size=(20, 2))

    def build(lib):
        L = lib.layers
        return lib.Sequential([
            lib.Input((3, 5)),
            L.EinsumDense("abc,cde->abde", (3, 4, 2), bias_axes="de", activation="tanh"),
            L.EinsumDense("abde,de->ab", (3,), bias_axes="b", activation="relu",
                          kernel_regularizer="l2"),
            L.EinsumDense("...b,bc->...c", 2, bias_axes="c")])

    mine, theirs = make_models(build)
    for model, lib in ((theirs, keras), (mine, handkeras)):
        model.compile(optimizer=lib.optimizers.Adam(0.01), loss="mse", metrics=["mae"])
    history = [m.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0)
               for m in (mine, theirs)]
    assert_same_history(*history)
    assert_same_weights(mine, theirs)


# ----------------------------------------------------------------------------- LoRA
def _lora_models(rank=2, alpha=None):
    def build(lib):
        return lib.Sequential([lib.Input((3, 5)), lib.layers.EinsumDense(
            "abc,cde->abde", (3, 4, 2), bias_axes="de", activation="tanh", lora_rank=rank,
            lora_alpha=alpha)])

    theirs, ours = build(keras), build(handkeras)
    # Halves and units: float32 factors and their products are exact.
    rng = np.random.default_rng(6)
    weights = [rng.normal(size=tuple(w.shape)) for w in theirs.weights[:2]] + [
        rng.integers(-4, 5, tuple(w.shape)) / 2 for w in theirs.weights[2:]]
    theirs.set_weights(weights)
    ours.set_weights(weights)
    return ours, theirs


def test_lora_weights_are_keras_s_but_in_the_layer_s_dtype():
    ours, theirs = _lora_models()
    assert [(w.name, tuple(w.shape), w.trainable) for w in ours.weights] == [
        (w.name, tuple(w.shape), w.trainable) for w in theirs.weights]
    assert [str(w.dtype) for w in theirs.weights] == ["float64", "float64", "float32", "float32"]
    assert [str(w.dtype) for w in ours.weights] == ["float64"] * 4


@pytest.mark.parametrize("alpha", [None, 6])
def test_lora_outputs_and_kernel_are_keras_s(alpha):
    ours, theirs = _lora_models(alpha=alpha)
    x = np.random.default_rng(7).normal(size=(4, 3, 5))
    assert_close(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), "predict")
    assert_close(ours.layers[0].kernel, _numpy(theirs.layers[0].kernel), "merged kernel")


def test_enable_lora_on_a_built_layer_is_keras_s():
    for library in (keras, handkeras):
        layer = library.layers.EinsumDense("ab,bc->ac", 3, bias_axes="c")
        layer.build((None, 4))
        layer.enable_lora(2, lora_alpha=3)
        assert [w.name for w in layer.trainable_weights] == ["bias", "lora_kernel_a",
                                                             "lora_kernel_b"]
        assert (layer.lora_rank, layer.lora_alpha, layer.lora_enabled) == (2, 3, True)
        assert layer.get_config()["lora_rank"] == 2
        with pytest.raises(ValueError, match="already enabled"):
            layer.enable_lora(2)


def test_lora_training_follows_keras_to_float32_precision():
    ours, theirs = _lora_models(alpha=4)
    rng = np.random.default_rng(8)
    x, y = rng.normal(size=(12, 3, 5)), rng.normal(size=(12, 3, 4, 2))
    for model, lib in ((theirs, keras), (ours, handkeras)):
        model.compile(optimizer=lib.optimizers.SGD(0.05), loss="mse")
    history = [m.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0).history["loss"]
               for m in (ours, theirs)]
    np.testing.assert_allclose(history[0], history[1], rtol=1e-6)
    for mine, reference in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(mine, reference, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(ours.layers[0]._kernel.value, theirs.get_weights()[0])
