"""DepthwiseConv1D/2D and SeparableConv1D/2D: Keras's arguments, weights, output shapes, configs
and errors; the forward against the direct (loop) definition; every gradient against float64
central differences over strides, dilations, paddings and depth multipliers.

A depthwise convolution convolves each input channel ``c`` with its own ``depth_multiplier`` kernels
``K[..., c, m]``, giving output channel ``c * M + m``; a separable convolution follows it with a
pointwise (1x1) convolution from those ``C * M`` channels to ``filters``.
"""

import numpy as np
import pytest

import handkeras as keras
from handkeras import layers
from handkeras.utils.gradient_check import layer_gradients
from gradient_checks import assert_gradients_match, assert_model_gradients_match, data


def direct_depthwise_conv2d(x, kernel, strides, padding_hw, dilation):
    """The definition, pixel by pixel, on ``x`` zero-padded by ``padding_hw``
    (``((top, bottom), (left, right))``): ``z[n, i, j, c * M + m] = sum_ab x[n, i s + a d,
    j s + b d, c] K[a, b, c, m]``."""
    x = np.pad(x, ((0, 0),) + tuple(padding_hw) + ((0, 0),))
    kh, kw, channels, multiplier = kernel.shape
    oh = (x.shape[1] - (kh - 1) * dilation[0] - 1) // strides[0] + 1
    ow = (x.shape[2] - (kw - 1) * dilation[1] - 1) // strides[1] + 1
    z = np.zeros((len(x), oh, ow, channels * multiplier))
    for i in range(oh):
        for j in range(ow):
            for c in range(channels):
                for m in range(multiplier):
                    for a in range(kh):
                        for b in range(kw):
                            z[:, i, j, c * multiplier + m] += (
                                x[:, i * strides[0] + a * dilation[0],
                                  j * strides[1] + b * dilation[1], c] * kernel[a, b, c, m])
    return z


# ============================================================================== DepthwiseConv2D
CASES = [
    # input (batch, h, w, c), kernel, strides, padding, dilation, depth_multiplier,
    # then Keras's output (h, w) and the padding "same" adds ((top, bottom), (left, right))
    ((2, 5, 6, 3), (3, 3), (1, 1), "valid", (1, 1), 1, (3, 4), ((0, 0), (0, 0))),
    ((2, 5, 6, 3), (3, 2), (1, 1), "valid", (1, 1), 2, (3, 5), ((0, 0), (0, 0))),
    ((2, 5, 6, 2), (3, 3), (1, 1), "same", (1, 1), 3, (5, 6), ((1, 1), (1, 1))),
    ((2, 5, 6, 2), (2, 2), (1, 1), "same", (1, 1), 1, (5, 6), ((0, 1), (0, 1))),  # odd: after
    ((2, 6, 7, 2), (3, 3), (2, 2), "valid", (1, 1), 2, (2, 3), ((0, 0), (0, 0))),
    ((2, 6, 7, 2), (3, 3), (2, 3), "same", (1, 1), 2, (3, 3), ((0, 1), (1, 1))),
    ((1, 7, 6, 2), (3, 2), (1, 1), "valid", (2, 3), 2, (3, 3), ((0, 0), (0, 0))),
    ((1, 7, 6, 2), (3, 3), (1, 1), "same", (2, 2), 1, (7, 6), ((2, 2), (2, 2))),
    ((1, 8, 8, 2), (3, 3), (2, 2), "same", (2, 2), 2, (4, 4), ((1, 2), (1, 2))),  # Keras allows
    ((2, 4, 4, 3), (1, 1), (1, 1), "valid", (1, 1), 2, (4, 4), ((0, 0), (0, 0))),  # per pixel
]


def case_id(case):
    return f"{case[0]}-k{case[1]}-s{case[2]}-{case[3]}-d{case[4]}-m{case[5]}"


