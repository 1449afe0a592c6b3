"""Convolution, pooling, padding and up-sampling layers: Keras's shapes, weights, arguments and errors,
forward values against a direct (loop) definition, and every gradient against float64 central
differences, for several shapes, strides, paddings and dilations.

"same" padding is TensorFlow's (and so Keras's): the output has ``ceil(n / stride)`` positions and the
padding is split with the odd element *after* the input.
"""

import math
import re

import numpy as np
import pytest

import handkeras as keras
from handkeras import layers
from handkeras.layers.conv_max_pooling import ConvMaxPooling
from handkeras.utils.gradient_check import layer_gradients
from gradient_checks import assert_gradients_match, assert_model_gradients_match


def data(shape, seed=7, scale=1.0):
    return np.random.default_rng(seed).standard_normal(shape) * scale


def assert_inference_matches_training_and_writes_nothing(layer, x):
    """Inference gives the training-mode output and leaves the layer exactly as it was."""
    expected = layer.forward(x, training=True)
    before = dict(vars(layer))
    np.testing.assert_array_equal(layer.forward(x, training=False), expected)
    assert vars(layer).keys() == before.keys()
    assert all(vars(layer)[key] is value for key, value in before.items())


def tf_same_padding(size, kernel, stride, dilation=1):
    """TensorFlow's rule, written out: ``(before, after)`` with the odd element after."""
    effective = (kernel - 1) * dilation + 1
    total = max((math.ceil(size / stride) - 1) * stride + effective - size, 0)
    return total // 2, total - total // 2


def direct_conv2d(x, kernel, bias, strides, padding, dilation):
    """The definition: ``y[n, i, j, f] = sum x_pad[n, i*s + a*d, j*s + b*d, c] k[a, b, c, f] + b[f]``."""
    kh, kw, _, filters = kernel.shape
    if padding == "same":
        pads = [tf_same_padding(x.shape[1 + a], kernel.shape[a], strides[a], dilation[a])
                for a in range(2)]
        x = np.pad(x, [(0, 0), pads[0], pads[1], (0, 0)])
    oh = (x.shape[1] - (kh - 1) * dilation[0] - 1) // strides[0] + 1
    ow = (x.shape[2] - (kw - 1) * dilation[1] - 1) // strides[1] + 1
    y = np.zeros((x.shape[0], oh, ow, filters))
    for i in range(oh):
        for j in range(ow):
            for a in range(kh):
                for b in range(kw):
                    pixel = x[:, i * strides[0] + a * dilation[0], j * strides[1] + b * dilation[1], :]
                    y[:, i, j, :] += pixel @ kernel[a, b]
    return y + (0 if bias is None else bias)


def direct_pool2d(x, pool, strides, padding, mode):
    """Max or mean over each window; with "same", padded positions take no part (Keras's rule)."""
    pads = [(0, 0), (0, 0)]
    if padding == "same":
        pads = [tf_same_padding(x.shape[1 + a], pool[a], strides[a]) for a in range(2)]
    padded = np.pad(x, [(0, 0), pads[0], pads[1], (0, 0)], constant_values=np.nan)
    oh = (padded.shape[1] - pool[0]) // strides[0] + 1
    ow = (padded.shape[2] - pool[1]) // strides[1] + 1
    y = np.zeros((x.shape[0], oh, ow, x.shape[-1]))
    reduce = np.nanmax if mode == "max" else np.nanmean
    for i in range(oh):
        for j in range(ow):
            window = padded[:, i * strides[0]: i * strides[0] + pool[0],
                            j * strides[1]: j * strides[1] + pool[1], :]
            y[:, i, j, :] = reduce(window, axis=(1, 2))
    return y


# ============================================================================== Conv2D
CONV2D_CASES = [
    # input (batch, h, w, c), filters, kernel, strides, padding, dilation
    ((2, 6, 7, 3), 4, (3, 3), (1, 1), "valid", (1, 1)),
    ((2, 6, 7, 3), 4, (3, 3), (1, 1), "same", (1, 1)),
    ((2, 7, 6, 2), 3, (3, 2), (2, 2), "valid", (1, 1)),
    ((2, 6, 6, 2), 3, (3, 3), (2, 2), "same", (1, 1)),      # odd padding element goes after
    ((2, 7, 8, 2), 3, (2, 4), (2, 3), "same", (1, 1)),      # even kernels, unequal strides
    ((1, 8, 7, 2), 2, (3, 2), (1, 1), "valid", (2, 3)),
    ((1, 8, 7, 2), 2, (3, 3), (1, 1), "same", (2, 2)),
    ((3, 5, 5, 1), 2, (1, 1), (1, 1), "valid", (1, 1)),     # 1x1: a per-pixel Dense
    ((2, 5, 4, 2), 3, (5, 4), (1, 1), "valid", (1, 1)),     # kernel as large as the input
]


def conv2d_id(case):
    shape, filters, kernel, strides, padding, dilation = case
    return f"{shape}-k{kernel}-s{strides}-{padding}-d{dilation}"


