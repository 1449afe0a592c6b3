"""Conv3D and Conv3DTranspose (and grouped Conv2D/Conv3D) against PyTorch autograd and Keras 3.15.1
(torch backend), in float64 to rtol 1e-9.

A Keras Conv3D kernel ``(kd, kh, kw, in / groups, filters)`` is torch's ``(filters, in / groups,
kd, kh, kw)``; a Conv3DTranspose kernel ``(kd, kh, kw, filters, in)`` is torch's ``(in, filters,
kd, kh, kw)``. Keras's "same" puts the odd padded (or trimmed) position after, which torch's
symmetric ``padding`` cannot say: the input is padded here by hand (convolution), and torch's full
transposed output is cut here to Keras's window (see test_torch_conv_transpose.py).
"""

import inspect
import json

import numpy as np
import pytest

import handkeras
from handkeras import layers
from handkeras.layers.convolutional import im2col
from parity import assert_close

torch = pytest.importorskip("torch")
keras = pytest.importorskip("keras")

from keras_pair import assert_same_history, assert_same_weights, make_models  # noqa: E402
from test_torch_conv_transpose import cut, keras_window  # noqa: E402
F = torch.nn.functional
TORCH_ACTIVATIONS = {None: lambda t: t, "relu": torch.relu, "tanh": torch.tanh,
                     "sigmoid": torch.sigmoid}


def tensor(array):
    return torch.tensor(np.asarray(array, dtype=np.float64), requires_grad=True)


def torch_conv(tx, tk, tb, strides, padding, dilation, groups, kernel_size):
    """Keras's convolution of channels-last ``tx`` with torch: same padding added by hand."""
    pads = [im2col.same_padding(n, k, s, d) if padding == "same" else (0, 0)
            for n, k, s, d in zip(tx.shape[1:-1], kernel_size, strides, dilation)]
    rank = len(kernel_size)
    channels_first = tx.permute(0, rank + 1, *range(1, rank + 1))
    padded = F.pad(channels_first, [p for pair in reversed(pads) for p in pair])
    conv = getattr(F, f"conv{rank}d")
    kernel = tk.permute(rank + 1, rank, *range(rank))
    z = conv(padded, kernel, tb, stride=strides, dilation=dilation, groups=groups)
    return z.permute(0, *range(2, rank + 2), 1)


CONV_CASES = [
    # input, filters, kernel, strides, padding, dilation, groups, activation
    ((2, 4, 5, 4, 3), 4, (3, 3, 2), (1, 1, 1), "valid", (1, 1, 1), 1, None),
    ((2, 4, 5, 4, 3), 4, (3, 2, 2), (1, 1, 1), "same", (1, 1, 1), 1, "relu"),
    ((2, 5, 5, 4, 2), 3, (3, 3, 3), (2, 2, 3), "same", (1, 1, 1), 1, "tanh"),    # odd pad after
    ((2, 5, 6, 5, 2), 3, (2, 3, 2), (2, 3, 1), "valid", (1, 1, 1), 1, None),
    ((1, 6, 5, 5, 2), 2, (2, 2, 3), (1, 1, 1), "same", (2, 3, 1), 1, "sigmoid"),
    ((1, 6, 5, 5, 2), 2, (2, 2, 2), (1, 1, 1), "valid", (3, 1, 2), 1, None),
    ((2, 3, 4, 4, 6), 4, (2, 2, 2), (1, 1, 1), "valid", (1, 1, 1), 2, None),
    ((2, 4, 4, 3, 6), 6, (3, 2, 2), (2, 1, 2), "same", (1, 1, 1), 3, "relu"),
    ((1, 4, 4, 4, 4), 8, (2, 3, 2), (1, 1, 1), "same", (1, 2, 1), 4, None),
]


def conv_id(case):
    return f"{case[0]}-k{case[2]}-s{case[3]}-{case[4]}-d{case[5]}-g{case[6]}-{case[7]}"


