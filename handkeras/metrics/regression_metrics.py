"""Regression metrics: running means of the regression losses, RMSE and cosine similarity."""

import numpy as np

from handkeras import losses
from handkeras.metrics.reduction_metrics import Mean, MeanMetricWrapper


class MeanSquaredError(MeanMetricWrapper):
    """Running mean of the mean squared error."""

    _direction = "down"

    def __init__(self, name="mean_squared_error", dtype=None):
        super().__init__(losses.mean_squared_error, name=name, dtype=dtype)


class MeanAbsoluteError(MeanMetricWrapper):
    """Running mean of the mean absolute error."""

    _direction = "down"

    def __init__(self, name="mean_absolute_error", dtype=None):
        super().__init__(losses.mean_absolute_error, name=name, dtype=dtype)


class MeanAbsolutePercentageError(MeanMetricWrapper):
    """Running mean of ``100 * mean(|y_true - y_pred| / max(|y_true|, eps))``."""

    _direction = "down"

    def __init__(self, name="mean_absolute_percentage_error", dtype=None):
        super().__init__(losses.mean_absolute_percentage_error, name=name, dtype=dtype)


class MeanSquaredLogarithmicError(MeanMetricWrapper):
    """Running mean of ``mean((log(1 + y_pred) - log(1 + y_true))^2)``."""

    _direction = "down"

    def __init__(self, name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(losses.mean_squared_logarithmic_error, name=name, dtype=dtype)


class LogCoshError(MeanMetricWrapper):
    """Running mean of ``mean(log(cosh(y_pred - y_true)))`` (Keras names it ``logcosh``)."""

    _direction = "down"

    def __init__(self, name="logcosh", dtype=None):
        super().__init__(losses.log_cosh, name=name, dtype=dtype)


class RootMeanSquaredError(Mean):
    """``sqrt`` of the running mean of the squared errors."""

    _direction = "down"

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name, dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = np.asarray(y_pred, dtype=np.float64)
        y_true, y_pred = losses.squeeze_or_expand_to_same_rank(
            np.asarray(y_true, dtype=np.float64), y_pred)
        super().update_state(np.square(y_pred - y_true), sample_weight)

    def result(self):
        return float(np.sqrt(super().result()))


def cosine_similarity(y_true, y_pred, axis=-1):
    """Per-sample cosine of the angle between ``y_true`` and ``y_pred`` along ``axis``."""
    return -losses.cosine_similarity(y_true, y_pred, axis=axis)


class CosineSimilarity(MeanMetricWrapper):
    """Running mean of the cosine similarity (1: same direction, -1: opposite)."""

    _direction = "up"

    def __init__(self, name="cosine_similarity", dtype=None, axis=-1):
        super().__init__(cosine_similarity, name=name, dtype=dtype, axis=axis)