@pytest.mark.parametrize("case", CONV2D_CASES, ids=conv2d_id)
def test_conv2d_forward_is_the_direct_convolution(float64, case):
    shape, filters, kernel, strides, padding, dilation = case
    layer = layers.Conv2D(filters, kernel, strides=strides, padding=padding, dilation_rate=dilation,
                          bias_initializer="random_normal")
    x = data(shape)
    y = layer(x)
    expected = direct_conv2d(x, layer.kernel.value, layer.bias.value, strides, padding, dilation)
    assert y.shape == expected.shape
    np.testing.assert_allclose(y, expected, rtol=1e-12, atol=1e-12)
    assert layer.compute_output_shape((None,) + shape[1:]) == (None,) + expected.shape[1:]


@pytest.mark.parametrize("case", CONV2D_CASES, ids=conv2d_id)
def test_conv2d_gradients(float64, case):
    shape, filters, kernel, strides, padding, dilation = case
    layer = layers.Conv2D(filters, kernel, strides=strides, padding=padding, dilation_rate=dilation,
                          bias_initializer="random_normal")
    assert_gradients_match(layer_gradients(layer, data(shape)), {"input", "kernel", "bias"})


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "softmax"])
def test_conv2d_with_activation_gradients(float64, activation):
    layer = layers.Conv2D(3, 3, padding="same", activation=activation, use_bias=False)
    x = data((2, 5, 5, 2))
    assert_gradients_match(layer_gradients(layer, x), {"input", "kernel"})
    z = direct_conv2d(x, layer.kernel.value, None, (1, 1), "same", (1, 1))
    np.testing.assert_allclose(layer(x), keras.activations.get(activation)(z), rtol=1e-12)


def test_conv2d_inference_matches_training_and_writes_nothing(float64):
    layer = layers.Conv2D(3, 3, strides=2, padding="same", activation="relu")
    x = data((2, 7, 7, 2))
    layer(x)
    assert_inference_matches_training_and_writes_nothing(layer, x)


def test_conv2d_weights_are_kernel_then_bias_in_keras_layout():
    layer = layers.Conv2D(8, (3, 5))
    layer.build_once((None, 12, 12, 3))
    assert [w.name for w in layer.weights] == ["kernel", "bias"]
    assert layer.kernel.shape == (3, 5, 3, 8)
    assert layer.bias.shape == (8,)
    assert layer.count_params() == 3 * 5 * 3 * 8 + 8
    assert layer.kernel.value.dtype == np.float32
    no_bias = layers.Conv2D(8, 3, use_bias=False)
    no_bias.build_once((None, 12, 12, 3))
    assert [w.name for w in no_bias.weights] == ["kernel"]


def test_conv2d_defaults_are_keras_defaults():
    layer = layers.Conv2D(4, 3)
    assert layer.kernel_size == (3, 3)
    assert layer.strides == (1, 1)
    assert layer.dilation_rate == (1, 1)
    assert layer.padding == "valid"
    assert layer.use_bias is True
    config = layer.get_config()
    assert config["activation"] == "linear"
    assert config["kernel_initializer"]["class_name"] == "GlorotUniform"
    assert config["bias_initializer"]["class_name"] == "Zeros"
    assert config["data_format"] == "channels_last"
    assert config["groups"] == 1


@pytest.mark.parametrize("input_shape, kwargs, expected", [
    ((None, 28, 28, 1), dict(filters=32, kernel_size=3), (None, 26, 26, 32)),
    ((None, 28, 28, 1), dict(filters=32, kernel_size=3, padding="same"), (None, 28, 28, 32)),
    ((None, 28, 28, 1), dict(filters=4, kernel_size=3, strides=2, padding="same"), (None, 14, 14, 4)),
    ((None, 27, 27, 1), dict(filters=4, kernel_size=3, strides=2, padding="same"), (None, 14, 14, 4)),
    ((None, 28, 28, 1), dict(filters=4, kernel_size=3, strides=2), (None, 13, 13, 4)),
    ((None, 28, 20, 1), dict(filters=4, kernel_size=3, dilation_rate=2), (None, 24, 16, 4)),
    ((None, 10, 9, 2), dict(filters=4, kernel_size=(2, 3), strides=(3, 2)), (None, 3, 4, 4)),
])
def test_conv2d_output_shapes(input_shape, kwargs, expected):
    layer = layers.Conv2D(**kwargs)
    assert layer.compute_output_shape(input_shape) == expected
    assert layer(np.zeros((2,) + input_shape[1:])).shape == (2,) + expected[1:]


def test_conv2d_config_round_trips():
    layer = layers.Conv2D(5, (2, 3), strides=(1, 2), padding="same", activation="relu",
                          use_bias=False, kernel_initializer="he_normal", kernel_regularizer="l2")
    clone = layers.Conv2D.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()
    assert clone.kernel_size == (2, 3) and clone.strides == (1, 2) and clone.padding == "same"


def test_padding_is_case_insensitive_as_in_keras():
    assert layers.Conv2D(2, 3, padding="SAME").padding == "same"
    assert layers.MaxPooling2D(padding="Valid").padding == "valid"


