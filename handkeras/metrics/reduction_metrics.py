"""Sum, Mean and MeanMetricWrapper: the running reductions behind most metrics.

Running totals are kept in float64, so a long epoch's mean does not drift.
"""

import numpy as np

from handkeras import losses as losses_module
from handkeras.metrics.metric import Metric


class Sum(Metric):
    """The (weighted) sum of the values seen."""

    def __init__(self, name="sum", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.reset_state()

    def reset_state(self):
        self.total = 0.0

    def update_state(self, values, sample_weight=None):
        values = np.asarray(values, dtype=np.float64)
        if sample_weight is not None:
            values = values * _weights_like(values, sample_weight)
        self.total += float(values.sum())

    def result(self):
        return self.total


def _weights_like(values, sample_weight):
    """Sample weights broadcast over ``values`` (trailing axes added to per-sample weights)."""
    weights = np.asarray(sample_weight, dtype=np.float64)
    if weights.ndim > values.ndim:
        weights = weights.reshape(weights.shape[: values.ndim]) if values.ndim else weights
    if weights.ndim < values.ndim:
        weights = weights.reshape(weights.shape + (1,) * (values.ndim - weights.ndim))
    return np.broadcast_to(weights, np.broadcast_shapes(weights.shape, values.shape))


class Mean(Metric):
    """The (weighted) mean of the values seen."""

    def __init__(self, name="mean", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.reset_state()

    def reset_state(self):
        self.total = 0.0
        self.count = 0.0

    def update_state(self, values, sample_weight=None):
        if isinstance(values, float) and isinstance(sample_weight, (int, float, type(None))):
            weight = 1.0 if sample_weight is None else sample_weight
            self.total += values * weight
            self.count += weight
            return
        values = np.asarray(values, dtype=np.float64)
        if sample_weight is None:
            self.total += float(values.sum())
            self.count += values.size
            return
        weights = _weights_like(values, sample_weight)
        self.total += float((values * weights).sum())
        self.count += float(weights.sum())

    def result(self):
        return self.total / self.count if self.count else 0.0


class MeanMetricWrapper(Mean):
    """The running mean of a per-sample function ``fn(y_true, y_pred, **kwargs)``.

    Wrapping a loss makes the metric's ``_direction`` ``"down"``, as in Keras (callbacks with
    ``mode="auto"`` read it).
    """

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        super().__init__(name or fn.__name__, dtype)
        self._fn = fn
        self._fn_kwargs = kwargs
        if hasattr(fn, "loss_class") or isinstance(getattr(fn, "__self__", None),
                                                   losses_module.Loss):
            self._direction = "down"

    def update_state(self, y_true, y_pred, sample_weight=None):
        super().update_state(self._fn(y_true, y_pred, **self._fn_kwargs), sample_weight)

    def get_config(self):
        return {**super().get_config(), **self._fn_kwargs}

