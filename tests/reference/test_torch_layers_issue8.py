"""Convolution, pooling, normalization and embedding layers against PyTorch autograd and Keras 3.15.1
(torch backend), in float64 to rtol 1e-9.

PyTorch is channels-first: images go NHWC -> NCHW, a Conv2D kernel ``(kh, kw, in, out)`` becomes
``(out, in, kh, kw)`` (Conv1D: ``(k, in, out)`` -> ``(out, in, k)``), and TensorFlow's "same" padding
(the odd element after) is applied with an explicit ``F.pad`` before a "valid" torch op. Keras's
average pooling with "same" padding averages real elements only (torch's ``count_include_pad=False``).
PyTorch's BatchNormalization keeps an *unbiased* running variance, Keras a biased one: outputs and
gradients are compared directly, the moving variance through the conversion between the two.

The Keras part runs the same models in Keras and handkeras (same initial weights, plain SGD, no
shuffling) and compares losses, metrics, moving statistics and weights after ``fit``; it also checks
argument defaults, configs, output shapes and mask support against Keras's own layers.
"""

import inspect
import math

import numpy as np
import pytest

import handkeras
from handkeras import layers
from parity import assert_close

torch = pytest.importorskip("torch")
keras = pytest.importorskip("keras")

from keras_pair import assert_same_history, assert_same_weights, make_models, plain  # noqa: E402
F = torch.nn.functional


def tensor(array, grad=True):
    return torch.tensor(np.asarray(array, dtype=np.float64), requires_grad=grad)


def nchw(t):
    return t.permute(0, 3, 1, 2)


def nhwc(t):
    return t.permute(0, 2, 3, 1)


def tf_same_pads(size, kernel, stride, dilation=1):
    effective = (kernel - 1) * dilation + 1
    total = max((math.ceil(size / stride) - 1) * stride + effective - size, 0)
    return total // 2, total - total // 2


def run_layer(layer, x, dy, **kwargs):
    """Training-mode output, input gradient and weight gradients of a handkeras layer."""
    y = layer.forward(x, training=True, **kwargs)
    dx = layer.backward(dy)
    return y, dx, [np.array(g) for g in layer.gradients]


def backprop(outputs, dy, *tensors):
    outputs.backward(torch.tensor(dy))
    return outputs.detach().numpy(), [t.grad.numpy() for t in tensors]


# ============================================================================== Conv2D / Conv1D
CONV2D_CASES = [
    ((2, 7, 6, 3), 4, (3, 3), (1, 1), "valid", (1, 1), None),
    ((2, 7, 6, 3), 4, (3, 3), (1, 1), "same", (1, 1), "relu"),
    ((2, 8, 8, 2), 3, (3, 3), (2, 2), "same", (1, 1), None),     # asymmetric TF padding
    ((2, 9, 7, 2), 3, (4, 2), (3, 2), "same", (1, 1), "tanh"),
    ((2, 9, 8, 2), 3, (2, 3), (2, 3), "valid", (1, 1), None),
    ((1, 9, 9, 2), 2, (3, 3), (1, 1), "valid", (2, 3), None),
    ((1, 9, 8, 2), 2, (3, 2), (1, 1), "same", (2, 2), "sigmoid"),
]
TORCH_ACTIVATIONS = {None: lambda t: t, "relu": torch.relu, "tanh": torch.tanh,
                     "sigmoid": torch.sigmoid}


@pytest.mark.parametrize("use_bias", [True, False], ids=["bias", "no_bias"])
@pytest.mark.parametrize("case", CONV2D_CASES, ids=lambda c: f"{c[0]}-k{c[2]}-s{c[3]}-{c[4]}-d{c[5]}")
def test_conv2d_matches_torch(case, use_bias):
    shape, filters, kernel_size, strides, padding, dilation, activation = case
    rng = np.random.default_rng(0)
    x = rng.normal(size=shape)
    kernel = rng.normal(size=kernel_size + (shape[-1], filters))
    bias = rng.normal(size=filters)
    layer = layers.Conv2D(filters, kernel_size, strides=strides, padding=padding,
                          dilation_rate=dilation, activation=activation, use_bias=use_bias)
    layer.build_once((None,) + shape[1:])
    layer.set_weights([kernel, bias] if use_bias else [kernel])

    tx, tk, tb = tensor(x), tensor(kernel), tensor(bias)
    inputs = nchw(tx)
    if padding == "same":
        (top, bottom), (left, right) = (tf_same_pads(shape[1 + a], kernel_size[a], strides[a],
                                                     dilation[a]) for a in range(2))
        inputs = F.pad(inputs, (left, right, top, bottom))
    z = F.conv2d(inputs, tk.permute(3, 2, 0, 1), tb if use_bias else None, stride=strides,
                 dilation=dilation)
    out = nhwc(TORCH_ACTIVATIONS[activation](z))
    dy = rng.normal(size=tuple(out.shape))
    expected_y, expected = backprop(out, dy, tx, tk, tb) if use_bias else backprop(out, dy, tx, tk)

    assert_close(layer.forward(x, training=False), expected_y, "inference output")
    y, dx, grads = run_layer(layer, x, dy)
    assert_close(y, expected_y, "output")
    assert_close(dx, expected[0], "input gradient")
    assert_close(grads[0], expected[1], "kernel gradient")
    if use_bias:
        assert_close(grads[1], expected[2], "bias gradient")


