"""R2Score: the coefficient of determination, per output column or aggregated, over batches."""

import numpy as np
import pytest

import handkeras as keras

Y_TRUE = np.array([[1.0, 10.0], [4.0, 20.0], [3.0, 30.0], [2.0, 40.0]])
Y_PRED = np.array([[2.0, 12.0], [4.0, 18.0], [4.0, 33.0], [1.0, 40.0]])


def r2(y_true, y_pred):
    """The definition, column by column."""
    residual = ((y_true - y_pred) ** 2).sum(axis=0)
    total = ((y_true - y_true.mean(axis=0)) ** 2).sum(axis=0)
    return 1 - residual / total, total


def test_scores_per_column_and_aggregated():
    scores, total = r2(Y_TRUE, Y_PRED)
    expected = {None: scores, "uniform_average": scores.mean(),
                "variance_weighted_average": (scores * total).sum() / total.sum()}
    for aggregation, value in expected.items():
        metric = keras.metrics.R2Score(class_aggregation=aggregation)
        metric.update_state(Y_TRUE[:2], Y_PRED[:2])
        metric.update_state(Y_TRUE[2:], Y_PRED[2:])  # the sums carry over batches
        np.testing.assert_allclose(metric.result(), value, rtol=1e-6)


def test_row_weights_count_rows_that_many_times():
    weighted, repeated = keras.metrics.R2Score(), keras.metrics.R2Score()
    weighted.update_state(Y_TRUE, Y_PRED, sample_weight=[2, 1, 1, 3])
    rows = [0, 0, 1, 2, 3, 3, 3]
    repeated.update_state(Y_TRUE[rows], Y_PRED[rows])
    np.testing.assert_allclose(weighted.result(), repeated.result(), rtol=1e-6)


def test_adjusted_score_and_its_fallbacks():
    plain, adjusted = keras.metrics.R2Score(), keras.metrics.R2Score(num_regressors=2)
    for metric in (plain, adjusted):
        metric.update_state(Y_TRUE, Y_PRED)
    n = Y_TRUE.size  # as in Keras, every target value counts
    np.testing.assert_allclose(adjusted.result(), 1 - (1 - plain.result()) * (n - 1) / (n - 3),
                               rtol=1e-6)
    for p, message in ((7, "Division by zero"), (9, "More independent predictors")):
        metric = keras.metrics.R2Score(num_regressors=p)
        metric.update_state(Y_TRUE, Y_PRED)
        with pytest.warns(UserWarning, match=message):
            assert metric.result() == plain.result()


def test_a_constant_column_scores_zero_and_state_resets():
    metric = keras.metrics.R2Score(class_aggregation=None)
    metric.update_state([[1.0, 5.0], [2.0, 5.0]], [[1.5, 4.0], [2.0, 6.0]])
    assert metric.result()[1] == 0.0  # SS_tot 0: an infinite score counts as 0
    metric.reset_state()
    assert all(not v.numpy().any() for v in metric.variables)


def test_variables_config_and_errors():
    metric = keras.metrics.R2Score()
    assert [v.path for v in metric.variables] == ["r2_score/num_samples"]
    metric.update_state(Y_TRUE, Y_PRED)
    assert [v.path for v in metric.variables] == [
        "r2_score/num_samples", "r2_score/squared_sum", "r2_score/sum", "r2_score/residual",
        "r2_score/count"]
    assert metric.get_config() == {"name": "r2_score", "dtype": "float32",
                                   "class_aggregation": "uniform_average", "num_regressors": 0}
    assert isinstance(keras.metrics.get("r2_score"), keras.metrics.R2Score)
    with pytest.raises(ValueError, match="class_aggregation"):
        keras.metrics.R2Score(class_aggregation="median")
    with pytest.raises(ValueError, match="num_regressors"):
        keras.metrics.R2Score(num_regressors=-1)
    with pytest.raises(ValueError, match="expects 2D inputs"):
        keras.metrics.R2Score().update_state(np.zeros((2, 2, 2)), np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match="no result before its first `update_state`"):
        keras.metrics.R2Score().result()
