"""Probabilistic metrics: running means of the cross-entropies, KL divergence and Poisson loss."""

import numpy as np

from handkeras import losses
from handkeras.metrics.reduction_metrics import MeanMetricWrapper


class KLDivergence(MeanMetricWrapper):
    """Running mean of the Kullback-Leibler divergence ``sum(y_true log(y_true / y_pred))``."""

    _direction = "down"

    def __init__(self, name="kl_divergence", dtype=None):
        super().__init__(losses.kl_divergence, name=name, dtype=dtype)


class Poisson(MeanMetricWrapper):
    """Running mean of the Poisson loss ``mean(y_pred - y_true log(y_pred))``."""

    _direction = "down"

    def __init__(self, name="poisson", dtype=None):
        super().__init__(losses.poisson, name=name, dtype=dtype)


class BinaryCrossentropy(MeanMetricWrapper):
    """Running mean of the binary cross-entropy."""

    _direction = "down"

    def __init__(self, name="binary_crossentropy", dtype=None, from_logits=False,
                 label_smoothing=0):
        super().__init__(losses.binary_crossentropy, name=name, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing)


class CategoricalCrossentropy(MeanMetricWrapper):
    """Running mean of the categorical cross-entropy."""

    _direction = "down"

    def __init__(self, name="categorical_crossentropy", dtype=None, from_logits=False,
                 label_smoothing=0, axis=-1):
        super().__init__(losses.categorical_crossentropy, name=name, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)


class SparseCategoricalCrossentropy(MeanMetricWrapper):
    """Running mean of the sparse categorical cross-entropy."""

    _direction = "down"

    def __init__(self, name="sparse_categorical_crossentropy", dtype=None, from_logits=False,
                 ignore_class=None, axis=-1):
        super().__init__(losses.sparse_categorical_crossentropy, name=name, dtype=dtype,
                         from_logits=from_logits, ignore_class=ignore_class, axis=axis)

    def update_state(self, y_true, y_pred, sample_weight=None):
        """As in Keras, samples labelled ``ignore_class`` are left out of the mean."""
        ignore_class = self._fn_kwargs["ignore_class"]
        if ignore_class is not None:
            labels = np.asarray(y_true)
            if labels.ndim == np.ndim(y_pred) and labels.shape[-1] == 1:
                labels = labels[..., 0]
            kept = (labels != ignore_class).astype(np.float64)
            sample_weight = kept if sample_weight is None else kept * np.reshape(
                sample_weight, np.shape(sample_weight) + (1,) * (kept.ndim - np.ndim(sample_weight)))
        super().update_state(y_true, y_pred, sample_weight)