def make_depthwise(case, **kwargs):
    _, kernel, strides, padding, dilation, multiplier = case[:6]
    return layers.DepthwiseConv2D(kernel, strides=strides, padding=padding,
                                  depth_multiplier=multiplier, dilation_rate=dilation, **kwargs)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_depthwise_forward_is_the_direct_definition(float64, case):
    shape, _, strides, _, dilation, multiplier, out_hw, pads = case
    layer = make_depthwise(case, bias_initializer="random_normal")
    x = data(shape)
    y = layer(x)
    assert y.shape == (shape[0],) + out_hw + (shape[-1] * multiplier,)
    expected = direct_depthwise_conv2d(x, layer.kernel.value, strides, pads, dilation)
    np.testing.assert_allclose(y, expected + layer.bias.value, rtol=1e-12, atol=1e-12)
    assert layer.compute_output_shape((None,) + shape[1:]) == (None,) + out_hw + (y.shape[-1],)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_depthwise_gradients(float64, case):
    layer = make_depthwise(case, bias_initializer="random_normal")
    assert_gradients_match(layer_gradients(layer, data(case[0])), {"input", "kernel", "bias"})


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "softmax"])
def test_depthwise_gradients_through_an_activation_without_bias(float64, activation):
    layer = layers.DepthwiseConv2D(3, strides=2, padding="same", depth_multiplier=2,
                                   activation=activation, use_bias=False)
    x = data((2, 5, 5, 2))
    assert_gradients_match(layer_gradients(layer, x), {"input", "kernel"})
    z = direct_depthwise_conv2d(x, layer.kernel.value, (2, 2), ((1, 1), (1, 1)), (1, 1))
    np.testing.assert_allclose(layer(x), keras.activations.get(activation)(z), rtol=1e-12)


def test_channels_never_mix_and_follow_keras_s_order(float64):
    """Output channel ``c * M + m`` depends on input channel ``c`` only: the input gradient of
    output channel 3 (= 1 * 2 + 1) is zero outside input channel 1."""
    layer = layers.DepthwiseConv2D(2, depth_multiplier=2, use_bias=False)
    x = data((1, 4, 4, 3))
    y = layer(x, training=True)
    dy = np.zeros_like(y)
    dy[..., 3] = 1.0
    dx = layer.backward(dy)
    assert np.all(dx[..., [0, 2]] == 0) and np.any(dx[..., 1] != 0)
    one_channel = layers.Conv2D(1, 2, use_bias=False)
    one_channel.build_once((None, 4, 4, 1))
    one_channel.set_weights([layer.kernel.value[:, :, 1:2, 1:2]])
    np.testing.assert_allclose(y[..., 3:4], one_channel(x[..., 1:2]), rtol=1e-12)


# ============================================================================== SeparableConv2D
@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_separable_is_depthwise_then_a_pointwise_conv2d(float64, case):
    shape, kernel, strides, padding, dilation, multiplier = case[:6]
    layer = layers.SeparableConv2D(4, kernel, strides=strides, padding=padding,
                                   dilation_rate=dilation, depth_multiplier=multiplier,
                                   bias_initializer="random_normal")
    x = data(shape)
    y = layer(x)
    depthwise_kernel, pointwise_kernel, bias = layer.get_weights()
    assert pointwise_kernel.shape == (1, 1, shape[-1] * multiplier, 4)
    depthwise = make_depthwise(case, use_bias=False)
    depthwise.build_once((None,) + shape[1:])
    depthwise.set_weights([depthwise_kernel])
    pointwise = layers.Conv2D(4, 1)
    pointwise.build_once((None, None, None, shape[-1] * multiplier))
    pointwise.set_weights([pointwise_kernel, bias])
    np.testing.assert_allclose(y, pointwise(depthwise(x)), rtol=1e-12, atol=1e-12)
    assert layer.compute_output_shape((None,) + shape[1:]) == (None,) + case[6] + (4,)
    assert_gradients_match(layer_gradients(layer, x),
                           {"input", "depthwise_kernel", "pointwise_kernel", "bias"})


