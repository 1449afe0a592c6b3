"""Conv3D and Conv3DTranspose (and grouped convolutions, which Conv1D/2D share with Conv3D): Keras's
output sizes, weights, arguments and errors; forward values against a direct (loop) definition;
every gradient against float64 central differences over strides, paddings, dilations, groups,
output paddings and biases.

A Conv3D output voxel ``(n, p, f)`` is ``b[f] + sum_{a, c} x_pad[n, p s + a d, g(f) C_g + c]
K[a, c, f]`` over kernel positions ``a`` and the ``C_g = C / groups`` channels of filter ``f``'s
group ``g(f) = f // (F / groups)``. A Conv3DTranspose adds ``x[p] @ K[a]^T`` at output position
``p s + a d`` and keeps Keras's window of that full output (see test_conv_transpose.py).
"""

import itertools

import numpy as np
import pytest

import handkeras as keras
from handkeras import layers
from handkeras.layers.convolutional import im2col
from handkeras.utils.gradient_check import layer_gradients
from gradient_checks import assert_gradients_match, assert_model_gradients_match


def data(shape, seed=5):
    return np.random.default_rng(seed).standard_normal(shape)


def direct_conv(x, kernel, bias, strides, padding, dilation, groups):
    """The definition, voxel by voxel, for any number of spatial axes (channels last)."""
    spatial, rank = x.shape[1:-1], x.ndim - 2
    sizes = kernel.shape[:rank]
    pads = [im2col.same_padding(n, k, s, d) if padding == "same" else (0, 0)
            for n, k, s, d in zip(spatial, sizes, strides, dilation)]
    padded = np.pad(x, [(0, 0)] + pads + [(0, 0)])
    out = [im2col.output_length(n, k, s, d, padding)
           for n, k, s, d in zip(spatial, sizes, strides, dilation)]
    filters, group_channels = kernel.shape[-1], kernel.shape[-2]
    y = np.zeros((len(x),) + tuple(out) + (filters,))
    for p in itertools.product(*map(range, out)):
        for a in itertools.product(*map(range, sizes)):
            pixel = padded[(slice(None),) + tuple(i * s + j * d for i, j, s, d
                                                  in zip(p, a, strides, dilation))]
            for f in range(filters):
                group = f // (filters // groups)
                channels = pixel[:, group * group_channels: (group + 1) * group_channels]
                y[(slice(None),) + p + (f,)] += channels @ kernel[a + (slice(None), f)]
    return y + (0 if bias is None else bias)


def direct_conv_transpose(x, kernel, bias, strides, dilation, starts, out):
    """Scatter ``x[n, p] @ K[a]^T`` to the full output at ``p s + a d``, then keep ``out``
    positions from ``starts`` (zeros past the end)."""
    spatial, rank = x.shape[1:-1], x.ndim - 2
    sizes, filters = kernel.shape[:rank], kernel.shape[rank]
    full = np.zeros((len(x),) + tuple(st + o + (n - 1) * s + k * d for st, o, n, s, k, d in zip(
        starts, out, spatial, strides, sizes, dilation)) + (filters,))
    for p in itertools.product(*map(range, spatial)):
        for a in itertools.product(*map(range, sizes)):
            target = tuple(i * s + j * d for i, j, s, d in zip(p, a, strides, dilation))
            full[(slice(None),) + target] += x[(slice(None),) + p] @ kernel[a].T
    y = full[(slice(None),) + tuple(slice(st, st + o) for st, o in zip(starts, out))]
    return y + (0 if bias is None else bias)


# ====================================================================================== Conv3D
CASES = [
    # input (batch, d, h, w, c), filters, kernel, strides, padding, dilation, groups
    ((2, 4, 4, 3, 2), 3, (2, 2, 2), (1, 1, 1), "valid", (1, 1, 1), 1),
    ((2, 4, 5, 3, 2), 3, (3, 2, 2), (1, 1, 1), "same", (1, 1, 1), 1),
    ((2, 5, 4, 4, 2), 2, (3, 3, 2), (2, 1, 2), "valid", (1, 1, 1), 1),
    ((2, 5, 4, 4, 2), 2, (2, 3, 3), (2, 3, 2), "same", (1, 1, 1), 1),   # odd padding goes after
    ((1, 5, 5, 4, 1), 2, (2, 2, 2), (1, 1, 1), "valid", (2, 1, 2), 1),
    ((1, 5, 4, 4, 2), 2, (3, 2, 2), (1, 1, 1), "same", (2, 2, 1), 1),
    ((2, 3, 4, 3, 4), 6, (2, 2, 2), (1, 1, 1), "valid", (1, 1, 1), 2),
    ((2, 4, 3, 3, 6), 3, (2, 3, 2), (2, 1, 1), "same", (1, 1, 1), 3),   # one filter per group
    ((1, 4, 4, 3, 4), 4, (2, 2, 2), (1, 1, 1), "same", (2, 1, 1), 4),   # depthwise-like
    ((3, 2, 3, 2, 3), 2, (1, 1, 1), (1, 1, 1), "valid", (1, 1, 1), 1),  # a per-voxel Dense
]


