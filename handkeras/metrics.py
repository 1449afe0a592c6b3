"""Metrics: stateful running means with Keras's ``update_state`` / ``result`` / ``reset_state``.

Per-sample metric functions (accuracy, mse, ...) are wrapped in :class:`MeanMetricWrapper`, whose
result is the mean over every sample seen since the last reset, which is the batch-size-weighted
running mean that Keras logs during ``fit``.
"""

import numpy as np

from handkeras import backend
from handkeras import losses as losses_module
from handkeras.identifiers import lookup


class Metric:
    """Base class for stateful metrics."""

    def __init__(self, name=None, dtype=None):
        self.name = name or backend.snake_case(type(self).__name__)
        self.dtype = dtype or backend.floatx()

    def update_state(self, *args, **kwargs):
        raise NotImplementedError

    def result(self):
        raise NotImplementedError

    def reset_state(self):
        raise NotImplementedError

    def __call__(self, *args, **kwargs):
        """Update with one batch and return the result, as a Keras metric does."""
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class Sum(Metric):
    """The (weighted) sum of the values seen."""

    def __init__(self, name="sum", dtype=None):
        super().__init__(name, dtype)
        self.reset_state()

    def reset_state(self):
        self.total = 0.0

    def update_state(self, values, sample_weight=None):
        values = np.asarray(values, dtype=np.float64)
        if sample_weight is not None:
            values = values * np.broadcast_to(np.asarray(sample_weight, np.float64), values.shape)
        self.total += float(values.sum())

    def result(self):
        return self.total


class Mean(Metric):
    """The (weighted) mean of the values seen."""

    def __init__(self, name="mean", dtype=None):
        super().__init__(name, dtype)
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
        weights = np.asarray(sample_weight, dtype=np.float64)
        if weights.ndim < values.ndim:
            weights = weights.reshape(weights.shape + (1,) * (values.ndim - weights.ndim))
        weights = np.broadcast_to(weights, values.shape)
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
        if hasattr(fn, "loss_class") or isinstance(getattr(fn, "__self__", None), losses_module.Loss):
            self._direction = "down"

    def update_state(self, y_true, y_pred, sample_weight=None):
        super().update_state(self._fn(y_true, y_pred, **self._fn_kwargs), sample_weight)

    def get_config(self):
        return {**super().get_config(), **self._fn_kwargs}


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


def _wrapper(fn, default_name, doc):
    class Wrapped(MeanMetricWrapper):
        def __init__(self, name=default_name, dtype=None, **kwargs):
            super().__init__(fn, name=name, dtype=dtype, **kwargs)

    Wrapped.__doc__ = doc
    return Wrapped


class Accuracy(_wrapper(accuracy, "accuracy", "")):
    """How often predictions equal labels exactly."""

    _direction = "up"


class BinaryAccuracy(MeanMetricWrapper):
    """How often ``y_pred > threshold`` matches the binary label."""

    _direction = "up"

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        super().__init__(binary_accuracy, name=name, dtype=dtype, threshold=threshold)


class CategoricalAccuracy(_wrapper(categorical_accuracy, "categorical_accuracy", "")):
    """How often the argmax of the prediction matches the argmax of the one-hot label."""

    _direction = "up"


class SparseCategoricalAccuracy(_wrapper(sparse_categorical_accuracy,
                                         "sparse_categorical_accuracy", "")):
    """How often the argmax of the prediction matches the integer label."""

    _direction = "up"


class MeanSquaredError(_wrapper(losses_module.mean_squared_error, "mean_squared_error", "")):
    """Running mean of the mean squared error."""


class MeanAbsoluteError(_wrapper(losses_module.mean_absolute_error, "mean_absolute_error", "")):
    """Running mean of the mean absolute error."""


def resolve_accuracy(y_true_shape, y_pred_shape):
    """The accuracy function Keras picks for ``"accuracy"``, from the label and prediction shapes."""
    if y_pred_shape[-1] == 1:
        return binary_accuracy
    if len(y_true_shape) == len(y_pred_shape) - 1 or (
            len(y_true_shape) == len(y_pred_shape) and y_true_shape[-1] == 1):
        return sparse_categorical_accuracy
    return categorical_accuracy


class _ResolvedAccuracy(MeanMetricWrapper):
    """``"accuracy"`` / ``"acc"``: the accuracy variant chosen from the shapes at the first update."""

    _direction = "up"

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(self._resolve_and_call, name=name, dtype=dtype)
        self._resolved = None

    def _resolve_and_call(self, y_true, y_pred):
        if self._resolved is None:
            self._resolved = resolve_accuracy(np.shape(y_true), np.shape(y_pred))
        return self._resolved(y_true, y_pred)


_CLASSES = {cls.__name__: cls for cls in (
    Mean, Sum, Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy,
    MeanSquaredError, MeanAbsoluteError,
)}
_FUNCTIONS = {
    "binary_accuracy": BinaryAccuracy,
    "categorical_accuracy": CategoricalAccuracy,
    "sparse_categorical_accuracy": SparseCategoricalAccuracy,
    "mean_squared_error": MeanSquaredError, "mse": MeanSquaredError,
    "mean_absolute_error": MeanAbsoluteError, "mae": MeanAbsoluteError,
}


def get(identifier):
    """A fresh Metric for a name (named exactly as given), a class, a function or an instance."""
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return identifier()
    if isinstance(identifier, str):
        if identifier in ("accuracy", "acc"):
            return _ResolvedAccuracy(name=identifier)
        if identifier in _FUNCTIONS:
            return _FUNCTIONS[identifier](name=identifier)
        loss_class = lookup("metric", identifier, {**_FUNCTIONS, **_CLASSES, **losses_module._NAMES})
        if issubclass(loss_class, Metric):
            return loss_class()
        return MeanMetricWrapper(loss_class(reduction=None).call, name=identifier)
    if callable(identifier):
        return MeanMetricWrapper(identifier, name=getattr(identifier, "__name__", None))
    raise TypeError(f"Could not interpret metric identifier {identifier!r}.")


def serialize(metric):
    return {"module": "keras.metrics", "class_name": type(metric).__name__,
            "config": metric.get_config(), "registered_name": None}