@pytest.mark.parametrize("activation", ["relu", "tanh", "softmax"])
def test_separable_gradients_through_an_activation_without_bias(float64, activation):
    layer = layers.SeparableConv2D(3, 3, padding="same", depth_multiplier=2,
                                   activation=activation, use_bias=False)
    assert_gradients_match(layer_gradients(layer, data((2, 4, 5, 2))),
                           {"input", "depthwise_kernel", "pointwise_kernel"})


# ============================================================================== 1D
CASES_1D = [
    # input (batch, steps, c), kernel, strides, padding, dilation, depth_multiplier, output steps
    ((2, 7, 3), 3, 1, "valid", 1, 1, 5),
    ((2, 7, 3), 3, 2, "same", 1, 2, 4),
    ((2, 7, 2), 2, 1, "same", 1, 3, 7),
    ((2, 8, 2), 3, 1, "valid", 2, 2, 4),
    ((2, 9, 2), 3, 2, "same", 2, 1, 5),
]


@pytest.mark.parametrize("case", CASES_1D, ids=lambda c: f"{c[0]}-k{c[1]}-s{c[2]}-{c[3]}-d{c[4]}")
@pytest.mark.parametrize("kind", ["DepthwiseConv1D", "SeparableConv1D"])
def test_1d_layers_are_the_2d_ones_on_a_single_row(float64, kind, case):
    shape, kernel, strides, padding, dilation, multiplier, steps = case
    arguments = dict(strides=strides, padding=padding, dilation_rate=dilation,
                     depth_multiplier=multiplier, bias_initializer="random_normal")
    two_d = kind.replace("1D", "2D")
    filters = () if kind.startswith("Depthwise") else (3,)
    layer = getattr(layers, kind)(*filters, kernel, **arguments)
    x = data(shape)
    y = layer(x)
    assert y.shape[:2] == (shape[0], steps)
    assert layer.compute_output_shape((None,) + shape[1:]) == (None, steps, y.shape[-1])
    row = getattr(layers, two_d)(*filters, (1, kernel), **{
        **arguments, "strides": (1, strides), "dilation_rate": (1, dilation)})
    row.build_once((None, 1) + shape[1:])
    row.set_weights([w.value[None] if w.name.endswith("kernel") else w.value
                     for w in layer.weights])
    np.testing.assert_allclose(y, row(x[:, None])[:, 0], rtol=1e-12)
    assert_gradients_match(layer_gradients(layer, x),
                           {"input", "bias"} | {w.name for w in layer.weights})


# ============================================================================== in models
def test_a_separable_convnet_s_gradients_match_central_differences(float64):
    """Keras's Xception-style stack: separable convolutions with a relu and a max pooling (run as
    one step), a depthwise one, regularizers, and a softmax fused with its cross-entropy."""
    model = keras.Sequential([
        keras.Input((8, 8, 2)),
        layers.SeparableConv2D(3, 3, padding="same", depth_multiplier=2, activation="relu",
                               depthwise_regularizer="l2", pointwise_regularizer="l1",
                               bias_initializer="random_normal"),
        layers.MaxPooling2D(2),
        layers.DepthwiseConv2D(3, strides=2, padding="same", activation="tanh",
                               depthwise_regularizer="l2", bias_regularizer="l2"),
        layers.Flatten(),
        layers.Dense(3, activation="softmax"),
    ])
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    assert type(model._planned_steps()[0]).__name__ == "ReluMaxPooling"
    assert len(model.trainable_weights) == 7
    assert_model_gradients_match(model, data((4, 8, 8, 2)), np.eye(3)[[0, 1, 2, 1]])


@pytest.mark.parametrize("kind", ["DepthwiseConv1D", "SeparableConv1D"])
def test_a_last_1d_layer_with_a_sigmoid_fuses_with_binary_crossentropy(float64, kind):
    filters = () if kind.startswith("Depthwise") else (2,)
    model = keras.Sequential([keras.Input((6, 2)),
                              getattr(layers, kind)(*filters, 3, padding="same",
                                                    activation="sigmoid",
                                                    activity_regularizer="l2")])
    model.compile(optimizer="sgd", loss="binary_crossentropy")
    x = data((3, 6, 2))
    assert_model_gradients_match(model, x, (x > 0).astype(float))