def case_id(case):
    shape, filters, kernel, strides, padding, dilation, groups = case
    return f"{shape}-f{filters}-k{kernel}-s{strides}-{padding}-d{dilation}-g{groups}"


def make(case, **kwargs):
    _, filters, kernel, strides, padding, dilation, groups = case
    return layers.Conv3D(filters, kernel, strides=strides, padding=padding,
                         dilation_rate=dilation, groups=groups, **kwargs)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_conv3d_forward_is_the_direct_convolution(float64, case):
    shape, strides, padding, dilation, groups = case[0], case[3], case[4], case[5], case[6]
    layer = make(case, bias_initializer="random_normal")
    x = data(shape)
    y = layer(x)
    expected = direct_conv(x, layer.kernel.value, layer.bias.value, strides, padding, dilation,
                           groups)
    assert y.shape == expected.shape
    np.testing.assert_allclose(y, expected, rtol=1e-12, atol=1e-12)
    assert layer.compute_output_shape((None,) + shape[1:]) == (None,) + expected.shape[1:]


@pytest.mark.parametrize("use_bias", [True, False], ids=["bias", "no_bias"])
@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_conv3d_gradients(float64, case, use_bias):
    layer = make(case, use_bias=use_bias, bias_initializer="random_normal")
    expected = {"input", "kernel", "bias"} if use_bias else {"input", "kernel"}
    assert_gradients_match(layer_gradients(layer, data(case[0])), expected)


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "softmax"])
def test_conv3d_gradients_through_an_activation(float64, activation):
    layer = layers.Conv3D(3, 2, strides=(1, 2, 1), padding="same", activation=activation,
                          bias_initializer="random_normal")
    assert_gradients_match(layer_gradients(layer, data((2, 3, 4, 3, 2))),
                           {"input", "kernel", "bias"})


def test_conv3d_on_a_single_frame_is_conv2d(float64):
    """A depth-1 volume through a depth-1 kernel is a Conv2D of the frame, with the same weights
    up to the leading axis."""
    conv3d = layers.Conv3D(4, (1, 3, 2), strides=(1, 2, 1), padding="same",
                           bias_initializer="random_normal")
    x = data((2, 1, 5, 4, 3))
    y = conv3d(x)
    conv2d = layers.Conv2D(4, (3, 2), strides=(2, 1), padding="same")
    conv2d.build_once((None, 5, 4, 3))
    conv2d.set_weights([conv3d.kernel.value[0], conv3d.bias.value])
    np.testing.assert_allclose(y[:, 0], conv2d(x[:, 0]), rtol=1e-12)


def test_a_grouped_conv3d_is_its_groups_side_by_side(float64):
    """Group ``g`` sees input channels ``[g C/G, (g + 1) C/G)`` and makes filters ``[g F/G,
    (g + 1) F/G)``, Keras's (and torch's) order."""
    grouped = layers.Conv3D(4, 2, groups=2, bias_initializer="random_normal")
    x = data((2, 3, 3, 3, 6))
    y = grouped(x)
    assert grouped.kernel.shape == (2, 2, 2, 3, 4)
    for g in range(2):
        alone = layers.Conv3D(2, 2)
        alone.build_once((None, 3, 3, 3, 3))
        alone.set_weights([grouped.kernel.value[..., 2 * g: 2 * g + 2],
                           grouped.bias.value[2 * g: 2 * g + 2]])
        np.testing.assert_allclose(y[..., 2 * g: 2 * g + 2], alone(x[..., 3 * g: 3 * g + 3]),
                                   rtol=1e-12)


