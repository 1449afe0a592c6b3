"""EinsumDense: the equation's shapes (as Keras derives them), the hand-written backward against
float64 central differences, LoRA, errors, configs and files."""

import json
import math
import zipfile

import numpy as np
import pytest

import handkeras as keras
from handkeras import layers
from handkeras.utils.gradient_check import layer_gradients
from gradient_checks import assert_gradients_match, assert_model_gradients_match, data

# equation, output_shape, bias_axes, input shape (batch included): one of each form and of the
# cases a backward can get wrong (an axis summed away, a kernel axis shared with the output).
EQUATIONS = [
    ("ab,bc->ac", 4, "c", (5, 3)),
    ("ab,cb->ac", 4, "c", (5, 3)),
    ("...b,bc->...c", 4, "c", (2, 3, 5)),
    ("...b,bc->...c", 4, "c", (5, 3)),
    ("...ab,bc->...ac", (3, 7), "ac", (2, 4, 3, 5)),
    ("ab...,bc->ac...", 4, "c", (2, 5, 3, 2)),
    ("abc,cd->abd", (3, 4), "bd", (2, 3, 5)),
    ("abc,cde->abde", (None, 4, 2), "de", (2, 3, 5)),
    ("abc,cde->abde", (3, 4, 2), "e", (2, 3, 5)),
    ("abc,bcd->ad", 4, None, (2, 3, 5)),
    ("abcd,cde->abe", (None, 4), "e", (2, 3, 5, 6)),
    ("abc,bcd->abd", (3, 4), "bd", (2, 3, 5)),
]
IDS = [f"{eq} {bias}" for eq, _, bias, _ in EQUATIONS]


# ----------------------------------------------------------------------------- shapes
# Kernel, bias and output shapes of each EQUATIONS case, as Keras 3.15.1 derives them (the output
# keeps the None that `output_shape` gives, even where the input knows the size).
KERAS_SHAPES = [
    ((3, 4), (4,), (None, 4)),
    ((4, 3), (4,), (None, 4)),
    ((5, 4), (4,), (None, 3, 4)),
    ((3, 4), (4,), (None, 4)),
    ((5, 7), (3, 7), (None, 4, 3, 7)),
    ((5, 4), (4, 1, 1), (None, 4, 3, 2)),
    ((5, 4), (3, 4), (None, 3, 4)),
    ((5, 4, 2), (4, 2), (None, None, 4, 2)),
    ((5, 4, 2), (2,), (None, 3, 4, 2)),
    ((3, 5, 4), None, (None, 4)),
    ((5, 6, 4), (4,), (None, None, 4)),
    ((3, 5, 4), (3, 4), (None, 3, 4)),
]


@pytest.mark.parametrize("case, shapes", list(zip(EQUATIONS, KERAS_SHAPES)), ids=IDS)
def test_weight_and_output_shapes_are_keras_s(case, shapes):
    equation, output_shape, bias_axes, input_shape = case
    kernel_shape, bias_shape, output = shapes
    layer = layers.EinsumDense(equation, output_shape, bias_axes=bias_axes)
    layer.build((None,) + input_shape[1:])
    assert layer.kernel.shape == kernel_shape
    assert [w.name for w in layer.weights] == ["kernel"] + (["bias"] if bias_shape else [])
    assert (None if layer.bias is None else layer.bias.shape) == bias_shape
    assert layer.compute_output_shape((None,) + input_shape[1:]) == output
    y = layer(data(input_shape))
    assert y.shape == tuple(s if o is None else o for s, o in zip(y.shape, output))


def test_a_single_int_output_shape_is_a_one_tuple():
    layer = layers.EinsumDense("ab,bc->ac", 64, bias_axes="c")
    assert layer.partial_output_shape == (64,)
    assert layer.get_config()["output_shape"] == (64,)


def test_the_ellipsis_on_the_left_takes_any_number_of_leading_axes(float64):
    layer = layers.EinsumDense("...x,xy->...y", 4, bias_axes="y")
    x = data((2, 3, 5, 6))
    y = layer(x)
    assert y.shape == (2, 3, 5, 4)
    np.testing.assert_allclose(y, x @ layer.kernel.value + layer.bias.value, rtol=1e-12)


