"""DepthwiseConv1D/2D and SeparableConv1D/2D against PyTorch autograd and Keras 3.15.1 (torch
backend), in float64 to rtol 1e-9.

Torch writes a depthwise convolution as a grouped one, ``groups=in_channels``: output channel ``o``
belongs to group ``o // M``, which is Keras's order (channel ``c * M + m``), so a Keras kernel
``(kh, kw, C, M)`` is torch's ``(C * M, 1, kh, kw)`` after flattening its last two axes. The
separable convolution's pointwise kernel ``(1, 1, C * M, F)`` is torch's ``(F, C * M, 1, 1)``.
Torch's ``padding="same"`` is symmetric, so TensorFlow's rule (the odd zero after) is applied here
with ``F.pad`` before a torch convolution without padding.
"""

import inspect
import json
import math

import numpy as np
import pytest

import handkeras
from handkeras import layers
from parity import assert_close

torch = pytest.importorskip("torch")
keras = pytest.importorskip("keras")

from keras_pair import assert_same_history, assert_same_weights, make_models  # noqa: E402
F = torch.nn.functional
TORCH_ACTIVATIONS = {None: lambda t: t, "relu": torch.relu, "tanh": torch.tanh,
                     "sigmoid": torch.sigmoid}


def tf_same_pads(size, kernel, stride, dilation):
    """``(before, after)`` zeros of TensorFlow's "same" along one axis."""
    effective = (kernel - 1) * dilation + 1
    total = max((math.ceil(size / stride) - 1) * stride + effective - size, 0)
    return total // 2, total - total // 2


def tensor(array):
    return torch.tensor(np.asarray(array, dtype=np.float64), requires_grad=True)


def torch_separable(x, depthwise_kernel, pointwise_kernel, bias, strides, padding, dilation,
                    activation):
    """The layers' output in torch, channels last in and out, for rank 1 or 2; without a
    ``pointwise_kernel`` only the depthwise convolution (and the bias)."""
    rank = x.dim() - 2
    channels, multiplier = depthwise_kernel.shape[-2:]
    xc = x.permute(0, rank + 1, *range(1, rank + 1))
    if padding == "same":
        pads = [tf_same_pads(xc.shape[2 + a], depthwise_kernel.shape[a], strides[a], dilation[a])
                for a in range(rank)]
        xc = F.pad(xc, [p for pair in reversed(pads) for p in pair])
    convolve = F.conv2d if rank == 2 else F.conv1d
    weight = depthwise_kernel.reshape(depthwise_kernel.shape[:-2] + (channels * multiplier,))
    weight = weight.permute(rank, *range(rank)).unsqueeze(1)
    z = convolve(xc, weight, stride=strides, dilation=dilation, groups=channels)
    if pointwise_kernel is not None:
        z = convolve(z, pointwise_kernel.permute(rank + 1, rank, *range(rank)))
    if bias is not None:
        z = z + bias.reshape((-1,) + (1,) * rank)
    return TORCH_ACTIVATIONS[activation](z).permute(0, *range(2, rank + 2), 1)


CASES = [
    # input, kernel, strides, padding, dilation, depth_multiplier, activation
    ((2, 5, 6, 3), (3, 3), (1, 1), "valid", (1, 1), 1, None),
    ((2, 5, 6, 3), (3, 2), (1, 1), "same", (1, 1), 2, "relu"),
    ((2, 6, 6, 2), (2, 2), (1, 1), "same", (1, 1), 3, None),      # odd padding, after
    ((2, 7, 6, 2), (3, 3), (2, 2), "same", (1, 1), 2, "tanh"),
    ((2, 7, 8, 2), (3, 2), (2, 3), "valid", (1, 1), 1, None),
    ((1, 8, 7, 2), (3, 3), (1, 1), "same", (2, 3), 2, "sigmoid"),
    ((1, 9, 9, 2), (3, 2), (1, 1), "valid", (2, 2), 1, None),
    ((1, 9, 8, 2), (3, 3), (2, 2), "same", (2, 2), 2, None),      # strides and dilation
    ((2, 8, 3), (3,), (1,), "valid", (1,), 2, None),
    ((2, 8, 3), (4,), (2,), "same", (1,), 1, "relu"),
    ((2, 9, 2), (3,), (1,), "same", (2,), 3, "tanh"),
    ((2, 9, 2), (2,), (3,), "valid", (1,), 2, None),
]


def case_id(case):
    return f"{case[0]}-k{case[1]}-s{case[2]}-{case[3]}-d{case[4]}-m{case[5]}"