def test_conv3d_inference_matches_training_and_writes_nothing(float64):
    layer = layers.Conv3D(3, 2, padding="same", groups=3, activation="relu")
    x = data((2, 3, 4, 3, 3))
    expected = layer(x, training=True)
    before = dict(vars(layer))
    np.testing.assert_array_equal(layer.forward(x, training=False), expected)
    assert vars(layer).keys() == before.keys()
    assert all(vars(layer)[key] is value for key, value in before.items())


@pytest.mark.parametrize("groups", [1, 2])
def test_conv3d_gradient_buffers_are_reused(float64, groups):
    layer = layers.Conv3D(2, 2, groups=groups)
    x = data((2, 3, 3, 3, 2))
    dy = data(layer(x, training=True).shape)
    assert layer.backward(dy, input_gradient=False) is None
    kernel_gradient, bias_gradient = layer.gradients
    first = kernel_gradient.copy()
    layer.forward(2 * x, training=True)
    layer.backward(dy, input_gradient=False)
    assert layer.gradients[0] is kernel_gradient and layer.gradients[1] is bias_gradient
    np.testing.assert_allclose(kernel_gradient, 2 * first, rtol=1e-12)


def test_conv3d_weights_are_kernel_then_bias_in_keras_layout():
    layer = layers.Conv3D(8, (3, 5, 2), groups=2)
    layer.build_once((None, 6, 7, 8, 4))
    assert [w.name for w in layer.weights] == ["kernel", "bias"]
    assert layer.kernel.shape == (3, 5, 2, 2, 8)
    assert layer.bias.shape == (8,)
    assert layer.count_params() == 3 * 5 * 2 * 2 * 8 + 8
    assert layer.kernel.value.dtype == np.float32
    assert layer(np.zeros((1, 6, 7, 8, 4))).dtype == np.float32
    no_bias = layers.Conv3D(8, 3, use_bias=False)
    no_bias.build_once((None, 6, 7, 8, 4))
    assert [w.name for w in no_bias.weights] == ["kernel"]


def test_conv3d_defaults_and_config_are_keras_s():
    layer = layers.Conv3D(4, 3)
    assert (layer.kernel_size, layer.strides, layer.dilation_rate) == ((3, 3, 3), (1, 1, 1),
                                                                       (1, 1, 1))
    assert layer.padding == "valid" and layer.groups == 1 and layer.use_bias is True
    config = layer.get_config()
    assert list(config)[3:11] == ["filters", "kernel_size", "strides", "padding", "data_format",
                                  "dilation_rate", "groups", "activation"]
    assert config["data_format"] == "channels_last" and config["activation"] == "linear"
    assert config["kernel_initializer"]["class_name"] == "GlorotUniform"
    assert config["bias_initializer"]["class_name"] == "Zeros"


def test_conv3d_config_round_trips():
    layer = layers.Conv3D(6, (2, 3, 1), strides=(1, 2, 3), padding="Same", groups=3,
                          activation="relu", kernel_regularizer="l2", name="volume")
    config = layer.get_config()
    assert config["padding"] == "same" and config["groups"] == 3
    assert config["kernel_size"] == (2, 3, 1) and config["strides"] == (1, 2, 3)
    assert layers.Conv3D.from_config(config).get_config() == config


@pytest.mark.parametrize("input_shape, kwargs, expected", [
    ((None, 16, 28, 28, 1), dict(filters=8, kernel_size=3), (None, 14, 26, 26, 8)),
    ((None, 16, 28, 28, 1), dict(filters=8, kernel_size=3, padding="same"), (None, 16, 28, 28, 8)),
    ((None, 15, 28, 27, 1), dict(filters=4, kernel_size=3, strides=2, padding="same"),
     (None, 8, 14, 14, 4)),
    ((None, 16, 28, 28, 1), dict(filters=4, kernel_size=3, strides=(1, 2, 3)),
     (None, 14, 13, 9, 4)),
    ((None, 10, 9, 8, 2), dict(filters=4, kernel_size=3, dilation_rate=(1, 2, 3)),
     (None, 8, 5, 2, 4)),
    ((None, 10, 9, 8, 6), dict(filters=4, kernel_size=(2, 1, 3), groups=2), (None, 9, 9, 6, 4)),
    ((None, None, 9, 8, 2), dict(filters=4, kernel_size=3, strides=2), (None, None, 4, 3, 4)),
])
def test_conv3d_output_shapes(input_shape, kwargs, expected):
    layer = layers.Conv3D(**kwargs)
    assert layer.compute_output_shape(input_shape) == expected
    sizes = tuple(7 if size is None else size for size in input_shape[1:])
    assert layer(np.zeros((2,) + sizes)).shape[2:] == expected[2:]


