"""Layers against PyTorch autograd, in float64: outputs, input gradients and weight gradients.

A handkeras layer runs ``forward(x, training=True)`` then ``backward(dy)``; torch runs the same
computation on tensors that require gradients and back-propagates the same ``dy``. Dense's kernel
is ``(in, units)``, so torch's ``F.linear`` gets it transposed.
"""

import numpy as np
import pytest

from handkeras import layers
from parity import assert_close

torch = pytest.importorskip("torch")
F = torch.nn.functional

TORCH_ACTIVATIONS = {
    None: lambda t: t,
    "relu": torch.relu,
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "softmax": lambda t: torch.softmax(t, dim=-1),
}


def run_layer(layer, x, dy):
    """Training-mode forward and backward; the output, input gradient and weight gradients."""
    y = layer.forward(x, training=True)
    dx = layer.backward(dy)
    return y, dx, [np.array(g) for g in layer.gradients]


def run_torch(function, x, dy, *weights):
    """``function(x, *weights)`` and the gradients of ``dy``'s back-propagation to each input."""
    tensors = [torch.tensor(a, requires_grad=True) for a in (x, *weights)]
    y = function(*tensors)
    y.backward(torch.tensor(dy))
    return y.detach().numpy(), [t.grad.numpy() for t in tensors]


@pytest.mark.parametrize("activation", list(TORCH_ACTIVATIONS), ids=str)
@pytest.mark.parametrize("use_bias", [True, False], ids=["bias", "no_bias"])
@pytest.mark.parametrize("input_shape", [(5, 4), (2, 3, 4)], ids=["2d", "3d"])
def test_dense(activation, use_bias, input_shape):
    rng = np.random.default_rng(0)
    x = rng.normal(size=input_shape)
    kernel = rng.normal(size=(4, 3))
    bias = rng.normal(size=3)
    dy = rng.normal(size=input_shape[:-1] + (3,))
    layer = layers.Dense(3, activation=activation, use_bias=use_bias)
    layer.build_once((None,) + input_shape[1:])
    layer.set_weights([kernel, bias] if use_bias else [kernel])
    act = TORCH_ACTIVATIONS[activation]

    if use_bias:
        expected_y, (expected_dx, expected_dkernel, expected_dbias) = run_torch(
            lambda t, k, b: act(F.linear(t, k.T, b)), x, dy, kernel, bias)
        expected_grads = [expected_dkernel, expected_dbias]
    else:
        expected_y, (expected_dx, expected_dkernel) = run_torch(
            lambda t, k: act(F.linear(t, k.T)), x, dy, kernel)
        expected_grads = [expected_dkernel]

    assert_close(layer.forward(x, training=False), expected_y, "inference output")
    y, dx, grads = run_layer(layer, x, dy)
    assert_close(y, expected_y, "training output")
    assert_close(dx, expected_dx, "input gradient")
    assert len(grads) == len(expected_grads)
    for grad, expected, name in zip(grads, expected_grads, ["kernel", "bias"]):
        assert_close(grad, expected, f"{name} gradient")


def test_dense_without_input_gradient_still_gives_weight_gradients():
    rng = np.random.default_rng(1)
    x, dy = rng.normal(size=(6, 4)), rng.normal(size=(6, 2))
    kernel, bias = rng.normal(size=(4, 2)), rng.normal(size=2)
    layer = layers.Dense(2, activation="tanh")
    layer.build_once((None, 4))
    layer.set_weights([kernel, bias])
    _, (_, expected_dkernel, expected_dbias) = run_torch(
        lambda t, k, b: torch.tanh(F.linear(t, k.T, b)), x, dy, kernel, bias)
    layer.forward(x, training=True)
    assert layer.backward(dy, input_gradient=False) is None
    assert_close(layer.gradients[0], expected_dkernel, "kernel gradient")
    assert_close(layer.gradients[1], expected_dbias, "bias gradient")


