"""Conv2DTranspose and Conv1DTranspose: Keras's output sizes, weights, arguments and errors; the
forward as the adjoint of Conv2D's, against a direct (loop) definition; every gradient against
float64 central differences over strides, paddings, output paddings, dilations and biases.

A transposed convolution adds ``x[p] @ K[a]^T`` at output position ``p * s + a * d`` (the "full"
output); Keras then keeps ``(n - 1) s + max(k, s)`` positions of it from the first ("valid"), or
``n s`` trimmed evenly with the odd position off the end ("same"); ``output_padding`` sets the size
to ``(n - 1) s + k + op`` ("valid") or ``(n - 1) s + k % 2 + op`` ("same").
"""

import numpy as np
import pytest

import handkeras as keras
from handkeras import layers
from handkeras.utils.gradient_check import layer_gradients
from gradient_checks import assert_gradients_match, assert_model_gradients_match


def data(shape, seed=3):
    return np.random.default_rng(seed).standard_normal(shape)


def direct_conv2d_transpose(x, kernel, bias, strides, out_hw, start_hw, dilation=(1, 1)):
    """The definition, pixel by pixel: scatter ``x[n, i, j] @ K[a, b]^T`` to the full output at
    ``(i s + a d, j s + b d)``, then keep ``out_hw`` positions from ``start_hw`` (zeros past the
    end)."""
    n, h, w, _ = x.shape
    kh, kw, filters, _ = kernel.shape
    full = np.zeros((n, start_hw[0] + out_hw[0] + (h - 1) * strides[0] + kh * dilation[0],
                     start_hw[1] + out_hw[1] + (w - 1) * strides[1] + kw * dilation[1], filters))
    for i in range(h):
        for j in range(w):
            for a in range(kh):
                for b in range(kw):
                    full[:, i * strides[0] + a * dilation[0], j * strides[1] + b * dilation[1]] += (
                        x[:, i, j] @ kernel[a, b].T)
    y = full[:, start_hw[0]: start_hw[0] + out_hw[0], start_hw[1]: start_hw[1] + out_hw[1]]
    return y + (0 if bias is None else bias)


# ============================================================================== Conv2DTranspose
CASES = [
    # input (batch, h, w, c), filters, kernel, strides, padding, output_padding, dilation,
    # then Keras's output (h, w) and where it starts in the full output
    ((2, 3, 4, 2), 3, (3, 3), (1, 1), "valid", None, (1, 1), (5, 6), (0, 0)),
    ((2, 3, 4, 2), 3, (3, 3), (1, 1), "same", None, (1, 1), (3, 4), (1, 1)),
    ((2, 3, 3, 2), 3, (3, 3), (2, 2), "valid", None, (1, 1), (7, 7), (0, 0)),
    ((2, 3, 3, 2), 3, (3, 3), (2, 2), "same", None, (1, 1), (6, 6), (0, 0)),
    ((2, 3, 2, 2), 2, (3, 2), (2, 2), "valid", (1, 1), (1, 1), (8, 5), (0, 0)),
    ((2, 3, 2, 2), 2, (3, 2), (2, 2), "same", (1, 0), (1, 1), (6, 2), (0, 1)),
    ((2, 2, 3, 1), 2, (2, 4), (3, 3), "valid", None, (1, 1), (6, 10), (0, 0)),   # s > k: zeros
    ((2, 2, 3, 1), 2, (2, 4), (3, 3), "same", (2, 1), (1, 1), (5, 7), (0, 1)),
    ((1, 3, 3, 2), 2, (5, 4), (3, 2), "same", None, (1, 1), (9, 6), (1, 1)),
    ((1, 3, 3, 2), 2, (3, 2), (1, 1), "valid", None, (2, 3), (7, 6), (0, 0)),
    ((1, 3, 3, 2), 2, (3, 3), (1, 1), "same", None, (2, 2), (3, 3), (2, 2)),
    ((3, 4, 4, 1), 2, (1, 1), (1, 1), "valid", None, (1, 1), (4, 4), (0, 0)),   # a per-pixel Dense
]


def case_id(case):
    shape, _, kernel, strides, padding, output_padding, dilation = case[:7]
    return f"{shape}-k{kernel}-s{strides}-{padding}-op{output_padding}-d{dilation}"