def test_a_separable_model_trains_in_float32():
    model = keras.Sequential([keras.Input((8, 8, 3)),
                              layers.SeparableConv2D(8, 3, activation="relu"),
                              layers.DepthwiseConv2D(3, depth_multiplier=2),
                              layers.GlobalAveragePooling2D(), layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    x = data((32, 8, 8, 3)).astype("float32")
    y = x.mean(axis=(1, 2, 3))[:, None]
    history = model.fit(x, y, epochs=5, batch_size=8, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert all(w.value.dtype == np.float32 for w in model.weights)


# ============================================================================== layer contract
def test_inference_matches_training_and_writes_nothing(float64):
    for layer in (layers.DepthwiseConv2D(3, padding="same", depth_multiplier=2, activation="relu"),
                  layers.SeparableConv2D(3, 3, strides=2, activation="relu")):
        x = data((2, 5, 5, 2))
        expected = layer(x, training=True)
        before = dict(vars(layer))
        np.testing.assert_array_equal(layer.forward(x, training=False), expected)
        assert vars(layer).keys() == before.keys()
        assert all(vars(layer)[key] is value for key, value in before.items())


@pytest.mark.parametrize("make", [lambda: layers.DepthwiseConv2D(3, depth_multiplier=2),
                                  lambda: layers.SeparableConv2D(2, 3)],
                         ids=["DepthwiseConv2D", "SeparableConv2D"])
def test_gradient_buffers_are_reused_and_a_first_layer_skips_its_input_gradient(float64, make):
    layer = make()
    x = data((2, 5, 5, 2))
    dy = data(layer(x, training=True).shape)
    assert layer.backward(dy, input_gradient=False) is None
    buffers = list(layer.gradients)
    assert len(buffers) == len(layer.weights)
    layer.forward(2 * x, training=True)
    layer.backward(dy, input_gradient=False)
    assert all(new is old for new, old in zip(layer.gradients, buffers))


def test_a_frozen_layer_passes_the_input_gradient_and_has_no_trainable_weights(float64):
    layer = layers.SeparableConv2D(2, 3, padding="same")
    trained = layers.SeparableConv2D(2, 3, padding="same")
    x = data((2, 4, 4, 2))
    layer.build_once((None, 4, 4, 2))
    trained.build_once((None, 4, 4, 2))
    trained.set_weights(layer.get_weights())
    layer.trainable = False
    dy = data((2, 4, 4, 2), seed=1)
    layer(x, training=True)
    trained(x, training=True)
    assert layer.trainable_weights == [] and len(layer.non_trainable_weights) == 3
    np.testing.assert_allclose(layer.backward(dy), trained.backward(dy), rtol=1e-12)
    assert layer.backward(dy, input_gradient=False) is None


def test_weights_are_keras_s_names_shapes_and_order():
    depthwise = layers.DepthwiseConv2D((3, 5), depth_multiplier=4)
    depthwise.build_once((None, 12, 12, 3))
    assert [(w.name, w.shape) for w in depthwise.weights] == [("kernel", (3, 5, 3, 4)),
                                                              ("bias", (12,))]
    separable = layers.SeparableConv2D(8, (3, 5), depth_multiplier=2)
    separable.build_once((None, 12, 12, 3))
    assert [(w.name, w.shape) for w in separable.weights] == [
        ("depthwise_kernel", (3, 5, 3, 2)), ("pointwise_kernel", (1, 1, 6, 8)), ("bias", (8,))]
    assert separable.count_params() == 3 * 5 * 3 * 2 + 6 * 8 + 8
    assert separable(np.zeros((1, 12, 12, 3))).dtype == np.float32
    one_d = layers.SeparableConv1D(8, 3, use_bias=False)
    one_d.build_once((None, 12, 3))
    assert [(w.name, w.shape) for w in one_d.weights] == [("depthwise_kernel", (3, 3, 1)),
                                                          ("pointwise_kernel", (1, 3, 8))]
    no_bias = layers.DepthwiseConv1D(3, use_bias=False)
    no_bias.build_once((None, 12, 3))
    assert [(w.name, w.shape) for w in no_bias.weights] == [("kernel", (3, 3, 1))]


def test_defaults_and_configs_are_keras_s():
    depthwise = layers.DepthwiseConv2D(3)
    assert (depthwise.kernel_size, depthwise.strides, depthwise.dilation_rate) == (
        (3, 3), (1, 1), (1, 1))
    assert depthwise.depth_multiplier == 1 and depthwise.padding == "valid"
    config = depthwise.get_config()
    assert list(config)[3:] == [
        "depth_multiplier", "kernel_size", "strides", "padding", "data_format", "dilation_rate",
        "activation", "use_bias", "depthwise_initializer", "bias_initializer",
        "depthwise_regularizer", "bias_regularizer", "activity_regularizer",
        "depthwise_constraint", "bias_constraint"]
    assert config["depthwise_initializer"]["class_name"] == "GlorotUniform"
    separable = layers.SeparableConv1D(4, 3)
    assert separable.strides == (1,) and separable.depth_multiplier == 1
    config = separable.get_config()
    assert list(config)[3:] == [
        "depth_multiplier", "filters", "kernel_size", "strides", "padding", "data_format",
        "dilation_rate", "activation", "use_bias", "depthwise_initializer",
        "pointwise_initializer", "bias_initializer", "depthwise_regularizer",
        "pointwise_regularizer", "bias_regularizer", "activity_regularizer",
        "depthwise_constraint", "pointwise_constraint", "bias_constraint"]
    assert config["pointwise_initializer"]["class_name"] == "GlorotUniform"


@pytest.mark.parametrize("kind, arguments", [
    ("DepthwiseConv2D", dict(kernel_size=(2, 3), strides=(2, 1), padding="SAME",
                             depth_multiplier=3, activation="relu", depthwise_regularizer="l2",
                             bias_constraint="non_neg", activity_regularizer="l1")),
    ("DepthwiseConv1D", dict(kernel_size=3, dilation_rate=2, use_bias=False,
                             depthwise_initializer="he_normal", depthwise_constraint="max_norm")),
    ("SeparableConv2D", dict(filters=5, kernel_size=3, padding="same", depth_multiplier=2,
                             pointwise_regularizer="l1", pointwise_constraint="unit_norm",
                             pointwise_initializer="zeros", activation="tanh")),
    ("SeparableConv1D", dict(filters=2, kernel_size=4, strides=3, bias_regularizer="l2",
                             depthwise_constraint="non_neg")),
])
def test_configs_round_trip(kind, arguments):
    layer = getattr(layers, kind)(**arguments, name="x")
    config = layer.get_config()
    assert config["padding"] in ("valid", "same")
    assert getattr(layers, kind).from_config(config).get_config() == config
    clone = keras.layers.deserialize(keras.layers.serialize(layer))
    assert type(clone) is type(layer) and clone.get_config() == config


@pytest.mark.parametrize("input_shape, kind, arguments, expected", [
    ((None, 7, 7, 3), "DepthwiseConv2D", dict(kernel_size=3, strides=2, padding="same",
                                              depth_multiplier=2), (None, 4, 4, 6)),
    ((None, None, 7, 3), "DepthwiseConv2D", dict(kernel_size=3), (None, None, 5, 3)),
    ((None, 9, 3), "DepthwiseConv1D", dict(kernel_size=3, dilation_rate=3), (None, 3, 3)),
    ((None, 7, 8, 3), "SeparableConv2D", dict(filters=4, kernel_size=(3, 2), strides=(2, 3)),
     (None, 3, 3, 4)),
    ((None, None, 3), "SeparableConv1D", dict(filters=4, kernel_size=3, padding="same"),
     (None, None, 4)),
])
def test_output_shapes(input_shape, kind, arguments, expected):
    layer = getattr(layers, kind)(**arguments)
    assert layer.compute_output_shape(input_shape) == expected
    sizes = tuple(9 if size is None else size for size in input_shape[1:])
    assert layer(np.zeros((2,) + sizes)).shape[-1] == expected[-1]


def test_summary_shows_shapes_and_parameter_counts(capsys):
    model = keras.Sequential([keras.Input((7, 7, 3)),
                              layers.SeparableConv2D(8, 3, padding="same", name="sep"),
                              layers.DepthwiseConv2D(3, depth_multiplier=2, name="dw")])
    assert model.layers[1].output.shape == (None, 5, 5, 16)
    model.summary()
    lines = capsys.readouterr().out.splitlines()
    sep = next(line for line in lines if "sep " in line)
    dw = next(line for line in lines if "dw " in line)
    assert "(None, 7, 7, 8)" in sep and "59" in sep           # 3*3*3*1 + 1*1*3*8 + 8
    assert "(None, 5, 5, 16)" in dw and "160" in dw           # 3*3*8*2 + 16


@pytest.mark.parametrize("kind", ["DepthwiseConv2D", "SeparableConv2D"])
@pytest.mark.parametrize("arguments, argument", [
    (dict(depth_multiplier=0), "depth_multiplier"),
    (dict(depth_multiplier=2.5), "depth_multiplier"),
    (dict(kernel_size=0), "kernel_size"),
    (dict(kernel_size=(3, 3, 3)), "kernel_size"),
    (dict(strides=0), "strides"),
    (dict(dilation_rate=(1, 0)), "dilation_rate"),
    (dict(padding="causal"), "padding"),
    (dict(data_format="channels_first"), "data_format"),
    (dict(depthwise_constraint="nonneg"), "depthwise_constraint"),
    (dict(bias_constraint="maxnorm"), "bias_constraint"),
])
def test_rejects_bad_arguments_naming_layer_and_argument(kind, arguments, argument):
    filters = {"filters": 2} if kind.startswith("Separable") else {}
    with pytest.raises(ValueError, match=argument) as error:
        getattr(layers, kind)(**{"kernel_size": 3, **filters, **arguments}, name="my_conv")
    assert "my_conv" in str(error.value)


@pytest.mark.parametrize("filters", [0, -1, 2.5, None])
def test_separable_rejects_a_bad_filters_count(filters):
    with pytest.raises(ValueError, match="'my_conv': `filters`"):
        layers.SeparableConv1D(filters, 3, name="my_conv")
    with pytest.raises(ValueError, match="'my_conv': `pointwise_constraint`"):
        layers.SeparableConv1D(2, 3, pointwise_constraint="unitnorm", name="my_conv")


@pytest.mark.parametrize("kind", ["DepthwiseConv1D", "SeparableConv1D"])
def test_1d_layers_refuse_causal_padding_as_keras_does(kind):
    filters = (2,) if kind.startswith("Separable") else ()
    with pytest.raises(ValueError, match="`padding` must be one of \\['valid', 'same'\\]"):
        getattr(layers, kind)(*filters, 3, padding="causal")


@pytest.mark.parametrize("kind", ["DepthwiseConv2D", "SeparableConv2D"])
def test_refuses_inputs_of_the_wrong_rank_or_smaller_than_the_kernel(kind):
    filters = (2,) if kind.startswith("Separable") else ()
    with pytest.raises(ValueError, match="'my_conv' expects inputs of rank 4"):
        getattr(layers, kind)(*filters, 3, name="my_conv").build_once((None, 8, 8))
    layer = getattr(layers, kind)(*filters, 3, dilation_rate=2, name="my_conv")
    with pytest.raises(ValueError, match="'my_conv'.*smaller than the kernel"):
        layer.build_once((None, 4, 9, 2))
    assert not layer.built and layer.weights == []
    unknown = getattr(layers, kind)(*filters, 3, name="my_conv")
    unknown.build_once((None, None, None, 2))
    with pytest.raises(ValueError, match="'my_conv'.*smaller than the kernel"):
        unknown(np.zeros((1, 2, 5, 2)))
