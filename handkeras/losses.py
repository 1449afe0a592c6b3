"""Losses: Keras's classes, functions and aliases, each with its exact gradient.

A loss has a per-sample function (``call``: one value per sample, the mean over the last axis where
Keras takes one) and its derivative (``gradient``: d per-sample loss / d y_pred). The reduction turns
them into one number and the gradient the model back-propagates:

    loss  = sum_i w_i l_i / N            ("sum_over_batch_size", Keras's default)
    dL/dp = w_i dl_i/dp / N

so MSE's gradient carries its ``2 / (N * D)``. Cross-entropies on probabilities clip them to
``[eps, 1 - eps]`` so ``log(0)`` never happens; given logits (``from_logits=True``, or fused with a
softmax or sigmoid output by the model) they use the stable log-sum-exp forms, whose gradient is
``p - y``.
"""

import numpy as np

from handkeras import activations
from handkeras import backend
from handkeras.identifiers import lookup

_REDUCTIONS = (None, "none", "sum", "sum_over_batch_size", "mean", "mean_with_sample_weight")


def _log_softmax(z, axis=-1):
    shifted = z - z.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def _log_sigmoid(z):
    """``log(sigmoid(z))`` without overflow: ``-softplus(-z)``."""
    return -(np.maximum(-z, 0) + np.log1p(np.exp(-np.abs(z))))


class Loss:
    """Base class: reduction, sample weights, ``__call__`` and ``value_and_gradient``.

    Subclasses implement ``call(y_true, y_pred)`` (per-sample losses) and ``gradient(y_true, y_pred)``
    (their derivative with respect to ``y_pred``, sample by sample).
    """

    #: For cross-entropies: the output activation whose logits this loss can take directly.
    fusable_activation = None

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        if reduction not in _REDUCTIONS:
            raise ValueError(
                f"Invalid `reduction` {reduction!r} for loss {type(self).__name__}: expected one of "
                f"{list(_REDUCTIONS)}."
            )
        self.name = name or backend.snake_case(type(self).__name__)
        self.reduction = reduction
        self.dtype = dtype

    def call(self, y_true, y_pred):
        raise NotImplementedError

    def gradient(self, y_true, y_pred):
        raise NotImplementedError

    def _divisor(self, losses, sample_weight):
        if self.reduction == "sum":
            return 1.0
        if self.reduction == "mean_with_sample_weight" and sample_weight is not None:
            return float(np.sum(np.broadcast_to(sample_weight, losses.shape)))
        return float(losses.size)

    @staticmethod
    def _weights_for(losses, sample_weight):
        weights = np.asarray(sample_weight, dtype=losses.dtype)
        if weights.ndim > losses.ndim:
            weights = weights.reshape(weights.shape[: losses.ndim])
        return weights.reshape(weights.shape + (1,) * (losses.ndim - weights.ndim))

    def __call__(self, y_true, y_pred, sample_weight=None):
        """The reduced loss (a float), or per-sample losses with ``reduction=None``."""
        y_pred = np.asarray(y_pred, dtype=self.dtype or backend.floatx())
        y_true = np.asarray(y_true)
        losses = self.call(y_true, y_pred)
        if sample_weight is not None:
            losses = losses * self._weights_for(losses, sample_weight)
        if self.reduction in (None, "none"):
            return losses
        return float(losses.sum() / self._divisor(losses, sample_weight))

    def value_and_gradient(self, y_true, y_pred, sample_weight=None):
        """The reduced loss and its gradient with respect to ``y_pred``."""
        losses = self.call(y_true, y_pred)
        grad = self.gradient(y_true, y_pred)
        divisor = self._divisor(losses, sample_weight)
        if sample_weight is not None:
            weights = self._weights_for(losses, sample_weight)
            losses = losses * weights
            grad *= weights.reshape(weights.shape + (1,) * (grad.ndim - weights.ndim))
        if self.reduction in (None, "none"):
            raise ValueError("A loss with reduction=None gives no single value to differentiate.")
        grad *= np.asarray(1.0 / divisor, grad.dtype)
        return float(losses.sum() / divisor), grad

    def with_logits(self):
        """This loss taking logits instead of ``fusable_activation``'s output."""
        raise NotImplementedError

    def get_config(self):
        return {"name": self.name, "reduction": self.reduction, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class MeanSquaredError(Loss):
    """``mean((y_true - y_pred)^2, axis=-1)``; gradient ``2 (y_pred - y_true) / D``."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_error", dtype=None):
        super().__init__(name, reduction, dtype)

    def call(self, y_true, y_pred):
        return np.square(y_pred - y_true).mean(axis=-1)

    def gradient(self, y_true, y_pred):
        return (y_pred - y_true) * np.asarray(2.0 / y_pred.shape[-1], y_pred.dtype)


class MeanAbsoluteError(Loss):
    """``mean(|y_true - y_pred|, axis=-1)``; gradient ``sign(y_pred - y_true) / D``."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_error", dtype=None):
        super().__init__(name, reduction, dtype)

    def call(self, y_true, y_pred):
        return np.abs(y_pred - y_true).mean(axis=-1)

    def gradient(self, y_true, y_pred):
        return np.sign(y_pred - y_true).astype(y_pred.dtype) / np.asarray(y_pred.shape[-1], y_pred.dtype)