def make(case, **kwargs):
    _, filters, kernel, strides, padding, output_padding, dilation = case[:7]
    return layers.Conv2DTranspose(filters, kernel, strides=strides, padding=padding,
                                  output_padding=output_padding, dilation_rate=dilation, **kwargs)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_forward_is_the_direct_transposed_convolution(float64, case):
    shape, strides, dilation, out_hw, start_hw = case[0], case[3], case[6], case[7], case[8]
    layer = make(case, bias_initializer="random_normal")
    x = data(shape)
    y = layer(x)
    expected = direct_conv2d_transpose(x, layer.kernel.value, layer.bias.value, strides, out_hw,
                                       start_hw, dilation)
    assert y.shape == (shape[0],) + out_hw + (layer.filters,)
    np.testing.assert_allclose(y, expected, rtol=1e-12, atol=1e-12)
    assert layer.compute_output_shape((None,) + shape[1:]) == (None,) + out_hw + (layer.filters,)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_gradients(float64, case):
    layer = make(case, bias_initializer="random_normal")
    assert_gradients_match(layer_gradients(layer, data(case[0])), {"input", "kernel", "bias"})


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "softmax"])
def test_gradients_through_an_activation_without_bias(float64, activation):
    layer = layers.Conv2DTranspose(3, 3, strides=2, padding="same", activation=activation,
                                   use_bias=False)
    x = data((2, 3, 3, 2))
    assert_gradients_match(layer_gradients(layer, x), {"input", "kernel"})
    z = direct_conv2d_transpose(x, layer.kernel.value, None, (2, 2), (6, 6), (0, 0))
    np.testing.assert_allclose(layer(x), keras.activations.get(activation)(z), rtol=1e-12)


def test_a_single_pixel_with_stride_two_places_the_kernel(float64):
    """A 1x1 input ``[u, v]`` gives ``u K[..., 0] + v K[..., 1]``: the kernel itself, weighted."""
    layer = layers.Conv2DTranspose(2, 3, strides=2, bias_initializer="ones")
    y = layer(np.array([[[[2.0, -1.0]]]]))
    kernel = layer.kernel.value                       # (3, 3, filters, in_channels)
    assert y.shape == (1, 3, 3, 2)
    np.testing.assert_allclose(y[0], 2 * kernel[..., 0] - kernel[..., 1] + 1, rtol=1e-12)


def test_stride_two_upsamples_by_interleaving_the_kernel(float64):
    """With a 2x2 kernel and stride 2 the copies tile the output: each input pixel fills its own
    2x2 block, as in a keras-io decoder."""
    layer = layers.Conv2DTranspose(1, 2, strides=2, use_bias=False)
    x = data((1, 3, 2, 1))
    layer.build_once((None, 3, 2, 1))
    kernel = np.array([[1.0, 2.0], [3.0, 4.0]])
    layer.set_weights([kernel[:, :, None, None]])
    np.testing.assert_allclose(layer(x)[0, :, :, 0], np.kron(x[0, :, :, 0], kernel), rtol=1e-12)


@pytest.mark.parametrize("strides, padding, output_padding, size", [
    (1, "valid", None, 6), (2, "valid", 1, 8), (3, "valid", 2, 11),
    (1, "same", None, 6), (2, "same", None, 6), (3, "same", None, 9),
])
def test_it_is_the_adjoint_of_conv2d_with_the_same_kernel(float64, strides, padding,
                                                          output_padding, size):
    """``<conv2d(x), y> == <x, conv2d_transpose(y)>``: a Conv2D kernel ``(kh, kw, c, f)`` is a
    Conv2DTranspose kernel from f channels to c, with no reordering."""
    x = data((2, size, size, 2), seed=1)
    conv = layers.Conv2D(3, 3, strides=strides, padding=padding, use_bias=False)
    y = data(conv.compute_output_shape(x.shape), seed=2)
    transpose = layers.Conv2DTranspose(2, 3, strides=strides, padding=padding,
                                       output_padding=output_padding, use_bias=False)
    transpose.build_once((None,) + y.shape[1:])
    conv.build_once((None,) + x.shape[1:])
    assert transpose.kernel.shape == conv.kernel.shape
    transpose.set_weights(conv.get_weights())
    back = transpose(y)
    assert back.shape == x.shape
    np.testing.assert_allclose(np.sum(conv(x) * y), np.sum(x * back), rtol=1e-12)


def test_inference_matches_training_and_writes_nothing(float64):
    layer = layers.Conv2DTranspose(3, 3, strides=2, padding="same", activation="relu")
    x = data((2, 4, 4, 2))
    expected = layer(x, training=True)
    before = dict(vars(layer))
    np.testing.assert_array_equal(layer.forward(x, training=False), expected)
    assert vars(layer).keys() == before.keys()
    assert all(vars(layer)[key] is value for key, value in before.items())


def test_gradient_buffers_are_reused_and_a_first_layer_skips_its_input_gradient(float64):
    layer = layers.Conv2DTranspose(2, 3, strides=2)
    x = data((2, 3, 3, 2))
    dy = data(layer(x, training=True).shape)
    assert layer.backward(dy, input_gradient=False) is None
    kernel_gradient, bias_gradient = layer.gradients
    layer.forward(2 * x, training=True)
    layer.backward(dy, input_gradient=False)
    assert layer.gradients[0] is kernel_gradient and layer.gradients[1] is bias_gradient