@pytest.mark.parametrize("kwargs, argument", [
    (dict(filters=0, kernel_size=3), "filters"),
    (dict(filters=-2, kernel_size=3), "filters"),
    (dict(filters=2.5, kernel_size=3), "filters"),
    (dict(filters=2, kernel_size=0), "kernel_size"),
    (dict(filters=2, kernel_size=(3,)), "kernel_size"),
    (dict(filters=2, kernel_size=(3, 3, 3)), "kernel_size"),
    (dict(filters=2, kernel_size="big"), "kernel_size"),
    (dict(filters=2, kernel_size=3, strides=0), "strides"),
    (dict(filters=2, kernel_size=3, dilation_rate=(1, 0)), "dilation_rate"),
    (dict(filters=2, kernel_size=3, padding="full"), "padding"),
    (dict(filters=2, kernel_size=3, padding="causal"), "padding"),
    (dict(filters=2, kernel_size=3, strides=2, dilation_rate=2), "dilation_rate"),
])
def test_conv2d_rejects_bad_arguments_naming_layer_and_argument(kwargs, argument):
    with pytest.raises(ValueError, match=argument) as error:
        layers.Conv2D(name="my_conv", **kwargs)
    assert "my_conv" in str(error.value)


def test_conv2d_rejects_an_input_smaller_than_its_kernel():
    layer = layers.Conv2D(2, 5, name="too_big")
    with pytest.raises(ValueError, match="too_big") as error:
        layer(np.zeros((1, 4, 8, 1)))
    assert "smaller than the kernel" in str(error.value)
    dilated = layers.Conv2D(2, 3, dilation_rate=3, name="dilated")
    with pytest.raises(ValueError, match="dilated"):
        dilated.build_once((None, 6, 6, 1))   # effective kernel 7 > 6
    # "same" padding fits any input
    assert layers.Conv2D(2, 5, padding="same")(np.zeros((1, 3, 3, 1))).shape == (1, 3, 3, 2)


def test_inputs_of_unknown_size_are_checked_when_they_arrive():
    model = keras.Sequential([keras.Input((None, None, 1)), layers.Conv2D(2, 3, name="conv"),
                              layers.MaxPooling2D(2, name="pool"), layers.GlobalMaxPooling2D()])
    assert model.predict(np.zeros((1, 6, 7, 1)), verbose=0).shape == (1, 2)
    with pytest.raises(ValueError, match="'pool'.*smaller than the pool"):
        model.predict(np.zeros((1, 3, 7, 1)), verbose=0)
    with pytest.raises(ValueError, match="'conv'.*smaller than the kernel"):
        model.predict(np.zeros((1, 2, 7, 1)), verbose=0)


def test_conv2d_rejects_an_input_of_the_wrong_rank():
    with pytest.raises(ValueError, match="rank 4"):
        layers.Conv2D(2, 3, name="conv").build_once((None, 8, 8))


def test_conv2d_in_a_model_checks_the_channel_count():
    model = keras.Sequential([keras.Input((6, 6, 2)), layers.Conv2D(3, 3)])
    with pytest.raises(ValueError):
        model.predict(np.zeros((1, 6, 6, 3)), verbose=0)


# ============================================================================== Conv1D
CONV1D_CASES = [
    # input (batch, steps, c), filters, kernel, strides, padding, dilation
    ((2, 9, 3), 4, 3, 1, "valid", 1),
    ((2, 9, 3), 4, 3, 1, "same", 1),
    ((2, 9, 3), 4, 4, 1, "same", 1),
    ((2, 10, 2), 3, 3, 2, "valid", 1),
    ((2, 10, 2), 3, 4, 3, "same", 1),
    ((2, 11, 2), 3, 3, 1, "valid", 2),
    ((2, 8, 2), 3, 3, 1, "causal", 1),
    ((2, 10, 2), 3, 2, 1, "causal", 3),
    ((2, 9, 2), 3, 3, 2, "causal", 1),
]


def conv1d_id(case):
    shape, filters, kernel, strides, padding, dilation = case
    return f"{shape}-k{kernel}-s{strides}-{padding}-d{dilation}"


def direct_conv1d(x, kernel, bias, stride, padding, dilation):
    """Conv1D as Conv2D on a height-1 image (a 1-high kernel pads nothing on that axis); "causal"
    pads ``(k - 1) * d`` zeros before the steps."""
    if padding == "causal":
        x = np.pad(x, [(0, 0), ((kernel.shape[0] - 1) * dilation, 0), (0, 0)])
        padding = "valid"
    y = direct_conv2d(x[:, None], kernel[None], bias, (1, stride), padding, (1, dilation))
    return y[:, 0]


@pytest.mark.parametrize("case", CONV1D_CASES, ids=conv1d_id)
def test_conv1d_forward_is_the_direct_convolution(float64, case):
    shape, filters, kernel, strides, padding, dilation = case
    layer = layers.Conv1D(filters, kernel, strides=strides, padding=padding, dilation_rate=dilation,
                          bias_initializer="random_normal")
    x = data(shape)
    y = layer(x)
    expected = direct_conv1d(x, layer.kernel.value, layer.bias.value, strides, padding, dilation)
    assert y.shape == expected.shape
    np.testing.assert_allclose(y, expected, rtol=1e-12, atol=1e-12)
    assert layer.compute_output_shape((None,) + shape[1:]) == (None,) + expected.shape[1:]


