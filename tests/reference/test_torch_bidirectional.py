"""Bidirectional against torch's ``nn.RNN`` / ``LSTM`` / ``GRU`` with ``bidirectional=True``, in
float64: outputs, input gradient and every weight's gradient, for every merge mode.

torch's bidirectional output is ``(batch, steps, 2 units)``: the forward run, then the backward run
already in time order, its final state at step 0. Its ``*_reverse`` weights are the backward
layer's. The weights map as in test_torch_recurrent.py; the merges (``sum``, ``ave``, ``mul``) are
applied to torch's two halves in torch.
"""

import numpy as np
import pytest

from handkeras import layers
from parity import assert_close
from test_torch_recurrent import GATES, TORCH_MODULES, to_keras_order, to_torch_order

torch = pytest.importorskip("torch")

MERGES = {"concat": lambda a, b: torch.cat([a, b], dim=-1), "sum": lambda a, b: a + b,
          "ave": lambda a, b: (a + b) / 2, "mul": lambda a, b: a * b}


def load_direction(kind, module, suffix, kernel, recurrent, bias):
    """One direction's Keras weights into torch's ``*_l0`` (or ``*_l0_reverse``) parameters."""
    with torch.no_grad():
        getattr(module, f"weight_ih_l0{suffix}").copy_(torch.tensor(to_torch_order(kind, kernel).T))
        getattr(module, f"weight_hh_l0{suffix}").copy_(
            torch.tensor(to_torch_order(kind, recurrent).T))
        input_bias, recurrent_bias = (bias[0], bias[1]) if kind == "GRU" else (
            bias, np.zeros_like(bias))
        getattr(module, f"bias_ih_l0{suffix}").copy_(torch.tensor(to_torch_order(kind, input_bias)))
        getattr(module, f"bias_hh_l0{suffix}").copy_(
            torch.tensor(to_torch_order(kind, recurrent_bias)))


def direction_gradients(kind, module, suffix):
    """One direction's gradients in Keras's layout: kernel, recurrent kernel, bias."""
    def grad(name):
        return getattr(module, f"{name}_l0{suffix}").grad.numpy()

    input_bias = to_keras_order(kind, grad("bias_ih"))
    recurrent_bias = to_keras_order(kind, grad("bias_hh"))
    return [to_keras_order(kind, grad("weight_ih").T), to_keras_order(kind, grad("weight_hh").T),
            np.stack([input_bias, recurrent_bias]) if kind == "GRU" else input_bias]


@pytest.mark.parametrize("return_sequences", [False, True], ids=["last", "sequences"])
@pytest.mark.parametrize("merge_mode", sorted(MERGES))
@pytest.mark.parametrize("kind", sorted(TORCH_MODULES))
def test_against_torch(float64, kind, merge_mode, return_sequences):
    rng = np.random.default_rng(0)
    batch, steps, features, units = 3, 6, 4, 5
    width = GATES[kind] * units
    x = rng.normal(size=(batch, steps, features))
    weights = [[rng.normal(size=(features, width)) * 0.5, rng.normal(size=(units, width)) * 0.5,
                rng.normal(size=(2, width) if kind == "GRU" else (width,))] for _ in range(2)]

    layer = layers.Bidirectional(getattr(layers, kind)(units, return_sequences=return_sequences),
                                 merge_mode=merge_mode)
    layer.build_once((None, steps, features))
    layer.set_weights(weights[0] + weights[1])
    y = layer.forward(x, training=True)
    dy = rng.normal(size=y.shape)
    dx = layer.backward(dy.copy())

    module = TORCH_MODULES[kind](features, units, batch_first=True, bidirectional=True).double()
    load_direction(kind, module, "", *weights[0])
    load_direction(kind, module, "_reverse", *weights[1])
    inputs = torch.tensor(x, requires_grad=True)
    outputs, _ = module(inputs)
    forward, backward = outputs[..., :units], outputs[..., units:]
    if not return_sequences:  # each direction's final state: the last step, and the first
        forward, backward = forward[:, -1], backward[:, 0]
    expected = MERGES[merge_mode](forward, backward)
    expected.backward(torch.tensor(dy))

    assert_close(y, expected.detach().numpy(), "output")
    assert_close(dx, inputs.grad.numpy(), "input gradient")
    expected_gradients = (direction_gradients(kind, module, "")
                          + direction_gradients(kind, module, "_reverse"))
    assert len(layer.gradients) == len(expected_gradients) == 6
    for weight, gradient, reference in zip(layer.weights, layer.gradients, expected_gradients):
        assert_close(gradient, reference, f"{weight.path} gradient")
