"""Correlation metrics: Pearson's and Lin's concordance correlation between targets and predictions,
computed along ``axis`` for each sample and averaged over the samples seen, as Keras's are."""

import numpy as np

from handkeras import backend
from handkeras.losses import squeeze_or_expand_to_same_rank
from handkeras.metrics.reduction_metrics import MeanMetricWrapper


def _pair(y_true, y_pred):
    y_pred = np.asarray(y_pred)
    if y_pred.dtype.kind != "f":
        y_pred = y_pred.astype(backend.floatx())
    y_true = np.asarray(y_true, dtype=y_pred.dtype)
    return squeeze_or_expand_to_same_rank(y_true, y_pred)


def pearson_correlation(y_true, y_pred, axis=-1):
    """Pearson's correlation of ``y_true`` and ``y_pred`` along ``axis``: the mean product of
    the two, each centred and divided by its (population) standard deviation. NaN, silently, where
    either is constant, as in Keras."""
    y_true, y_pred = _pair(y_true, y_pred)
    true_centred = y_true - y_true.mean(axis=axis, keepdims=True)
    pred_centred = y_pred - y_pred.mean(axis=axis, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        true_centred = true_centred / true_centred.std(axis=axis, keepdims=True)
        pred_centred = pred_centred / pred_centred.std(axis=axis, keepdims=True)
    return (true_centred * pred_centred).mean(axis=axis)


def concordance_correlation(y_true, y_pred, axis=-1):
    """Lin's concordance correlation along ``axis``: ``2 cov / (var_t + var_p + (m_t - m_p)^2)``
    (population moments), 1 only where the predictions equal the targets."""
    y_true, y_pred = _pair(y_true, y_pred)
    true_mean = y_true.mean(axis=axis, keepdims=True)
    pred_mean = y_pred.mean(axis=axis, keepdims=True)
    norm = (y_true.var(axis=axis, keepdims=True) + y_pred.var(axis=axis, keepdims=True)
            + np.square(true_mean - pred_mean))
    covariance = (y_true - true_mean) * (y_pred - pred_mean)
    return (2 * covariance / (norm + backend.epsilon())).mean(axis=axis)


class PearsonCorrelation(MeanMetricWrapper):
    """Running mean over samples of ``pearson_correlation`` (1: perfectly linear, rising)."""

    _direction = "up"

    def __init__(self, name="pearson_correlation", dtype=None, axis=-1):
        super().__init__(pearson_correlation, name=name, dtype=dtype, axis=axis)
        self.axis = axis


class ConcordanceCorrelation(MeanMetricWrapper):
    """Running mean over samples of ``concordance_correlation`` (1: predictions equal to the
    targets)."""

    _direction = "up"

    def __init__(self, name="concordance_correlation", dtype=None, axis=-1):
        super().__init__(concordance_correlation, name=name, dtype=dtype, axis=axis)
        self.axis = axis