def test_the_kernel_initializer_counts_fans_over_the_kernel_s_input_and_output_axes():
    """glorot_uniform on a (5, 4, 2) kernel of "abc,cde->abde": fan_in 5, fan_out 4 * 2 (not a
    convolution's receptive field), as Keras's EinsumDense gives it; its config is untouched."""
    layer = layers.EinsumDense("abc,cde->abde", (3, 4, 2),
                               kernel_initializer=keras.initializers.GlorotUniform(seed=3))
    layer.build((None, 3, 5))
    limit = math.sqrt(6 / (5 + 8))
    kernel = layer.kernel.value
    assert np.abs(kernel).max() <= limit
    assert np.abs(kernel).max() > 0.8 * limit  # uniform over the whole range, not a narrower one
    assert layer.get_config()["kernel_initializer"]["config"] == {
        "seed": 3, "input_axes": None, "output_axes": None}


# ----------------------------------------------------------------------------- gradients
@pytest.mark.parametrize("equation, output_shape, bias_axes, input_shape", EQUATIONS, ids=IDS)
def test_gradients(float64, equation, output_shape, bias_axes, input_shape):
    layer = layers.EinsumDense(equation, output_shape, bias_axes=bias_axes, activation="tanh",
                               bias_initializer="random_normal")
    results = layer_gradients(layer, data(input_shape))
    assert_gradients_match(results, ["input", "kernel"] + (["bias"] if bias_axes else []))


@pytest.mark.parametrize("activation", ["linear", "relu", "sigmoid", "softmax"])
def test_gradients_through_each_activation(float64, activation):
    layer = layers.EinsumDense("abc,cd->abd", (3, 4), bias_axes="d", activation=activation,
                               bias_initializer="random_normal")
    assert_gradients_match(layer_gradients(layer, data((2, 3, 5), seed=1)))


def test_the_input_gradient_is_constant_along_an_axis_the_equation_sums_away(float64):
    """"abc,cd->ad" sums x over b: every b gets the same gradient."""
    layer = layers.EinsumDense("abc,cd->ad", 4)
    results = layer_gradients(layer, data((2, 3, 5)))
    assert_gradients_match(results)
    dx = results["input"][0]
    np.testing.assert_array_equal(dx, np.broadcast_to(dx[:, :1], dx.shape))


@pytest.mark.parametrize("loss, activation", [("categorical_crossentropy", "softmax"),
                                              ("mse", "tanh")])
def test_model_gradients_with_the_loss_fused_or_not(float64, loss, activation):
    model = keras.Sequential([
        keras.Input((3, 5)),
        layers.EinsumDense("abc,cde->abde", (3, 4, 2), bias_axes="de", activation="relu",
                           bias_initializer="random_normal"),
        layers.Flatten(),
        layers.EinsumDense("...b,bc->...c", 3, bias_axes="c", activation=activation),
    ])
    model.compile(loss=loss, optimizer="sgd")
    y = np.eye(3)[[0, 2, 1, 1]]
    assert_model_gradients_match(model, data((4, 3, 5), seed=2), y)


def test_a_model_of_einsum_dense_layers_learns():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 3, 4)).astype("float32")
    y = np.einsum("abc,cd->abd", x, rng.standard_normal((4, 2))).astype("float32")
    model = keras.Sequential([keras.Input((3, 4)),
                              layers.EinsumDense("abc,cd->abd", (3, 2), bias_axes="d")])
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="mse")
    history = model.fit(x, y, epochs=30, verbose=0)
    assert history.history["loss"][-1] < 0.01 * history.history["loss"][0]


def test_inference_writes_nothing_to_the_layer():
    layer = layers.EinsumDense("abc,cd->abd", (3, 4), bias_axes="d")
    x = data((2, 3, 5)).astype("float32")
    layer(x)
    attributes = dict(vars(layer))
    layer.forward(x, training=False)
    assert vars(layer).keys() == attributes.keys()


