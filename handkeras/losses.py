"""Losses: Keras's classes, functions and aliases, each with its exact gradient.

A loss has a per-sample function (``call``: one value per sample, the mean or sum over the last axis
where Keras takes one) and its derivative (``gradient``: d per-sample loss / d y_pred). The reduction
turns them into one number and the gradient the model back-propagates:

    loss  = sum_i w_i l_i / N            ("sum_over_batch_size", Keras's default)
    dL/dp = w_i dl_i/dp / N

so MSE's gradient carries its ``2 / (N * D)``. Cross-entropies on probabilities clip them to
``[eps, 1 - eps]`` so ``log(0)`` never happens; given logits (``from_logits=True``, or fused with a
softmax or sigmoid output by the model) they use the stable log-sum-exp forms, whose gradient is
``p - y``.

Like Keras's ``LossFunctionWrapper``, the built-in losses first bring ``y_true`` and ``y_pred`` to
the same rank when they differ by a trailing axis of size 1 (labels of shape ``(N,)`` against
predictions of shape ``(N, 1)``).
"""

import copy
import functools
import inspect
import math

import numpy as np

from handkeras import activations
from handkeras import backend
from handkeras.ctc import ctc_loss_and_gradient, minimum_steps
from handkeras.identifiers import deserialize_object, lookup, serialize_object
from handkeras.reductions import max_last, sum_last

_REDUCTIONS = (None, "none", "sum", "sum_over_batch_size", "mean", "mean_with_sample_weight")


def squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1=True):
    """Keras's rule: when ranks differ by one and the longer array ends in an axis of size 1, drop
    that axis (or, if the other array is rank 1 and ``expand_rank_1``, give it one)."""
    if x1.ndim == x2.ndim + 1 and x1.shape[-1] == 1:
        if x2.ndim == 1 and expand_rank_1:
            x2 = x2[:, None]
        else:
            x1 = x1[..., 0]
    elif x2.ndim == x1.ndim + 1 and x2.shape[-1] == 1:
        if x1.ndim == 1 and expand_rank_1:
            x1 = x1[:, None]
        else:
            x2 = x2[..., 0]
    return x1, x2


def _inside(x, low, high):
    """Where ``clip(x, low, high)`` passes its gradient (both ends included, as torch's clamp)."""
    return (x >= low) & (x <= high)


def _outside(probabilities, eps):
    """Where clipping to ``[eps, 1 - eps]`` changes a probability."""
    return (probabilities < eps) | (probabilities > 1 - eps)


@functools.lru_cache(maxsize=8)
def _row_numbers(count):
    """A read-only ``arange(count)``, made once per batch size: it indexes each row's label."""
    rows = np.arange(count)
    rows.flags.writeable = False
    return rows


def _pick(values, labels, axis):
    """The entries of ``values`` at the class indices ``labels`` along ``axis`` (``labels`` has the
    shape of ``values`` without that axis)."""
    if values.ndim == 2 and axis % 2 == 1:
        return values[_row_numbers(len(values)), labels]
    return np.take_along_axis(values, np.expand_dims(labels, axis), axis).squeeze(axis)


def _batch_mean(losses, grad, sample_weight):
    """``sum_i w_i l_i / N`` and the gradient ``grad`` (per sample, rows of a matrix) scaled in
    place by ``w_i / N``: the default reduction, for per-sample weights or none."""
    count = len(losses)
    if sample_weight is None:
        grad *= grad.dtype.type(1.0 / count)
        return float(np.add.reduce(losses)) / count, grad
    scale = np.asarray(sample_weight, dtype=grad.dtype) / grad.dtype.type(count)
    grad *= scale[:, None]
    return float(np.dot(losses, scale)), grad


class Loss:
    """Base class: reduction, sample weights, ``__call__`` and ``value_and_gradient``.

    Subclasses implement ``call(y_true, y_pred)`` (per-sample losses) and ``gradient(y_true, y_pred)``
    (their derivative with respect to ``y_pred``, sample by sample). ``y_pred`` arrives in the loss's
    dtype (floatx by default) and ``y_true`` in the same dtype.
    """

    #: For cross-entropies: the output activation whose logits this loss can take directly.
    fusable_activation = None
    #: The axes of ``y_pred`` that ``call`` reduces away (None: all of them).
    reduced_axes = -1
    #: Whether the targets are integer class indices, one per output row (not one per unit).
    sparse_labels = False
    #: Whether a target per row, shape ``(rows,)``, may serve every unit of a 2D output, as
    #: Keras's element-wise losses broadcast it in batches of one row (its cross-entropies refuse).
    broadcasts_targets = True

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

    def mask(self, y_true, y_pred):
        """Per-sample validity (a boolean array shaped like the losses), or None: all valid."""
        return None

    def _valid(self, y_true, y_pred, losses):
        """The mask of the computed ``losses``: ``mask``'s, unless a loss masks by its values."""
        return self.mask(y_true, y_pred)

    def losses_and_gradient(self, y_true, y_pred):
        """``call`` and ``gradient`` together: a loss whose two share work computes it once."""
        return self.call(y_true, y_pred), self.gradient(y_true, y_pred)

    def target_shapes(self, output_shape):
        """The shapes of targets for a model output of ``output_shape`` (None: any size), when they
        are neither the output's shape nor class indices per row; None for those usual rules."""
        return None

    def check_targets(self, y, output_shape, argument):
        """Raises ValueError, naming ``argument``, for targets of :meth:`target_shapes`'s shapes
        whose values cannot train this loss; ``fit`` asks before its first batch."""

    def _aligned(self, y_true, y_pred):
        """``(y_true, y_pred)`` as ``call`` and ``gradient`` take them."""
        return y_true, y_pred

    def _inputs(self, y_true, y_pred):
        y_pred = np.asarray(y_pred, dtype=self.dtype or backend.floatx())
        y_true = np.asarray(y_true, dtype=y_pred.dtype)
        return self._aligned(y_true, y_pred)

    def _weights(self, losses, sample_weight, mask):
        """The weight of each loss (broadcastable to ``losses``), from sample weights and the mask;
        None when every loss weighs 1."""
        weights = None
        if sample_weight is not None:
            weights = np.asarray(sample_weight, dtype=losses.dtype)
            if weights.ndim > losses.ndim > 0:
                weights = weights.reshape(weights.shape[: losses.ndim])
            elif losses.ndim:
                weights = weights.reshape(weights.shape + (1,) * (losses.ndim - weights.ndim))
        if mask is not None:
            float_mask = mask.astype(losses.dtype)
            if self.reduction in ("mean", "sum_over_batch_size"):
                valid = np.count_nonzero(mask)
                float_mask *= mask.size / valid if valid else 0.0
            weights = float_mask if weights is None else weights * float_mask
        return weights

    def _reduce(self, losses, weights):
        """The reduced loss (Keras's ``reduce_weighted_values``): a float."""
        values = losses if weights is None else losses * weights
        total = float(values.sum())
        if self.reduction == "sum":
            return total
        if self.reduction == "mean_with_sample_weight" and weights is not None:
            divisor = float(np.broadcast_to(weights, values.shape).sum())
        else:
            divisor = values.size
        return total / divisor if divisor else 0.0

    def __call__(self, y_true, y_pred, sample_weight=None):
        """The reduced loss, or per-sample losses with ``reduction=None`` / ``"none"``.

        The reduced loss is a numpy scalar of the loss's dtype (floatx unless given), which has
        the ``shape`` ``()`` and the ``dtype`` of Keras's zero-dimensional tensor.
        """
        y_true, y_pred = self._inputs(y_true, y_pred)
        losses = self.call(y_true, y_pred)
        weights = self._weights(losses, sample_weight, self._valid(y_true, y_pred, losses))
        if self.reduction in (None, "none"):
            return losses if weights is None else losses * weights
        return losses.dtype.type(self._reduce(losses, weights))

    def value_and_gradient(self, y_true, y_pred, sample_weight=None):
        """The reduced loss and its gradient with respect to ``y_pred`` (same shape).

        With ``reduction=None`` this needs losses that are already one number (Dice over every
        axis, say), as Keras's gradient would.
        """
        shape = np.shape(y_pred)
        y_true, y_pred = self._inputs(y_true, y_pred)
        losses, grad = self.losses_and_gradient(y_true, y_pred)
        weights = self._weights(losses, sample_weight, self.mask(y_true, y_pred))
        unreduced = self.reduction in (None, "none")
        if unreduced and (losses.ndim or (weights is not None and np.ndim(weights))):
            raise self._not_one_value()
        value = float(losses if weights is None else losses * weights) if unreduced else (
            self._reduce(losses, weights))
        # d value / d losses: the weights over the divisor, laid along the axes `call` reduced.
        values_shape = losses.shape if weights is None else np.broadcast_shapes(
            losses.shape, weights.shape)
        if self.reduction in ("sum", None, "none"):
            divisor = 1.0
        elif self.reduction == "mean_with_sample_weight" and weights is not None:
            divisor = float(np.broadcast_to(weights, values_shape).sum())
        else:
            divisor = float(np.prod(values_shape))
        step = np.asarray(1.0 / divisor if divisor else 0.0, grad.dtype)
        if weights is None:
            return value, (grad * step).reshape(shape)
        if losses.ndim == 0:
            factor = np.sum(weights)
        else:
            factor = np.broadcast_to(weights, losses.shape)
            axes = tuple(range(grad.ndim)) if self.reduced_axes is None else self.reduced_axes
            factor = np.expand_dims(factor, axes) if losses.ndim < grad.ndim else factor
        return value, (grad * (factor * step).astype(grad.dtype, copy=False)).reshape(shape)

    def _not_one_value(self):
        return ValueError(
            f"Loss {self.name!r} with reduction={self.reduction!r} gives one value per sample, "
            "not a single value to differentiate."
        )

    def with_logits(self):
        """This loss taking logits instead of ``fusable_activation``'s output."""
        raise NotImplementedError

    def get_config(self):
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class LossFunctionWrapper(Loss):
    """Base of Keras's built-in losses: ``y_true`` and ``y_pred`` brought to the same rank first."""

    def _aligned(self, y_true, y_pred):
        return squeeze_or_expand_to_same_rank(y_true, y_pred)


