"""``RNN(StackedRNNCells([...]))`` against torch's multi-layer ``nn.LSTM`` / ``nn.GRU`` autograd, in
float64: torch's ``num_layers=2`` is two cells one above the other at each step.

Weights map as in tests/reference/test_torch_recurrent.py: torch's ``weight_ih_l<k>`` is the
transpose of cell k's kernel, LSTM's whole bias goes into ``bias_ih`` (``bias_hh`` zero), and GRU
(Keras's ``reset_after=True``) swaps its first two gate blocks (Keras z, r, h; torch r, z, n) and
keeps its two bias rows as ``bias_ih`` and ``bias_hh``.
"""

import numpy as np
import pytest

from handkeras import layers
from parity import assert_close

torch = pytest.importorskip("torch")

KINDS = {"LSTM": (torch.nn.LSTM, layers.LSTMCell, 4), "GRU": (torch.nn.GRU, layers.GRUCell, 3)}


def torch_order(kind, blocks):
    """Gate blocks from Keras's order to torch's (GRU's z, r, h to r, z, n; its own inverse)."""
    if kind == "LSTM":
        return blocks
    z, r, h = np.split(blocks, 3, axis=-1)
    return np.concatenate([r, z, h], axis=-1)


@pytest.mark.parametrize("go_backwards", [False, True], ids=["forwards", "backwards"])
@pytest.mark.parametrize("return_sequences", [False, True], ids=["last", "sequences"])
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_stacked_cells_against_torch_layers(float64, kind, return_sequences, go_backwards):
    module_class, cell_class, gates = KINDS[kind]
    rng = np.random.default_rng(0)
    batch, steps, features, units = 3, 6, 4, 5
    x = rng.normal(size=(batch, steps, features))
    dy = rng.normal(size=(batch, steps, units) if return_sequences else (batch, units))
    layer = layers.RNN([cell_class(units), cell_class(units)],
                       return_sequences=return_sequences, go_backwards=go_backwards)
    layer.build_once((None, steps, features))
    weights = []
    for width_in in (features, units):
        weights += [rng.normal(size=(width_in, gates * units)) * 0.5,
                    rng.normal(size=(units, gates * units)) * 0.5,
                    rng.normal(size=(2, gates * units) if kind == "GRU" else (gates * units,))]
    layer.set_weights(weights)

    module = module_class(features, units, num_layers=2, batch_first=True).double()
    with torch.no_grad():
        for k in range(2):
            kernel, recurrent, bias = weights[3 * k:3 * k + 3]
            input_bias, recurrent_bias = (bias[0], bias[1]) if kind == "GRU" else (
                bias, np.zeros_like(bias))
            for name, value in (("weight_ih", torch_order(kind, kernel).T),
                                ("weight_hh", torch_order(kind, recurrent).T),
                                ("bias_ih", torch_order(kind, input_bias)),
                                ("bias_hh", torch_order(kind, recurrent_bias))):
                getattr(module, f"{name}_l{k}").copy_(torch.tensor(value))
    inputs = torch.tensor(x, requires_grad=True)
    outputs, _ = module(inputs.flip(1) if go_backwards else inputs)
    expected = outputs if return_sequences else outputs[:, -1]
    expected.backward(torch.tensor(dy))

    y = layer.forward(x, training=True)
    assert_close(y, expected.detach().numpy(), "outputs")
    assert_close(layer.backward(dy), inputs.grad.numpy(), "input gradient")
    for k in range(2):
        kernel_gradient, recurrent_gradient, bias_gradient = layer.gradients[3 * k:3 * k + 3]
        assert_close(kernel_gradient,
                     torch_order(kind, getattr(module, f"weight_ih_l{k}").grad.numpy().T),
                     f"cell {k} kernel")
        assert_close(recurrent_gradient,
                     torch_order(kind, getattr(module, f"weight_hh_l{k}").grad.numpy().T),
                     f"cell {k} recurrent kernel")
        input_bias = torch_order(kind, getattr(module, f"bias_ih_l{k}").grad.numpy())
        recurrent_bias = torch_order(kind, getattr(module, f"bias_hh_l{k}").grad.numpy())
        assert_close(bias_gradient, np.stack([input_bias, recurrent_bias]) if kind == "GRU"
                     else input_bias, f"cell {k} bias")