CONV1D_CASES = [((2, 10, 3), 4, 3, 1, "valid", 1), ((2, 10, 3), 4, 4, 1, "same", 1),
                ((2, 11, 2), 3, 3, 2, "same", 1), ((2, 12, 2), 3, 3, 1, "valid", 3),
                ((2, 9, 2), 3, 3, 1, "causal", 2), ((2, 9, 2), 3, 2, 2, "causal", 1)]


@pytest.mark.parametrize("case", CONV1D_CASES, ids=lambda c: f"{c[0]}-k{c[2]}-s{c[3]}-{c[4]}-d{c[5]}")
def test_conv1d_matches_torch(case):
    shape, filters, kernel_size, stride, padding, dilation = case
    rng = np.random.default_rng(1)
    x = rng.normal(size=shape)
    kernel = rng.normal(size=(kernel_size, shape[-1], filters))
    bias = rng.normal(size=filters)
    layer = layers.Conv1D(filters, kernel_size, strides=stride, padding=padding,
                          dilation_rate=dilation)
    layer.build_once((None,) + shape[1:])
    layer.set_weights([kernel, bias])

    tx, tk, tb = tensor(x), tensor(kernel), tensor(bias)
    inputs = tx.permute(0, 2, 1)
    if padding == "same":
        inputs = F.pad(inputs, tf_same_pads(shape[1], kernel_size, stride, dilation))
    elif padding == "causal":
        inputs = F.pad(inputs, ((kernel_size - 1) * dilation, 0))
    out = F.conv1d(inputs, tk.permute(2, 1, 0), tb, stride=stride, dilation=dilation).permute(0, 2, 1)
    dy = rng.normal(size=tuple(out.shape))
    expected_y, (expected_dx, expected_dk, expected_db) = backprop(out, dy, tx, tk, tb)

    y, dx, (dk, db) = run_layer(layer, x, dy)
    assert_close(y, expected_y, "output")
    assert_close(dx, expected_dx, "input gradient")
    assert_close(dk, expected_dk, "kernel gradient")
    assert_close(db, expected_db, "bias gradient")


# ============================================================================== pooling
POOL2D_CASES = [((2, 6, 6, 3), (2, 2), None, "valid"), ((2, 7, 5, 2), (2, 2), None, "valid"),
                ((2, 7, 7, 2), (3, 3), (2, 2), "valid"), ((2, 7, 7, 2), (3, 3), (2, 2), "same"),
                ((2, 7, 5, 2), (2, 2), None, "same"), ((2, 6, 8, 2), (3, 2), (1, 3), "same")]


def torch_pool2d(tx, mode, pool, strides, padding):
    """NCHW pooling with TF's "same" padding: -inf padding for max; for average, the sum over
    zero-padded windows divided by the count of real elements in each."""
    pads = [(0, 0), (0, 0)]
    if padding == "same":
        pads = [tf_same_pads(tx.shape[2 + a], pool[a], strides[a]) for a in range(2)]
    symmetric = all(before == after for before, after in pads)
    flat_pads = (pads[1][0], pads[1][1], pads[0][0], pads[0][1])
    if mode == "max":
        return F.max_pool2d(F.pad(tx, flat_pads, value=-math.inf), pool, strides)
    if symmetric:  # torch can pad itself, excluding the padding from the counts
        return F.avg_pool2d(tx, pool, strides, padding=(pads[0][0], pads[1][0]),
                            count_include_pad=False)
    sums = F.avg_pool2d(F.pad(tx, flat_pads), pool, strides, divisor_override=1)
    counts = F.avg_pool2d(F.pad(torch.ones_like(tx), flat_pads), pool, strides, divisor_override=1)
    return sums / counts