@pytest.mark.parametrize("use_bias", [True, False], ids=["bias", "no_bias"])
@pytest.mark.parametrize("separable", [False, True], ids=["depthwise", "separable"])
@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_matches_torch(case, separable, use_bias):
    shape, kernel_size, strides, padding, dilation, multiplier, activation = case
    rank = len(kernel_size)
    rng = np.random.default_rng(0)
    filters = 4
    x = rng.normal(size=shape)
    depthwise_kernel = rng.normal(size=kernel_size + (shape[-1], multiplier))
    pointwise_kernel = rng.normal(size=(1,) * rank + (shape[-1] * multiplier, filters))
    bias = rng.normal(size=filters if separable else shape[-1] * multiplier)
    arguments = dict(kernel_size=kernel_size, strides=strides, padding=padding,
                     dilation_rate=dilation, depth_multiplier=multiplier, activation=activation,
                     use_bias=use_bias)
    if separable:
        layer = getattr(layers, f"SeparableConv{rank}D")(filters, **arguments)
        weights = [depthwise_kernel, pointwise_kernel]
    else:
        layer = getattr(layers, f"DepthwiseConv{rank}D")(**arguments)
        weights = [depthwise_kernel]
    layer.build_once((None,) + shape[1:])
    layer.set_weights(weights + [bias] if use_bias else weights)

    tx, tdk, tpk, tb = (tensor(a) for a in (x, depthwise_kernel, pointwise_kernel, bias))
    out = torch_separable(tx, tdk, tpk if separable else None, tb if use_bias else None,
                          strides, padding, dilation, activation)
    dy = rng.normal(size=tuple(out.shape))
    out.backward(torch.tensor(dy))

    assert_close(layer.forward(x, training=False), out.detach().numpy(), "inference output")
    assert_close(layer.forward(x, training=True), out.detach().numpy(), "output")
    assert_close(layer.backward(dy), tx.grad.numpy(), "input gradient")
    expected = [tdk.grad] + ([tpk.grad] if separable else []) + ([tb.grad] if use_bias else [])
    assert len(layer.gradients) == len(expected)
    for weight, gradient, reference in zip(layer.weights, layer.gradients, expected):
        assert_close(gradient, reference.numpy(), f"{weight.name} gradient")


# ============================================================================== Keras itself
KINDS = {"DepthwiseConv2D": (None, 6, 5, 3), "DepthwiseConv1D": (None, 6, 3),
         "SeparableConv2D": (None, 6, 5, 3), "SeparableConv1D": (None, 6, 3)}
SHAPE_CASES = [
    (name, dict(kernel_size=k, strides=s, padding=p, dilation_rate=d, depth_multiplier=m), shape)
    for name, shape in KINDS.items()
    for k in (1, 2, 3) for s in (1, 2, 3) for p in ("valid", "same") for d in (1, 2)
    for m in (1, 2)
]


def _filters(name):
    return {"filters": 2} if name.startswith("Separable") else {}


@pytest.mark.parametrize("name, kwargs, input_shape", SHAPE_CASES,
                         ids=[f"{n}-{sorted(k.items())}" for n, k, _ in SHAPE_CASES])
def test_output_shapes_and_values_match_keras(name, kwargs, input_shape):
    theirs = getattr(keras.layers, name)(**kwargs, **_filters(name),
                                         bias_initializer="random_normal", dtype="float64")
    ours = getattr(layers, name)(**kwargs, **_filters(name), dtype="float64")
    assert ours.compute_output_shape(input_shape) == tuple(theirs.compute_output_shape(input_shape))
    x = np.random.default_rng(2).normal(size=(2,) + input_shape[1:])
    expected = keras.ops.convert_to_numpy(theirs(x))
    ours.build_once(input_shape)
    ours.set_weights([keras.ops.convert_to_numpy(w) for w in theirs.weights])
    assert_close(ours(x), expected, "output")


@pytest.mark.parametrize("name", sorted(KINDS))
def test_signature_defaults_config_and_weights_match_keras(name):
    assert str(inspect.signature(getattr(layers, name))) == \
        str(inspect.signature(getattr(keras.layers, name)))
    kwargs = dict(kernel_size=3, strides=2, padding="same", depth_multiplier=2,
                  activation="relu", depthwise_regularizer="l2", bias_constraint="non_neg",
                  activity_regularizer="l1", name="conv", **_filters(name))
    if name.startswith("Separable"):
        kwargs.update(pointwise_initializer="he_normal", pointwise_constraint="unit_norm")
    for arguments in (kwargs, dict(kernel_size=2, name="conv", **_filters(name))):
        ours, theirs = getattr(layers, name)(**arguments), getattr(keras.layers, name)(**arguments)
        ours.build_once(KINDS[name])
        theirs.build(KINDS[name])
        assert json.dumps(ours.get_config()) == json.dumps(theirs.get_config())
        assert [(w.path, tuple(w.shape)) for w in ours.weights] == \
            [(w.path, tuple(w.shape)) for w in theirs.weights]
        assert ours.count_params() == theirs.count_params()