def test_weights_are_kernel_then_bias_with_output_channels_before_input_channels():
    layer = layers.Conv2DTranspose(8, (3, 5))
    layer.build_once((None, 12, 12, 3))
    assert [w.name for w in layer.weights] == ["kernel", "bias"]
    assert layer.kernel.shape == (3, 5, 8, 3)
    assert layer.bias.shape == (8,)
    assert layer.count_params() == 3 * 5 * 8 * 3 + 8
    assert layer.kernel.value.dtype == np.float32
    assert layer(np.zeros((1, 12, 12, 3))).dtype == np.float32
    no_bias = layers.Conv2DTranspose(8, 3, use_bias=False)
    no_bias.build_once((None, 12, 12, 3))
    assert [w.name for w in no_bias.weights] == ["kernel"]


def test_defaults_and_config_are_keras_s():
    layer = layers.Conv2DTranspose(4, 3)
    assert (layer.kernel_size, layer.strides, layer.dilation_rate) == ((3, 3), (1, 1), (1, 1))
    assert layer.padding == "valid" and layer.output_padding is None and layer.use_bias is True
    config = layer.get_config()
    assert list(config)[3:10] == ["filters", "kernel_size", "strides", "padding", "output_padding",
                                  "data_format", "dilation_rate"]
    assert "groups" not in config
    assert config["output_padding"] is None and config["activation"] == "linear"
    assert config["kernel_initializer"]["class_name"] == "GlorotUniform"


def test_config_round_trips():
    layer = layers.Conv2DTranspose(5, (2, 3), strides=(2, 3), padding="SAME", output_padding=(1, 2),
                                   activation="relu", kernel_regularizer="l2", name="up")
    config = layer.get_config()
    assert config["padding"] == "same" and config["output_padding"] == (1, 2)
    clone = layers.Conv2DTranspose.from_config(config)
    assert clone.get_config() == config


@pytest.mark.parametrize("input_shape, kwargs, expected", [
    ((None, 7, 7, 8), dict(filters=4, kernel_size=3, strides=2, padding="same"), (None, 14, 14, 4)),
    ((None, 7, 7, 8), dict(filters=4, kernel_size=3, strides=2), (None, 15, 15, 4)),
    ((None, 7, 7, 8), dict(filters=4, kernel_size=2, strides=3), (None, 21, 21, 4)),
    ((None, 7, 7, 8), dict(filters=4, kernel_size=4, strides=2, padding="same", output_padding=1),
     (None, 13, 13, 4)),
    ((None, 7, 5, 8), dict(filters=4, kernel_size=3, dilation_rate=(2, 1)), (None, 11, 7, 4)),
    ((None, None, 5, 8), dict(filters=4, kernel_size=3, strides=2), (None, None, 11, 4)),
])
def test_output_shapes(input_shape, kwargs, expected):
    layer = layers.Conv2DTranspose(**kwargs)
    assert layer.compute_output_shape(input_shape) == expected
    sizes = tuple(3 if size is None else size for size in input_shape[1:])
    assert layer(np.zeros((2,) + sizes)).shape[2:] == expected[2:]


def test_summary_and_symbolic_output_show_the_upsampled_shape(capsys):
    model = keras.Sequential([keras.Input((7, 7, 8)),
                              layers.Conv2DTranspose(4, 3, strides=2, padding="same", name="up")])
    assert model.layers[0].output.shape == (None, 14, 14, 4)
    model.summary()
    line = next(line for line in capsys.readouterr().out.splitlines() if "up" in line)
    assert "Conv2DTranspose" in line and "(None, 14, 14, 4)" in line and "292" in line


@pytest.mark.parametrize("kwargs, argument", [
    (dict(filters=0, kernel_size=3), "filters"),
    (dict(filters=2.5, kernel_size=3), "filters"),
    (dict(filters=2, kernel_size=0), "kernel_size"),
    (dict(filters=2, kernel_size=(3, 3, 3)), "kernel_size"),
    (dict(filters=2, kernel_size=3, strides=0), "strides"),
    (dict(filters=2, kernel_size=3, padding="causal"), "padding"),
    (dict(filters=2, kernel_size=3, output_padding=1), "output_padding"),         # stride 1
    (dict(filters=2, kernel_size=3, strides=2, output_padding=(1, 2)), "output_padding"),
    (dict(filters=2, kernel_size=3, strides=2, output_padding=-1), "output_padding"),
    (dict(filters=2, kernel_size=3, strides=2, dilation_rate=2), "dilation_rate"),
    (dict(filters=2, kernel_size=3, data_format="channels_first"), "data_format"),
])
def test_rejects_bad_arguments_naming_layer_and_argument(kwargs, argument):
    with pytest.raises(ValueError, match=argument) as error:
        layers.Conv2DTranspose(name="my_up", **kwargs)
    assert "my_up" in str(error.value)