@pytest.mark.parametrize("case", CONV1D_CASES, ids=conv1d_id)
def test_conv1d_gradients(float64, case):
    shape, filters, kernel, strides, padding, dilation = case
    layer = layers.Conv1D(filters, kernel, strides=strides, padding=padding, dilation_rate=dilation,
                          activation="tanh", bias_initializer="random_normal")
    assert_gradients_match(layer_gradients(layer, data(shape)), {"input", "kernel", "bias"})


def test_conv1d_causal_output_never_sees_the_future(float64):
    layer = layers.Conv1D(2, 3, padding="causal", dilation_rate=2)
    x = data((1, 12, 2))
    y = layer(x)
    future = x.copy()
    future[:, 7:] += 5.0
    np.testing.assert_array_equal(layer(future)[:, :7], y[:, :7])
    assert not np.allclose(layer(future)[:, 7:], y[:, 7:])


def test_conv1d_weights_and_inference():
    layer = layers.Conv1D(6, 4, padding="causal")
    x = data((3, 10, 5)).astype("float32")
    assert layer(x).shape == (3, 10, 6)
    assert [w.name for w in layer.weights] == ["kernel", "bias"]
    assert layer.kernel.shape == (4, 5, 6)
    assert_inference_matches_training_and_writes_nothing(layer, x)


@pytest.mark.parametrize("kwargs, argument", [
    (dict(filters=0, kernel_size=3), "filters"),
    (dict(filters=2, kernel_size=(3, 3)), "kernel_size"),
    (dict(filters=2, kernel_size=3, padding="full"), "padding"),
    (dict(filters=2, kernel_size=3, strides=2, dilation_rate=2), "dilation_rate"),
])
def test_conv1d_rejects_bad_arguments(kwargs, argument):
    with pytest.raises(ValueError, match=argument) as error:
        layers.Conv1D(name="my_conv1d", **kwargs)
    assert "my_conv1d" in str(error.value)


def test_conv1d_rejects_a_sequence_shorter_than_its_kernel():
    with pytest.raises(ValueError, match="short_input"):
        layers.Conv1D(2, 4, name="short_input").build_once((None, 3, 1))
    assert layers.Conv1D(2, 4, padding="causal")(np.zeros((1, 3, 1))).shape == (1, 3, 2)


# ============================================================================== pooling
POOL2D_CASES = [
    # input, pool, strides, padding
    ((2, 6, 6, 3), (2, 2), None, "valid"),
    ((2, 7, 5, 2), (2, 2), None, "valid"),      # the last row/column is dropped
    ((2, 7, 5, 2), (2, 2), None, "same"),       # ... or covered by a partial window
    ((2, 7, 7, 2), (3, 3), (2, 2), "valid"),    # overlapping windows
    ((2, 7, 7, 2), (3, 3), (2, 2), "same"),
    ((2, 6, 8, 2), (3, 2), (1, 3), "same"),
    ((1, 5, 5, 1), (5, 5), None, "valid"),
    ((2, 8, 9, 2), (2, 2), (3, 3), "valid"),    # gaps between windows
    ((2, 8, 9, 2), (2, 3), (3, 4), "same"),
]


def pool_id(case):
    shape, pool, strides, padding = case
    return f"{shape}-p{pool}-s{strides}-{padding}"


@pytest.mark.parametrize("mode, cls", [("max", layers.MaxPooling2D),
                                       ("average", layers.AveragePooling2D)])
@pytest.mark.parametrize("case", POOL2D_CASES, ids=pool_id)
def test_pooling2d_forward_and_gradients(float64, mode, cls, case):
    shape, pool, strides, padding = case
    layer = cls(pool, strides=strides, padding=padding)
    x = data(shape)  # no ties: every maximum is unique
    expected = direct_pool2d(x, pool, strides or pool, padding, mode)
    np.testing.assert_allclose(layer(x), expected, rtol=1e-12)
    assert layer.compute_output_shape((None,) + shape[1:]) == (None,) + expected.shape[1:]
    assert_gradients_match(layer_gradients(layer, x), {"input"})
    assert_inference_matches_training_and_writes_nothing(layer, x)


POOL1D_CASES = [((2, 8, 3), 2, None, "valid"), ((2, 9, 3), 2, None, "same"),
                ((2, 9, 2), 3, 2, "valid"), ((2, 10, 2), 4, 3, "same")]


@pytest.mark.parametrize("mode, cls", [("max", layers.MaxPooling1D),
                                       ("average", layers.AveragePooling1D)])
@pytest.mark.parametrize("case", POOL1D_CASES, ids=pool_id)
def test_pooling1d_forward_and_gradients(float64, mode, cls, case):
    shape, pool, strides, padding = case
    layer = cls(pool, strides=strides, padding=padding)
    x = data(shape)
    expected = direct_pool2d(x[:, None], (1, pool), (1, strides or pool), padding, mode)[:, 0]
    np.testing.assert_allclose(layer(x), expected, rtol=1e-12)
    assert_gradients_match(layer_gradients(layer, x), {"input"})


