"""Correlation metrics: Pearson's and Lin's concordance correlation, per sample along an axis,
averaged over samples."""

import warnings

import numpy as np
import pytest

import handkeras as keras

Y_TRUE = np.array([[0.0, 1.0, 2.0, 3.0], [1.0, 3.0, 2.0, 5.0]])
Y_PRED = np.array([[0.5, 1.5, 2.5, 3.5], [2.0, 1.0, 3.0, 4.0]])


def test_pearson_is_numpys_correlation_of_each_row():
    expected = [np.corrcoef(t, p)[0, 1] for t, p in zip(Y_TRUE, Y_PRED)]
    np.testing.assert_allclose(keras.metrics.pearson_correlation(Y_TRUE, Y_PRED), expected)
    # a shifted copy correlates perfectly
    assert keras.metrics.pearson_correlation(Y_TRUE, Y_PRED)[0] == pytest.approx(1.0)


def test_concordance_penalizes_the_shift_that_pearson_ignores():
    t, p = Y_TRUE[0], Y_PRED[0]
    expected = 2 * np.mean((t - t.mean()) * (p - p.mean())) / (
        t.var() + p.var() + (t.mean() - p.mean()) ** 2)
    assert keras.metrics.concordance_correlation(Y_TRUE, Y_PRED)[0] == pytest.approx(expected)
    assert expected < 1
    assert keras.metrics.concordance_correlation(Y_TRUE, Y_TRUE) == pytest.approx([1.0, 1.0])


def test_the_metrics_average_the_samples_weighted_and_over_batches():
    metric = keras.metrics.PearsonCorrelation()
    metric.update_state(Y_TRUE[:1], Y_PRED[:1])
    metric.update_state(Y_TRUE[1:], Y_PRED[1:], sample_weight=[3.0])
    per_row = keras.metrics.pearson_correlation(Y_TRUE, Y_PRED)
    assert metric.result() == pytest.approx((per_row[0] + 3 * per_row[1]) / 4, rel=1e-6)
    assert metric.get_config() == {"name": "pearson_correlation", "dtype": "float32", "axis": -1}
    assert keras.metrics.ConcordanceCorrelation(axis=0).get_config()["axis"] == 0


def test_a_constant_row_gives_nan_without_a_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isnan(keras.metrics.pearson_correlation([[2.0, 2.0]], [[1.0, 3.0]])).all()
