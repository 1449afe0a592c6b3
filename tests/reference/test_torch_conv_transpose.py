"""Conv2DTranspose and Conv1DTranspose against PyTorch autograd and Keras 3.15.1 (torch backend), in
float64 to rtol 1e-9.

A Keras kernel ``(kh, kw, filters, in)`` is torch's ``(in, filters, kh, kw)`` (1D: ``(k, filters,
in)`` -> ``(in, filters, k)``). Torch's own ``padding``/``output_padding`` trim symmetrically, which
cannot express Keras's "same" (the odd position is trimmed off the end), so torch runs with neither
and its full output ``(n - 1) s + (k - 1) d + 1`` is cut here to Keras's size, written out from the
Keras rule: "valid" keeps ``(n - 1) s + max(k_d, s)`` (or ``k_d + op`` past ``(n - 1) s``) from the
start, zeros past the end; "same" keeps ``n s`` (or ``(n - 1) s + k_d % 2 + op``), trimming half the
excess, rounded down, from the start.
"""

import inspect
import json

import numpy as np
import pytest

import handkeras
from handkeras import layers
from parity import assert_close

torch = pytest.importorskip("torch")
keras = pytest.importorskip("keras")

from keras_pair import assert_same_history, assert_same_weights, make_models  # noqa: E402
F = torch.nn.functional


def keras_window(size, kernel, stride, dilation, padding, output_padding):
    """``(start, length)`` of Keras's output within torch's full output, along one axis."""
    effective = (kernel - 1) * dilation + 1
    full = (size - 1) * stride + effective
    if padding == "valid":
        pad = max(effective, stride) - effective if output_padding is None else output_padding
        return 0, full + pad
    length = size * stride if output_padding is None else (
        (size - 1) * stride + effective % 2 + output_padding)
    return max(full - length, 0) // 2, length


def cut(full, windows):
    """Keep ``windows`` of the spatial axes (2, 3, ...) of channels-first ``full``, zero-padding
    past its end."""
    for axis, (start, length) in enumerate(windows, start=2):
        missing = start + length - full.shape[axis]
        if missing > 0:
            pad = [0, 0] * (full.dim() - axis - 1) + [0, missing]
            full = F.pad(full, pad)
        full = full.narrow(axis, start, length)
    return full


def tensor(array):
    return torch.tensor(np.asarray(array, dtype=np.float64), requires_grad=True)


CASES_2D = [
    # input, filters, kernel, strides, padding, output_padding, dilation, activation
    ((2, 4, 5, 3), 4, (3, 3), (1, 1), "valid", None, (1, 1), None),
    ((2, 4, 5, 3), 4, (3, 3), (1, 1), "same", None, (1, 1), "relu"),
    ((2, 4, 4, 2), 3, (3, 3), (2, 2), "same", None, (1, 1), None),      # trims one position, after
    ((2, 4, 4, 2), 3, (3, 3), (2, 2), "valid", (1, 0), (1, 1), "tanh"),
    ((2, 3, 4, 2), 3, (4, 2), (2, 3), "same", None, (1, 1), None),
    ((2, 3, 4, 2), 3, (4, 2), (3, 3), "same", (2, 1), (1, 1), "sigmoid"),
    ((2, 3, 3, 2), 2, (2, 2), (3, 3), "valid", None, (1, 1), None),     # s > k: zero rows
    ((1, 4, 4, 2), 2, (3, 2), (1, 1), "same", None, (2, 3), None),
    ((1, 4, 4, 2), 2, (3, 3), (1, 1), "valid", None, (2, 2), "relu"),
]
TORCH_ACTIVATIONS = {None: lambda t: t, "relu": torch.relu, "tanh": torch.tanh,
                     "sigmoid": torch.sigmoid}


def case_id(case):
    return f"{case[0]}-k{case[2]}-s{case[3]}-{case[4]}-op{case[5]}-d{case[6]}"


@pytest.mark.parametrize("use_bias", [True, False], ids=["bias", "no_bias"])
@pytest.mark.parametrize("case", CASES_2D, ids=case_id)
def test_conv2d_transpose_matches_torch(case, use_bias):
    shape, filters, kernel_size, strides, padding, output_padding, dilation, activation = case
    rng = np.random.default_rng(0)
    x = rng.normal(size=shape)
    kernel = rng.normal(size=kernel_size + (filters, shape[-1]))
    bias = rng.normal(size=filters)
    layer = layers.Conv2DTranspose(filters, kernel_size, strides=strides, padding=padding,
                                   output_padding=output_padding, dilation_rate=dilation,
                                   activation=activation, use_bias=use_bias)
    layer.build_once((None,) + shape[1:])
    layer.set_weights([kernel, bias] if use_bias else [kernel])

    tx, tk, tb = tensor(x), tensor(kernel), tensor(bias)
    full = F.conv_transpose2d(tx.permute(0, 3, 1, 2), tk.permute(3, 2, 0, 1), stride=strides,
                              dilation=dilation)
    ops = output_padding or (None, None)
    z = cut(full, [keras_window(shape[1 + a], kernel_size[a], strides[a], dilation[a], padding,
                                ops[a]) for a in range(2)])
    if use_bias:
        z = z + tb[:, None, None]
    out = TORCH_ACTIVATIONS[activation](z).permute(0, 2, 3, 1)
    dy = rng.normal(size=tuple(out.shape))
    out.backward(torch.tensor(dy))

    assert_close(layer.forward(x, training=False), out.detach().numpy(), "inference output")
    assert_close(layer.forward(x, training=True), out.detach().numpy(), "output")
    assert_close(layer.backward(dy), tx.grad.numpy(), "input gradient")
    assert_close(layer.gradients[0], tk.grad.numpy(), "kernel gradient")
    if use_bias:
        assert_close(layer.gradients[1], tb.grad.numpy(), "bias gradient")


