"""Accuracy metrics: exact, binary, categorical, sparse categorical and top-k, and the shape rules
that resolve ``"accuracy"``."""

import numpy as np

from handkeras import backend
from handkeras.metrics.reduction_metrics import MeanMetricWrapper


def _as_labels(y_true, y_pred):
    """Integer labels from ``(N,)`` or ``(N, 1)`` sparse targets."""
    y_true = np.asarray(y_true)
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = y_true[..., 0]
    return y_true


def accuracy(y_true, y_pred):
    """1 where the prediction equals the target exactly, else 0, per sample."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    return (y_true.reshape(y_pred.shape) == y_pred).astype(backend.floatx())


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """Mean over the last axis of ``(y_pred > threshold) == y_true``."""
    y_pred = np.asarray(y_pred)
    y_true = np.asarray(y_true).reshape(y_pred.shape)
    return ((y_pred > threshold) == (y_true > 0.5)).mean(axis=-1, dtype=backend.floatx())


def categorical_accuracy(y_true, y_pred):
    """1 where ``argmax(y_pred) == argmax(y_true)``."""
    y_pred = np.asarray(y_pred)
    return (np.argmax(y_true, axis=-1) == np.argmax(y_pred, axis=-1)).astype(backend.floatx())


def sparse_categorical_accuracy(y_true, y_pred):
    """1 where ``argmax(y_pred)`` equals the integer label."""
    y_pred = np.asarray(y_pred)
    labels = _as_labels(y_true, y_pred)
    return (labels == np.argmax(y_pred, axis=-1)).astype(backend.floatx())


def _in_top_k(labels, y_pred, k):
    """Whether each label's score is among the ``k`` largest of its row. As in Keras, a score tied
    with the k-th largest counts: it is in the top k when fewer than ``k`` scores exceed it."""
    scores = y_pred.reshape(-1, y_pred.shape[-1])
    labels = labels.reshape(-1).astype(np.intp)
    own = np.take_along_axis(scores, labels[:, None], axis=-1)
    return (scores > own).sum(axis=-1) < k


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1 where the one-hot label's class is among the ``k`` highest predictions."""
    y_pred = np.asarray(y_pred)
    labels = np.argmax(y_true, axis=-1)
    return _in_top_k(labels, y_pred, k).reshape(labels.shape).astype(backend.floatx())


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5, from_sorted_ids=False):
    """1 where the integer label is among the ``k`` highest predictions; with
    ``from_sorted_ids``, ``y_pred`` holds class ids sorted by score and the label must be among its
    first ``k``."""
    y_pred = np.asarray(y_pred)
    labels = np.asarray(y_true)
    if from_sorted_ids:
        ids = y_pred.reshape(-1, y_pred.shape[-1])[:, :k]
        matches = (labels.reshape(-1, 1) == ids).any(axis=-1)
    else:
        matches = _in_top_k(labels, y_pred, k)
    return matches.reshape(labels.shape).astype(backend.floatx())


class Accuracy(MeanMetricWrapper):
    """How often predictions equal labels exactly."""

    _direction = "up"

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(accuracy, name=name, dtype=dtype)


class BinaryAccuracy(MeanMetricWrapper):
    """How often ``y_pred > threshold`` matches the binary label."""

    _direction = "up"

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        super().__init__(binary_accuracy, name=name, dtype=dtype, threshold=threshold)


class CategoricalAccuracy(MeanMetricWrapper):
    """How often the argmax of the prediction matches the argmax of the one-hot label."""

    _direction = "up"

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(categorical_accuracy, name=name, dtype=dtype)


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often the argmax of the prediction matches the integer label."""

    _direction = "up"

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(sparse_categorical_accuracy, name=name, dtype=dtype)


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the one-hot label's class is among the ``k`` highest predictions."""

    _direction = "up"

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        super().__init__(top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
        self.k = k


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the integer label is among the ``k`` highest predictions."""

    _direction = "up"

    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None,
                 from_sorted_ids=False):
        super().__init__(sparse_top_k_categorical_accuracy, name=name, dtype=dtype, k=k,
                         from_sorted_ids=from_sorted_ids)
        self.k = k
        self.from_sorted_ids = from_sorted_ids

    def get_config(self):
        config = {"name": self.name, "dtype": self.dtype, "k": self.k}
        if self.from_sorted_ids:
            config["from_sorted_ids"] = True
        return config


def resolve_accuracy(y_true_shape, y_pred_shape):
    """The accuracy function Keras picks for ``"accuracy"``, from the label and prediction shapes."""
    if y_pred_shape[-1] == 1:
        return binary_accuracy
    if len(y_true_shape) == len(y_pred_shape) - 1 or (
            len(y_true_shape) == len(y_pred_shape) and y_true_shape[-1] == 1):
        return sparse_categorical_accuracy
    return categorical_accuracy


class ResolvedAccuracy(MeanMetricWrapper):
    """``"accuracy"`` / ``"acc"``: the accuracy variant chosen from the shapes at the first update."""

    _direction = "up"

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(self._resolve_and_call, name=name, dtype=dtype)
        self._resolved = None

    def _resolve_and_call(self, y_true, y_pred):
        if self._resolved is None:
            self._resolved = resolve_accuracy(np.shape(y_true), np.shape(y_pred))
        return self._resolved(y_true, y_pred)