class _CrossEntropy(Loss):
    """Shared arguments of the cross-entropies."""

    def __init__(self, from_logits, label_smoothing, axis, reduction, name, dtype):
        super().__init__(name, reduction, dtype)
        self.from_logits = bool(from_logits)
        if not 0 <= label_smoothing <= 1:
            raise ValueError(f"`label_smoothing` must be in [0, 1], received {label_smoothing!r}.")
        self.label_smoothing = float(label_smoothing)
        self.axis = axis

    def with_logits(self):
        config = self.get_config()
        config["from_logits"] = True
        return type(self).from_config(config)

    def get_config(self):
        return {**super().get_config(), "from_logits": self.from_logits,
                "label_smoothing": self.label_smoothing, "axis": self.axis}


class CategoricalCrossentropy(_CrossEntropy):
    """``-sum(y_true * log(y_pred))`` over the class axis, for one-hot (or soft) labels."""

    fusable_activation = activations.softmax

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_crossentropy", dtype=None):
        super().__init__(from_logits, label_smoothing, axis, reduction, name, dtype)

    def _smoothed(self, y_true, y_pred):
        y_true = np.asarray(y_true, dtype=y_pred.dtype)
        if y_true.shape != y_pred.shape:
            raise ValueError(
                f"{type(self).__name__}: `y_true` and `y_pred` must have the same shape, received "
                f"{y_true.shape} and {y_pred.shape}."
            )
        if self.label_smoothing:
            classes = y_pred.shape[self.axis]
            y_true = y_true * (1 - self.label_smoothing) + self.label_smoothing / classes
        return y_true

    def _normalized_clipped(self, y_pred):
        eps = backend.epsilon()
        total = y_pred.sum(axis=self.axis, keepdims=True)
        probs = y_pred / total
        return probs, total, np.clip(probs, eps, 1 - eps)

    def call(self, y_true, y_pred):
        y_true = self._smoothed(y_true, y_pred)
        if self.from_logits:
            return -(y_true * _log_softmax(y_pred, self.axis)).sum(axis=self.axis)
        _, _, clipped = self._normalized_clipped(y_pred)
        return -(y_true * np.log(clipped)).sum(axis=self.axis)

    def gradient(self, y_true, y_pred):
        y_true = self._smoothed(y_true, y_pred)
        if self.from_logits:
            probs = activations.softmax(y_pred, axis=self.axis)
            return probs * y_true.sum(axis=self.axis, keepdims=True) - y_true
        eps = backend.epsilon()
        probs, total, clipped = self._normalized_clipped(y_pred)
        d_probs = np.where((probs >= eps) & (probs <= 1 - eps), -y_true / clipped, 0)
        return ((d_probs - (d_probs * probs).sum(axis=self.axis, keepdims=True)) / total).astype(
            y_pred.dtype, copy=False)


class SparseCategoricalCrossentropy(CategoricalCrossentropy):
    """Categorical cross-entropy with integer class labels instead of one-hot rows."""

    def __init__(self, from_logits=False, ignore_class=None, reduction="sum_over_batch_size",
                 name="sparse_categorical_crossentropy", dtype=None):
        if ignore_class is not None:
            raise NotImplementedError("SparseCategoricalCrossentropy: `ignore_class` is not supported.")
        super().__init__(from_logits, 0.0, -1, reduction, name, dtype)
        self.ignore_class = None

    def _smoothed(self, y_true, y_pred):
        labels = np.asarray(y_true)
        if labels.ndim == y_pred.ndim and labels.shape[-1] == 1:
            labels = labels[..., 0]
        if labels.shape != y_pred.shape[:-1]:
            raise ValueError(
                f"{type(self).__name__}: integer labels of shape {y_pred.shape[:-1]} expected for "
                f"predictions of shape {y_pred.shape}, received `y_true` with shape {np.shape(y_true)}."
            )
        one_hot = np.zeros_like(y_pred)
        np.put_along_axis(one_hot, labels.astype(np.intp)[..., None], 1, axis=-1)
        return one_hot

    def get_config(self):
        return {"name": self.name, "reduction": self.reduction, "dtype": self.dtype,
                "from_logits": self.from_logits, "ignore_class": None}

    def with_logits(self):
        config = self.get_config()
        config["from_logits"] = True
        return type(self).from_config(config)


