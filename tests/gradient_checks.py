"""What the gradient tests share: their data and their check, analytic against numeric gradients
(float64 central differences) to the brief's tolerance."""

import numpy as np

RTOL = 1e-6
ATOL = 1e-9  # only where an exact gradient is ~0 (a relu's dead unit, a dropped or masked input)


def data(shape, seed=0, scale=1.0):
    return np.random.default_rng(seed).standard_normal(shape) * scale


def assert_gradients_match(results):
    """``results``: ``{name: (analytic, numeric)}``, as ``layer_gradients`` returns them."""
    for name, (analytic, numeric) in results.items():
        assert analytic.shape == numeric.shape, name
        np.testing.assert_allclose(analytic, numeric, rtol=RTOL, atol=ATOL, err_msg=name)