@pytest.mark.parametrize("mode", ["max", "average"])
@pytest.mark.parametrize("case", POOL2D_CASES, ids=lambda c: f"{c[0]}-p{c[1]}-s{c[2]}-{c[3]}")
def test_pooling2d_matches_torch(case, mode):
    shape, pool, strides, padding = case
    cls = layers.MaxPooling2D if mode == "max" else layers.AveragePooling2D
    layer = cls(pool, strides=strides, padding=padding)
    rng = np.random.default_rng(2)
    x = rng.normal(size=shape)
    tx = tensor(x)
    out = nhwc(torch_pool2d(nchw(tx), mode, pool, strides or pool, padding))
    dy = rng.normal(size=tuple(out.shape))
    expected_y, (expected_dx,) = backprop(out, dy, tx)
    y, dx, _ = run_layer(layer, x, dy)
    assert_close(y, expected_y, "output")
    assert_close(dx, expected_dx, "input gradient")


@pytest.mark.parametrize("mode", ["max", "average"])
@pytest.mark.parametrize("case", [((2, 9, 3), 2, None, "valid"), ((2, 9, 3), 3, 2, "same"),
                                  ((2, 10, 2), 4, 3, "same")], ids=str)
def test_pooling1d_matches_torch(case, mode):
    shape, pool, strides, padding = case
    cls = layers.MaxPooling1D if mode == "max" else layers.AveragePooling1D
    layer = cls(pool, strides=strides, padding=padding)
    rng = np.random.default_rng(3)
    x = rng.normal(size=shape)
    tx = tensor(x)
    images = tx.permute(0, 2, 1)[:, :, None, :]  # (N, C, 1, L)
    out = torch_pool2d(images, mode, (1, pool), (1, strides or pool), padding)[:, :, 0].permute(0, 2, 1)
    dy = rng.normal(size=tuple(out.shape))
    expected_y, (expected_dx,) = backprop(out, dy, tx)
    y, dx, _ = run_layer(layer, x, dy)
    assert_close(y, expected_y, "output")
    assert_close(dx, expected_dx, "input gradient")


@pytest.mark.parametrize("cls, reduce", [
    (layers.GlobalAveragePooling2D, lambda t: t.mean(dim=(1, 2))),
    (layers.GlobalMaxPooling2D, lambda t: t.amax(dim=(1, 2))),
    (layers.GlobalAveragePooling1D, lambda t: t.mean(dim=1)),
    (layers.GlobalMaxPooling1D, lambda t: t.amax(dim=1)),
], ids=lambda v: getattr(v, "__name__", ""))
@pytest.mark.parametrize("tied", [False, True], ids=["distinct", "tied"])
def test_global_pooling_matches_torch(cls, reduce, tied):
    """With ties (small integers: each maximum held several times), the max's gradient is shared
    equally among them, as torch's amax (behind Keras's global max pooling) shares it."""
    rng = np.random.default_rng(4)
    shape = (3, 4, 5, 2) if "2D" in cls.__name__ else (3, 6, 2)
    x = rng.integers(0, 3, size=shape).astype(float) if tied else rng.normal(size=shape)
    tx = tensor(x)
    out = reduce(tx)
    dy = rng.normal(size=tuple(out.shape))
    expected_y, (expected_dx,) = backprop(out, dy, tx)
    y, dx, _ = run_layer(cls(), x, dy)
    assert_close(y, expected_y, "output")
    assert_close(dx, expected_dx, "input gradient")


def test_masked_global_average_pooling_1d_matches_torch():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(4, 6, 3))
    mask = np.array([[1, 1, 1, 0, 0, 0], [1, 1, 1, 1, 1, 1], [1, 0, 0, 0, 0, 0],
                     [1, 1, 0, 0, 0, 0]], dtype=bool)
    tx, tm = tensor(x), torch.tensor(mask[..., None], dtype=torch.float64)
    out = (tx * tm).sum(dim=1) / tm.sum(dim=1)
    dy = rng.normal(size=(4, 3))
    expected_y, (expected_dx,) = backprop(out, dy, tx)
    y, dx, _ = run_layer(layers.GlobalAveragePooling1D(), x, dy, mask=mask)
    assert_close(y, expected_y, "output")
    assert_close(dx, expected_dx, "input gradient")


def test_zero_padding_and_up_sampling_match_torch():
    rng = np.random.default_rng(6)
    x = rng.normal(size=(2, 3, 4, 2))
    tx = tensor(x)
    out = nhwc(F.pad(nchw(tx), (3, 1, 0, 2)))
    dy = rng.normal(size=tuple(out.shape))
    expected_y, (expected_dx,) = backprop(out, dy, tx)
    y, dx, _ = run_layer(layers.ZeroPadding2D(((0, 2), (3, 1))), x, dy)
    assert_close(y, expected_y, "padded")
    assert_close(dx, expected_dx, "padding gradient")

    tx = tensor(x)
    out = nhwc(F.interpolate(nchw(tx), scale_factor=(2, 3), mode="nearest"))
    dy = rng.normal(size=tuple(out.shape))
    expected_y, (expected_dx,) = backprop(out, dy, tx)
    y, dx, _ = run_layer(layers.UpSampling2D((2, 3)), x, dy)
    assert_close(y, expected_y, "up-sampled")
    assert_close(dx, expected_dx, "up-sampling gradient")


