"""Activations and their vector-Jacobian products against PyTorch autograd, in float64.

Each handkeras activation ``f`` is compared with a torch expression of Keras's formula: the values
``f(x)``, and ``f.vjp(x, f(x), dy)`` against the gradient torch's autograd back-propagates from ``dy``.
"""

import numpy as np
import pytest

from handkeras import activations
from parity import assert_close

torch = pytest.importorskip("torch")
F = torch.nn.functional


def keras_relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """Keras's relu: ``x`` above ``threshold``, clipped to ``[0, max_value]`` when that is given,
    minus ``negative_slope * relu(threshold - x)``."""
    y = x * (x > threshold).to(x.dtype)
    if max_value is not None:
        y = torch.clamp(y, 0.0, max_value)
    if negative_slope:
        y = y - negative_slope * torch.relu(threshold - x)
    return y


def torch_value_and_vjp(function, x, dy):
    """``function(x)`` and ``dy``'s gradient with respect to ``x``, both by torch."""
    xt = torch.tensor(x, requires_grad=True)
    yt = function(xt)
    yt.backward(torch.tensor(dy))
    return yt.detach().numpy(), xt.grad.numpy()


def check_activation(activation, torch_function, x, **options):
    rng = np.random.default_rng(1)
    dy = rng.normal(size=x.shape)
    expected_y, expected_dx = torch_value_and_vjp(torch_function, x, dy)
    y = activation(x, **options)
    assert y.dtype == np.float64
    assert_close(y, expected_y, f"{activation.__name__}{options} values")
    assert_close(activation.vjp(x, y, dy, **options), expected_dx,
                 f"{activation.__name__}{options} vjp")


@pytest.fixture
def x():
    # No value sits exactly on a kink (0, thresholds, max_value), where derivatives are conventions.
    return np.random.default_rng(0).uniform(-4.0, 4.0, size=(6, 7))


def test_linear(x):
    check_activation(activations.linear, lambda t: t * 1.0, x)


@pytest.mark.parametrize("options", [
    {},
    {"negative_slope": 0.1},
    {"max_value": 2.5},
    {"max_value": 6.0},
    {"threshold": 0.7},
    {"threshold": -0.8},
    {"threshold": -0.8, "max_value": 2.0},
    {"negative_slope": 0.2, "max_value": 3.0, "threshold": 0.5},
    {"negative_slope": 0.3, "max_value": 1.5, "threshold": -1.0},
])
def test_relu(x, options):
    check_activation(activations.relu, lambda t: keras_relu(t, **options), x, **options)


def test_relu_default_is_torch_relu(x):
    check_activation(activations.relu, torch.relu, x)


def test_sigmoid(x):
    check_activation(activations.sigmoid, torch.sigmoid, x)


def test_sigmoid_far_from_zero():
    x = np.array([[-800.0, -60.0, -30.0, -1e-3, 0.0, 1e-3, 30.0, 60.0, 800.0]])
    check_activation(activations.sigmoid, torch.sigmoid, x)


def test_tanh(x):
    check_activation(activations.tanh, torch.tanh, x)


@pytest.mark.parametrize("axis", [-1, 0, 1, 2])
def test_softmax_over_each_axis(axis):
    x = np.random.default_rng(2).normal(scale=3.0, size=(3, 4, 5))
    check_activation(activations.softmax, lambda t: torch.softmax(t, dim=axis), x, axis=axis)


def test_softmax_of_large_logits():
    x = np.array([[1000.0, 999.0, -1000.0], [-5.0, 700.0, 702.0]])
    check_activation(activations.softmax, lambda t: torch.softmax(t, dim=-1), x)