class _MeanOverLastAxis(LossFunctionWrapper):
    """A loss that averages an element-wise term over the last axis: subclasses give the term
    (``elementwise``) and its derivative (``elementwise_gradient``)."""

    def __init__(self, reduction, name, dtype):
        super().__init__(name, reduction, dtype)

    def call(self, y_true, y_pred):
        return self.elementwise(y_true, y_pred).mean(axis=-1)

    def gradient(self, y_true, y_pred):
        return self.elementwise_gradient(y_true, y_pred) / y_pred.shape[-1]

    def value_and_gradient(self, y_true, y_pred, sample_weight=None):
        """The general computation, or, for the training step's common case (no sample weights,
        the default reduction, matching shapes), the mean of the element-wise term over every
        entry, whose gradient is the element-wise derivative over the entry count."""
        y_pred = np.asarray(y_pred)
        if (sample_weight is not None or self.reduction != "sum_over_batch_size"
                or np.shape(y_true) != y_pred.shape or not y_pred.ndim
                or self.mask(y_true, y_pred) is not None):
            return super().value_and_gradient(y_true, y_pred, sample_weight)
        y_true = np.asarray(y_true, dtype=y_pred.dtype)
        scale = np.asarray(1.0 / y_pred.size, y_pred.dtype)
        grad = self.elementwise_gradient(y_true, y_pred) * scale
        return float(self.elementwise(y_true, y_pred).sum(dtype=np.float64) * scale), grad


# ------------------------------------------------------------------------------------- regression
class MeanSquaredError(_MeanOverLastAxis):
    """``mean((y_true - y_pred)^2, axis=-1)``; gradient ``2 (y_pred - y_true) / D``."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_error", dtype=None):
        super().__init__(reduction, name, dtype)

    def elementwise(self, y_true, y_pred):
        return np.square(y_pred - y_true)

    def elementwise_gradient(self, y_true, y_pred):
        return 2 * (y_pred - y_true)


class MeanAbsoluteError(_MeanOverLastAxis):
    """``mean(|y_true - y_pred|, axis=-1)``; gradient ``sign(y_pred - y_true) / D``."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_error", dtype=None):
        super().__init__(reduction, name, dtype)

    def elementwise(self, y_true, y_pred):
        return np.abs(y_pred - y_true)

    def elementwise_gradient(self, y_true, y_pred):
        return np.sign(y_pred - y_true)


class MeanAbsolutePercentageError(_MeanOverLastAxis):
    """``100 * mean(|y_true - y_pred| / max(|y_true|, eps), axis=-1)``; gradient
    ``100 sign(y_pred - y_true) / (max(|y_true|, eps) D)``."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_percentage_error",
                 dtype=None):
        super().__init__(reduction, name, dtype)

    @staticmethod
    def _scale(y_true):
        return np.maximum(np.abs(y_true), backend.epsilon())

    def elementwise(self, y_true, y_pred):
        return 100 * np.abs((y_true - y_pred) / self._scale(y_true))

    def elementwise_gradient(self, y_true, y_pred):
        return 100 * np.sign(y_pred - y_true) / self._scale(y_true)


class MeanSquaredLogarithmicError(_MeanOverLastAxis):
    """``mean((log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1))^2, axis=-1)``; gradient
    ``2 (log(p + 1) - log(t + 1)) / ((p + 1) D)`` where ``y_pred > eps``, 0 below."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_logarithmic_error",
                 dtype=None):
        super().__init__(reduction, name, dtype)

    @staticmethod
    def _difference(y_true, y_pred):
        eps = backend.epsilon()
        return np.log1p(np.maximum(y_pred, eps)) - np.log1p(np.maximum(y_true, eps))

    def elementwise(self, y_true, y_pred):
        return np.square(self._difference(y_true, y_pred))

    def elementwise_gradient(self, y_true, y_pred):
        eps = backend.epsilon()
        slope = np.where(y_pred > eps, 1 / (np.maximum(y_pred, eps) + 1), 0)
        return 2 * self._difference(y_true, y_pred) * slope


class Huber(_MeanOverLastAxis):
    """With ``e = y_pred - y_true``: ``e^2 / 2`` where ``|e| <= delta``, else
    ``delta (|e| - delta / 2)``, averaged over the last axis; gradient
    ``clip(e, -delta, delta) / D``.
    """

    def __init__(self, delta=1.0, reduction="sum_over_batch_size", name="huber_loss", dtype=None):
        super().__init__(reduction, name, dtype)
        self.delta = delta

    def elementwise(self, y_true, y_pred):
        error = y_pred - y_true
        absolute = np.abs(error)
        return np.where(absolute <= self.delta, 0.5 * np.square(error),
                        self.delta * absolute - 0.5 * self.delta ** 2)

    def elementwise_gradient(self, y_true, y_pred):
        return np.clip(y_pred - y_true, -self.delta, self.delta)

    def get_config(self):
        return {**super().get_config(), "delta": self.delta}


class LogCosh(_MeanOverLastAxis):
    """``mean(log(cosh(y_pred - y_true)), axis=-1)``, as ``x + softplus(-2x) - log 2`` so that it
    never overflows; gradient ``tanh(y_pred - y_true) / D``."""

    def __init__(self, reduction="sum_over_batch_size", name="log_cosh", dtype=None):
        super().__init__(reduction, name, dtype)

    def elementwise(self, y_true, y_pred):
        x = y_pred - y_true
        return x + activations.softplus(-2 * x) - math.log(2)

    def elementwise_gradient(self, y_true, y_pred):
        return np.tanh(y_pred - y_true)


