"""EinsumDense against PyTorch autograd (``torch.einsum`` plus the bias and the activation), in
float64 to rtol 1e-9: outputs, input gradients, kernel and bias gradients, and LoRA's factors'.

torch takes the equation as handkeras reads it, ellipsis included; the bias is added with
broadcasting, so its gradient is whatever autograd sums over the broadcast axes.
"""

import numpy as np
import pytest

from handkeras import layers
from parity import assert_close

torch = pytest.importorskip("torch")

ACTIVATIONS = {"linear": lambda z: z, "tanh": torch.tanh, "sigmoid": torch.sigmoid,
               "softmax": lambda z: torch.softmax(z, dim=-1)}

CASES = [  # equation, output_shape, bias_axes, input shape, activation
    ("ab,bc->ac", 4, "c", (5, 3), "tanh"),
    ("...b,bc->...c", 4, "c", (2, 3, 5), "softmax"),
    ("...ab,bc->...ac", (3, 7), "ac", (2, 4, 3, 5), "linear"),
    ("ab...,bc->ac...", 4, "c", (2, 5, 3, 2), "sigmoid"),
    ("abc,cde->abde", (3, 4, 2), "de", (2, 3, 5), "tanh"),
    ("abc,cde->abde", (3, 4, 2), "b", (2, 3, 5), "linear"),
    ("abc,bcd->ad", 4, None, (2, 3, 5), "tanh"),
    ("abc,cd->ad", 4, "d", (2, 3, 5), "linear"),
    ("abc,bcd->abd", (3, 4), "bd", (2, 3, 5), "softmax"),
]


def tensor(array):
    return torch.tensor(np.asarray(array, dtype=np.float64), requires_grad=True)


def run_layer(layer, x, dy):
    """Training-mode output, input gradient and weight gradients of a handkeras layer."""
    y = layer.forward(x, training=True)
    dx = layer.backward(dy)
    return y, dx, [np.array(g) for g in layer.gradients]


@pytest.mark.parametrize("equation, output_shape, bias_axes, shape, activation", CASES,
                         ids=[f"{case[0]} {case[2]} {case[4]}" for case in CASES])
def test_einsum_dense_matches_torch(equation, output_shape, bias_axes, shape, activation):
    rng = np.random.default_rng(0)
    layer = layers.EinsumDense(equation, output_shape, bias_axes=bias_axes, activation=activation)
    layer.build_once((None,) + shape[1:])
    weights = [rng.normal(size=w.shape) for w in layer.weights]
    layer.set_weights(weights)
    x = rng.normal(size=shape)
    tx, *tweights = [tensor(a) for a in [x] + weights]
    z = torch.einsum(equation, tx, tweights[0])
    if bias_axes:
        z = z + tweights[1]
    out = ACTIVATIONS[activation](z)
    dy = rng.normal(size=tuple(out.shape))
    out.backward(torch.tensor(dy))

    y, dx, gradients = run_layer(layer, x, dy)
    assert_close(y, out.detach().numpy(), "output")
    assert_close(dx, tx.grad.numpy(), "input gradient")
    assert len(gradients) == len(tweights)
    for name, gradient, expected in zip(["kernel", "bias"], gradients, tweights):
        assert_close(gradient, expected.grad.numpy(), f"{name} gradient")


@pytest.mark.parametrize("lora_alpha", [None, 5])
def test_lora_matches_torch(lora_alpha):
    rng = np.random.default_rng(1)
    layer = layers.EinsumDense("abc,cde->abde", (3, 4, 2), bias_axes="de", activation="tanh",
                               lora_rank=3, lora_alpha=lora_alpha)
    layer.build_once((None, 3, 5))
    kernel, bias, a, b = [rng.normal(size=w.shape) for w in layer.weights]
    layer.set_weights([kernel, bias, a, b])
    x = rng.normal(size=(2, 3, 5))
    tx, tbias, ta, tb = tensor(x), tensor(bias), tensor(a), tensor(b)
    scale = (lora_alpha or 3) / 3
    effective = torch.tensor(kernel) + scale * torch.matmul(ta, tb)
    out = torch.tanh(torch.einsum("abc,cde->abde", tx, effective) + tbias)
    dy = rng.normal(size=tuple(out.shape))
    out.backward(torch.tensor(dy))

    y, dx, (dbias, da, db) = run_layer(layer, x, dy)
    assert_close(y, out.detach().numpy(), "output")
    assert_close(dx, tx.grad.numpy(), "input gradient")
    assert_close(dbias, tbias.grad.numpy(), "bias gradient")
    assert_close(da, ta.grad.numpy(), "lora_kernel_a gradient")
    assert_close(db, tb.grad.numpy(), "lora_kernel_b gradient")
