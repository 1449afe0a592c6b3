"""SimpleRNN, LSTM and GRU against torch.nn.RNN / LSTM / GRU autograd, in float64.

The same weights in both: torch keeps ``weight_ih`` ``(gates * units, features)``, the transpose of
Keras's kernel, and two biases, ``bias_ih`` and ``bias_hh``. For SimpleRNN and LSTM the whole Keras
bias goes into ``bias_ih`` (``bias_hh`` stays zero). LSTM's gate order is the same in both (i, f,
c/g, o); GRU's is not (Keras z, r, h; torch r, z, n), and torch's GRU is Keras's
``reset_after=True``, whose bias rows are torch's ``bias_ih`` and ``bias_hh``. Reading backwards is
torch reading the flipped sequence.
"""

import numpy as np
import pytest

from handkeras import layers
from parity import assert_close

torch = pytest.importorskip("torch")

TORCH_MODULES = {"SimpleRNN": torch.nn.RNN, "LSTM": torch.nn.LSTM, "GRU": torch.nn.GRU}
GATES = {"SimpleRNN": 1, "LSTM": 4, "GRU": 3}


def to_torch_order(kind, blocks):
    """Gate blocks (last axis) from Keras's order to torch's: GRU's z, r, h become r, z, n."""
    if kind != "GRU":
        return blocks
    z, r, h = np.split(blocks, 3, axis=-1)
    return np.concatenate([r, z, h], axis=-1)


def to_keras_order(kind, blocks):
    return to_torch_order(kind, blocks)  # swapping z and r is its own inverse


def torch_run(kind, x, dy, kernel, recurrent, bias, return_sequences, go_backwards):
    """torch's output and gradients, mapped back to Keras's layout."""
    units = recurrent.shape[0]
    module = TORCH_MODULES[kind](x.shape[-1], units, batch_first=True, bias=bias is not None)
    module = module.double()
    with torch.no_grad():
        module.weight_ih_l0.copy_(torch.tensor(to_torch_order(kind, kernel).T))
        module.weight_hh_l0.copy_(torch.tensor(to_torch_order(kind, recurrent).T))
        if bias is not None:
            input_bias, recurrent_bias = (bias[0], bias[1]) if kind == "GRU" else (
                bias, np.zeros_like(bias))
            module.bias_ih_l0.copy_(torch.tensor(to_torch_order(kind, input_bias)))
            module.bias_hh_l0.copy_(torch.tensor(to_torch_order(kind, recurrent_bias)))
    inputs = torch.tensor(x, requires_grad=True)
    outputs, _ = module(inputs.flip(1) if go_backwards else inputs)
    y = outputs if return_sequences else outputs[:, -1]
    y.backward(torch.tensor(dy))
    gradients = [to_keras_order(kind, module.weight_ih_l0.grad.numpy().T),
                 to_keras_order(kind, module.weight_hh_l0.grad.numpy().T)]
    if bias is not None:
        input_bias = to_keras_order(kind, module.bias_ih_l0.grad.numpy())
        recurrent_bias = to_keras_order(kind, module.bias_hh_l0.grad.numpy())
        gradients.append(np.stack([input_bias, recurrent_bias]) if kind == "GRU" else input_bias)
    return y.detach().numpy(), inputs.grad.numpy(), gradients


@pytest.mark.parametrize("use_bias", [True, False], ids=["bias", "no_bias"])
@pytest.mark.parametrize("go_backwards", [False, True], ids=["forwards", "backwards"])
@pytest.mark.parametrize("return_sequences", [False, True], ids=["last", "sequences"])
@pytest.mark.parametrize("kind", sorted(TORCH_MODULES))
def test_against_torch(float64, kind, return_sequences, go_backwards, use_bias):
    rng = np.random.default_rng(0)
    batch, steps, features, units = 3, 6, 4, 5
    width = GATES[kind] * units
    x = rng.normal(size=(batch, steps, features))
    kernel = rng.normal(size=(features, width)) * 0.5
    recurrent = rng.normal(size=(units, width)) * 0.5
    bias = None
    if use_bias:
        bias = rng.normal(size=(2, width) if kind == "GRU" else (width,))
    dy = rng.normal(size=(batch, steps, units) if return_sequences else (batch, units))

    layer = getattr(layers, kind)(units, return_sequences=return_sequences,
                                  go_backwards=go_backwards, use_bias=use_bias)
    layer.build_once((None, steps, features))
    layer.set_weights([kernel, recurrent] + ([bias] if use_bias else []))
    y = layer.forward(x, training=True)
    dx = layer.backward(dy.copy())

    expected_y, expected_dx, expected_gradients = torch_run(
        kind, x, dy, kernel, recurrent, bias, return_sequences, go_backwards)
    assert_close(y, expected_y, "output")
    assert_close(dx, expected_dx, "input gradient")
    names = ["kernel", "recurrent_kernel", "bias"]
    for name, gradient, expected in zip(names, layer.gradients, expected_gradients):
        assert_close(gradient, expected, f"{name} gradient")
    assert len(layer.gradients) == len(expected_gradients)