def test_average_pooling_same_excludes_the_padding():
    layer = layers.AveragePooling2D(2, padding="same")
    x = np.arange(9.0).reshape(1, 3, 3, 1)
    y = layer(x)[0, :, :, 0]
    # windows: [0 1 3 4] [2 5] [6 7] [8]; padding counts for nothing
    np.testing.assert_allclose(y, [[2.0, 3.5], [6.5, 8.0]])


def test_max_pooling_sends_a_tie_gradient_to_the_first_maximum_only():
    layer = layers.MaxPooling2D(2)
    x = np.ones((1, 2, 2, 1), dtype="float32")
    layer.forward(x, training=True)
    dx = layer.backward(np.full((1, 1, 1, 1), 3.0, dtype="float32"))
    np.testing.assert_array_equal(dx[0, :, :, 0], [[3.0, 0.0], [0.0, 0.0]])


def first_maximum_gradient(x, dy, pool, strides, padding):
    """The max-pooling input gradient by brute force: each window's ``dy`` goes to the first
    position (row-major) holding the window's maximum."""
    pads = [(0, 0), (0, 0)]
    if padding == "same":
        pads = [tf_same_padding(x.shape[1 + a], pool[a], strides[a]) for a in range(2)]
    padded = np.pad(x, [(0, 0), pads[0], pads[1], (0, 0)], constant_values=-np.inf)
    dpadded = np.zeros_like(padded)
    for n in range(x.shape[0]):
        for i in range(dy.shape[1]):
            for j in range(dy.shape[2]):
                for c in range(x.shape[-1]):
                    top, left = i * strides[0], j * strides[1]
                    window = padded[n, top: top + pool[0], left: left + pool[1], c]
                    a, b = np.unravel_index(np.argmax(window), window.shape)
                    dpadded[n, top + a, left + b, c] += dy[n, i, j, c]
    return dpadded[:, pads[0][0]: pads[0][0] + x.shape[1], pads[1][0]: pads[1][0] + x.shape[2]]


@pytest.mark.parametrize("case", POOL2D_CASES, ids=pool_id)
def test_max_pooling_ties_send_the_gradient_to_the_first_maximum(case):
    """Small integers make ties everywhere, across rows and columns of the windows alike."""
    shape, pool, strides, padding = case
    strides = strides or pool
    x = np.random.default_rng(3).integers(0, 3, shape).astype(np.float64)
    layer = layers.MaxPooling2D(pool, strides=strides, padding=padding, dtype="float64")
    y = layer.forward(x, training=True)
    dy = np.random.default_rng(4).standard_normal(y.shape)
    # overlapping windows sum several gradients into one input, in another order: rtol, not equality
    np.testing.assert_allclose(layer.backward(dy),
                               first_maximum_gradient(x, dy, pool, strides, padding), rtol=1e-12)


def test_max_pooling_same_ignores_padding_even_for_negative_inputs():
    layer = layers.MaxPooling2D(2, padding="same")
    x = -np.arange(1.0, 10.0).reshape(1, 3, 3, 1)
    np.testing.assert_array_equal(layer(x)[0, :, :, 0], [[-1.0, -3.0], [-7.0, -9.0]])


def test_pooling_defaults_and_config():
    assert layers.MaxPooling2D().pool_size == (2, 2)
    assert layers.MaxPooling1D().pool_size == (2,)
    pool = layers.MaxPooling2D((3, 2))
    assert pool.strides == (3, 2), "strides default to the pool size"
    assert pool.padding == "valid"
    config = layers.AveragePooling2D(3, strides=1, padding="same").get_config()
    assert config["pool_size"] == (3, 3) and config["strides"] == (1, 1)  # tuples, as Keras
    assert config["padding"] == "same" and config["data_format"] == "channels_last"
    assert layers.AveragePooling2D.from_config(config).get_config() == config


def test_average_pooling_needs_a_pool_size_as_in_keras():
    with pytest.raises(TypeError):
        layers.AveragePooling2D()
    with pytest.raises(TypeError):
        layers.AveragePooling1D()


@pytest.mark.parametrize("kwargs, argument", [
    (dict(pool_size=0), "pool_size"), (dict(pool_size=(2, 2, 2)), "pool_size"),
    (dict(pool_size=2, strides=0), "strides"), (dict(pool_size=2, padding="causal"), "padding"),
])
def test_pooling_rejects_bad_arguments(kwargs, argument):
    with pytest.raises(ValueError, match=argument) as error:
        layers.MaxPooling2D(name="my_pool", **kwargs)
    assert "my_pool" in str(error.value)


def test_pooling_rejects_an_input_smaller_than_the_pool():
    with pytest.raises(ValueError, match="small_pool"):
        layers.MaxPooling2D(3, name="small_pool").build_once((None, 2, 5, 1))
    assert layers.MaxPooling2D(3, padding="same")(np.zeros((1, 2, 5, 1))).shape == (1, 1, 2, 1)