@pytest.mark.parametrize("activation, pool, strides", [
    ("relu", (2, 2), None),        # a ConvMaxPooling step; the 9x9 output's last row is cropped
    ("tanh", (3, 2), None),        # a ConvMaxPooling step without relu
    ("relu", (3, 3), (2, 2)),      # overlapping windows: a ReluMaxPooling step
], ids=["conv-pool-relu", "conv-pool-tanh", "relu-pool-overlapping"])
def test_a_convolution_and_its_max_pooling_in_a_model_match_torch(activation, pool, strides):
    """The model's fused steps: loss gradients of every weight against torch autograd."""
    rng = np.random.default_rng(11)
    x = rng.normal(size=(3, 10, 11, 2))
    model = handkeras.Sequential([
        handkeras.Input((10, 11, 2)), layers.Conv2D(3, 2, activation=activation,
                                                    bias_initializer="random_normal"),
        layers.MaxPooling2D(pool, strides=strides), layers.Flatten(), layers.Dense(2)])
    model.compile(optimizer="sgd", loss="mse")
    step = model._planned_steps()[0]
    assert type(step).__name__ == ("ReluMaxPooling" if strides else "ConvMaxPooling")
    y = rng.normal(size=(3, 2))
    loss, grads = model.compute_gradients(x, y)
    kernel, bias, dense_kernel, dense_bias = (tensor(w) for w in model.get_weights())
    z = F.conv2d(nchw(tensor(x, grad=False)), kernel.permute(3, 2, 0, 1), bias)
    pooled = F.max_pool2d(getattr(torch, activation)(z), pool, strides or pool)
    out = nhwc(pooled).reshape(3, -1) @ dense_kernel + dense_bias
    expected_loss = ((out - torch.tensor(y)) ** 2).mean()
    expected_loss.backward()
    assert_close(loss, expected_loss.item(), "loss")
    for got, weight, name in zip(grads, (kernel, bias, dense_kernel, dense_bias),
                                 ("kernel", "bias", "dense kernel", "dense bias")):
        assert_close(got, weight.grad.numpy(), name)


# ============================================================================== normalization
BN_CASES = [((8, 3), -1), ((4, 5, 6, 3), -1), ((4, 3, 5, 6), 1), ((5, 7, 3), -1)]


def to_channels_first(t, axis):
    """Move the features axis to position 1, where torch's batch_norm expects it."""
    return t if axis % t.ndim == 1 else t.movedim(axis % t.ndim, 1)


def from_channels_first(t, axis, ndim):
    return t if axis % ndim == 1 else t.movedim(1, axis % ndim)


@pytest.mark.parametrize("shape, axis", BN_CASES, ids=str)
def test_batch_normalization_training_matches_torch(shape, axis):
    rng = np.random.default_rng(7)
    x = rng.normal(size=shape) * 2.0 + 1.0
    channels = shape[axis]
    gamma, beta = rng.normal(size=channels), rng.normal(size=channels)
    moving_mean, moving_variance = rng.normal(size=channels), rng.uniform(0.5, 2, size=channels)
    layer = layers.BatchNormalization(axis=axis, momentum=0.9, epsilon=1e-3)
    layer.build_once((None,) + shape[1:])
    layer.set_weights([gamma, beta, moving_mean, moving_variance])

    tx, tg, tb = tensor(x), tensor(gamma), tensor(beta)
    running_mean, running_var = torch.tensor(moving_mean), torch.tensor(moving_variance)
    out = from_channels_first(
        F.batch_norm(to_channels_first(tx, axis), running_mean, running_var, tg, tb, training=True,
                     momentum=1 - 0.9, eps=1e-3), axis, len(shape))
    dy = rng.normal(size=shape)
    expected_y, (expected_dx, expected_dgamma, expected_dbeta) = backprop(out, dy, tx, tg, tb)

    y, dx, (dgamma, dbeta) = run_layer(layer, x, dy)
    assert_close(y, expected_y, "output")
    assert_close(dx, expected_dx, "input gradient")
    assert_close(dgamma, expected_dgamma, "gamma gradient")
    assert_close(dbeta, expected_dbeta, "beta gradient")
    assert_close(layer.moving_mean.value, running_mean.numpy(), "moving mean")
    # torch moves its running variance by the unbiased batch variance; Keras by the biased one
    count = x.size // channels
    unbiased_step = (running_var.numpy() - 0.9 * moving_variance) / (1 - 0.9)
    biased_step = unbiased_step * (count - 1) / count
    assert_close(layer.moving_variance.value, 0.9 * moving_variance + 0.1 * biased_step,
                 "moving variance")