class Poisson(_MeanOverLastAxis):
    """``mean(y_pred - y_true log(y_pred + eps), axis=-1)``; gradient
    ``(1 - y_true / (y_pred + eps)) / D``."""

    def __init__(self, reduction="sum_over_batch_size", name="poisson", dtype=None):
        super().__init__(reduction, name, dtype)

    def elementwise(self, y_true, y_pred):
        return y_pred - y_true * np.log(y_pred + backend.epsilon())

    def elementwise_gradient(self, y_true, y_pred):
        return 1 - y_true / (y_pred + backend.epsilon())


class CosineSimilarity(LossFunctionWrapper):
    """``-sum(normalize(y_true) * normalize(y_pred), axis)``, ``normalize(v) = v / max(|v|, eps)``.

    Values lie in ``[-1, 1]``; -1 means the vectors point the same way. Gradient with ``u = p / |p|``
    and ``t^ = normalize(y_true)``: ``-(t^ - (t^ . u) u) / |p|`` (``-t^ / eps`` where ``|p| < eps``).
    """

    def __init__(self, axis=-1, reduction="sum_over_batch_size", name="cosine_similarity",
                 dtype=None):
        super().__init__(name, reduction, dtype)
        self.axis = axis

    @property
    def reduced_axes(self):
        return self.axis

    def _normalized(self, v):
        norm = np.sqrt(np.square(v).sum(axis=self.axis, keepdims=True))
        norm = np.maximum(norm, backend.epsilon())
        return v / norm, norm

    def call(self, y_true, y_pred):
        return -(self._normalized(y_true)[0] * self._normalized(y_pred)[0]).sum(axis=self.axis)

    def gradient(self, y_true, y_pred):
        t, _ = self._normalized(y_true)
        u, norm = self._normalized(y_pred)
        radial = np.where(norm > backend.epsilon(), (t * u).sum(axis=self.axis, keepdims=True), 0)
        return -(t - radial * u) / norm

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


# ------------------------------------------------------------------------------------- hinges
def _as_plus_minus_one(y_true):
    """Keras's hinge labels: 0/1 labels become -1/+1 (when every label in the batch is 0 or 1)."""
    if np.all((y_true == 0) | (y_true == 1)):
        return 2 * y_true - 1
    return y_true


class Hinge(_MeanOverLastAxis):
    """``mean(max(1 - y_true * y_pred, 0), axis=-1)`` with labels in {-1, 1} (0/1 labels are
    converted); gradient ``-y_true / D`` where the margin ``1 - y_true y_pred`` is positive."""

    def __init__(self, reduction="sum_over_batch_size", name="hinge", dtype=None):
        super().__init__(reduction, name, dtype)

    def elementwise(self, y_true, y_pred):
        return np.maximum(1 - _as_plus_minus_one(y_true) * y_pred, 0)

    def elementwise_gradient(self, y_true, y_pred):
        y_true = _as_plus_minus_one(y_true)
        return np.where(1 - y_true * y_pred > 0, -y_true, 0)


class SquaredHinge(_MeanOverLastAxis):
    """``mean(max(1 - y_true * y_pred, 0)^2, axis=-1)`` with labels in {-1, 1} (0/1 converted);
    gradient ``-2 y_true max(1 - y_true y_pred, 0) / D``."""

    def __init__(self, reduction="sum_over_batch_size", name="squared_hinge", dtype=None):
        super().__init__(reduction, name, dtype)

    def elementwise(self, y_true, y_pred):
        return np.square(np.maximum(1 - _as_plus_minus_one(y_true) * y_pred, 0))

    def elementwise_gradient(self, y_true, y_pred):
        y_true = _as_plus_minus_one(y_true)
        return -2 * y_true * np.maximum(1 - y_true * y_pred, 0)


class CategoricalHinge(LossFunctionWrapper):
    """``max(max((1 - y_true) * y_pred) - sum(y_true * y_pred) + 1, 0)`` over the last axis, for
    one-hot labels: the best wrong score against the true one. Gradient where positive:
    ``-y_true`` plus ``1 - y_true`` at the best wrong class."""

    broadcasts_targets = False

    def __init__(self, reduction="sum_over_batch_size", name="categorical_hinge", dtype=None):
        super().__init__(name, reduction, dtype)

    @staticmethod
    def _margin(y_true, y_pred):
        wrong = (1 - y_true) * y_pred
        best = wrong.argmax(axis=-1)[..., None]
        positive = np.take_along_axis(wrong, best, axis=-1)[..., 0]
        return positive - (y_true * y_pred).sum(axis=-1) + 1, best

    def call(self, y_true, y_pred):
        return np.maximum(self._margin(y_true, y_pred)[0], 0)

    def gradient(self, y_true, y_pred):
        margin, best = self._margin(y_true, y_pred)
        grad = -y_true
        np.put_along_axis(grad, best, np.take_along_axis(grad + 1 - y_true, best, axis=-1),
                          axis=-1)
        return grad * (margin > 0)[..., None]


# ------------------------------------------------------------------------------------ probabilistic
class KLDivergence(LossFunctionWrapper):
    """``sum(y_true * log(y_true / y_pred), axis=-1)``, both clipped to ``[eps, 1]``; gradient
    ``-y_true / y_pred`` inside the clip range, 0 outside."""

    def __init__(self, reduction="sum_over_batch_size", name="kl_divergence", dtype=None):
        super().__init__(name, reduction, dtype)

    def call(self, y_true, y_pred):
        eps = backend.epsilon()
        t, p = np.clip(y_true, eps, 1), np.clip(y_pred, eps, 1)
        return (t * np.log(t / p)).sum(axis=-1)

    def gradient(self, y_true, y_pred):
        eps = backend.epsilon()
        t, p = np.clip(y_true, eps, 1), np.clip(y_pred, eps, 1)
        return np.where(_inside(y_pred, eps, 1), -t / p, 0)


class _CrossEntropy(LossFunctionWrapper):
    """Shared arguments of the cross-entropies."""

    broadcasts_targets = False

    def __init__(self, from_logits, label_smoothing, axis, reduction, name, dtype):
        super().__init__(name, reduction, dtype)
        self.from_logits = bool(from_logits)
        if not 0 <= label_smoothing <= 1:
            raise ValueError(f"`label_smoothing` must be in [0, 1], received {label_smoothing!r}.")
        self.label_smoothing = float(label_smoothing)
        self.axis = axis

    @property
    def reduced_axes(self):
        return self.axis

    def value_and_gradient_given_probabilities(self, y_true, logits, probabilities,
                                               sample_weight=None):
        """For the loss that ``with_logits()`` made, told the output activation's values too: the
        value the loss of probabilities reports for ``probabilities`` (clipped, as Keras reports
        it) and the gradient at ``logits``, exact even where the probabilities saturate (the
        clipped loss's gradient would be 0 there)."""
        loss, grad = self._value_and_gradient_of_logits(y_true, logits, probabilities,
                                                        sample_weight)
        if self.clipping_counts(y_true, probabilities):
            loss = float(self._of_probabilities(y_true, probabilities, sample_weight))
        return loss, grad

    def _value_and_gradient_of_logits(self, y_true, logits, probabilities, sample_weight):
        """``value_and_gradient(y_true, logits)``; subclasses reuse ``probabilities``, the
        output activation's values, to save recomputing the activation."""
        return self.value_and_gradient(y_true, logits, sample_weight)

    def clipping_counts(self, y_true, probabilities):
        """Whether clipping ``probabilities`` to ``[eps, 1 - eps]``, as this loss does, changes
        its value by more than rounding: a probability that a label weighs lies outside the clip
        (a confidently wrong output, whose loss the clip caps at ``-log(eps)``, or a certain one,
        whose loss it raises to ``-log(1 - eps)``). A cheap test on the extremes first, since most
        batches have none."""
        eps = backend.epsilon()
        if probabilities.min() >= eps and probabilities.max() <= 1 - eps:
            return False
        return bool(self._clipped_where_weighed(y_true, probabilities, eps))

    def with_logits(self):
        fused = copy.copy(self)
        fused.from_logits = True
        fused._of_probabilities = self
        return fused

    def get_config(self):
        return {**super().get_config(), "from_logits": self.from_logits,
                "label_smoothing": self.label_smoothing, "axis": self.axis}