def check_weightless(layer, torch_function, x):
    dy_shape = torch_function(torch.tensor(x)).shape
    dy = np.random.default_rng(2).normal(size=tuple(dy_shape))
    expected_y, (expected_dx,) = run_torch(torch_function, x, dy)
    layer.build_once((None,) + x.shape[1:])
    assert_close(layer.forward(x, training=False), expected_y, f"{layer.name} inference output")
    y, dx, _ = run_layer(layer, x, dy)
    assert_close(y, expected_y, f"{layer.name} output")
    assert_close(dx, expected_dx, f"{layer.name} input gradient")


def test_flatten():
    x = np.random.default_rng(3).normal(size=(2, 3, 4, 5))
    check_weightless(layers.Flatten(), lambda t: torch.flatten(t, 1), x)


@pytest.mark.parametrize("target_shape", [(4, 15), (-1, 6), (60,), (5, -1, 2)])
def test_reshape(target_shape):
    x = np.random.default_rng(4).normal(size=(2, 3, 4, 5))
    check_weightless(layers.Reshape(target_shape), lambda t: t.reshape((2,) + target_shape), x)


@pytest.mark.parametrize("axis", [-1, 1, 2])
def test_softmax_layer(axis):
    x = np.random.default_rng(5).normal(scale=2.0, size=(3, 4, 5))
    check_weightless(layers.Softmax(axis=axis), lambda t: torch.softmax(t, dim=axis), x)


@pytest.mark.parametrize("activation", [name for name in TORCH_ACTIVATIONS if name], ids=str)
def test_activation_layer(activation):
    x = np.random.default_rng(6).normal(scale=2.0, size=(4, 6))
    check_weightless(layers.Activation(activation), TORCH_ACTIVATIONS[activation], x)


@pytest.mark.parametrize("scale, offset, shape", [
    (1 / 255, 0.0, (2, 4, 4, 3)),
    ([0.5, -2.0, 3.0], [1.0, 0.0, -1.0], (2, 4, 4, 3)),
    (np.array([[0.5], [2.0], [-4.0], [8.0]]), 0.25, (3, 4, 3)),
    (np.array([0.5, 2.0, 3.0]).reshape(1, 1, 1, 3), -1.0, (2, 4, 4, 3)),
], ids=["scalar", "per-channel", "per-step", "batch axis of 1"])
def test_rescaling(scale, offset, shape):
    """Forward and backward of ``x * scale + offset``, the factors broadcast as torch does."""
    x = np.random.default_rng(8).normal(size=shape)
    check_weightless(layers.Rescaling(scale, offset),
                     lambda t: t * torch.tensor(scale, dtype=t.dtype)
                     + torch.tensor(offset, dtype=t.dtype), x)


@pytest.mark.parametrize("noise_shape", [None, (None, 1), (1, 7)], ids=str)
def test_dropout_backward_is_torch_masked_scaling(noise_shape):
    """With the mask a training forward drew, backward is torch's gradient of ``x * mask / (1 - rate)``."""
    rate = 0.4
    rng = np.random.default_rng(7)
    x = rng.uniform(0.5, 2.0, size=(6, 7)) * rng.choice([-1.0, 1.0], size=(6, 7))
    dy = rng.normal(size=(6, 7))
    layer = layers.Dropout(rate, noise_shape=noise_shape, seed=3)
    layer.build_once((None, 7))
    y, dx, _ = run_layer(layer, x, dy)
    kept = (y != 0).astype(np.float64)
    assert 0 < kept.sum() < kept.size, "the mask should drop some entries and keep others"
    expected_y, (expected_dx,) = run_torch(lambda t: t * torch.tensor(kept) / (1 - rate), x, dy)
    assert_close(y, expected_y, "dropout output")
    assert_close(dx, expected_dx, "dropout input gradient")
    assert_close(layer.forward(x, training=False), x, "dropout at inference")