@pytest.mark.parametrize("shape, axis", BN_CASES, ids=str)
def test_batch_normalization_inference_matches_torch(shape, axis):
    """Inference and a frozen layer in training use the moving statistics; their gradients too."""
    rng = np.random.default_rng(8)
    x = rng.normal(size=shape)
    channels = shape[axis]
    weights = [rng.normal(size=channels), rng.normal(size=channels), rng.normal(size=channels),
               rng.uniform(0.5, 2, size=channels)]
    layer = layers.BatchNormalization(axis=axis)
    layer.build_once((None,) + shape[1:])
    layer.set_weights(weights)

    tx, tg, tb = tensor(x), tensor(weights[0]), tensor(weights[1])
    out = from_channels_first(
        F.batch_norm(to_channels_first(tx, axis), torch.tensor(weights[2]), torch.tensor(weights[3]),
                     tg, tb, training=False, eps=1e-3), axis, len(shape))
    dy = rng.normal(size=shape)
    expected_y, (expected_dx, _, _) = backprop(out, dy, tx, tg, tb)

    assert_close(layer.forward(x, training=False), expected_y, "inference output")
    layer.trainable = False
    y, dx, grads = run_layer(layer, x, dy)
    assert_close(y, expected_y, "frozen output")
    assert_close(dx, expected_dx, "frozen input gradient")
    for value, saved in zip(layer.get_weights(), weights):
        np.testing.assert_array_equal(value, saved)


@pytest.mark.parametrize("shape, axis", [((4, 6), -1), ((3, 4, 5), -1), ((3, 4, 5), [1, 2]),
                                         ((2, 3, 4, 5), [-2, -1])], ids=str)
def test_layer_normalization_matches_torch(shape, axis):
    rng = np.random.default_rng(9)
    x = rng.normal(size=shape) * 3.0 - 1.0
    layer = layers.LayerNormalization(axis=axis)
    layer.build_once((None,) + shape[1:])
    weight_shape = layer.gamma.shape
    gamma, beta = rng.normal(size=weight_shape), rng.normal(size=weight_shape)
    layer.set_weights([gamma, beta])
    tx, tg, tb = tensor(x), tensor(gamma), tensor(beta)
    out = F.layer_norm(tx, weight_shape, tg, tb, eps=1e-3)
    dy = rng.normal(size=shape)
    expected_y, (expected_dx, expected_dgamma, expected_dbeta) = backprop(out, dy, tx, tg, tb)
    y, dx, (dgamma, dbeta) = run_layer(layer, x, dy)
    assert_close(y, expected_y, "output")
    assert_close(dx, expected_dx, "input gradient")
    assert_close(dgamma, expected_dgamma, "gamma gradient")
    assert_close(dbeta, expected_dbeta, "beta gradient")


def test_embedding_matches_torch():
    rng = np.random.default_rng(10)
    ids = rng.integers(0, 12, size=(5, 9))
    table = rng.normal(size=(15, 4))
    layer = layers.Embedding(15, 4)
    layer.build_once((None, 9))
    layer.set_weights([table])
    tt = tensor(table)
    out = F.embedding(torch.tensor(ids), tt)
    dy = rng.normal(size=(5, 9, 4))
    expected_y, (expected_dtable,) = backprop(out, dy, tt)
    y, dx, (dtable,) = run_layer(layer, ids, dy)
    assert dx is None
    assert_close(y, expected_y, "lookup")
    assert_close(dtable, expected_dtable, "table gradient")


# ============================================================================== Keras: arguments
KERAS_LAYERS = [
    ("Conv2D", (8, 3)), ("Conv1D", (8, 3)), ("MaxPooling2D", ()), ("AveragePooling2D", (2,)),
    ("MaxPooling1D", ()), ("AveragePooling1D", (2,)), ("GlobalAveragePooling1D", ()),
    ("GlobalAveragePooling2D", ()), ("GlobalMaxPooling1D", ()), ("GlobalMaxPooling2D", ()),
    ("ZeroPadding2D", ()), ("UpSampling2D", ()), ("BatchNormalization", ()),
    ("LayerNormalization", ()), ("Normalization", ()), ("Embedding", (10, 4)),
    ("Rescaling", (0.5,)),
    ("RandomFlip", ()), ("RandomRotation", (0.2,)), ("RandomZoom", (0.2,)),
    ("RandomTranslation", (0.1, 0.2)), ("RandomContrast", (0.3,)), ("RandomBrightness", (0.3,)),
    ("RandomCrop", (3, 4, 7)), ("Resizing", (3, 5)), ("CenterCrop", (3, 5)),
]