def test_a_frozen_layer_leaves_no_gradients(float64):
    layer = layers.EinsumDense("ab,bc->ac", 3, bias_axes="c", trainable=False)
    layer.build((None, 4))
    layer.forward(data((2, 4)), training=True)
    dx = layer.backward(np.ones((2, 3)))
    assert layer.gradients == [] and layer.trainable_weights == []
    np.testing.assert_allclose(dx, np.ones((2, 3)) @ layer.kernel.value.T, rtol=1e-12)


# ----------------------------------------------------------------------------- LoRA
def _lora_layer(**kwargs):
    layer = layers.EinsumDense("abc,cde->abde", (3, 4, 2), bias_axes="de", **kwargs)
    layer.build((None, 3, 5))
    return layer


def test_lora_rank_freezes_the_kernel_and_trains_two_low_rank_factors():
    layer = _lora_layer(lora_rank=2, lora_alpha=3)
    assert [(w.name, w.shape, w.trainable) for w in layer.weights] == [
        ("kernel", (5, 4, 2), False), ("bias", (4, 2), True),
        ("lora_kernel_a", (5, 4, 2), True), ("lora_kernel_b", (2, 2), True)]
    assert [w.name for w in layer.trainable_weights] == ["bias", "lora_kernel_a",
                                                         "lora_kernel_b"]
    assert (layer.lora_enabled, layer.lora_rank, layer.lora_alpha) == (True, 2, 3)


def test_enable_lora_leaves_the_output_unchanged_until_trained(float64):
    layer = _lora_layer()
    x = data((2, 3, 5))
    before = layer(x)
    layer.enable_lora(3)
    assert layer.lora_alpha == 3
    np.testing.assert_array_equal(layer.lora_kernel_b.value, 0)
    np.testing.assert_allclose(layer(x), before, rtol=1e-12)


def test_the_lora_kernel_is_the_frozen_kernel_plus_the_scaled_product(float64):
    layer = _lora_layer(lora_rank=2, lora_alpha=6)
    layer.lora_kernel_b.assign(data((2, 2), seed=5))
    a, b = layer.lora_kernel_a.value, layer.lora_kernel_b.value
    expected = layer._kernel.value + 3.0 * np.einsum("cdr,re->cde", a, b)
    np.testing.assert_allclose(layer.kernel, expected, rtol=1e-12)
    x = data((2, 3, 5))
    np.testing.assert_allclose(layer(x), np.einsum("abc,cde->abde", x, expected)
                               + layer.bias.value, rtol=1e-12)


def test_lora_gradients(float64):
    layer = _lora_layer(lora_rank=2, lora_alpha=5, activation="tanh")
    layer.lora_kernel_b.assign(data((2, 2), seed=5))
    results = layer_gradients(layer, data((2, 3, 5)))
    assert_gradients_match(results, ["input", "bias", "lora_kernel_a", "lora_kernel_b"])


def test_lora_training_moves_the_factors_and_not_the_kernel():
    model = keras.Sequential([keras.Input((4,)),
                              layers.EinsumDense("ab,bc->ac", 3, bias_axes="c", lora_rank=2)])
    kernel = model.layers[0]._kernel.numpy()
    model.compile(optimizer="adam", loss="mse")
    model.fit(data((8, 4)), data((8, 3)), epochs=2, verbose=0)
    np.testing.assert_array_equal(model.layers[0]._kernel.value, kernel)
    assert np.abs(model.layers[0].lora_kernel_b.value).max() > 0


@pytest.mark.parametrize("filename", ["model.keras", "model.weights.h5"])
def test_keras_s_files_hold_the_merged_kernel_and_load_with_the_factors_at_zero(tmp_path,
                                                                                filename):
    model = keras.Sequential([keras.Input((4,)),
                              layers.EinsumDense("ab,bc->ac", 3, bias_axes="c", lora_rank=2)])
    model.layers[0].lora_kernel_b.assign(data((2, 3), seed=1))
    x = data((5, 4)).astype("float32")
    merged = np.array(model.layers[0].kernel)
    if filename.endswith(".keras"):
        model.save(tmp_path / filename)
        loaded = keras.models.load_model(tmp_path / filename)
    else:
        model.save_weights(tmp_path / filename)
        loaded = keras.Sequential([keras.Input((4,)), layers.EinsumDense(
            "ab,bc->ac", 3, bias_axes="c", lora_rank=2)])
        loaded.load_weights(tmp_path / filename)
    layer = loaded.layers[0]
    np.testing.assert_array_equal(layer._kernel.value, merged)
    np.testing.assert_array_equal(layer.lora_kernel_a.value, 0)
    np.testing.assert_array_equal(layer.lora_kernel_b.value, 0)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-6)