CASES_1D = [((2, 6, 3), 4, 3, 1, "valid", None, 1), ((2, 6, 3), 4, 4, 2, "same", None, 1),
            ((2, 5, 2), 3, 3, 2, "same", 1, 1), ((2, 5, 2), 3, 2, 3, "valid", 2, 1),
            ((2, 7, 2), 3, 3, 1, "same", None, 3)]


@pytest.mark.parametrize("case", CASES_1D, ids=lambda c: f"{c[0]}-k{c[2]}-s{c[3]}-{c[4]}-op{c[5]}")
def test_conv1d_transpose_matches_torch(case):
    shape, filters, kernel_size, stride, padding, output_padding, dilation = case
    rng = np.random.default_rng(1)
    x = rng.normal(size=shape)
    kernel = rng.normal(size=(kernel_size, filters, shape[-1]))
    bias = rng.normal(size=filters)
    layer = layers.Conv1DTranspose(filters, kernel_size, strides=stride, padding=padding,
                                   output_padding=output_padding, dilation_rate=dilation)
    layer.build_once((None,) + shape[1:])
    layer.set_weights([kernel, bias])

    tx, tk, tb = tensor(x), tensor(kernel), tensor(bias)
    full = F.conv_transpose1d(tx.permute(0, 2, 1), tk.permute(2, 1, 0), stride=stride,
                              dilation=dilation)
    window = keras_window(shape[1], kernel_size, stride, dilation, padding, output_padding)
    out = (cut(full, [window]) + tb[:, None]).permute(0, 2, 1)
    dy = rng.normal(size=tuple(out.shape))
    out.backward(torch.tensor(dy))

    assert_close(layer.forward(x, training=True), out.detach().numpy(), "output")
    assert_close(layer.backward(dy), tx.grad.numpy(), "input gradient")
    assert_close(layer.gradients[0], tk.grad.numpy(), "kernel gradient")
    assert_close(layer.gradients[1], tb.grad.numpy(), "bias gradient")


# ============================================================================== Keras itself
SHAPE_CASES = [
    (name, dict(filters=2, kernel_size=k, strides=s, padding=p, output_padding=op,
                dilation_rate=d), shape)
    for name, shape in (("Conv2DTranspose", (None, 5, 4, 3)), ("Conv1DTranspose", (None, 5, 3)))
    for k in (1, 2, 3, 4) for s in (1, 2, 3) for p in ("valid", "same") for d in (1, 2)
    for op in (None, 0, 1, 2) if (s == 1 or d == 1) and (op is None or op < s)
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


@pytest.mark.parametrize("name", ["Conv2DTranspose", "Conv1DTranspose"])
def test_signature_defaults_config_and_weights_match_keras(name):
    assert str(inspect.signature(getattr(layers, name))) == \
        str(inspect.signature(getattr(keras.layers, name)))
    kwargs = dict(filters=3, kernel_size=3, strides=2, padding="same", output_padding=1,
                  activation="relu", kernel_regularizer="l2", name="up")
    ours, theirs = getattr(layers, name)(**kwargs), getattr(keras.layers, name)(**kwargs)
    shape = (None, 4, 4, 2) if name == "Conv2DTranspose" else (None, 4, 2)
    ours.build_once(shape)
    theirs.build(shape)
    assert json.dumps(ours.get_config()) == json.dumps(theirs.get_config())
    assert [(w.name, tuple(w.shape)) for w in ours.weights] == \
        [(w.name, tuple(w.shape)) for w in theirs.weights]


@pytest.mark.parametrize("kwargs", [dict(strides=2, output_padding=2), dict(output_padding=1),
                                    dict(strides=2, dilation_rate=2), dict(padding="causal")])
def test_keras_refuses_what_we_refuse(kwargs):
    with pytest.raises(ValueError):
        keras.layers.Conv2DTranspose(2, 3, **kwargs)
    with pytest.raises(ValueError):
        layers.Conv2DTranspose(2, 3, **kwargs)


def test_autoencoder_fit_matches_keras():
    """The keras-io convolutional autoencoder in miniature: Conv2D down, Conv2DTranspose up.

    (Some stacks fail in Keras itself, in float64 on the torch backend: ``Conv2DTranspose(2, 2)``
    then ``Conv2D(1, 2)`` raises torch's "slow_conv2d: grad_weight must be contiguous" in Keras's
    backward; this one trains there.)
    """
    rng = np.random.default_rng(14)
    x = rng.uniform(size=(24, 8, 8, 1))

    def build(lib):
        L = lib.layers
        return lib.Sequential([
            lib.Input((8, 8, 1)),
            L.Conv2D(4, 3, strides=2, activation="relu"),                   # 8 -> 3
            L.Conv2DTranspose(4, 3, strides=2, output_padding=1, activation="relu",
                              bias_initializer="random_normal"),            # 3 -> 8
            L.Conv2DTranspose(3, 3, strides=2, padding="same", activation="tanh"),   # 8 -> 16
            L.Conv2D(3, 2, strides=2),                                      # 16 -> 8
            L.Conv2DTranspose(1, 3, padding="same", activation="sigmoid"),
        ])

    ours, theirs = make_models(build)
    for model, lib in ((theirs, keras), (ours, handkeras)):
        model.compile(optimizer=lib.optimizers.Adam(0.01), loss="binary_crossentropy",
                      metrics=["mae"])
    history = [m.fit(x, x, batch_size=8, epochs=2, shuffle=False, verbose=0)
               for m in (ours, theirs)]
    assert_same_history(*history)
    assert_same_weights(ours, theirs)
    assert_close(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), "predict")