@pytest.mark.parametrize("name, args", KERAS_LAYERS, ids=[n for n, _ in KERAS_LAYERS])
def test_constructor_defaults_match_keras(name, args):
    ours = inspect.signature(getattr(layers, name).__init__).parameters
    theirs = inspect.signature(getattr(keras.layers, name).__init__).parameters
    for parameter in theirs.values():
        if parameter.name in ("self", "name", "kwargs"):
            continue
        assert parameter.name in ours, f"{name} lacks Keras's argument {parameter.name}"
        assert ours[parameter.name].default == parameter.default, f"{name}({parameter.name}=)"


@pytest.mark.parametrize("name, args", KERAS_LAYERS, ids=[n for n, _ in KERAS_LAYERS])
def test_config_matches_keras_and_loads_both_ways(name, args):
    ours = plain(getattr(layers, name)(*args, name="x").get_config())
    theirs = plain(getattr(keras.layers, name)(*args, name="x").get_config())
    assert ours == theirs
    assert plain(getattr(keras.layers, name).from_config(ours).get_config()) == theirs
    assert plain(getattr(layers, name).from_config(theirs).get_config()) == ours


@pytest.mark.parametrize("name, args", KERAS_LAYERS, ids=[n for n, _ in KERAS_LAYERS])
def test_config_holds_tuples_where_keras_does(name, args):
    """In memory, before any JSON: ``get_config()["kernel_size"] == (3, 3)`` holds in both."""
    ours = getattr(layers, name)(*args, name="x").get_config()
    theirs = getattr(keras.layers, name)(*args, name="x").get_config()
    assert ours == theirs


@pytest.mark.parametrize("name, args", KERAS_LAYERS + [
    ("Dense", (3,)), ("Dropout", (0.5,)), ("Flatten", ()), ("Activation", ("relu",)),
    ("ReLU", ()), ("LeakyReLU", ()), ("ELU", ()), ("PReLU", ()), ("Softmax", ()),
    ("Reshape", ((2, 2),)),
], ids=lambda v: v if isinstance(v, str) else "")
def test_mask_support_matches_keras(name, args):
    assert getattr(layers, name)(*args).supports_masking == \
        getattr(keras.layers, name)(*args).supports_masking
    if name == "Embedding":
        assert layers.Embedding(*args, mask_zero=True).supports_masking


OUTPUT_SHAPE_CASES = [
    ("Conv2D", dict(filters=3, kernel_size=k, strides=s, padding=p, dilation_rate=d), (None, h, w, 2))
    for k in (1, 2, 3, (3, 2)) for s in (1, 2, 3) for p in ("valid", "same") for d in (1, 2)
    for h, w in ((7, 8), (9, 9)) if s == 1 or d == 1
] + [
    ("Conv1D", dict(filters=3, kernel_size=k, strides=s, padding=p, dilation_rate=d), (None, n, 2))
    for k in (1, 3, 4) for s in (1, 2) for p in ("valid", "same", "causal") for d in (1, 2)
    for n in (8, 11) if s == 1 or d == 1
] + [
    (cls, dict(pool_size=k, strides=s, padding=p), (None, h, w, 2))
    for cls in ("MaxPooling2D", "AveragePooling2D") for k in (2, 3, (3, 2)) for s in (None, 1, 2)
    for p in ("valid", "same") for h, w in ((7, 8), (9, 9))
] + [
    (cls, dict(pool_size=k, strides=s, padding=p), (None, n, 2))
    for cls in ("MaxPooling1D", "AveragePooling1D") for k in (2, 3) for s in (None, 1, 2)
    for p in ("valid", "same") for n in (7, 10)
] + [
    ("ZeroPadding2D", dict(padding=((1, 2), (0, 3))), (None, 5, 6, 2)),
    ("UpSampling2D", dict(size=(2, 3)), (None, 5, 6, 2)),
    ("GlobalAveragePooling2D", dict(keepdims=True), (None, 5, 6, 2)),
    ("GlobalMaxPooling1D", dict(keepdims=False), (None, 5, 2)),
    ("Embedding", dict(input_dim=10, output_dim=3), (None, 5)),
    ("Rescaling", dict(scale=[0.5, 2.0], offset=1.0), (None, 5, 6, 2)),
]


@pytest.mark.parametrize("name, kwargs, input_shape", OUTPUT_SHAPE_CASES,
                         ids=[f"{n}-{k}-{s}" for n, k, s in OUTPUT_SHAPE_CASES])