@pytest.mark.parametrize("use_bias", [True, False], ids=["bias", "no_bias"])
@pytest.mark.parametrize("case", CONV_CASES, ids=conv_id)
def test_conv3d_matches_torch(case, use_bias):
    shape, filters, kernel_size, strides, padding, dilation, groups, activation = case
    rng = np.random.default_rng(0)
    x = rng.normal(size=shape)
    kernel = rng.normal(size=kernel_size + (shape[-1] // groups, filters))
    bias = rng.normal(size=filters)
    layer = layers.Conv3D(filters, kernel_size, strides=strides, padding=padding,
                          dilation_rate=dilation, groups=groups, activation=activation,
                          use_bias=use_bias)
    layer.build_once((None,) + shape[1:])
    layer.set_weights([kernel, bias] if use_bias else [kernel])

    tx, tk, tb = tensor(x), tensor(kernel), tensor(bias)
    out = TORCH_ACTIVATIONS[activation](torch_conv(tx, tk, tb if use_bias else None, strides,
                                                   padding, dilation, groups, kernel_size))
    dy = rng.normal(size=tuple(out.shape))
    out.backward(torch.tensor(dy))

    assert_close(layer.forward(x, training=False), out.detach().numpy(), "inference output")
    assert_close(layer.forward(x, training=True), out.detach().numpy(), "output")
    assert_close(layer.backward(dy), tx.grad.numpy(), "input gradient")
    assert_close(layer.gradients[0], tk.grad.numpy(), "kernel gradient")
    if use_bias:
        assert_close(layer.gradients[1], tb.grad.numpy(), "bias gradient")


@pytest.mark.parametrize("make_layer, shape", [
    (lambda: layers.Conv2D(6, (3, 2), strides=(2, 1), padding="same", groups=3), (2, 5, 4, 6)),
    (lambda: layers.Conv1D(4, 3, dilation_rate=2, groups=2), (2, 9, 4)),
], ids=["conv2d", "conv1d"])
def test_grouped_conv1d_and_conv2d_match_torch(make_layer, shape):
    rng = np.random.default_rng(3)
    layer = make_layer()
    layer.build_once((None,) + shape[1:])
    kernel, bias = (rng.normal(size=w.shape) for w in layer.weights)
    layer.set_weights([kernel, bias])
    x = rng.normal(size=shape)
    tx, tk, tb = tensor(x), tensor(kernel), tensor(bias)
    out = torch_conv(tx, tk, tb, layer.strides, layer.padding, layer.dilation_rate, layer.groups,
                     layer.kernel_size)
    dy = rng.normal(size=tuple(out.shape))
    out.backward(torch.tensor(dy))
    assert_close(layer.forward(x, training=True), out.detach().numpy(), "output")
    assert_close(layer.backward(dy), tx.grad.numpy(), "input gradient")
    assert_close(layer.gradients[0], tk.grad.numpy(), "kernel gradient")
    assert_close(layer.gradients[1], tb.grad.numpy(), "bias gradient")


TRANSPOSE_CASES = [
    # input, filters, kernel, strides, padding, output_padding, dilation, activation
    ((2, 3, 4, 3, 3), 4, (3, 3, 2), (1, 1, 1), "valid", None, (1, 1, 1), None),
    ((2, 3, 4, 3, 3), 4, (3, 2, 3), (1, 1, 1), "same", None, (1, 1, 1), "relu"),
    ((2, 3, 3, 3, 2), 3, (3, 3, 3), (2, 2, 2), "same", None, (1, 1, 1), None),   # trims after
    ((2, 3, 3, 2, 2), 3, (3, 2, 3), (2, 3, 2), "valid", (1, 2, 0), (1, 1, 1), "tanh"),
    ((1, 3, 2, 3, 2), 2, (4, 2, 2), (2, 3, 3), "same", (1, 1, 2), (1, 1, 1), "sigmoid"),
    ((1, 2, 3, 2, 2), 2, (2, 2, 2), (3, 3, 3), "valid", None, (1, 1, 1), None),  # s > k: zeros
    ((1, 4, 3, 3, 2), 2, (3, 2, 2), (1, 1, 1), "same", None, (2, 3, 1), None),
    ((1, 4, 3, 3, 2), 2, (2, 2, 3), (1, 1, 1), "valid", None, (1, 2, 2), "relu"),
]


def transpose_id(case):
    return f"{case[0]}-k{case[2]}-s{case[3]}-{case[4]}-op{case[5]}-d{case[6]}-{case[7]}"


@pytest.mark.parametrize("use_bias", [True, False], ids=["bias", "no_bias"])
@pytest.mark.parametrize("case", TRANSPOSE_CASES, ids=transpose_id)
def test_conv3d_transpose_matches_torch(case, use_bias):
    shape, filters, kernel_size, strides, padding, output_padding, dilation, activation = case
    rng = np.random.default_rng(1)
    x = rng.normal(size=shape)
    kernel = rng.normal(size=kernel_size + (filters, shape[-1]))
    bias = rng.normal(size=filters)
    layer = layers.Conv3DTranspose(filters, kernel_size, strides=strides, padding=padding,
                                   output_padding=output_padding, dilation_rate=dilation,
                                   activation=activation, use_bias=use_bias)
    layer.build_once((None,) + shape[1:])
    layer.set_weights([kernel, bias] if use_bias else [kernel])

    tx, tk, tb = tensor(x), tensor(kernel), tensor(bias)
    full = F.conv_transpose3d(tx.permute(0, 4, 1, 2, 3), tk.permute(4, 3, 0, 1, 2),
                              stride=strides, dilation=dilation)
    ops = output_padding or (None,) * 3
    z = cut(full, [keras_window(shape[1 + a], kernel_size[a], strides[a], dilation[a], padding,
                                ops[a]) for a in range(3)])
    if use_bias:
        z = z + tb[:, None, None, None]
    out = TORCH_ACTIVATIONS[activation](z).permute(0, 2, 3, 4, 1)
    dy = rng.normal(size=tuple(out.shape))
    out.backward(torch.tensor(dy))

    assert_close(layer.forward(x, training=False), out.detach().numpy(), "inference output")
    assert_close(layer.forward(x, training=True), out.detach().numpy(), "output")
    assert_close(layer.backward(dy), tx.grad.numpy(), "input gradient")
    assert_close(layer.gradients[0], tk.grad.numpy(), "kernel gradient")
    if use_bias:
        assert_close(layer.gradients[1], tb.grad.numpy(), "bias gradient")


# ============================================================================== Keras itself
SHAPE_CASES = [
    ("Conv3D", dict(filters=4, kernel_size=k, strides=s, padding=p, dilation_rate=d, groups=g),
     (None, 5, 6, 5, 4))
    for k in (1, 2, 3, (3, 1, 2)) for s in (1, 2, (1, 3, 2)) for p in ("valid", "same")
    for d in (1, 2) for g in (1, 2) if s == 1 or d == 1
] + [
    ("Conv3DTranspose", dict(filters=2, kernel_size=k, strides=s, padding=p, output_padding=op,
                             dilation_rate=d), (None, 3, 4, 2, 3))
    for k in (1, 2, 3, (3, 1, 2)) for s in (1, 2, 3) for p in ("valid", "same") for d in (1, 2)
    for op in (None, 0, 1) if (s == 1 or d == 1) and (op is None or op < s)
]


@pytest.mark.parametrize("name, kwargs, input_shape", SHAPE_CASES,
                         ids=[f"{n}-{sorted(k.items())}" for n, k, _ in SHAPE_CASES])
def test_output_shapes_and_values_match_keras(name, kwargs, input_shape):
    theirs = getattr(keras.layers, name)(**kwargs, bias_initializer="random_normal",
                                         dtype="float64")
    ours = getattr(layers, name)(**kwargs, dtype="float64")
    assert ours.compute_output_shape(input_shape) == tuple(theirs.compute_output_shape(input_shape))
    x = np.random.default_rng(2).normal(size=(2,) + input_shape[1:])
    expected = keras.ops.convert_to_numpy(theirs(x))
    ours.build_once(input_shape)
    ours.set_weights([keras.ops.convert_to_numpy(w) for w in theirs.weights])
    assert_close(ours(x), expected, "output")


@pytest.mark.parametrize("name, kwargs", [
    ("Conv3D", dict(filters=4, kernel_size=(3, 2, 1), strides=2, padding="same", groups=2,
                    activation="relu", kernel_regularizer="l2", bias_constraint="non_neg",
                    name="volume")),
    ("Conv3DTranspose", dict(filters=3, kernel_size=3, strides=(2, 1, 2), padding="same",
                             output_padding=(1, 0, 0), activation="sigmoid",
                             bias_regularizer="l1", name="up")),
])
def test_signature_defaults_config_and_weights_match_keras(name, kwargs):
    assert str(inspect.signature(getattr(layers, name))) == \
        str(inspect.signature(getattr(keras.layers, name)))
    for defaults in (dict(filters=2, kernel_size=3), kwargs):
        ours, theirs = getattr(layers, name)(**defaults), getattr(keras.layers, name)(**defaults)
        ours.build_once((None, 4, 5, 4, 2))
        theirs.build((None, 4, 5, 4, 2))
        config, expected = ours.get_config(), theirs.get_config()
        config.pop("name"), expected.pop("name")
        assert json.dumps(config) == json.dumps(expected)
        assert [(w.name, tuple(w.shape)) for w in ours.weights] == \
            [(w.name, tuple(w.shape)) for w in theirs.weights]


@pytest.mark.parametrize("name, kwargs", [
    ("Conv3D", dict(filters=5, kernel_size=3, groups=2)),
    ("Conv3D", dict(filters=4, kernel_size=3, groups=0)),
    ("Conv3D", dict(filters=4, kernel_size=(3, 3))),
    ("Conv3D", dict(filters=4, kernel_size=3, strides=2, dilation_rate=2)),
    ("Conv3D", dict(filters=4, kernel_size=3, padding="causal")),
    ("Conv3DTranspose", dict(filters=4, kernel_size=3, strides=2, output_padding=2)),
    ("Conv3DTranspose", dict(filters=4, kernel_size=3, output_padding=1)),
    ("Conv3DTranspose", dict(filters=4, kernel_size=3, strides=2, dilation_rate=2)),
])
def test_keras_refuses_what_we_refuse(name, kwargs):
    with pytest.raises(ValueError):
        getattr(keras.layers, name)(**kwargs)
    with pytest.raises(ValueError):
        getattr(layers, name)(**kwargs)


def test_keras_refuses_a_grouped_conv3d_on_channels_its_groups_do_not_divide():
    with pytest.raises(ValueError):
        keras.layers.Conv3D(4, 2, groups=2).build((None, 3, 3, 3, 3))
    with pytest.raises(ValueError):
        layers.Conv3D(4, 2, groups=2).build_once((None, 3, 3, 3, 3))


def test_a_volume_model_fits_as_in_keras():
    """Conv3D down (grouped, strided), Conv3DTranspose up, and a classifier head: two epochs of
    Adam give Keras's history and weights."""
    rng = np.random.default_rng(21)
    x = rng.uniform(size=(12, 4, 6, 6, 2))
    y = np.eye(3)[rng.integers(0, 3, 12)]

    def build(lib):
        L = lib.layers
        return lib.Sequential([
            lib.Input((4, 6, 6, 2)),
            L.Conv3D(4, 3, padding="same", activation="relu", bias_initializer="random_normal"),
            L.Conv3D(4, 2, strides=2, groups=2, activation="tanh"),               # 2, 3, 3
            L.Conv3DTranspose(3, (2, 3, 3), strides=(2, 1, 1), padding="same",
                              activation="relu", bias_initializer="random_normal"),  # 4, 3, 3
            L.Conv3DTranspose(2, 2, strides=2, output_padding=1),                 # 9, 7, 7
            L.Flatten(),
            L.Dense(3, activation="softmax"),
        ])

    ours, theirs = make_models(build)
    for model, lib in ((theirs, keras), (ours, handkeras)):
        model.compile(optimizer=lib.optimizers.Adam(0.01), loss="categorical_crossentropy",
                      metrics=["accuracy"])
    history = [m.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
               for m in (ours, theirs)]
    assert_same_history(*history)
    assert_same_weights(ours, theirs)
    assert_close(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), "predict")