class CategoricalCrossentropy(_CrossEntropy):
    """``-sum(y_true * log(y_pred))`` over the class axis, for one-hot (or soft) labels.

    ``label_smoothing`` mixes the labels with the uniform distribution:
    ``y_true (1 - s) + s / classes``, the classes counted on the last axis as in Keras.
    """

    fusable_activation = activations.softmax

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_crossentropy", dtype=None):
        super().__init__(from_logits, label_smoothing, axis, reduction, name, dtype)

    def _clipped_where_weighed(self, y_true, probabilities, eps):
        return np.any(_outside(probabilities, eps) & (self._smoothed(y_true, probabilities) > 0))

    def _smoothed(self, y_true, y_pred):
        if y_true.shape != y_pred.shape:
            raise ValueError(
                f"{type(self).__name__}: `y_true` and `y_pred` must have the same shape, received "
                f"{y_true.shape} and {y_pred.shape}."
            )
        if self.label_smoothing:
            classes = y_true.shape[-1]
            y_true = y_true * (1 - self.label_smoothing) + self.label_smoothing / classes
        return y_true

    def _normalized_clipped(self, y_pred):
        eps = backend.epsilon()
        total = y_pred.sum(axis=self.axis, keepdims=True)
        probs = y_pred / total
        return probs, total, np.clip(probs, eps, 1 - eps)

    def value_and_gradient(self, y_true, y_pred, sample_weight=None):
        """The general computation, or, for the training step's common case (2-D logits, per-sample
        weights or none, the default reduction), one softmax giving both loss and gradient:
        ``l_i = log(sum_j exp(z_ij)) - sum_j y_ij z_ij`` and ``dl_i/dz_i = p_i sum_j y_ij - y_i``."""
        y_pred = np.asarray(y_pred)
        if not self._fast_path(y_true, y_pred, sample_weight):
            return super().value_and_gradient(y_true, y_pred, sample_weight)
        top = max_last(y_pred)
        probs = np.exp(y_pred - top[:, None])
        totals = sum_last(probs)
        probs /= totals[:, None]
        return self._reduced(y_true, y_pred, top, np.log(totals), probs, sample_weight)

    def _value_and_gradient_of_logits(self, y_true, logits, probabilities, sample_weight):
        """``value_and_gradient(y_true, logits)`` (with ``from_logits``), reusing the softmax of
        the logits that the forward pass already computed: with ``m`` the largest logit of a row,
        ``p(m) = 1 / sum_j exp(z_j - m)``, so ``log(sum_j exp(z_j - m)) = -log(max_j p_j)``, exact
        and free of another exponential (``max p >= 1 / classes``, so nothing is lost)."""
        logits = np.asarray(logits)
        if not self._fast_path(y_true, logits, sample_weight):
            return self.value_and_gradient(y_true, logits, sample_weight)
        log_totals = -np.log(max_last(probabilities))
        return self._reduced(y_true, logits, max_last(logits), log_totals,
                             probabilities.copy(), sample_weight)

    def _fast_path(self, y_true, logits, sample_weight):
        """Whether the one-softmax computation applies (the general one handles the rest,
        including subclasses such as the focal loss, whose per-sample loss is another)."""
        return (type(self) in (CategoricalCrossentropy, SparseCategoricalCrossentropy)
                and self.from_logits and not self.label_smoothing and logits.ndim == 2
                and self.axis in (-1, 1) and self.reduction == "sum_over_batch_size"
                and (sample_weight is None or np.shape(sample_weight) == (len(logits),))
                and self.mask(y_true, logits) is None)

    def _reduced(self, y_true, logits, top, log_totals, probs, sample_weight):
        """Mean loss and its gradient from the rows' largest logits, log-normalizers and softmax
        (``probs`` is consumed)."""
        losses, grad = self._logits_losses_and_gradient(y_true, logits, top, log_totals, probs)
        return _batch_mean(losses, grad, sample_weight)

    def _logits_losses_and_gradient(self, y_true, logits, top, log_totals, probs):
        """Per-sample losses ``sum(y) log_total - y . (z - m)`` and gradients ``p sum(y) - y``
        (``z - m`` first: exact, so large logits lose nothing)."""
        y_true = np.asarray(y_true, dtype=probs.dtype)
        if y_true.shape != probs.shape:
            self._smoothed(y_true, probs)  # raises the shape error
        mass = y_true.sum(axis=-1)
        losses = log_totals * mass - np.einsum("ij,ij->i", y_true, logits - top[:, None])
        probs *= mass[:, None]
        probs -= y_true
        return losses, probs

    def call(self, y_true, y_pred):
        y_true = self._smoothed(y_true, y_pred)
        if self.from_logits:
            return -(y_true * activations.log_softmax(y_pred, axis=self.axis)).sum(axis=self.axis)
        _, _, clipped = self._normalized_clipped(y_pred)
        return -(y_true * np.log(clipped)).sum(axis=self.axis)

    def gradient(self, y_true, y_pred):
        y_true = self._smoothed(y_true, y_pred)
        if self.from_logits:
            probs = activations.softmax(y_pred, axis=self.axis)
            return probs * y_true.sum(axis=self.axis, keepdims=True) - y_true
        eps = backend.epsilon()
        probs, total, clipped = self._normalized_clipped(y_pred)
        d_probs = np.where(_inside(probs, eps, 1 - eps), -y_true / clipped, 0)
        return ((d_probs - (d_probs * probs).sum(axis=self.axis, keepdims=True)) / total).astype(
            y_pred.dtype, copy=False)