def test_output_shapes_match_keras(name, kwargs, input_shape):
    expected = tuple(getattr(keras.layers, name)(**kwargs).compute_output_shape(input_shape))
    assert getattr(layers, name)(**kwargs).compute_output_shape(input_shape) == expected


def test_weights_match_keras_names_shapes_and_order():
    built = [(layers.Conv2D(4, (3, 2)), keras.layers.Conv2D(4, (3, 2)), (None, 8, 8, 3)),
             (layers.Conv1D(4, 3), keras.layers.Conv1D(4, 3), (None, 8, 3)),
             (layers.BatchNormalization(), keras.layers.BatchNormalization(), (None, 5, 3)),
             (layers.LayerNormalization(axis=[1, 2]), keras.layers.LayerNormalization(axis=[1, 2]),
              (None, 5, 3)),
             (layers.Normalization(axis=(1, 2)), keras.layers.Normalization(axis=(1, 2)),
              (None, 5, 3)),
             (layers.Embedding(10, 4), keras.layers.Embedding(10, 4), (None, 5))]
    for ours, theirs, shape in built:
        ours.build_once(shape)
        theirs.build(shape)
        assert [(w.name, tuple(w.shape)) for w in ours.weights] == \
            [(w.name, tuple(w.shape)) for w in theirs.weights], type(ours).__name__
        assert [w.name for w in ours.trainable_weights] == \
            [w.name for w in theirs.trainable_weights], type(ours).__name__


def test_a_layer_built_directly_is_built_as_in_keras():
    """``layer.build(shape)`` marks the layer built: a model then uses its weights, and a model
    whose input differs refuses it."""
    for library in (handkeras, keras):
        dense = library.layers.Dense(3)
        dense.build((None, 4))
        assert dense.built, library.__name__
        model = library.Sequential([library.Input((4,)), dense])
        assert len(model.weights) == 2, library.__name__
        with pytest.raises(ValueError):
            library.Sequential([library.Input((7,))]).add(dense)


# ============================================================================== Keras: training
@pytest.mark.parametrize("momentum", [0.99, 0.5])
def test_batch_normalization_in_fit_matches_keras(momentum):
    """Moving statistics, weights, epoch losses and validation (on moving statistics) after fit."""
    rng = np.random.default_rng(11)
    x = rng.normal(size=(50, 3)) * [1.0, 3.0, 0.5] + [2.0, -1.0, 0.0]
    y = rng.normal(size=(50, 2))

    def build(lib):
        return lib.Sequential([lib.Input((3,)), lib.layers.Dense(4, activation="tanh"),
                               lib.layers.BatchNormalization(momentum=momentum),
                               lib.layers.Dense(2)])

    ours, theirs = make_models(build)
    for model, lib in ((theirs, keras), (ours, handkeras)):
        model.compile(optimizer=lib.optimizers.SGD(0.1), loss="mse", metrics=["mae"])
    history = [m.fit(x, y, batch_size=16, epochs=3, shuffle=False, validation_split=0.2, verbose=0)
               for m in (ours, theirs)]
    assert_same_history(*history)
    assert_same_weights(ours, theirs)
    assert_close(ours.evaluate(x, y, verbose=0), theirs.evaluate(x, y, verbose=0), "evaluate")


def test_convnet_fit_matches_keras():
    rng = np.random.default_rng(12)
    x = rng.normal(size=(24, 9, 9, 2))
    y = np.eye(3)[rng.integers(0, 3, size=24)]

    def build(lib):
        L = lib.layers
        return lib.Sequential([
            lib.Input((9, 9, 2)),
            L.Conv2D(4, 3, activation="relu", padding="same", bias_initializer="random_normal"),
            L.MaxPooling2D(2, padding="same"),
            L.BatchNormalization(),
            L.Conv2D(3, 2, strides=2),
            L.AveragePooling2D(2, strides=1, padding="same"),
            L.ZeroPadding2D(1), L.UpSampling2D(2),
            L.GlobalMaxPooling2D(),
            L.Dense(3, activation="softmax"),
        ])

    ours, theirs = make_models(build)
    for model, lib in ((theirs, keras), (ours, handkeras)):
        model.compile(optimizer=lib.optimizers.SGD(0.05), loss="categorical_crossentropy",
                      metrics=["accuracy"])
    history = [m.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0) for m in (ours, theirs)]
    assert_same_history(*history)
    assert_same_weights(ours, theirs)
    assert_close(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), "predict")


def padded_ids(rng, n, length, vocabulary):
    ids = rng.integers(1, vocabulary, size=(n, length))
    lengths = rng.integers(1, length + 1, size=n)
    ids[np.arange(length)[None] >= lengths[:, None]] = 0
    return ids