@pytest.mark.parametrize("kwargs, argument", [
    (dict(filters=0, kernel_size=3), "filters"),
    (dict(filters=2.5, kernel_size=3), "filters"),
    (dict(filters=2, kernel_size=0), "kernel_size"),
    (dict(filters=2, kernel_size=(3, 3)), "kernel_size"),
    (dict(filters=2, kernel_size=(3, 3, 3, 3)), "kernel_size"),
    (dict(filters=2, kernel_size=3, strides=(1, 0, 1)), "strides"),
    (dict(filters=2, kernel_size=3, dilation_rate=(1, 1)), "dilation_rate"),
    (dict(filters=2, kernel_size=3, padding="causal"), "padding"),
    (dict(filters=2, kernel_size=3, strides=2, dilation_rate=2), "dilation_rate"),
    (dict(filters=2, kernel_size=3, data_format="channels_first"), "data_format"),
    (dict(filters=4, kernel_size=3, groups=0), "groups"),
    (dict(filters=4, kernel_size=3, groups=1.5), "groups"),
    (dict(filters=5, kernel_size=3, groups=2), "groups"),
])
def test_conv3d_rejects_bad_arguments_naming_layer_and_argument(kwargs, argument):
    with pytest.raises(ValueError, match=argument) as error:
        layers.Conv3D(name="my_volume", **kwargs)
    assert "my_volume" in str(error.value)


def test_conv3d_rejects_inputs_it_cannot_take():
    with pytest.raises(ValueError, match=r"'vol' expects inputs of rank 5 \(batch, depth, height, "
                                         r"width, channels\).*received shape \(None, 8, 8, 3\)"):
        layers.Conv3D(2, 3, name="vol").build_once((None, 8, 8, 3))
    with pytest.raises(ValueError, match=r"'vol'.*channels must be divisible by `groups`=2.*"
                                         r"\(None, 4, 4, 4, 3\)"):
        layers.Conv3D(2, 3, groups=2, name="vol").build_once((None, 4, 4, 4, 3))
    with pytest.raises(ValueError, match="'vol'.*smaller than the kernel"):
        layers.Conv3D(2, 3, name="vol")(np.zeros((1, 4, 2, 4, 1)))
    assert layers.Conv3D(2, 3, padding="same")(np.zeros((1, 2, 2, 2, 1))).shape == (1, 2, 2, 2, 2)
    built = layers.Conv3D(2, 3, name="vol")
    built(np.zeros((1, 4, 4, 4, 1)))
    with pytest.raises(ValueError, match=r"'vol' expects input of shape \(None, 4, 4, 4, 1\), "
                                         r"received x with shape \(1, 4, 4, 1\)"):
        built(np.zeros((1, 4, 4, 1)))


@pytest.mark.skipif(not hasattr(layers, "MaxPooling3D"), reason="no MaxPooling3D yet")
def test_a_conv3d_and_its_max_pooling_run_as_two_layers_with_exact_gradients(float64):
    """The fused convolution-and-pooling step is written for 1D and 2D; a 3D pair runs as it is."""
    model = keras.Sequential([keras.Input((4, 4, 4, 2)),
                              layers.Conv3D(3, 3, padding="same", activation="relu"),
                              layers.MaxPooling3D(2), layers.Flatten(), layers.Dense(2)])
    model.compile(optimizer="sgd", loss="mse")
    assert type(model._planned_steps()[0]).__name__ != "ConvMaxPooling"
    assert_model_gradients_match(model, data((3, 4, 4, 4, 2)), data((3, 2), seed=1))


def test_a_video_classifier_s_gradients_match_central_differences(float64):
    """Conv3D layers into a Dense softmax, as in keras-io's 3D image classification."""
    model = keras.Sequential([
        keras.Input((4, 5, 5, 1)),
        layers.Conv3D(4, 3, padding="same", activation="relu", bias_initializer="random_normal"),
        layers.Conv3D(4, 2, strides=2, groups=2, activation="tanh"),
        layers.Flatten(),
        layers.Dense(3, activation="softmax"),
    ])
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    assert_model_gradients_match(model, data((3, 4, 5, 5, 1)), np.eye(3)[[0, 2, 1]])