class SparseCategoricalCrossentropy(CategoricalCrossentropy):
    """Categorical cross-entropy with integer class labels instead of one-hot rows.

    With ``ignore_class``, samples labelled with it contribute 0 and, as in Keras, the mean runs over
    the other samples only.
    """

    sparse_labels = True

    def __init__(self, from_logits=False, ignore_class=None, reduction="sum_over_batch_size",
                 axis=-1, name="sparse_categorical_crossentropy", dtype=None):
        super().__init__(from_logits, 0.0, axis, reduction, name, dtype)
        self.ignore_class = ignore_class

    def _aligned(self, y_true, y_pred):
        return y_true, y_pred

    def _labels(self, y_true, y_pred):
        labels = np.asarray(y_true)
        if labels.ndim == y_pred.ndim and labels.shape[self.axis] == 1:
            labels = np.squeeze(labels, axis=self.axis)
        axis = self.axis % y_pred.ndim
        expected = y_pred.shape[:axis] + y_pred.shape[axis + 1:]
        if labels.shape != expected:
            raise ValueError(
                f"{type(self).__name__}: integer labels of shape {tuple(expected)} expected for "
                f"predictions of shape {y_pred.shape}, received `y_true` with shape "
                f"{np.shape(y_true)}."
            )
        if self.ignore_class is not None:
            labels = np.where(labels == self.ignore_class, 0, labels)
        return labels.astype(np.intp, copy=False)

    def _clipped_where_weighed(self, y_true, probabilities, eps):
        picked = _pick(probabilities, self._labels(y_true, probabilities), self.axis)
        mask = self.mask(y_true, probabilities)
        outside = _outside(picked, eps)
        return np.any(outside if mask is None else outside & mask)

    def _smoothed(self, y_true, y_pred):
        one_hot = np.zeros_like(y_pred)
        labels = np.expand_dims(self._labels(y_true, y_pred), self.axis)
        np.put_along_axis(one_hot, labels, 1, axis=self.axis)
        return one_hot

    def value_and_gradient_given_probabilities(self, y_true, logits, probabilities,
                                               sample_weight=None):
        """The fused value and gradient (see the base class), in the training step's common case
        from the probabilities alone: each sample's loss is ``-log p`` of its label's probability,
        clipped to ``[eps, 1 - eps]`` as Keras clips it, and the gradient at the logits is
        ``(p - onehot) / N``. Unclipped, ``-log p`` is as exact as the logits'
        ``log(sum_j exp(z_j - m)) - (z_label - m)``: both carry the one rounding of ``z_label - m``
        that the softmax made. Six small operations where that form and a separate check for
        clipped probabilities took about twenty: at batch 32 each costs more than its arithmetic."""
        if not self._fast_path(y_true, probabilities, sample_weight):
            return super().value_and_gradient_given_probabilities(y_true, logits, probabilities,
                                                                  sample_weight)
        labels = self._labels(y_true, probabilities)
        picked = _pick(probabilities, labels, self.axis)
        eps = backend.epsilon()
        # np.clip, through its Python wrapper, costs more than these two calls together.
        losses = np.log(np.minimum(np.maximum(picked, eps), 1 - eps))
        np.negative(losses, out=losses)
        grad = probabilities.copy()
        grad[_row_numbers(len(grad)), labels] = picked - 1
        return _batch_mean(losses, grad, sample_weight)

    def _logits_losses_and_gradient(self, y_true, logits, top, log_totals, probs):
        rows = _row_numbers(len(probs))
        labels = self._labels(y_true, probs)
        losses = log_totals - (logits[rows, labels] - top)
        probs[rows, labels] -= 1
        return losses, probs

    def mask(self, y_true, y_pred):
        if self.ignore_class is None:
            return None
        labels = np.asarray(y_true)
        if labels.ndim == y_pred.ndim and labels.shape[self.axis] == 1:
            labels = np.squeeze(labels, axis=self.axis)
        return labels != self.ignore_class

    def call(self, y_true, y_pred):
        """``-log p`` of each sample's own class, picked out of the predictions rather than summed
        against a one-hot row: the same value, as every other term of that sum is zero."""
        labels = self._labels(y_true, y_pred)
        if self.from_logits:
            log_probs = activations.log_softmax(y_pred, axis=self.axis)
            losses = -_pick(log_probs, labels, self.axis)
        else:
            picked = _pick(y_pred, labels, self.axis) / y_pred.sum(axis=self.axis)
            eps = backend.epsilon()
            losses = -np.log(np.clip(picked, eps, 1 - eps))
        mask = self.mask(y_true, y_pred)
        return losses if mask is None else np.where(mask, losses, 0)

    def gradient(self, y_true, y_pred):
        grad = super().gradient(y_true, y_pred)
        mask = self.mask(y_true, y_pred)
        return grad if mask is None else grad * np.expand_dims(mask, self.axis)

    def get_config(self):
        return {"name": self.name, "reduction": self.reduction, "from_logits": self.from_logits,
                "ignore_class": self.ignore_class}


class BinaryCrossentropy(_CrossEntropy):
    """``-mean(y log p + (1 - y) log(1 - p))`` over the last axis.

    ``label_smoothing`` pulls the labels towards 1/2: ``y (1 - s) + s / 2``.
    """

    fusable_activation = activations.sigmoid

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="binary_crossentropy", dtype=None):
        super().__init__(from_logits, label_smoothing, axis, reduction, name, dtype)

    def _clipped_where_weighed(self, y_true, probabilities, eps):
        # Every probability is weighed, by y in log p or by 1 - y in log(1 - p).
        return np.any(_outside(probabilities, eps))

    def _smoothed(self, y_true, y_pred):
        if y_true.shape != y_pred.shape:
            if y_true.size != y_pred.size:
                raise ValueError(
                    f"{type(self).__name__}: `y_true` with shape {y_true.shape} does not match "
                    f"`y_pred` with shape {y_pred.shape}."
                )
            y_true = y_true.reshape(y_pred.shape)
        if self.label_smoothing:
            y_true = y_true * (1 - self.label_smoothing) + 0.5 * self.label_smoothing
        return y_true

    def call(self, y_true, y_pred):
        y_true = self._smoothed(y_true, y_pred)
        if self.from_logits:
            log_p, log_not_p = activations.log_sigmoid(y_pred), activations.log_sigmoid(-y_pred)
        else:
            eps = backend.epsilon()
            clipped = np.clip(y_pred, eps, 1 - eps)
            log_p, log_not_p = np.log(clipped), np.log(1 - clipped)
        return -(y_true * log_p + (1 - y_true) * log_not_p).mean(axis=self.axis)

    def gradient(self, y_true, y_pred):
        y_true = self._smoothed(y_true, y_pred)
        size = y_pred.shape[self.axis]
        if self.from_logits:
            return (activations.sigmoid(y_pred) - y_true) / size
        eps = backend.epsilon()
        clipped = np.clip(y_pred, eps, 1 - eps)
        grad = np.where(_inside(y_pred, eps, 1 - eps),
                        (clipped - y_true) / (clipped * (1 - clipped)), 0) / size
        return grad.astype(y_pred.dtype, copy=False)


class BinaryFocalCrossentropy(BinaryCrossentropy):
    """Binary cross-entropy scaled by ``(1 - p_t)^gamma`` (``p_t = p`` for label 1, ``1 - p`` for 0),
    which down-weights examples already classified well (Lin et al., 2017).

    With ``apply_class_balancing``, also by ``alpha`` for label 1 and ``1 - alpha`` for label 0. As
    in Keras, ``p_t`` uses the unclipped probability and the cross-entropy the clipped one.
    """

    fusable_activation = None

    def __init__(self, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False,
                 label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="binary_focal_crossentropy", dtype=None):
        super().__init__(from_logits, label_smoothing, axis, reduction, name, dtype)
        self.apply_class_balancing = apply_class_balancing
        self.alpha = alpha
        self.gamma = gamma

    def _terms(self, y_true, y_pred):
        """Labels, probabilities, clipped probabilities, the cross-entropy, the focal base
        ``1 - p_t`` and the class weight."""
        y_true = self._smoothed(y_true, y_pred)
        p = activations.sigmoid(y_pred) if self.from_logits else y_pred
        eps = backend.epsilon()
        clipped = np.clip(p, eps, 1 - eps)
        cross_entropy = -(y_true * np.log(clipped) + (1 - y_true) * np.log(1 - clipped))
        base = 1 - (y_true * p + (1 - y_true) * (1 - p))
        weight = (y_true * self.alpha + (1 - y_true) * (1 - self.alpha)
                  if self.apply_class_balancing else 1)
        return y_true, p, clipped, cross_entropy, base, weight

    def call(self, y_true, y_pred):
        _, _, _, cross_entropy, base, weight = self._terms(y_true, y_pred)
        return (weight * np.power(base, self.gamma) * cross_entropy).mean(axis=self.axis)

    def gradient(self, y_true, y_pred):
        y_true, p, clipped, cross_entropy, base, weight = self._terms(y_true, y_pred)
        eps = backend.epsilon()
        d_cross_entropy = np.where(_inside(p, eps, 1 - eps),
                                   (clipped - y_true) / (clipped * (1 - clipped)), 0)
        d_focal = _power_slope(base, self.gamma) * (1 - 2 * y_true)  # d base / dp = 1 - 2 y
        grad = weight * (d_focal * cross_entropy + np.power(base, self.gamma) * d_cross_entropy)
        if self.from_logits:
            grad = grad * p * (1 - p)
        return grad / y_pred.shape[self.axis]

    def get_config(self):
        return {**super().get_config(), "apply_class_balancing": self.apply_class_balancing,
                "alpha": self.alpha, "gamma": self.gamma}


def _power_slope(base, gamma):
    """``d base^gamma / d base = gamma base^(gamma - 1)``, taken as 0 at ``base = 0`` for
    ``gamma > 1`` (and 1 for ``gamma = 1``) without dividing by zero."""
    return gamma * np.power(base, gamma - 1, out=np.full_like(base, float(gamma == 1)),
                            where=base > 0)