def test_a_file_cannot_make_a_lora_layer_allocate_beyond_its_kernel_s_size(tmp_path):
    model = keras.Sequential([keras.Input((4,)),
                              layers.EinsumDense("ab,bc->ac", 3, bias_axes="c", lora_rank=2)])
    model.save(tmp_path / "model.keras")
    hostile = _with_lora_rank(tmp_path / "model.keras", 10**6, tmp_path / "hostile.keras")
    with pytest.raises(ValueError, match="lora_kernel_a.*does not store"):
        keras.saving.load_model(hostile)


def _with_lora_rank(source, rank, target):
    """A copy of the ``.keras`` file ``source`` whose EinsumDense asks for ``lora_rank=rank``
    (what a damaged or hostile config could ask)."""
    with zipfile.ZipFile(source) as archive, zipfile.ZipFile(target, "w") as edited:
        for item in archive.infolist():
            content = archive.read(item)
            if item.filename == "config.json":
                config = json.loads(content)
                config["config"]["layers"][1]["config"]["lora_rank"] = rank
                content = json.dumps(config).encode()
            edited.writestr(item, content)
    return target


def test_the_legacy_h5_file_holds_every_variable(tmp_path):
    model = keras.Sequential([keras.Input((4,)),
                              layers.EinsumDense("ab,bc->ac", 3, bias_axes="c", lora_rank=2)])
    model.layers[0].lora_kernel_b.assign(data((2, 3), seed=1))
    model.save(tmp_path / "model.h5")
    loaded = keras.models.load_model(tmp_path / "model.h5")
    for ours, theirs in zip(loaded.weights, model.weights):
        np.testing.assert_array_equal(ours.value, theirs.value)


def test_lora_config_round_trips():
    layer = _lora_layer(lora_rank=2)
    config = layer.get_config()
    assert (config["lora_rank"], config["lora_alpha"]) == (2, 2)
    assert layers.EinsumDense.from_config(config).get_config() == config
    assert "lora_rank" not in _lora_layer().get_config()


def test_enable_lora_refuses_an_unbuilt_layer_a_second_time_and_a_kernel_constraint():
    with pytest.raises(ValueError, match="isn't yet built"):
        layers.EinsumDense("ab,bc->ac", 3).enable_lora(2)
    layer = _lora_layer(lora_rank=2)
    with pytest.raises(ValueError, match="already enabled"):
        layer.enable_lora(2)
    constrained = _lora_layer(kernel_constraint="non_neg")
    with pytest.raises(ValueError, match="incompatible with kernel constraints"):
        constrained.enable_lora(2)
    assert len(constrained.weights) == 2


# ----------------------------------------------------------------------------- errors
@pytest.mark.parametrize("equation, message", [
    ("ab->ac", "invalid einsum `equation`"),
    ("a...b,bc->a...c", "invalid einsum `equation`"),
    ("ab,bc->ac ", "invalid einsum `equation`"),
    ("ab,bc->ad", "dimension 'd' was specified in the output"),
    ("ab,bcq->ac", "weight dimension 'q'"),
    ("abb,bc->ac", r"repeats \['b'\] within 'abb'"),
])
def test_a_bad_equation_fails_when_the_layer_is_made(equation, message):
    with pytest.raises(ValueError, match=message):
        layers.EinsumDense(equation, 4)


def test_an_equation_that_is_not_a_string_is_a_type_error():
    with pytest.raises(TypeError, match="`equation` must be a string"):
        layers.EinsumDense(None, 4)