def test_refuses_an_unknown_constraint_and_the_wrong_rank():
    with pytest.raises(ValueError, match="'my_up': `kernel_constraint`: .*'nonneg'"):
        layers.Conv2DTranspose(2, 3, kernel_constraint="nonneg", name="my_up")
    with pytest.raises(ValueError, match="'my_up' expects inputs of rank 4"):
        layers.Conv2DTranspose(2, 3, name="my_up").build_once((None, 8, 8))


def test_an_autoencoder_s_gradients_match_central_differences(float64):
    """Down with Conv2D, up with Conv2DTranspose, as keras-io's denoising autoencoder; the last
    layer's sigmoid fused with the binary cross-entropy."""
    model = keras.Sequential([
        keras.Input((6, 6, 1)),
        layers.Conv2D(3, 3, strides=2, padding="same", activation="relu"),
        layers.Conv2DTranspose(2, 3, strides=2, padding="same", activation="tanh",
                               bias_initializer="random_normal"),
        layers.Conv2DTranspose(1, 3, padding="same", activation="sigmoid"),
    ])
    model.compile(optimizer="sgd", loss="binary_crossentropy")
    x = data((3, 6, 6, 1))
    assert len(model.trainable_weights) == 6
    assert_model_gradients_match(model, x, 1 / (1 + np.exp(-x)))


def test_a_relu_transpose_and_its_max_pooling_run_as_one_step_with_exact_gradients(float64):
    model = keras.Sequential([
        keras.Input((3, 3, 2)),
        layers.Conv2DTranspose(3, 3, strides=2, activation="relu", bias_initializer="random_normal"),
        layers.MaxPooling2D(2),
        layers.Flatten(),
        layers.Dense(2, activation="softmax"),
    ])
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    assert type(model._planned_steps()[0]).__name__ == "ReluMaxPooling"
    assert_model_gradients_match(model, data((4, 3, 3, 2)), np.eye(2)[[0, 1, 1, 0]])


# ============================================================================== Conv1DTranspose
CASES_1D = [
    # input (batch, steps, c), filters, kernel, strides, padding, output_padding, dilation, output
    ((2, 4, 3), 2, 3, 1, "valid", None, 1, 6),
    ((2, 4, 3), 2, 3, 2, "same", None, 1, 8),
    ((2, 4, 3), 2, 4, 3, "valid", 2, 1, 15),
    ((2, 4, 3), 2, 2, 3, "same", 1, 1, 10),
    ((2, 5, 2), 3, 3, 1, "same", None, 2, 5),
]


@pytest.mark.parametrize("case", CASES_1D, ids=lambda c: f"{c[0]}-k{c[2]}-s{c[3]}-{c[4]}-op{c[5]}")
def test_conv1d_transpose_is_conv2d_transpose_on_a_single_row(float64, case):
    shape, filters, kernel, strides, padding, output_padding, dilation, length = case
    layer = layers.Conv1DTranspose(filters, kernel, strides=strides, padding=padding,
                                   output_padding=output_padding, dilation_rate=dilation,
                                   bias_initializer="random_normal")
    x = data(shape)
    y = layer(x)
    assert layer.kernel.shape == (kernel, filters, shape[-1])
    assert y.shape == (shape[0], length, filters)
    assert layer.compute_output_shape((None,) + shape[1:]) == (None, length, filters)
    row_output_padding = None if output_padding is None else (0, output_padding)
    row = layers.Conv2DTranspose(filters, (1, kernel), strides=(1, strides), padding=padding,
                                 output_padding=row_output_padding, dilation_rate=(1, dilation))
    row.build_once((None, 1) + shape[1:])
    row.set_weights([layer.kernel.value[None], layer.bias.value])
    np.testing.assert_allclose(y, row(x[:, None])[:, 0], rtol=1e-12)
    assert_gradients_match(layer_gradients(layer, x), {"input", "kernel", "bias"})


def test_conv1d_transpose_arguments_and_errors():
    layer = layers.Conv1DTranspose(4, 3, strides=2, output_padding=1)
    assert (layer.kernel_size, layer.strides, layer.output_padding) == ((3,), (2,), (1,))
    assert layer.get_config()["output_padding"] == (1,)
    assert layers.Conv1DTranspose.from_config(layer.get_config()).get_config() == layer.get_config()
    with pytest.raises(ValueError, match="'down'.*output_padding"):
        layers.Conv1DTranspose(4, 3, strides=2, output_padding=2, name="down")
    with pytest.raises(ValueError, match="'down'.*padding"):
        layers.Conv1DTranspose(4, 3, padding="causal", name="down")
    with pytest.raises(ValueError, match="'down' expects inputs of rank 3"):
        layers.Conv1DTranspose(4, 3, name="down").build_once((None, 5, 5, 2))