class CategoricalFocalCrossentropy(CategoricalCrossentropy):
    """``sum(alpha (1 - p)^gamma (-y_true log p))`` over the class axis, ``p`` the normalized and
    clipped probabilities (softmax of the logits with ``from_logits``)."""

    fusable_activation = None

    def __init__(self, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_focal_crossentropy",
                 dtype=None):
        super().__init__(from_logits, label_smoothing, axis, reduction, name, dtype)
        self.alpha = alpha
        self.gamma = gamma

    def _probabilities(self, y_pred):
        return activations.softmax(y_pred, axis=self.axis) if self.from_logits else y_pred

    def call(self, y_true, y_pred):
        y_true = self._smoothed(y_true, y_pred)
        _, _, clipped = self._normalized_clipped(self._probabilities(y_pred))
        focal = self.alpha * np.power(1 - clipped, self.gamma) * (-y_true * np.log(clipped))
        return focal.sum(axis=self.axis)

    def gradient(self, y_true, y_pred):
        y_true = self._smoothed(y_true, y_pred)
        p = self._probabilities(y_pred)
        probs, total, clipped = self._normalized_clipped(p)
        eps = backend.epsilon()
        d_clipped = self.alpha * (_power_slope(1 - clipped, self.gamma) * y_true * np.log(clipped)
                                  - np.power(1 - clipped, self.gamma) * y_true / clipped)
        d_probs = np.where(_inside(probs, eps, 1 - eps), d_clipped, 0)
        grad = (d_probs - (d_probs * probs).sum(axis=self.axis, keepdims=True)) / total
        if self.from_logits:
            grad = activations.softmax.vjp(y_pred, p, grad, axis=self.axis)
        return grad

    def get_config(self):
        return {**super().get_config(), "alpha": self.alpha, "gamma": self.gamma}


class CategoricalGeneralizedCrossEntropy(LossFunctionWrapper):
    """``(1 - p^q) / q`` with ``p`` the probability of the integer label: between categorical
    cross-entropy (``q -> 0``) and MAE (``q = 1``), robust to noisy labels (Zhang & Sabuncu, 2018).
    Gradient ``-p^(q - 1)`` at the label."""

    sparse_labels = True

    def __init__(self, q=0.5, reduction="sum_over_batch_size",
                 name="categorical_generalized_cross_entropy", dtype=None):
        if not 0 < q < 1:
            raise ValueError(f"`q` must be in the interval (0, 1), received q={q!r}.")
        super().__init__(name, reduction, dtype)
        self.q = q

    def _aligned(self, y_true, y_pred):
        if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
            y_true = y_true[..., 0]
        return y_true, y_pred

    @staticmethod
    def _label_probability(y_true, y_pred):
        labels = y_true.astype(np.intp)[..., None]
        return labels, np.take_along_axis(y_pred, labels, axis=-1)[..., 0]

    def call(self, y_true, y_pred):
        _, p = self._label_probability(y_true, y_pred)
        return (1 - np.power(p, self.q)) / self.q

    def gradient(self, y_true, y_pred):
        labels, p = self._label_probability(y_true, y_pred)
        grad = np.zeros_like(y_pred)
        with np.errstate(divide="ignore"):  # exactly -inf at p == 0, the true derivative (as Keras)
            at_label = -np.power(p, self.q - 1)
        np.put_along_axis(grad, labels, at_label[..., None], axis=-1)
        return grad

    def get_config(self):
        return {**super().get_config(), "q": self.q}


# ------------------------------------------------------------------------------------- overlap
class Dice(LossFunctionWrapper):
    """``1 - 2 sum(y_true y_pred) / (sum(y_true) + sum(y_pred) + eps)``, the sums over ``axis``
    (None: every axis, one value for the whole batch). Gradient ``-2 (y_true S - I) / S^2``."""

    broadcasts_targets = False

    def __init__(self, reduction="sum_over_batch_size", name="dice", axis=None, dtype=None):
        super().__init__(name, reduction, dtype)
        self.axis = axis

    @property
    def reduced_axes(self):
        return self.axis

    def _sums(self, y_true, y_pred):
        intersection = (y_true * y_pred).sum(axis=self.axis)
        total = y_true.sum(axis=self.axis) + y_pred.sum(axis=self.axis) + backend.epsilon()
        return intersection, total

    def call(self, y_true, y_pred):
        intersection, total = self._sums(y_true, y_pred)
        return 1 - 2 * intersection / total

    def gradient(self, y_true, y_pred):
        intersection, total = self._sums(y_true, y_pred)
        axes = tuple(range(y_pred.ndim)) if self.axis is None else self.axis
        intersection, total = np.expand_dims(intersection, axes), np.expand_dims(total, axes)
        return -2 * (y_true * total - intersection) / (total * total)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


class Tversky(Dice):
    """``1 - I / (I + alpha * sum((1 - y_pred) y_true) + beta * sum(y_pred (1 - y_true)) + eps)``,
    ``I = sum(y_true y_pred)``, the sums over ``axis``: Dice with false negatives and false positives
    weighted by ``alpha`` and ``beta`` (Keras's naming of the two sums)."""

    def __init__(self, alpha=0.5, beta=0.5, reduction="sum_over_batch_size", name="tversky",
                 axis=None, dtype=None):
        super().__init__(reduction, name, axis, dtype)
        self.alpha = alpha
        self.beta = beta

    def _sums(self, y_true, y_pred):
        intersection = (y_true * y_pred).sum(axis=self.axis)
        missed = ((1 - y_pred) * y_true).sum(axis=self.axis)
        spurious = (y_pred * (1 - y_true)).sum(axis=self.axis)
        total = intersection + self.alpha * missed + self.beta * spurious + backend.epsilon()
        return intersection, total

    def call(self, y_true, y_pred):
        intersection, total = self._sums(y_true, y_pred)
        return 1 - intersection / total

    def gradient(self, y_true, y_pred):
        intersection, total = self._sums(y_true, y_pred)
        axes = tuple(range(y_pred.ndim)) if self.axis is None else self.axis
        intersection, total = np.expand_dims(intersection, axes), np.expand_dims(total, axes)
        d_total = y_true * (1 - self.alpha) + self.beta * (1 - y_true)
        return -(y_true * total - intersection * d_total) / (total * total)

    def get_config(self):
        return {**super().get_config(), "alpha": self.alpha, "beta": self.beta}


# ------------------------------------------------------------------------------------- sequences
def _integer_labels(loss, y_true, argument="y_true"):
    """``y_true`` as integers, or a ValueError naming ``argument`` if any value is fractional."""
    values = np.asarray(y_true)
    if values.dtype.kind == "f":
        fractional = values[np.mod(values, 1) != 0]
        if fractional.size:
            raise ValueError(
                f"{type(loss).__name__}: `{argument}` must hold integer labels, received "
                f"{fractional.size} non-integer value(s) such as {fractional.flat[0]!s}."
            )
    return values.astype(np.int64)