# ============================================================================== global pooling
@pytest.mark.parametrize("cls, reduce, rank", [
    (layers.GlobalAveragePooling2D, np.mean, 2), (layers.GlobalMaxPooling2D, np.max, 2),
    (layers.GlobalAveragePooling1D, np.mean, 1), (layers.GlobalMaxPooling1D, np.max, 1),
])
@pytest.mark.parametrize("keepdims", [False, True])
def test_global_pooling_values_shapes_and_gradients(float64, cls, reduce, rank, keepdims):
    shape = (3, 4, 5, 2) if rank == 2 else (3, 6, 2)
    layer = cls(keepdims=keepdims)
    x = data(shape)
    axes = tuple(range(1, rank + 1))
    expected = reduce(x, axis=axes, keepdims=keepdims)
    np.testing.assert_allclose(layer(x), expected, rtol=1e-12)
    assert layer.compute_output_shape((None,) + shape[1:]) == (None,) + expected.shape[1:]
    assert_gradients_match(layer_gradients(layer, x), {"input"})
    assert_inference_matches_training_and_writes_nothing(layer, x)


@pytest.mark.parametrize("cls", [layers.GlobalMaxPooling1D, layers.GlobalMaxPooling2D])
def test_global_max_pooling_shares_the_gradient_among_tied_maxima(float64, cls):
    """Padded steps tie: three of four steps hold the maximum of channel 0, all four of channel 1."""
    steps = np.array([[[3.0, 1.0], [1.0, 1.0], [3.0, 1.0], [3.0, 1.0]]])
    x = steps if cls is layers.GlobalMaxPooling1D else steps.reshape(1, 2, 2, 2)
    layer = cls()
    layer.forward(x, training=True)
    dx = layer.backward(np.array([[6.0, 8.0]]))
    expected = np.array([[[2.0, 2.0], [0.0, 2.0], [2.0, 2.0], [2.0, 2.0]]])
    np.testing.assert_array_equal(dx, expected.reshape(x.shape))


def test_global_pooling_rejects_the_wrong_rank():
    with pytest.raises(ValueError, match="gap"):
        layers.GlobalAveragePooling2D(name="gap").build_once((None, 5, 3))


@pytest.mark.parametrize("make, shape, rank", [
    (lambda: layers.MaxPooling2D(name="pool"), (None, 5, 3), 4),
    (lambda: layers.AveragePooling1D(2, name="pool"), (None, 5, 3, 1), 3),
    (lambda: layers.GlobalMaxPooling1D(name="pool"), (None, 5), 3),
])
def test_pooling_of_the_wrong_rank_names_the_layer_the_rank_and_the_shape(make, shape, rank):
    layer = make()
    message = f"{type(layer).__name__} 'pool' expects inputs of rank {rank}, received shape {shape}."
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        layer.build_once(shape)


# ============================================================================== padding, up-sampling
@pytest.mark.parametrize("padding, pads", [
    (1, ((1, 1), (1, 1))),
    ((2, 1), ((2, 2), (1, 1))),
    (((0, 2), (3, 1)), ((0, 2), (3, 1))),
])
def test_zero_padding2d(float64, padding, pads):
    layer = layers.ZeroPadding2D(padding)
    x = data((2, 3, 4, 2))
    y = layer(x)
    np.testing.assert_array_equal(y, np.pad(x, ((0, 0),) + pads + ((0, 0),)))
    assert layer.compute_output_shape((None, 3, 4, 2)) == (None,) + y.shape[1:]
    assert_gradients_match(layer_gradients(layer, x), {"input"})
    assert layer.get_config()["padding"] == pads


def test_zero_padding2d_default_and_bad_padding():
    assert layers.ZeroPadding2D().padding == ((1, 1), (1, 1))
    for bad in (-1, (1, 2, 3), ((1, 2), (3,)), "same"):
        with pytest.raises(ValueError, match="padding"):
            layers.ZeroPadding2D(bad)


@pytest.mark.parametrize("size", [2, (2, 3), (1, 2)])
def test_up_sampling2d(float64, size):
    layer = layers.UpSampling2D(size)
    rows, cols = (size, size) if isinstance(size, int) else size
    x = data((2, 3, 4, 2))
    y = layer(x)
    assert y.shape == (2, 3 * rows, 4 * cols, 2)
    np.testing.assert_array_equal(y[:, ::rows, ::cols], x)
    np.testing.assert_array_equal(y[:, rows - 1::rows, cols - 1::cols], x)
    assert layer.compute_output_shape((None, 3, 4, 2)) == (None,) + y.shape[1:]
    assert_gradients_match(layer_gradients(layer, x), {"input"})


def test_up_sampling2d_defaults_and_errors():
    assert layers.UpSampling2D().size == (2, 2)
    with pytest.raises(ValueError, match="size"):
        layers.UpSampling2D(0)
    with pytest.raises(NotImplementedError, match="bilinear"):
        layers.UpSampling2D(interpolation="bilinear")


@pytest.mark.parametrize("make", [layers.UpSampling2D, layers.ZeroPadding2D])
@pytest.mark.parametrize("shape", [(5,), (2, 3, 4, 5)])
def test_image_reshaping_layers_refuse_inputs_that_are_not_images(make, shape):
    # As Keras's input spec (ndim=4): before, rank 2 failed with an IndexError and UpSampling2D
    # took a rank-5 input with a wrong output shape.
    with pytest.raises(ValueError, match=rf"{make.__name__} '.*' expects inputs of rank 4, "
                                         rf"received shape \(None, {shape[0]}"):
        keras.Sequential([keras.Input(shape), make()])