@pytest.mark.parametrize("bias_axes", ["x", "", 3])
def test_bias_axes_must_be_output_letters(bias_axes):
    with pytest.raises(ValueError, match="bias"):
        layers.EinsumDense("ab,bc->ac", 4, bias_axes=bias_axes)


@pytest.mark.parametrize("output_shape, message", [
    (None, "must be an int or a tuple"), (4.5, "must be an int or a tuple"),
    ((0,), "must be an int or a tuple"), ((4, 5), "must give 1 size"),
    ((), "must give 1 size"),
])
def test_output_shape_must_give_one_size_per_named_output_axis(output_shape, message):
    with pytest.raises(ValueError, match=message):
        layers.EinsumDense("ab,bc->ac", output_shape)


@pytest.mark.parametrize("equation, output_shape, bias_axes, input_shape, message", [
    ("ab,bc->ac", 4, None, (None, 3, 2), "needs inputs of rank 2"),
    ("...ab,bc->...ac", (3, 4), None, (None, 3), "rank above 2"),
    ("abc,cd->abd", (5, 4), None, (None, 3, 6), "do not match at shared dimension 'b'"),
    ("ab,bc->ac", 4, None, (None, None), "kernel's axis 'b' needs a known size"),
    ("abc,cd->abd", (None, 4), "bd", (None, 3, 5), "bias over `bias_axes` 'bd' needs known"),
])
def test_an_input_shape_that_does_not_fit_fails_at_build_naming_the_layer(
        equation, output_shape, bias_axes, input_shape, message):
    layer = layers.EinsumDense(equation, output_shape, bias_axes=bias_axes, name="mixer")
    with pytest.raises(ValueError, match=f"EinsumDense 'mixer': .*{message}"):
        layer.build(input_shape)
    assert not layer.built and layer.weights == []


def test_a_none_output_size_that_no_weight_needs_is_fine():
    layer = layers.EinsumDense("abc,cd->abd", (None, 4), bias_axes="d")
    layer.build((None, 3, 5))
    assert (layer.kernel.shape, layer.bias.shape) == ((5, 4), (4,))


def test_lora_rank_0_is_no_lora_as_in_keras():
    layer = _lora_layer(lora_rank=0)
    assert not layer.lora_enabled and [w.name for w in layer.weights] == ["kernel", "bias"]
    assert "lora_rank" not in layer.get_config()


def test_quantization_is_not_supported():
    with pytest.raises(NotImplementedError, match="quantization_config"):
        layers.EinsumDense("ab,bc->ac", 4, quantization_config={"mode": "int8"})
    with pytest.raises(NotImplementedError, match="gptq_unpacked_column_size"):
        layers.EinsumDense("ab,bc->ac", 4, gptq_unpacked_column_size=8)
    with pytest.raises(NotImplementedError, match="quantize"):
        layers.EinsumDense("ab,bc->ac", 4).quantize("int8")


def test_the_kernel_of_an_unbuilt_layer_is_an_attribute_error():
    with pytest.raises(AttributeError, match="build the layer"):
        layers.EinsumDense("ab,bc->ac", 4).kernel


# ----------------------------------------------------------------------------- config
def test_config_round_trips_with_every_argument():
    layer = layers.EinsumDense("...b,bc->...c", (4,), activation="relu", bias_axes="c",
                               kernel_initializer="he_normal", bias_initializer="ones",
                               kernel_regularizer="l2", bias_regularizer="l1",
                               activity_regularizer="l2", kernel_constraint="non_neg",
                               bias_constraint="max_norm", name="mix")
    config = layer.get_config()
    assert list(config) == [
        "name", "trainable", "dtype", "output_shape", "equation", "activation", "bias_axes",
        "kernel_initializer", "bias_initializer", "kernel_regularizer", "bias_regularizer",
        "activity_regularizer", "kernel_constraint", "bias_constraint", "quantization_config"]
    rebuilt = layers.EinsumDense.from_config(config)
    assert rebuilt.get_config() == config
    assert keras.layers.deserialize(keras.layers.serialize(layer)).get_config() == config
