"""TimeDistributed(Dense) against torch in float64: ``nn.Linear`` applies to the last axis of a
``(batch, time, features)`` tensor, which is what TimeDistributed(Dense) computes. The output, the
input gradient and both weight gradients (sums over every sample and step)."""

import numpy as np
import pytest

from handkeras import layers
from parity import assert_close

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("activation", ["linear", "tanh"])
def test_dense_per_step_against_torch(float64, activation):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 5, 4))
    kernel, bias = rng.normal(size=(4, 6)), rng.normal(size=6)
    upstream = rng.normal(size=(3, 5, 6))

    layer = layers.TimeDistributed(layers.Dense(6, activation=activation))
    layer.build_once((None, 5, 4))
    layer.set_weights([kernel, bias])
    y = layer.forward(x, training=True)
    dx = layer.backward(upstream)

    linear = torch.nn.Linear(4, 6).double()
    with torch.no_grad():
        linear.weight.copy_(torch.tensor(kernel.T))
        linear.bias.copy_(torch.tensor(bias))
    x_torch = torch.tensor(x, requires_grad=True)
    y_torch = linear(x_torch)
    if activation == "tanh":
        y_torch = torch.tanh(y_torch)
    (y_torch * torch.tensor(upstream)).sum().backward()

    assert_close(y, y_torch.detach().numpy(), "output")
    assert_close(dx, x_torch.grad.numpy(), "input gradient")
    assert_close(layer.gradients[0], linear.weight.grad.numpy().T, "kernel gradient")
    assert_close(layer.gradients[1], linear.bias.grad.numpy(), "bias gradient")