# ============================================================================== in a model
def test_a_convnet_model_gradients_match_central_differences(float64):
    """The keras-io MNIST convnet in miniature: every layer's backward composed with the loss."""
    model = keras.Sequential([
        keras.Input((9, 9, 1)),
        layers.Conv2D(3, 3, activation="relu", bias_initializer="random_normal"),
        layers.MaxPooling2D(2),
        layers.ZeroPadding2D(1),
        layers.Conv2D(2, 2, padding="same", activation="tanh"),
        layers.AveragePooling2D(2, padding="same"),
        layers.UpSampling2D(2),
        layers.GlobalAveragePooling2D(),
        layers.Dense(3, activation="softmax"),
    ])
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    assert len(model.trainable_weights) == 6
    assert_model_gradients_match(model, data((4, 9, 9, 1)), np.eye(3)[[0, 2, 1, 2]])


def fused_poolings(model):
    """The indices of the poolings that the model runs with their convolution (ConvMaxPooling)."""
    return [model.layers.index(step.pooling) for step in model._planned_steps()
            if isinstance(step, ConvMaxPooling)]


def unfused_gradients(model, x, y):
    """The weight gradients of ``model``'s loss, each layer's forward and backward called on its
    own."""
    y_pred = x
    for layer in model.layers:
        y_pred = layer.forward(y_pred, training=True)
    _, dy = model._compiled_loss.value_and_gradient(y, y_pred)
    for layer in reversed(model.layers):
        dy = layer.backward(dy)
    return [g.copy() for layer in model.layers for g in layer.gradients]


@pytest.mark.parametrize("pooling", [
    layers.MaxPooling2D(2), layers.MaxPooling2D(3, strides=2, padding="same")], ids=["disjoint", "overlapping"])
def test_relu_into_max_pooling_takes_the_relu_gradient_on_the_pooled_side(float64, pooling):
    """A negative bias kills whole windows (maxima of 0, ties everywhere); the fused backward gives
    exactly the gradients of the layer-by-layer one."""
    model = keras.Sequential([
        keras.Input((7, 7, 2)),
        layers.Conv2D(3, 3, padding="same", activation="relu",
                      bias_initializer=keras.initializers.Constant(-0.8)),
        pooling, layers.Flatten(), layers.Dense(2)])
    model.compile(optimizer="sgd", loss="mse")
    x, y = data((4, 7, 7, 2)), data((4, 2), seed=1)
    assert (model.layers[1].forward(model.layers[0].forward(x)) == 0).mean() > 0.2
    _, fused = model.compute_gradients(x, y)
    for got, expected in zip(fused, unfused_gradients(model, x, y)):
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("conv, pooling", [
    (dict(filters=3, kernel_size=3, activation="relu"), dict(pool_size=2)),
    (dict(filters=2, kernel_size=2, activation="tanh", padding="same"), dict(pool_size=(3, 2))),
    (dict(filters=2, kernel_size=3, strides=2, activation="linear"), dict(pool_size=2)),
    (dict(filters=2, kernel_size=2, dilation_rate=2, activation="sigmoid"), dict(pool_size=(2, 3))),
], ids=["relu", "tanh-same-3x2", "linear-strided", "sigmoid-dilated"])
def test_a_convolution_and_its_max_pooling_train_as_one_step_with_the_same_gradients(
        float64, conv, pooling):
    """Trained as a ConvMaxPooling step (pixels in the pooling's order, uncovered ones skipped),
    a convolution and its max pooling give the outputs and gradients of the layers run one by one,
    the input gradient of the convolution (here a second one) included."""
    model = keras.Sequential([
        keras.Input((11, 9, 2)), layers.Conv2D(2, 2, activation="relu"),
        layers.Conv2D(bias_initializer="random_normal", **conv), layers.MaxPooling2D(**pooling),
        layers.Flatten(), layers.Dense(3)])
    model.compile(optimizer="sgd", loss="mse")
    x, y = data((3, 11, 9, 2)), data((3, 3), seed=6)
    fused_output = model.forward(x, training=True)
    assert fused_poolings(model) == [2]
    unfused_output = x
    for layer in model.layers:
        unfused_output = layer.forward(unfused_output, training=True)
    np.testing.assert_allclose(fused_output, unfused_output, rtol=1e-12)
    _, fused = model.compute_gradients(x, y)
    for got, expected in zip(fused, unfused_gradients(model, x, y)):
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("conv, pool", [(dict(activation="relu"), 2), (dict(padding="causal"), 3)],
                         ids=["relu", "causal"])
