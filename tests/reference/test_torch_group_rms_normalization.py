"""GroupNormalization and RMSNormalization against PyTorch autograd (``F.group_norm``,
``F.rms_norm``), in float64 to rtol 1e-9: outputs, input gradients and weight gradients.

PyTorch's group norm takes channels first, ``(N, C, *)``: a channels-last input is moved there and
back. Its groups are runs of neighbouring channels, as Keras's are.
"""

import numpy as np
import pytest

from handkeras import layers
from parity import assert_close

torch = pytest.importorskip("torch")
F = torch.nn.functional


def tensor(array):
    return torch.tensor(np.asarray(array, dtype=np.float64), requires_grad=True)


def run_layer(layer, x, dy):
    """Training-mode output, input gradient and weight gradients of a handkeras layer."""
    y = layer.forward(x, training=True)
    dx = layer.backward(dy)
    return y, dx, [np.array(g) for g in layer.gradients]


def backprop(outputs, dy, *tensors):
    outputs.backward(torch.tensor(dy))
    return outputs.detach().numpy(), [t.grad.numpy() for t in tensors]


@pytest.mark.parametrize("shape, groups, axis", [
    ((4, 6), 3, -1), ((3, 5, 8), 4, -1), ((2, 4, 5, 6), 2, -1), ((2, 6, 4, 3), 3, 1),
    ((2, 4, 6, 3), 6, -2), ((3, 5, 4), 1, -1), ((3, 5, 4), -1, -1)], ids=str)
def test_group_normalization_matches_torch(shape, groups, axis):
    rng = np.random.default_rng(0)
    x = rng.normal(size=shape) * 2.0 + 0.5
    layer = layers.GroupNormalization(groups=groups, axis=axis, epsilon=1e-3)
    layer.build_once((None,) + shape[1:])
    channels = shape[axis]
    gamma, beta = rng.normal(size=channels), rng.normal(size=channels)
    layer.set_weights([gamma, beta])
    tx, tg, tb = tensor(x), tensor(gamma), tensor(beta)
    out = torch.movedim(F.group_norm(torch.movedim(tx, axis, 1), layer.groups, tg, tb, eps=1e-3),
                        1, axis)
    dy = rng.normal(size=shape)
    expected_y, (expected_dx, expected_dgamma, expected_dbeta) = backprop(out, dy, tx, tg, tb)
    y, dx, (dgamma, dbeta) = run_layer(layer, x, dy)
    assert_close(y, expected_y, "output")
    assert_close(dx, expected_dx, "input gradient")
    assert_close(dgamma, expected_dgamma, "gamma gradient")
    assert_close(dbeta, expected_dbeta, "beta gradient")


@pytest.mark.parametrize("shape, axis", [((4, 6), -1), ((3, 4, 5), -1), ((3, 4, 5), [1, 2]),
                                         ((2, 3, 4, 5), [-2, -1]), ((2, 3, 4, 5), [1, 2, 3])],
                         ids=str)
@pytest.mark.parametrize("epsilon", [1e-6, 0.1])
def test_rms_normalization_matches_torch(shape, axis, epsilon):
    rng = np.random.default_rng(1)
    x = rng.normal(size=shape) * 3.0 - 1.0
    layer = layers.RMSNormalization(axis=axis, epsilon=epsilon)
    layer.build_once((None,) + shape[1:])
    scale = rng.normal(size=layer.scale.shape)
    layer.set_weights([scale])
    tx, ts = tensor(x), tensor(scale)
    out = F.rms_norm(tx, scale.shape, ts, eps=epsilon)
    dy = rng.normal(size=shape)
    expected_y, (expected_dx, expected_dscale) = backprop(out, dy, tx, ts)
    y, dx, (dscale,) = run_layer(layer, x, dy)
    assert_close(y, expected_y, "output")
    assert_close(dx, expected_dx, "input gradient")
    assert_close(dscale, expected_dscale, "scale gradient")
