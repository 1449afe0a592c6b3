"""What the gradient tests share: their data (kept off an activation's kinks where it must be) and
their checks, analytic against numeric gradients (float64 central differences) to the brief's
tolerance: of layers, of whole models and of activations' vector-Jacobian products."""

import numpy as np

from handkeras.utils.gradient_check import model_gradients, numerical_gradient

RTOL = 1e-6
ATOL = 1e-9  # only where an exact gradient is ~0: a relu's dead unit, a dropped or masked input,
#             a pixel no pooling window reaches


def data(shape, seed=0, scale=1.0):
    return np.random.default_rng(seed).standard_normal(shape) * scale


def assert_gradients_match(results, expected_names=None, atol=ATOL):
    """``results``: ``{name: (analytic, numeric)}``, as ``layer_gradients`` returns them. With
    ``expected_names``, also that exactly these gradients were checked (the input's and each
    trainable weight's), so a weight missing from ``trainable_weights`` cannot pass unseen."""
    if expected_names is not None:
        assert set(results) == set(expected_names)
    for name, (analytic, numeric) in results.items():
        assert analytic.shape == numeric.shape, name
        np.testing.assert_allclose(analytic, numeric, rtol=RTOL, atol=atol, err_msg=name)


def assert_model_gradients_match(model, x, y, sample_weight=None):
    """Every trainable weight's gradient of the compiled model's loss, one per weight and of its
    shape, against central differences."""
    pairs = model_gradients(model, x, y, sample_weight)
    assert len(pairs) == len(model.trainable_weights)
    for weight, (analytic, numeric) in zip(model.trainable_weights, pairs):
        assert analytic.shape == weight.shape
        np.testing.assert_allclose(analytic, numeric, rtol=RTOL, atol=ATOL, err_msg=weight.path)


def away_from(x, kinks, margin=1e-3):
    """``x`` with every entry at least ``2 * margin`` from each kink: a central difference that
    straddles a kink measures neither side's slope."""
    x = x.copy()
    for kink in kinks:
        close = np.abs(x - kink) < 2 * margin
        x[close] = kink + np.where(x[close] >= kink, 2 * margin, -2 * margin)
    return x


def assert_vjp_matches(activation, x, **options):
    """An activation's ``vjp`` against central differences of ``sum(f(x) * dy)`` for a random
    ``dy``; returns the analytic gradient."""
    y = activation(x, **options)
    dy = np.random.default_rng(7).standard_normal(y.shape)
    analytic = activation.vjp(x, y, dy, **options)
    numeric = numerical_gradient(lambda: float(np.sum(activation(x, **options) * dy)), x)
    np.testing.assert_allclose(analytic, numeric, rtol=RTOL, atol=ATOL)
    return analytic