def test_weight_paths_in_a_model_match_keras():
    """(The layers are named: Keras's name counters run over the whole test process.)"""
    def build(lib):
        L = lib.layers
        return lib.Sequential([lib.Input((6, 6, 2)), L.SeparableConv2D(3, 3, name="sep"),
                               L.DepthwiseConv2D(2, name="dw"), L.Flatten(),
                               L.Dense(1, name="out")], name="net")

    ours, theirs = build(handkeras), build(keras)
    assert [w.path for w in ours.weights] == [w.path for w in theirs.weights] == [
        "net/sep/depthwise_kernel", "net/sep/pointwise_kernel", "net/sep/bias", "net/dw/kernel",
        "net/dw/bias", "net/out/kernel", "net/out/bias"]


@pytest.mark.parametrize("name", sorted(KINDS))
@pytest.mark.parametrize("kwargs", [dict(padding="causal"), dict(depth_multiplier=0),
                                    dict(kernel_size=0), dict(strides=0),
                                    dict(kernel_size=(2, 2, 2))])
def test_keras_refuses_what_we_refuse(name, kwargs):
    arguments = {"kernel_size": 3, **_filters(name), **kwargs}
    with pytest.raises(ValueError):
        getattr(keras.layers, name)(**arguments)
    with pytest.raises(ValueError):
        getattr(layers, name)(**arguments)


def test_keras_config_loads_here_and_ours_loads_there():
    for name in KINDS:
        theirs = getattr(keras.layers, name)(depth_multiplier=3, kernel_size=(2,) * (
            len(KINDS[name]) - 2), **_filters(name), name="c").get_config()
        ours = getattr(layers, name).from_config(json.loads(json.dumps(theirs))).get_config()
        assert json.dumps(ours) == json.dumps(theirs)
        again = getattr(keras.layers, name).from_config(json.loads(json.dumps(ours)))
        assert json.dumps(again.get_config()) == json.dumps(theirs)


def test_a_separable_convnet_fit_matches_keras():
    """Keras's Xception-style block in miniature: separable convolutions with a max pooling, a
    depthwise convolution, a softmax classifier; Adam and a regularizer, in float64."""
    rng = np.random.default_rng(21)
    x = rng.normal(size=(24, 8, 8, 2))
    y = np.eye(3)[rng.integers(0, 3, 24)]

    def build(lib):
        L = lib.layers
        return lib.Sequential([
            lib.Input((8, 8, 2)),
            L.SeparableConv2D(4, 3, padding="same", depth_multiplier=2, activation="relu",
                              depthwise_regularizer="l2", bias_initializer="random_normal"),
            L.MaxPooling2D(2),
            L.DepthwiseConv2D(3, strides=2, padding="same", activation="tanh",
                              bias_initializer="random_normal"),
            L.SeparableConv2D(5, 2, activation="relu"),
            L.Flatten(),
            L.Dense(3, activation="softmax"),
        ])

    ours, theirs = make_models(build)
    for model, lib in ((theirs, keras), (ours, handkeras)):
        model.compile(optimizer=lib.optimizers.Adam(0.01), loss="categorical_crossentropy",
                      metrics=["accuracy"])
    history = [m.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0)
               for m in (ours, theirs)]
    assert_same_history(*history)
    assert_same_weights(ours, theirs)
    assert_close(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), "predict")


def test_a_1d_separable_model_fit_matches_keras():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(16, 10, 3))
    y = rng.normal(size=(16, 1))

    def build(lib):
        L = lib.layers
        return lib.Sequential([
            lib.Input((10, 3)),
            L.SeparableConv1D(4, 3, strides=2, padding="same", depth_multiplier=2,
                              activation="tanh", pointwise_regularizer="l1"),
            L.DepthwiseConv1D(2, dilation_rate=2, depth_multiplier=2),
            L.GlobalAveragePooling1D(),
            L.Dense(1),
        ])

    ours, theirs = make_models(build)
    for model, lib in ((theirs, keras), (ours, handkeras)):
        model.compile(optimizer=lib.optimizers.SGD(0.05, momentum=0.9), loss="mse")
    history = [m.fit(x, y, batch_size=4, epochs=3, shuffle=False, verbose=0)
               for m in (ours, theirs)]
    assert_same_history(*history)
    assert_same_weights(ours, theirs)