class BinaryCrossentropy(_CrossEntropy):
    """``-mean(y log p + (1 - y) log(1 - p))`` over the last axis."""

    fusable_activation = activations.sigmoid

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="binary_crossentropy", dtype=None):
        super().__init__(from_logits, label_smoothing, axis, reduction, name, dtype)

    def _smoothed(self, y_true, y_pred):
        y_true = np.asarray(y_true, dtype=y_pred.dtype)
        if y_true.shape != y_pred.shape:
            if y_true.size != y_pred.size:
                raise ValueError(
                    f"BinaryCrossentropy: `y_true` with shape {y_true.shape} does not match "
                    f"`y_pred` with shape {y_pred.shape}."
                )
            y_true = y_true.reshape(y_pred.shape)
        if self.label_smoothing:
            y_true = y_true * (1 - self.label_smoothing) + 0.5 * self.label_smoothing
        return y_true

    def call(self, y_true, y_pred):
        y_true = self._smoothed(y_true, y_pred)
        if self.from_logits:
            log_p, log_not_p = _log_sigmoid(y_pred), _log_sigmoid(-y_pred)
        else:
            eps = backend.epsilon()
            clipped = np.clip(y_pred, eps, 1 - eps)
            log_p, log_not_p = np.log(clipped), np.log(1 - clipped)
        return -(y_true * log_p + (1 - y_true) * log_not_p).mean(axis=self.axis)

    def gradient(self, y_true, y_pred):
        y_true = self._smoothed(y_true, y_pred)
        size = np.asarray(y_pred.shape[self.axis], y_pred.dtype)
        if self.from_logits:
            return (activations.sigmoid(y_pred) - y_true) / size
        eps = backend.epsilon()
        clipped = np.clip(y_pred, eps, 1 - eps)
        inside = (y_pred >= eps) & (y_pred <= 1 - eps)
        grad = np.where(inside, (clipped - y_true) / (clipped * (1 - clipped)), 0) / size
        return grad.astype(y_pred.dtype, copy=False)


def _per_sample(loss_class):
    def function(y_true, y_pred):
        y_pred = np.asarray(y_pred, dtype=backend.floatx())
        return loss_class(reduction=None).call(np.asarray(y_true), y_pred)
    return function


def _make_function(name, loss_class, doc):
    function = _per_sample(loss_class)
    function.__name__ = function.__qualname__ = name
    function.__doc__ = doc
    function.loss_class = loss_class
    return function


mean_squared_error = _make_function(
    "mean_squared_error", MeanSquaredError, "Per-sample mean squared error.")
mean_absolute_error = _make_function(
    "mean_absolute_error", MeanAbsoluteError, "Per-sample mean absolute error.")
categorical_crossentropy = _make_function(
    "categorical_crossentropy", CategoricalCrossentropy, "Per-sample categorical cross-entropy.")
sparse_categorical_crossentropy = _make_function(
    "sparse_categorical_crossentropy", SparseCategoricalCrossentropy,
    "Per-sample sparse categorical cross-entropy.")
binary_crossentropy = _make_function(
    "binary_crossentropy", BinaryCrossentropy, "Per-sample binary cross-entropy.")

mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
bce = binary_crossentropy

_CLASSES = {cls.__name__: cls for cls in (
    MeanSquaredError, MeanAbsoluteError, CategoricalCrossentropy, SparseCategoricalCrossentropy,
    BinaryCrossentropy,
)}
_NAMES = {
    "mean_squared_error": MeanSquaredError, "mse": MeanSquaredError,
    "mean_absolute_error": MeanAbsoluteError, "mae": MeanAbsoluteError,
    "categorical_crossentropy": CategoricalCrossentropy,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
    "binary_crossentropy": BinaryCrossentropy, "bce": BinaryCrossentropy,
}


def get(identifier):
    """A Loss object from a name or alias, a Loss class or instance, a loss function, or a config."""
    if identifier is None or isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, type) and issubclass(identifier, Loss):
        return identifier()
    if callable(identifier) and hasattr(identifier, "loss_class"):
        return identifier.loss_class()
    if callable(identifier):
        raise TypeError(
            f"Loss function {identifier!r} has no gradient: handkeras differentiates by hand, so a "
            f"custom loss must subclass handkeras.losses.Loss and define `call` and `gradient`."
        )
    return lookup("loss", identifier, {**_NAMES, **_CLASSES})()


def serialize(loss):
    return {"module": "keras.losses", "class_name": type(loss).__name__,
            "config": loss.get_config(), "registered_name": None}


def deserialize(config):
    cls = lookup("loss", config["class_name"], _CLASSES)
    return cls.from_config(config.get("config", {}))