# ============================================================================ grouped Conv1D/2D
@pytest.mark.parametrize("make_layer, shape", [
    (lambda: layers.Conv2D(4, (2, 3), padding="same", groups=2, bias_initializer="random_normal"),
     (2, 4, 5, 6)),
    (lambda: layers.Conv2D(6, 2, strides=2, groups=3), (2, 5, 4, 3)),
    (lambda: layers.Conv1D(4, 3, padding="causal", dilation_rate=2, groups=4), (2, 7, 4)),
], ids=["conv2d-same", "conv2d-strided", "conv1d-causal"])
def test_grouped_conv1d_and_conv2d_forward_and_gradients(float64, make_layer, shape):
    layer = make_layer()
    x = data(shape)
    y = layer(x)
    if layer.padding != "causal":
        expected = direct_conv(x, layer.kernel.value, layer.bias.value, layer.strides,
                               layer.padding, layer.dilation_rate, layer.groups)
        np.testing.assert_allclose(y, expected, rtol=1e-12, atol=1e-12)
    assert layer.kernel.shape[-2:] == (shape[-1] // layer.groups, layer.filters)
    assert layer.get_config()["groups"] == layer.groups
    assert_gradients_match(layer_gradients(layer, x), {"input", "kernel", "bias"})


def test_a_grouped_conv2d_trains_with_its_max_pooling_as_one_step(float64):
    model = keras.Sequential([keras.Input((4, 4, 4)), layers.Conv2D(4, 3, padding="same", groups=2,
                                                                     activation="relu"),
                              layers.MaxPooling2D(2), layers.Flatten(), layers.Dense(2)])
    model.compile(optimizer="sgd", loss="mse")
    assert type(model._planned_steps()[0]).__name__ == "ConvMaxPooling"
    assert_model_gradients_match(model, data((3, 4, 4, 4)), data((3, 2), seed=1))


# ============================================================================= Conv3DTranspose
TRANSPOSE_CASES = [
    # input, filters, kernel, strides, padding, output_padding, dilation, then Keras's output
    # (d, h, w) and where it starts in the full output
    ((2, 2, 3, 2, 2), 3, (2, 3, 2), (1, 1, 1), "valid", None, (1, 1, 1), (3, 5, 3), (0, 0, 0)),
    ((2, 2, 3, 2, 2), 3, (3, 3, 2), (1, 1, 1), "same", None, (1, 1, 1), (2, 3, 2), (1, 1, 0)),
    ((2, 2, 2, 3, 2), 2, (3, 2, 3), (2, 2, 2), "valid", None, (1, 1, 1), (5, 4, 7), (0, 0, 0)),
    ((2, 2, 2, 3, 2), 2, (3, 2, 3), (2, 2, 2), "same", None, (1, 1, 1), (4, 4, 6), (0, 0, 0)),
    ((1, 2, 3, 2, 2), 2, (3, 2, 2), (2, 3, 2), "valid", (1, 2, 0), (1, 1, 1), (6, 10, 4),
     (0, 0, 0)),
    ((1, 2, 3, 2, 2), 2, (3, 2, 3), (2, 3, 2), "same", (1, 0, 1), (1, 1, 1), (4, 6, 4),
     (0, 1, 0)),
    ((1, 2, 2, 2, 1), 2, (2, 2, 2), (3, 1, 3), "valid", None, (1, 1, 1), (6, 3, 6), (0, 0, 0)),
    ((1, 3, 2, 2, 2), 2, (2, 3, 2), (1, 1, 1), "same", None, (2, 1, 3), (3, 2, 2), (1, 1, 1)),
    ((1, 3, 2, 2, 2), 2, (2, 2, 2), (1, 1, 1), "valid", None, (2, 2, 1), (5, 4, 3), (0, 0, 0)),
]


def transpose_id(case):
    return f"{case[0]}-k{case[2]}-s{case[3]}-{case[4]}-op{case[5]}-d{case[6]}"


def make_transpose(case, **kwargs):
    _, filters, kernel, strides, padding, output_padding, dilation = case[:7]
    return layers.Conv3DTranspose(filters, kernel, strides=strides, padding=padding,
                                  output_padding=output_padding, dilation_rate=dilation, **kwargs)


@pytest.mark.parametrize("case", TRANSPOSE_CASES, ids=transpose_id)
def test_conv3d_transpose_forward_is_the_direct_transposed_convolution(float64, case):
    shape, strides, dilation, out, starts = case[0], case[3], case[6], case[7], case[8]
    layer = make_transpose(case, bias_initializer="random_normal")
    x = data(shape)
    y = layer(x)
    expected = direct_conv_transpose(x, layer.kernel.value, layer.bias.value, strides, dilation,
                                     starts, out)
    assert y.shape == (shape[0],) + out + (layer.filters,)
    np.testing.assert_allclose(y, expected, rtol=1e-12, atol=1e-12)
    assert layer.compute_output_shape((None,) + shape[1:]) == (None,) + out + (layer.filters,)


@pytest.mark.parametrize("use_bias", [True, False], ids=["bias", "no_bias"])
@pytest.mark.parametrize("case", TRANSPOSE_CASES, ids=transpose_id)
def test_conv3d_transpose_gradients(float64, case, use_bias):
    layer = make_transpose(case, use_bias=use_bias, bias_initializer="random_normal")
    expected = {"input", "kernel", "bias"} if use_bias else {"input", "kernel"}
    assert_gradients_match(layer_gradients(layer, data(case[0])), expected)


@pytest.mark.parametrize("strides, padding, output_padding, size", [
    (1, "valid", None, 5), (2, "valid", 1, 6), (3, "valid", (2, 0, 1), (8, 6, 7)),
    (1, "same", None, 4), (2, "same", 0, 5), (3, "same", None, 6),
])
def test_conv3d_transpose_is_the_adjoint_of_conv3d_with_the_same_kernel(float64, strides, padding,
                                                                      output_padding, size):
    """``<conv3d(x), y> == <x, conv3d_transpose(y)>``: a Conv3D kernel ``(kd, kh, kw, c, f)`` is
    a Conv3DTranspose kernel from f channels to c, with no reordering."""
    sizes = size if isinstance(size, tuple) else (size,) * 3
    x = data((2,) + sizes + (2,), seed=1)
    conv = layers.Conv3D(3, 3, strides=strides, padding=padding, use_bias=False)
    y = data(conv.compute_output_shape(x.shape), seed=2)
    transpose = layers.Conv3DTranspose(2, 3, strides=strides, padding=padding,
                                       output_padding=output_padding, use_bias=False)
    transpose.build_once((None,) + y.shape[1:])
    conv.build_once((None,) + x.shape[1:])
    assert transpose.kernel.shape == conv.kernel.shape
    transpose.set_weights(conv.get_weights())
    back = transpose(y)
    assert back.shape == x.shape
    np.testing.assert_allclose(np.sum(conv(x) * y), np.sum(x * back), rtol=1e-12)


def test_conv3d_transpose_on_a_single_frame_is_conv2d_transpose(float64):
    layer = layers.Conv3DTranspose(3, (1, 3, 2), strides=(1, 2, 2), padding="same",
                                   output_padding=(0, 1, 1), bias_initializer="random_normal")
    x = data((2, 1, 3, 4, 2))
    y = layer(x)
    frame = layers.Conv2DTranspose(3, (3, 2), strides=2, padding="same", output_padding=1)
    frame.build_once((None, 3, 4, 2))
    frame.set_weights([layer.kernel.value[0], layer.bias.value])
    np.testing.assert_allclose(y[:, 0], frame(x[:, 0]), rtol=1e-12)


def test_conv3d_transpose_inference_matches_training_and_writes_nothing(float64):
    layer = layers.Conv3DTranspose(3, 2, strides=2, activation="relu")
    x = data((2, 2, 3, 2, 2))
    expected = layer(x, training=True)
    before = dict(vars(layer))
    np.testing.assert_array_equal(layer.forward(x, training=False), expected)
    assert vars(layer).keys() == before.keys()
    assert all(vars(layer)[key] is value for key, value in before.items())


def test_conv3d_transpose_weights_defaults_and_config_are_keras_s():
    layer = layers.Conv3DTranspose(8, (3, 5, 2))
    layer.build_once((None, 4, 4, 4, 3))
    assert [w.name for w in layer.weights] == ["kernel", "bias"]
    assert layer.kernel.shape == (3, 5, 2, 8, 3) and layer.bias.shape == (8,)
    assert (layer.strides, layer.dilation_rate, layer.output_padding) == ((1, 1, 1), (1, 1, 1),
                                                                         None)
    config = layer.get_config()
    assert list(config)[3:10] == ["filters", "kernel_size", "strides", "padding", "output_padding",
                                  "data_format", "dilation_rate"]
    assert "groups" not in config and config["activation"] == "linear"
    clone = layers.Conv3DTranspose.from_config(
        layers.Conv3DTranspose(5, 2, strides=(2, 3, 1), padding="same", output_padding=(1, 2, 0),
                               activation="relu", name="up").get_config())
    assert clone.output_padding == (1, 2, 0) and clone.strides == (2, 3, 1)
    assert clone.get_config() == layers.Conv3DTranspose.from_config(clone.get_config()).get_config()


def test_conv3d_transpose_takes_data_format_before_output_padding_as_keras_does():
    layer = layers.Conv3DTranspose(2, 3, 2, "same", "channels_last", 1)
    assert layer.output_padding == (1, 1, 1)


@pytest.mark.parametrize("input_shape, kwargs, expected", [
    ((None, 4, 7, 7, 8), dict(filters=4, kernel_size=3, strides=2, padding="same"),
     (None, 8, 14, 14, 4)),
    ((None, 4, 7, 7, 8), dict(filters=4, kernel_size=3, strides=2), (None, 9, 15, 15, 4)),
    ((None, 4, 7, 7, 8), dict(filters=4, kernel_size=2, strides=(3, 1, 2)), (None, 12, 8, 14, 4)),
    ((None, 4, 7, 7, 8), dict(filters=4, kernel_size=4, strides=2, padding="same",
                              output_padding=1), (None, 7, 13, 13, 4)),
    ((None, None, 5, 5, 8), dict(filters=4, kernel_size=3, strides=2), (None, None, 11, 11, 4)),
])
def test_conv3d_transpose_output_shapes(input_shape, kwargs, expected):
    layer = layers.Conv3DTranspose(**kwargs)
    assert layer.compute_output_shape(input_shape) == expected
    sizes = tuple(3 if size is None else size for size in input_shape[1:])
    assert layer(np.zeros((2,) + sizes)).shape[2:] == expected[2:]


@pytest.mark.parametrize("kwargs, argument", [
    (dict(filters=0, kernel_size=3), "filters"),
    (dict(filters=2, kernel_size=(3, 3)), "kernel_size"),
    (dict(filters=2, kernel_size=3, strides=0), "strides"),
    (dict(filters=2, kernel_size=3, padding="causal"), "padding"),
    (dict(filters=2, kernel_size=3, output_padding=1), "output_padding"),     # stride 1
    (dict(filters=2, kernel_size=3, strides=2, output_padding=(1, 2, 1)), "output_padding"),
    (dict(filters=2, kernel_size=3, strides=2, output_padding=(1, 1)), "output_padding"),
    (dict(filters=2, kernel_size=3, strides=2, dilation_rate=2), "dilation_rate"),
    (dict(filters=2, kernel_size=3, data_format="channels_first"), "data_format"),
])
def test_conv3d_transpose_rejects_bad_arguments_naming_layer_and_argument(kwargs, argument):
    with pytest.raises(ValueError, match=argument) as error:
        layers.Conv3DTranspose(name="my_up", **kwargs)
    assert "my_up" in str(error.value)


def test_conv3d_transpose_refuses_groups_and_the_wrong_rank():
    with pytest.raises(TypeError, match="groups"):
        layers.Conv3DTranspose(2, 3, groups=2)
    with pytest.raises(ValueError, match=r"'my_up' expects inputs of rank 5.*\(None, 8, 8, 2\)"):
        layers.Conv3DTranspose(2, 3, name="my_up").build_once((None, 8, 8, 2))


def test_a_volume_autoencoder_s_gradients_match_central_differences(float64):
    model = keras.Sequential([
        keras.Input((4, 4, 4, 1)),
        layers.Conv3D(3, 3, strides=2, padding="same", activation="relu",
                      bias_initializer="random_normal"),
        layers.Conv3DTranspose(2, 3, strides=2, padding="same", activation="tanh",
                               bias_initializer="random_normal"),
        layers.Conv3DTranspose(1, 2, padding="same", activation="sigmoid"),
    ])
    model.compile(optimizer="sgd", loss="binary_crossentropy")
    x = data((2, 4, 4, 4, 1))
    assert_model_gradients_match(model, x, 1 / (1 + np.exp(-x)))
