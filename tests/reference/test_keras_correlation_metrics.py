"""PearsonCorrelation and ConcordanceCorrelation, and their functions, against Keras 3.15.1 (torch
backend) in float64 to rtol 1e-9: per-sample values along each axis, running means over batches
with and without sample weights, configs and names."""

import numpy as np
import pytest

import handkeras
from keras_pair import plain
from parity import assert_close

keras = pytest.importorskip("keras")

FUNCTIONS = ["pearson_correlation", "concordance_correlation"]
CLASSES = {"pearson_correlation": "PearsonCorrelation",
           "concordance_correlation": "ConcordanceCorrelation"}


def data(seed, shape=(5, 4)):
    rng = np.random.default_rng(seed)
    y_true = rng.normal(size=shape)
    return y_true, 0.7 * y_true + rng.normal(scale=0.5, size=shape) + 0.3


@pytest.mark.parametrize("axis", [-1, 0, (0, 1)], ids=str)
@pytest.mark.parametrize("name", FUNCTIONS)
def test_functions_are_keras(name, axis):
    y_true, y_pred = data(0)
    ours = getattr(handkeras.metrics, name)(y_true, y_pred, axis=axis)
    theirs = getattr(keras.metrics, name)(y_true, y_pred, axis=axis)
    assert_close(ours, keras.ops.convert_to_numpy(theirs), name)


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("name", FUNCTIONS)
def test_running_means_over_batches_are_keras(name, weighted):
    ours = getattr(handkeras.metrics, CLASSES[name])()
    theirs = getattr(keras.metrics, CLASSES[name])()
    rng = np.random.default_rng(1)
    for seed, rows in enumerate((5, 3, 6)):
        y_true, y_pred = data(seed, (rows, 4))
        sample_weight = rng.random(rows) if weighted else None
        ours.update_state(y_true, y_pred, sample_weight=sample_weight)
        theirs.update_state(y_true, y_pred, sample_weight=sample_weight)
        assert_close(ours.result(), keras.ops.convert_to_numpy(theirs.result()), name)
    assert plain(ours.get_config()) == plain(theirs.get_config())
    assert type(keras.metrics.get(name)).__name__ == type(handkeras.metrics.get(name)).__name__


def test_a_constant_row_is_nan_in_both():
    y_true, y_pred = np.array([[1.0, 1.0, 1.0]]), np.array([[0.2, 0.5, 0.9]])
    ours = handkeras.metrics.pearson_correlation(y_true, y_pred)
    theirs = keras.ops.convert_to_numpy(keras.metrics.pearson_correlation(y_true, y_pred))
    assert np.isnan(ours).all() and np.isnan(theirs).all()
