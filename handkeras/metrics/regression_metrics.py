"""Regression metrics: running means of the regression losses, RMSE, cosine similarity and R2."""

import warnings

import numpy as np

from handkeras import losses
from handkeras.metrics.metric import Metric
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


class R2Score(Metric):
    """The coefficient of determination ``1 - SS_res / SS_tot`` per output column, from weighted
    sums kept over every batch (``SS_tot = sum(w y^2) - (sum(w y))^2 / sum(w)``).

    ``class_aggregation`` combines the columns: ``"uniform_average"`` (their mean),
    ``"variance_weighted_average"`` (weighted by ``SS_tot``) or None (one score each). As in
    Keras, a column whose score is infinite (constant targets, some error) counts as 0, and with
    ``num_regressors = p`` the adjusted score ``1 - (1 - R2) (n - 1) / (n - p - 1)`` is given,
    ``n`` counting every target value seen (falling back, with a warning, to R2 when
    ``p >= n - 1``).
    """

    _direction = "up"

    def __init__(self, class_aggregation="uniform_average", num_regressors=0, name="r2_score",
                 dtype=None):
        super().__init__(dtype=dtype, name=name)
        aggregations = (None, "uniform_average", "variance_weighted_average")
        if class_aggregation not in aggregations:
            raise ValueError("Invalid value for argument `class_aggregation`. Expected one of "
                             f"{aggregations}. Received: class_aggregation={class_aggregation}")
        if num_regressors < 0:
            raise ValueError("Invalid value for argument `num_regressors`. Expected a value >= 0. "
                             f"Received: num_regressors={num_regressors}")
        self.class_aggregation = class_aggregation
        self.num_regressors = num_regressors
        self.num_samples = self.add_variable((), "zeros", name="num_samples")
        self._built = False  # the per-column sums are made at the first update

    def _build(self, y_true_shape, y_pred_shape):
        if len(y_pred_shape) != 2 or len(y_true_shape) != 2:
            raise ValueError(
                "R2Score expects 2D inputs with shape (batch_size, output_dim). Received input "
                f"shapes: y_pred.shape={y_pred_shape} and y_true.shape={y_true_shape}."
            )
        columns = (y_pred_shape[-1],)
        self.squared_sum = self.add_variable(columns, "zeros", name="squared_sum")
        self.sum = self.add_variable(columns, "zeros", name="sum")
        self.total_mse = self.add_variable(columns, "zeros", name="residual")
        self.count = self.add_variable(columns, "zeros", name="count")
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = np.asarray(y_true, dtype=self.dtype)
        y_pred = np.asarray(y_pred, dtype=self.dtype)
        y_true, y_pred = losses.squeeze_or_expand_to_same_rank(y_true, y_pred)
        if not self._built:
            self._build(y_true.shape, y_pred.shape)
        weights = np.asarray(1 if sample_weight is None else sample_weight, dtype=self.dtype)
        if weights.ndim == 1:
            weights = weights[:, None]  # one weight per row
        weights = np.broadcast_to(weights, y_true.shape)
        weighted = y_true * weights
        self.sum.assign_add(weighted.sum(axis=0))
        self.squared_sum.assign_add((y_true * weighted).sum(axis=0))
        self.total_mse.assign_add((np.square(y_true - y_pred) * weights).sum(axis=0))
        self.count.assign_add(weights.sum(axis=0))
        self.num_samples.assign_add(y_true.size)

    def result(self):
        """One float, or an array of one score per column with ``class_aggregation=None``."""
        if not self._built:
            raise ValueError(f"R2Score '{self.name}' has no result before its first "
                             "`update_state`: the number of columns comes from the first batch.")
        with np.errstate(divide="ignore", invalid="ignore"):
            total_sum, count = self.sum.value, self.count.value
            total = self.squared_sum.value - total_sum * (total_sum / count)
            scores = 1 - self.total_mse.value / total
        scores = np.where(np.isinf(scores), 0.0, scores).astype(self.dtype)
        if self.class_aggregation == "uniform_average":
            score = scores.mean()
        elif self.class_aggregation == "variance_weighted_average":
            score = (total * scores).sum() / total.sum()
        else:
            score = scores
        score = self._adjusted(score)
        score = np.asarray(score, dtype=self.dtype)
        return float(score) if score.ndim == 0 else score

    def _adjusted(self, score):
        p, n = self.num_regressors, float(self.num_samples.value)
        if p == 0:
            return score
        if p >= n - 1:
            warnings.warn("More independent predictors than datapoints in adjusted R2 score. "
                          "Falling back to standard R2 score." if p > n - 1 else
                          "Division by zero in Adjusted R2 score. Falling back to standard R2 "
                          "score.", stacklevel=3)
            return score
        return 1 - (1 - score) * (n - 1) / (n - p - 1)

    def get_config(self):
        return {**super().get_config(), "class_aggregation": self.class_aggregation,
                "num_regressors": self.num_regressors}