class CTC(LossFunctionWrapper):
    """Connectionist temporal classification: ``-log P(labels | logits)``, the probability summed
    over every alignment of a sample's labels with its time steps (see :mod:`handkeras.ctc`).

    ``y_true`` ``(batch, max_length)`` holds class indices padded with 0, the blank, which no
    label may use: a sample's labels are its first ``count_nonzero(row)`` entries. ``y_pred``
    ``(batch, steps, classes)`` holds logits (a log-softmax is taken over classes, as Keras does,
    whatever they are). Labels that need more steps than ``y_pred`` has give an infinite loss.
    """

    reduced_axes = (1, 2)
    blank = 0

    def __init__(self, reduction="sum_over_batch_size", name="ctc", dtype=None):
        super().__init__(name, reduction, dtype)

    def target_shapes(self, output_shape):
        self._check_ranks((None, None), output_shape)
        return [(output_shape[0], None)]

    def check_targets(self, y, output_shape, argument):
        labels, lengths = self._labels(y, output_shape, argument, "the model's output")
        needed = minimum_steps(labels, lengths)
        too_long = np.flatnonzero(needed > output_shape[1])
        if too_long.size:
            first = too_long[0]
            raise ValueError(
                f"`{argument}` holds {too_long.size} label sequence(s) that no alignment with the "
                f"model's {output_shape[1]} time steps can produce: sample {first} has "
                f"{lengths[first]} labels needing {needed[first]} steps (a blank between repeats)."
            )

    def _check_ranks(self, true_shape, pred_shape):
        """Keras's errors for targets not of rank 2 or predictions not of rank 3."""
        if len(true_shape) != 2:
            raise ValueError(
                "Targets `y_true` are expected to be a tensor of shape `(batch_size, max_length)` "
                f"in integer format. Received: y_true.shape={tuple(true_shape)}"
            )
        if len(pred_shape) != 3:
            raise ValueError(
                "Logits `y_pred` are expected to be a tensor of shape `(batch_size, max_length, "
                f"num_classes)`. Received: y_pred.shape={tuple(pred_shape)}"
            )

    def _labels(self, y_true, pred_shape, argument="y_true", output="`y_pred`"):
        """The integer labels and each sample's label count, checked against ``pred_shape`` (the
        shape of ``output``)."""
        self._check_ranks(np.shape(y_true), pred_shape)
        labels = _integer_labels(self, y_true, argument)
        if pred_shape[0] is not None and len(labels) != pred_shape[0]:
            raise ValueError(
                f"CTC: `{argument}` with shape {labels.shape} and {output} with shape "
                f"{tuple(pred_shape)} must have the same batch size."
            )
        classes = pred_shape[-1]
        if labels.size and (labels.min() < 0 or labels.max() >= classes):
            raise ValueError(
                f"CTC: `{argument}` holds labels in [{labels.min()}, {labels.max()}], but {output} "
                f"has {classes} classes: labels must be in [0, {classes}), 0 being the blank."
            )
        return labels, np.count_nonzero(labels != self.blank, axis=-1)

    def losses_and_gradient(self, y_true, y_pred):
        labels, lengths = self._labels(y_true, y_pred.shape)
        return ctc_loss_and_gradient(labels, lengths, y_pred, self.blank)

    def call(self, y_true, y_pred):
        return self.losses_and_gradient(y_true, y_pred)[0]

    def gradient(self, y_true, y_pred):
        return self.losses_and_gradient(y_true, y_pred)[1]


# ------------------------------------------------------------------------------- metric learning
def _max0_slope(x):
    """The derivative of ``max(x, 0)`` as torch's ``maximum`` gives it: 1, 0, and half at 0."""
    return np.where(x > 0, 1.0, np.where(x == 0, 0.5, 0.0)).astype(x.dtype, copy=False)


def _masked_log_sum_exp(values, mask):
    """``logsumexp`` of each row's entries where ``mask`` holds (``-inf`` for none), and the
    softmax over them (its gradient; 0 off the mask and on empty rows)."""
    top = np.where(mask, values, -np.inf).max(axis=1, keepdims=True)
    top = np.where(np.isfinite(top), top, 0)
    exps = np.where(mask, np.exp(np.where(mask, values - top, 0)), 0)
    totals = exps.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore"):
        log_sums = (np.log(totals) + top)[:, 0]
    return log_sums, exps / np.where(totals > 0, totals, 1)


def _circle_losses(labels, embeddings, ref_labels, ref_embeddings, remove_diagonal, gamma,
                   margin):
    """Per-sample Circle losses and ``d loss_i / d similarity_ij`` (similarities being
    ``embeddings @ ref_embeddings.T``).

    With ``d = max(1 - s, 0)`` the cosine distances, the positive pairs (same label) score
    ``-gamma max(margin + d, 0) (margin - d)`` and the negative ones
    ``gamma max(1 + margin - d, 0) (1 - margin - d)``; the loss is
    ``softplus(logsumexp(positives) + logsumexp(negatives))``, 0 for a sample without either.
    """
    similarities = embeddings @ ref_embeddings.T
    raw_distances = 1 - similarities
    distances = np.maximum(raw_distances, 0)
    positive = labels[:, None] == ref_labels[None, :]
    negative = ~positive
    if remove_diagonal:
        positive &= ~np.eye(*positive.shape, dtype=bool)
    positive_base, negative_base = margin + distances, 1 + margin - distances
    positive_weights, negative_weights = np.maximum(positive_base, 0), np.maximum(negative_base, 0)
    positive_scores = -gamma * positive_weights * (margin - distances)
    negative_scores = gamma * negative_weights * (1 - margin - distances)
    positive_sums, positive_shares = _masked_log_sum_exp(positive_scores, positive)
    negative_sums, negative_shares = _masked_log_sum_exp(negative_scores, negative)
    total = positive_sums + negative_sums
    losses = activations.softplus(total)
    d_positive = gamma * (positive_weights - _max0_slope(positive_base) * (margin - distances))
    d_negative = -gamma * (_max0_slope(negative_base) * (1 - margin - distances)
                           + negative_weights)
    d_distances = positive_shares * d_positive + negative_shares * d_negative
    d_similarities = -activations.sigmoid(total)[:, None] * d_distances * _max0_slope(
        raw_distances)
    return losses, d_similarities


class Circle(LossFunctionWrapper):
    """Circle loss (Sun et al., 2020) for metric learning, over the pairs of a batch.

    ``y_true`` holds an integer label per sample, ``y_pred`` ``(batch, dims)`` embeddings, meant
    to be L2-normalized (a ``UnitNormalization`` output). Each sample's loss weighs its similarity
    to every other sample of its class (positives, up to ``remove_diagonal``'s self-pair) against
    those of other classes (negatives); samples with a zero loss (no positive or no negative in
    the batch) are masked out of the mean, as Keras masks them. Since a sample's loss depends on
    the whole batch, its gradient is the batch's, ``(G + G^T) y_pred`` with ``G`` the reduced
    loss's derivative with respect to the similarities.
    """

    def __init__(self, gamma=80.0, margin=0.4, remove_diagonal=True,
                 reduction="sum_over_batch_size", name="circle", dtype=None):
        super().__init__(name, reduction, dtype)
        self.gamma = gamma
        self.margin = margin
        self.remove_diagonal = remove_diagonal

    def target_shapes(self, output_shape):
        return [(output_shape[0],), (output_shape[0], 1)]

    def check_targets(self, y, output_shape, argument):
        _integer_labels(self, y, argument)

    def _labels_for(self, labels, embeddings, labels_name, embeddings_name):
        """Integer labels, one per embedding: ``(batch,)`` from ``(batch,)`` or ``(batch, 1)``."""
        if embeddings.ndim != 2:
            raise ValueError(
                f"Circle: `{embeddings_name}` must hold one embedding per sample, shape "
                f"(batch, dims), received shape {embeddings.shape}."
            )
        values = _integer_labels(self, labels, labels_name)
        if values.ndim == 2 and values.shape[1] == 1:
            values = values[:, 0]
        if values.shape != embeddings.shape[:1]:
            raise ValueError(
                f"Circle: `{labels_name}` must hold one label per sample of `{embeddings_name}` "
                f"({len(embeddings)}), received shape {np.shape(labels)}."
            )
        return values

    def _losses(self, y_true, y_pred, ref_labels=None, ref_embeddings=None):
        """Per-sample losses and their gradients with respect to the similarities."""
        labels = self._labels_for(y_true, y_pred, "y_true", "y_pred")
        if ref_embeddings is None:
            ref_embeddings = y_pred
        elif ref_embeddings.ndim != 2 or ref_embeddings.shape[1] != y_pred.shape[1]:
            raise ValueError(
                f"Circle: `ref_embeddings` must have shape (references, {y_pred.shape[1]}) to "
                f"match `y_pred`, received shape {ref_embeddings.shape}."
            )
        ref_labels = labels if ref_labels is None else self._labels_for(
            ref_labels, ref_embeddings, "ref_labels", "ref_embeddings")
        return _circle_losses(labels, y_pred, ref_labels, ref_embeddings, self.remove_diagonal,
                              self.gamma, self.margin)

    def call(self, y_true, y_pred):
        return self._losses(y_true, y_pred)[0]

    def _valid(self, y_true, y_pred, losses):
        """Keras's mask: the samples whose loss is not zero."""
        return losses > 0

    def value_and_gradient(self, y_true, y_pred, sample_weight=None):
        """The reduced loss and its gradient: ``(G + G^T) y_pred``, ``G`` the similarities'
        gradient rows each scaled by ``d loss / d loss_i``."""
        if self.reduction in (None, "none"):
            raise self._not_one_value()
        shape = np.shape(y_pred)
        y_true, y_pred = self._inputs(y_true, y_pred)
        losses, d_similarities = self._losses(y_true, y_pred)
        # the mask of the nonzero losses (Keras's) makes weights, sample weights or not
        weights = np.broadcast_to(
            self._weights(losses, sample_weight, self._valid(y_true, y_pred, losses)), losses.shape)
        value = self._reduce(losses, weights)
        if self.reduction == "sum":
            divisor = 1.0
        elif self.reduction == "mean_with_sample_weight":
            divisor = float(weights.sum())
        else:
            divisor = losses.size
        slopes = weights / divisor if divisor else np.zeros_like(losses)
        scaled = d_similarities * slopes[:, None]
        return value, ((scaled + scaled.T) @ y_pred).reshape(shape)

    def get_config(self):
        return {**super().get_config(), "gamma": self.gamma, "margin": self.margin,
                "remove_diagonal": self.remove_diagonal}