def test_conv1d_and_max_pooling1d_train_as_one_step_with_the_same_gradients(float64, conv, pool):
    model = keras.Sequential([keras.Input((13, 2)), layers.Conv1D(3, 3, **conv),
                              layers.MaxPooling1D(pool), layers.Flatten(), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x, y = data((4, 13, 2)), data((4, 1), seed=7)
    _, fused = model.compute_gradients(x, y)
    assert fused_poolings(model) == [1]
    for got, expected in zip(fused, unfused_gradients(model, x, y)):
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)


def test_inference_of_a_convolution_and_its_pooling_matches_the_layers(float64):
    model = keras.Sequential([keras.Input((9, 7, 2)), layers.Conv2D(3, 2, activation="tanh"),
                              layers.MaxPooling2D((2, 3)), layers.Flatten(), layers.Dense(2)])
    x = data((5, 9, 7, 2))
    expected = x
    for layer in model.layers:
        expected = layer.forward(expected)
    np.testing.assert_allclose(model.predict(x, batch_size=2, verbose=0), expected, rtol=1e-12)
    (step,) = [s for s in model._planned_steps() if isinstance(s, ConvMaxPooling)]
    assert not hasattr(step, "_state")  # inference keeps nothing for a backward


def test_a_fused_step_with_a_frozen_convolution_and_a_regularized_one(float64):
    """A frozen convolution still passes its input gradient back; a regularized one adds its
    penalty's gradient to the fused step's weight gradients."""
    model = keras.Sequential([
        keras.Input((9, 9, 1)), layers.Conv2D(2, 2, activation="relu", kernel_regularizer="l2"),
        layers.Conv2D(3, 2, activation="relu", trainable=False), layers.MaxPooling2D(2),
        layers.Flatten(), layers.Dense(2)])
    model.compile(optimizer="sgd", loss="mse")
    x, y = data((3, 9, 9, 1)), data((3, 2), seed=8)
    loss, fused = model.compute_gradients(x, y)
    assert fused_poolings(model) == [2] and len(fused) == 4
    expected = unfused_gradients(model, x, y)
    expected[0] = expected[0] + model.layers[0].kernel_regularizer.gradient(model.layers[0].kernel.value)
    for got, want in zip(fused, expected):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("pooling", [layers.MaxPooling2D(2, padding="same"),
                                     layers.MaxPooling2D(3, strides=2),
                                     layers.AveragePooling2D(2)], ids=["same", "overlapping", "average"])
def test_poolings_that_do_not_tile_the_output_run_as_layers(pooling):
    model = keras.Sequential([keras.Input((6, 6, 1)), layers.Conv2D(2, 3), pooling])
    assert fused_poolings(model) == []


def test_the_steps_are_planned_again_when_layers_are_added_or_popped():
    model = keras.Sequential([keras.Input((6, 6, 1)), layers.Conv2D(2, 3)])
    assert fused_poolings(model) == []
    model.add(layers.MaxPooling2D(2))
    assert fused_poolings(model) == [1]
    model.pop()
    assert fused_poolings(model) == [] and model._planned_steps() == model.layers


def test_a_separate_relu_layer_into_max_pooling(float64):
    model = keras.Sequential([keras.Input((6, 6, 1)), layers.Conv2D(2, 3, padding="same"),
                              layers.Activation("relu"), layers.MaxPooling2D(2), layers.Flatten(),
                              layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x, y = data((3, 6, 6, 1)), data((3, 1), seed=5)
    _, fused = model.compute_gradients(x, y)
    for got, expected in zip(fused, unfused_gradients(model, x, y)):
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)


def test_relu_into_max_pooling1d_on_a_sequence(float64):
    model = keras.Sequential([keras.Input((9, 3)), layers.Dense(4, activation="relu"),
                              layers.MaxPooling1D(3, strides=2), layers.Flatten(), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x, y = data((5, 9, 3)), data((5, 1), seed=2)
    _, fused = model.compute_gradients(x, y)
    for got, expected in zip(fused, unfused_gradients(model, x, y)):
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)


def test_a_small_convnet_learns():
    """Two bright-quadrant classes; a Conv2D + pooling model separates them in a few epochs."""
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, size=256)
    x = rng.normal(scale=0.3, size=(256, 8, 8, 1)).astype("float32")
    x[y == 0, :4, :4] += 1.0
    x[y == 1, 4:, 4:] += 1.0
    model = keras.Sequential([keras.Input((8, 8, 1)), layers.Conv2D(4, 3, activation="relu"),
                              layers.MaxPooling2D(2), layers.Flatten(),
                              layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=15, batch_size=32, verbose=0)
    assert history.history["accuracy"][-1] > 0.95
    assert model.predict(x, verbose=0).shape == (256, 2)


def test_a_rescaling_first_spares_the_convolution_its_input_gradient(monkeypatch):
    """Nothing below the first trainable layer needs a gradient: the convolution (run with its
    pooling as one step) skips its input gradient, as a first layer does."""
    model = keras.Sequential([keras.Input((6, 6, 1)), layers.Rescaling(1 / 255),
                              layers.Conv2D(2, 3, activation="relu"), layers.MaxPooling2D(),
                              layers.Flatten(), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    conv, calls = model.layers[1], []
    monkeypatch.setattr(conv, "_input_gradient", lambda *args: calls.append(args))
    model.fit(np.ones((4, 6, 6, 1)), np.ones((4, 1)), verbose=0)
    assert calls == []