def test_masked_sequence_loss_and_metrics_match_keras():
    """Embedding(mask_zero) feeding per-step outputs: the mask reaches loss and metrics."""
    rng = np.random.default_rng(13)
    ids = padded_ids(rng, 24, 7, 10)
    labels = rng.integers(0, 3, size=(24, 7))

    def build(lib):
        L = lib.layers
        return lib.Sequential([lib.Input((7,)), L.Embedding(10, 4, mask_zero=True),
                               L.Dense(5, activation="tanh"), L.LayerNormalization(),
                               L.Dense(3, activation="softmax")])

    ours, theirs = make_models(build)
    for model, lib in ((theirs, keras), (ours, handkeras)):
        model.compile(optimizer=lib.optimizers.SGD(0.5), loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
    assert_close(ours.evaluate(ids, labels, batch_size=8, verbose=0),
                 theirs.evaluate(ids, labels, batch_size=8, verbose=0), "evaluate")
    history = [m.fit(ids, labels, batch_size=8, epochs=3, shuffle=False, validation_split=0.25,
                     verbose=0) for m in (ours, theirs)]
    assert_same_history(*history)
    assert_same_weights(ours, theirs)


def test_masked_pooling_model_matches_keras():
    """Embedding(mask_zero) -> masked BatchNormalization -> GlobalAveragePooling1D -> Dense."""
    rng = np.random.default_rng(14)
    ids = padded_ids(rng, 32, 9, 12)
    labels = rng.integers(0, 2, size=32)

    def build(lib):
        L = lib.layers
        return lib.Sequential([lib.Input((9,)), L.Embedding(12, 5, mask_zero=True),
                               L.BatchNormalization(momentum=0.8), L.GlobalAveragePooling1D(),
                               L.Dense(1, activation="sigmoid")])

    ours, theirs = make_models(build)
    for model, lib in ((theirs, keras), (ours, handkeras)):
        model.compile(optimizer=lib.optimizers.SGD(0.3), loss="binary_crossentropy",
                      metrics=["accuracy"])
    history = [m.fit(ids, labels, batch_size=8, epochs=3, shuffle=False, verbose=0)
               for m in (ours, theirs)]
    assert_same_history(*history)
    assert_same_weights(ours, theirs)
    assert_close(ours.predict(ids, verbose=0), theirs.predict(ids, verbose=0), "predict")


@pytest.mark.parametrize("axis, shape", [(-1, (40, 3)), (None, (40, 3)), ((1, 2), (40, 3, 4)),
                                         (1, (40, 3, 4)), (-1, (40,))], ids=str)
def test_normalization_adapt_matches_keras(axis, shape):
    """Adapted on the whole array (Keras adapts lists of batches only with TensorFlow installed,
    so handkeras's batch-by-batch merge is compared with Keras's statistics of the whole array)."""
    rng = np.random.default_rng(15)
    x = rng.normal(size=shape) * 4.0 + 2.0
    theirs, keras_inverse = (keras.layers.Normalization(axis=axis),
                             keras.layers.Normalization(axis=axis, invert=True))
    theirs.adapt(x)
    keras_inverse.adapt(x)
    feeds = [x] if len(shape) == 1 else [x, [x[i: i + 16] for i in range(0, len(x), 16)]]
    for data in feeds:
        ours, inverse = layers.Normalization(axis=axis), layers.Normalization(axis=axis, invert=True)
        ours.adapt(data)
        inverse.adapt(data)
        for a, b in zip(ours.get_weights(), theirs.get_weights()):
            assert_close(a, b, "adapted statistics")
        assert_close(ours.mean.numpy(), theirs.mean.numpy(), "mean")
        assert_close(ours.variance.numpy(), theirs.variance.numpy(), "variance")
        assert_close(ours(x), theirs(x).detach().numpy(), "normalized")
        assert_close(inverse(x), keras_inverse(x).detach().numpy(), "inverted")


def test_normalization_with_given_statistics_matches_keras():
    x = np.random.default_rng(16).normal(size=(6, 4, 3))
    for mean, variance, axis in ((2.0, 3.0, -1), ([1.0, 2.0, 3.0], [1.0, 0.5, 4.0], -1),
                                 ([[1.0, 2.0, 3.0]] * 4, [[2.0, 0.5, 1.0]] * 4, (1, 2))):
        ours = layers.Normalization(axis=axis, mean=mean, variance=variance)
        theirs = keras.layers.Normalization(axis=axis, mean=mean, variance=variance)
        assert_close(ours(x), theirs(x).detach().numpy(), f"mean={mean}")
        assert_close(ours.mean.numpy(), theirs.mean.numpy(), f"mean attribute for mean={mean}")
        assert_close(ours.variance.numpy(), theirs.variance.numpy(), f"variance for mean={mean}")