# ------------------------------------------------------------------------------------- functions
def _function_dtype(y_pred):
    """As Keras's functions, the per-sample losses keep the float type of an array of predictions
    (the classes compute in their own dtype, floatx by default)."""
    floating = isinstance(y_pred, np.ndarray) and y_pred.dtype.kind == "f"
    return y_pred.dtype.name if floating else None


def _make_function(name, loss_class):
    def function(y_true, y_pred, **kwargs):
        return loss_class(reduction=None, dtype=_function_dtype(y_pred), **kwargs)(y_true, y_pred)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"Per-sample {name.replace('_', ' ')}: see :class:`{loss_class.__name__}`."
    # Keras's signature: the targets, then the loss's own options (not reduction, name, dtype).
    options = [p for p in inspect.signature(loss_class).parameters.values()
               if p.name not in ("reduction", "name", "dtype") and p.kind is not p.VAR_KEYWORD]
    function.__signature__ = inspect.Signature(
        [inspect.Parameter(arg, inspect.Parameter.POSITIONAL_OR_KEYWORD) for arg in ("y_true", "y_pred")]
        + [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) if p.kind is p.KEYWORD_ONLY else p
           for p in options])
    function.loss_class = loss_class
    return function


mean_squared_error = _make_function("mean_squared_error", MeanSquaredError)
mean_absolute_error = _make_function("mean_absolute_error", MeanAbsoluteError)
mean_absolute_percentage_error = _make_function("mean_absolute_percentage_error",
                                                MeanAbsolutePercentageError)
mean_squared_logarithmic_error = _make_function("mean_squared_logarithmic_error",
                                                MeanSquaredLogarithmicError)
cosine_similarity = _make_function("cosine_similarity", CosineSimilarity)
huber = _make_function("huber", Huber)
log_cosh = _make_function("log_cosh", LogCosh)
hinge = _make_function("hinge", Hinge)
squared_hinge = _make_function("squared_hinge", SquaredHinge)
categorical_hinge = _make_function("categorical_hinge", CategoricalHinge)
kl_divergence = _make_function("kl_divergence", KLDivergence)
poisson = _make_function("poisson", Poisson)
categorical_crossentropy = _make_function("categorical_crossentropy", CategoricalCrossentropy)
sparse_categorical_crossentropy = _make_function("sparse_categorical_crossentropy",
                                                 SparseCategoricalCrossentropy)
binary_crossentropy = _make_function("binary_crossentropy", BinaryCrossentropy)
binary_focal_crossentropy = _make_function("binary_focal_crossentropy", BinaryFocalCrossentropy)
categorical_focal_crossentropy = _make_function("categorical_focal_crossentropy",
                                                CategoricalFocalCrossentropy)
categorical_generalized_cross_entropy = _make_function("categorical_generalized_cross_entropy",
                                                       CategoricalGeneralizedCrossEntropy)
dice = _make_function("dice", Dice)
tversky = _make_function("tversky", Tversky)
ctc = _make_function("ctc", CTC)


def circle(y_true, y_pred, ref_labels=None, ref_embeddings=None, remove_diagonal=True, gamma=80,
           margin=0.4):
    """Per-sample Circle losses: see :class:`Circle`. Each sample of ``y_pred`` is compared with
    ``ref_embeddings`` labelled ``ref_labels`` (by default ``y_pred`` and ``y_true`` themselves)."""
    loss = Circle(gamma, margin, remove_diagonal, reduction=None, dtype=_function_dtype(y_pred))
    y_pred = np.asarray(y_pred, dtype=loss.dtype or backend.floatx())
    if ref_embeddings is not None:
        ref_embeddings = np.asarray(ref_embeddings, dtype=y_pred.dtype)
    return loss._losses(np.asarray(y_true), y_pred, ref_labels, ref_embeddings)[0]


circle.loss_class = Circle

# Keras 2's short names (Keras 3 still resolves them as strings).
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kl_divergence
bce = BCE = binary_crossentropy

_CLASSES = {cls.__name__: cls for cls in (
    MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredLogarithmicError,
    CosineSimilarity, Huber, LogCosh, Hinge, SquaredHinge, CategoricalHinge, KLDivergence, Poisson,
    CategoricalCrossentropy, SparseCategoricalCrossentropy, BinaryCrossentropy,
    BinaryFocalCrossentropy, CategoricalFocalCrossentropy, CategoricalGeneralizedCrossEntropy, Dice,
    Tversky, CTC, Circle,
)}
_FUNCTIONS = (
    mean_squared_error, mean_absolute_error, mean_absolute_percentage_error,
    mean_squared_logarithmic_error, cosine_similarity, huber, log_cosh, hinge, squared_hinge,
    categorical_hinge, kl_divergence, poisson, categorical_crossentropy,
    sparse_categorical_crossentropy, binary_crossentropy, binary_focal_crossentropy,
    categorical_focal_crossentropy, categorical_generalized_cross_entropy, dice, tversky, ctc,
    circle,
)
_FUNCTION_NAMES = {function.__name__: function for function in _FUNCTIONS}
_FUNCTION_NAMES.update({"mse": mse, "MSE": mse, "mae": mae, "MAE": mae, "mape": mape, "MAPE": mape,
                        "msle": msle, "MSLE": msle, "kld": kld, "KLD": kld, "bce": bce, "BCE": bce})
_NAMES = {name: function.loss_class for name, function in _FUNCTION_NAMES.items()}


def get(identifier):
    """Keras's lookup: the loss function of a function's name or alias (``"mse"``: per-sample
    values), a Loss object for a class name, a class or a config, and a Loss or a function as given.
    """
    if identifier is None or isinstance(identifier, Loss) or (
            callable(identifier) and not isinstance(identifier, type)):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, type) and issubclass(identifier, Loss):
        return identifier()
    found = lookup("loss", identifier, {**_FUNCTION_NAMES, **_CLASSES})
    return found() if isinstance(found, type) else found


def _loss_object(identifier):
    """The Loss object ``compile`` trains with: :func:`get`'s, a built-in loss function replaced by
    its class. A function of your own is a TypeError, since it has no gradient."""
    loss = get(identifier)
    if loss is None or isinstance(loss, Loss):
        return loss
    if hasattr(loss, "loss_class"):
        return loss.loss_class()
    raise TypeError(
        f"Loss function {identifier!r} has no gradient: handkeras differentiates by hand, so a "
        f"custom loss must subclass handkeras.losses.Loss and define `call` and `gradient`."
    )


def serialize(loss):
    """Keras's config form: ``{"module", "class_name", "config", "registered_name"}``."""
    return serialize_object(loss)


def deserialize(name, custom_objects=None):
    """The loss described by :func:`serialize`'s output (``name``, Keras's name for the config);
    ``custom_objects`` maps class names to classes of your own."""
    return deserialize_object("loss", name, _CLASSES, custom_objects)
