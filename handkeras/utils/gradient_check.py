"""Gradient checking: hand-derived gradients against float64 central differences.

``(f(w + h) - f(w - h)) / 2h`` approximates each partial derivative with an error of order ``h^2``;
in float64 with ``h = 1e-6`` it agrees with an exact gradient to about 1e-8 relative. Every layer,
activation and loss in handkeras is tested this way, and user-written layers can be too.
"""

import numpy as np


def numerical_gradient(f, array, step=1e-6):
    """Central-difference gradient of the scalar ``f()`` with respect to ``array`` (perturbed in place)."""
    grad = np.zeros(array.shape, dtype=np.float64)
    flat, flat_grad = array.reshape(-1), grad.reshape(-1)
    if not np.shares_memory(flat, array):
        raise ValueError("numerical_gradient needs a contiguous array to perturb in place.")
    for i in range(flat.size):
        original = flat[i]
        flat[i] = original + step
        plus = f()
        flat[i] = original - step
        minus = f()
        flat[i] = original
        flat_grad[i] = (plus - minus) / (2 * step)
    return grad


def layer_gradients(layer, x, training=True, seed=0):
    """Analytic and numerical gradients of ``sum(layer(x) * g)`` for a random ``g``.

    Returns ``{"input": (analytic, numeric), "<weight name>": (analytic, numeric), ...}``. Use float64
    (``set_floatx("float64")``) for meaningful comparisons. Layers with randomness (Dropout) must
    be seeded so that repeated forwards agree.
    """
    x = np.array(x, dtype=np.float64)
    layer.build_once((None,) + x.shape[1:])
    upstream = np.random.default_rng(seed).standard_normal(layer.forward(x, training).shape)

    def objective():
        return float(np.sum(_forward_fresh(layer, x, training) * upstream))

    _forward_fresh(layer, x, training)
    analytic_input = layer.backward(upstream.copy())
    analytic_weights = [g.copy() for g in layer.gradients]
    result = {"input": (analytic_input, numerical_gradient(objective, x))}
    for weight, analytic in zip(layer.trainable_weights, analytic_weights):
        result[weight.name] = (analytic, numerical_gradient(objective, weight.value))
    return result


def _reseed(layer):
    """Restart a seeded layer's generator (Dropout, a recurrent layer's cell), so every forward
    draws the same mask."""
    if getattr(layer, "seed", None) is not None and getattr(layer, "_rng", None) is not None:
        layer._rng = np.random.default_rng(layer.seed)
    if getattr(layer, "cell", None) is not None:
        _reseed(layer.cell)
    for sublayer in getattr(layer, "sublayers", ()):  # a wrapper's layers
        _reseed(sublayer)
    for cell in getattr(layer, "cells", ()):  # a StackedRNNCells' cells
        _reseed(cell)
    for sublayer in getattr(layer, "layers", []):
        _reseed(sublayer)


def _forward_fresh(layer, x, training):
    _reseed(layer)
    return layer.forward(x, training)


def model_gradients(model, x, y, sample_weight=None):
    """Analytic (``compute_gradients``) and numerical gradients of the compiled loss, per weight.

    Seeded Dropout layers draw the same mask on every pass; the model must hold no unseeded one.
    """
    _reseed(model)
    _, analytic = model.compute_gradients(x, y, sample_weight)
    analytic = [g.copy() for g in analytic]

    def objective():
        _reseed(model)
        return model.compute_gradients(x, y, sample_weight)[0]

    numeric = [numerical_gradient(objective, weight.value) for weight in model.trainable_weights]
    return list(zip(analytic, numeric))
