"""What the gradient tests share: their data and their checks, analytic against numeric gradients
(float64 central differences) to the brief's tolerance."""

import numpy as np

from handkeras.utils.gradient_check import model_gradients

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
