"""The activation and classification ops of ``keras.ops`` (``keras.ops.nn`` and
``keras.ops.math``), computed by handkeras's own stable activation code.

The activations take any tensor and return floats: integers and bools become floatx, floats keep
their dtype, as in Keras.
"""

import math

import numpy as np

from handkeras import activations, backend
from handkeras.ops.core import convert_to_tensor
from handkeras.ops.dtypes import standardize_dtype
from handkeras.ops.op_table import boolean, first, make_op, to_float

_OPS = {}


def _op(name, parameters, function, compute, result, doc):
    _OPS[name] = make_op(__name__, name, parameters, function, compute, result, doc)


def _activation_op(name, parameters="x", activation=None, rule=to_float):
    """The op ``name`` computing ``activation`` (the activation of that name by default) with its
    arguments after ``x``, on and to the dtype ``rule`` gives."""
    activation = activation or getattr(activations, name)
    _op(name, parameters, lambda x, **options: _forward(activation, x, options), rule, rule,
        activation.__doc__.split("\n")[0])


def _forward(activation, x, options):
    """The activation's forward computation, on a 0-d ``x`` too."""
    if x.ndim:
        return activation.forward(x, **options)
    return activation.forward(x.reshape(1), **options).reshape(())


for _name in ("relu", "relu6", "hard_tanh"):  # piecewise linear: integers stay integers
    _activation_op(_name, rule=first)
for _name in ("sigmoid", "softplus", "softsign", "silu", "log_sigmoid",
              "hard_sigmoid", "hard_silu", "selu", "sparse_plus", "sparse_sigmoid",
              "tanh_shrink"):
    _activation_op(_name)
_activation_op("swish", activation=activations.silu)
_activation_op("hard_swish", activation=activations.hard_silu)
_activation_op("elu", "x, alpha=1.0")
_activation_op("celu", "x, alpha=1.0")
_activation_op("leaky_relu", "x, negative_slope=0.2")
_activation_op("gelu", "x, approximate=True")
_activation_op("glu", "x, axis=-1")
_activation_op("softmax", "x, axis=-1")
_activation_op("log_softmax", "x, axis=-1")
_activation_op("sparsemax", "x, axis=-1")
_activation_op("squareplus", "x, b=4")
_activation_op("soft_shrink", "x, threshold=0.5")
_activation_op("hard_shrink", "x, threshold=0.5")
_activation_op("threshold", "x, threshold, default_value")


def _logsumexp(x, axis=None, keepdims=False):
    axis = tuple(axis) if isinstance(axis, list) else axis
    peak = np.max(x, axis=axis, keepdims=True)
    peak = np.where(np.isfinite(peak), peak, 0)
    total = np.log(np.sum(np.exp(x - peak), axis=axis, keepdims=True)) + peak
    return total if keepdims else np.squeeze(total, axis=axis)


_op("logsumexp", "x, axis=None, keepdims=False", _logsumexp, to_float, to_float,
    "``log(sum(exp(x)))`` over ``axis``, shifted by the maximum so that it never overflows.")
_op("rsqrt", "x", lambda x: 1 / np.sqrt(x), to_float, to_float, "Element-wise ``1 / sqrt(x)``.")
_op("erf", "x", np.vectorize(math.erf, otypes=[np.float64]), to_float, to_float,
    "Element-wise error function.")
_op("erfc", "x", np.vectorize(math.erfc, otypes=[np.float64]), to_float, to_float,
    "Element-wise complementary error function ``1 - erf(x)``, exact in the tail.")


def _normalize(x, axis=-1, order=2, epsilon=None):
    epsilon = backend.epsilon() if epsilon is None else epsilon
    norm = np.linalg.norm(x, ord=order, axis=axis, keepdims=True)
    return x / np.maximum(norm, epsilon)


_op("normalize", "x, axis=-1, order=2, epsilon=None", _normalize, to_float, to_float,
    "``x`` divided by its ``order``-norm along ``axis`` (at least ``epsilon``).")


def _one_hot(x, num_classes, axis=-1, dtype=None, sparse=False):
    if sparse:
        raise ValueError("`sparse=True` is not supported: handkeras's tensors are dense.")
    x = convert_to_tensor(x)
    if x.dtype.kind not in "iu":
        x = x.astype(np.int64)
    if np.any(x >= num_classes):
        raise ValueError(f"one_hot: every index must be below `num_classes`={num_classes}, "
                         f"received the index {int(np.max(x))}.")
    encoded = (x[..., None] == np.arange(num_classes)).astype(standardize_dtype(dtype))
    return np.moveaxis(encoded, -1, axis)


def _multi_hot(inputs, num_classes=None, axis=-1, dtype=None, sparse=False, **kwargs):
    num_classes = kwargs.pop("num_tokens", num_classes)
    if kwargs:
        raise TypeError(f"multi_hot got unexpected arguments {sorted(kwargs)}.")
    if num_classes is None:
        raise ValueError("multi_hot needs `num_classes` (or Keras 2's `num_tokens`).")
    encoded = _one_hot(inputs, num_classes, axis=-1, dtype=dtype, sparse=sparse)
    hot = np.max(encoded, axis=-2) if encoded.ndim > 1 else encoded
    return np.moveaxis(hot, -1, axis)


_op("one_hot", "x, num_classes, axis=-1, dtype=None, sparse=False", _one_hot, None, None,
    "Integer labels ``x`` as one-hot vectors along ``axis`` (negative labels give zeros).")
_op("multi_hot", "inputs, num_classes=None, axis=-1, dtype=None, sparse=False, **kwargs",
    _multi_hot, None, None, "Each row of integer labels as one vector with ones at the labels.")


def _top_k(x, k, sorted=True):
    order = np.argsort(-x, axis=-1, stable=True)[..., :k]
    return np.take_along_axis(x, order, axis=-1), order


def _in_top_k(targets, predictions, k):
    kth_largest = -np.partition(-predictions, k - 1, axis=-1)[..., k - 1]
    target_values = np.take_along_axis(predictions, targets.astype(np.int64)[:, None], -1)[:, 0]
    return target_values >= kth_largest


_op("top_k", "x, k, sorted=True", _top_k, None, None,
    "The ``k`` largest entries along the last axis and their (int64) indices, largest first.")
_op("in_top_k", "targets, predictions, k", _in_top_k, None, boolean,
    "Whether each target's prediction is among the ``k`` largest of its row (ties count).")


# ------------------------------------------------------------------------------ cross-entropies
def _clipped(output):
    """Probabilities kept inside ``[epsilon, 1 - epsilon]``, as Keras clips them."""
    return np.clip(output, backend.epsilon(), 1 - backend.epsilon())


def _binary_crossentropy(target, output, from_logits=False):
    _same_shapes(target, output)
    if from_logits:
        return np.maximum(output, 0) - output * target + np.log1p(np.exp(-np.abs(output)))
    output = _clipped(output)
    return -(target * np.log(output) + (1 - target) * np.log1p(-output))


def _categorical_crossentropy(target, output, from_logits=False, axis=-1):
    _same_shapes(target, output)
    if from_logits:
        log_probabilities = activations.log_softmax.forward(output, axis=axis)
    else:
        log_probabilities = np.log(_clipped(output / np.sum(output, axis=axis, keepdims=True)))
    return -np.sum(target * log_probabilities, axis=axis)


def _sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    target = target.astype(np.int64)
    if target.ndim == output.ndim and target.shape[axis] == 1:
        target = np.squeeze(target, axis=axis)
    expected = output.shape[:axis % output.ndim] + output.shape[axis % output.ndim + 1:]
    if target.shape != expected:
        raise ValueError("Arguments `target` and `output` must have the same shape up until the "
                         f"last dimension: target.shape={target.shape}, "
                         f"output.shape={output.shape}")
    one_hot = _one_hot(target, output.shape[axis], axis=axis, dtype=output.dtype)
    return _categorical_crossentropy(one_hot, output, from_logits, axis)


def _same_shapes(target, output):
    if target.shape != output.shape:
        raise ValueError("Arguments `target` and `output` must have the same shape. Received: "
                         f"target.shape={target.shape}, output.shape={output.shape}")


_op("binary_crossentropy", "target, output, from_logits=False", _binary_crossentropy, to_float,
    to_float, "Element-wise binary cross-entropy (no mean: that is the loss's job).")
_op("categorical_crossentropy", "target, output, from_logits=False, axis=-1",
    _categorical_crossentropy, to_float, to_float,
    "Cross-entropy of one-hot ``target`` and ``output`` along ``axis``, per sample.")
_op("sparse_categorical_crossentropy", "target, output, from_logits=False, axis=-1",
    _sparse_categorical_crossentropy, None, lambda dtypes: to_float(dtypes[1:]),
    "Cross-entropy of integer ``target`` and ``output`` along ``axis``, per sample.")


# ------------------------------------------------------------------------------ statistics
def _moments(x, axes, keepdims=False, synchronized=False):
    if synchronized:
        raise NotImplementedError("`synchronized=True` is for distributed training, which "
                                  "handkeras does not do.")
    axes = tuple(axes) if isinstance(axes, (list, tuple)) else axes
    return (np.mean(x, axis=axes, keepdims=keepdims),
            np.var(x, axis=axes, keepdims=keepdims))


_op("moments", "x, axes, keepdims=False, synchronized=False", _moments, to_float, to_float,
    "The mean and the variance of ``x`` over ``axes``.")


def _psnr(x1, x2, max_val):
    if x1.shape != x2.shape:
        raise ValueError(f"Input shapes {x1.shape} and {x2.shape} must match for PSNR "
                         "calculation.")
    mse = np.mean((x1 - x2) ** 2)
    return 20 * np.log10(np.asarray(max_val, x1.dtype)) - 10 * np.log10(mse)


_op("psnr", "x1, x2, max_val", _psnr, to_float, to_float,
    "The peak signal-to-noise ratio of ``x2`` against ``x1``, in decibels.")
_op("logdet", "x", lambda x: np.linalg.slogdet(x)[1], to_float, to_float,
    "The log of the determinant of positive-definite matrices.")


def _segment(reduce, empty):
    """A segment reduction: ``reduce.at`` over the rows of ``data`` grouped by ``segment_ids``;
    empty segments hold ``empty``, and ids outside ``[0, num_segments)`` are dropped."""
    def segment_reduction(data, segment_ids, num_segments=None, sorted=False):
        segment_ids = segment_ids.astype(np.int64)
        if num_segments is None:
            num_segments = int(np.max(segment_ids)) + 1 if segment_ids.size else 0
        inside = (segment_ids >= 0) & (segment_ids < num_segments)
        outputs = np.full((num_segments,) + data.shape[1:], empty(data.dtype), data.dtype)
        reduce.at(outputs, segment_ids[inside], data[inside])
        return outputs
    return segment_reduction


def _lowest(dtype):
    return -np.inf if dtype.kind == "f" else np.iinfo(dtype).min


_op("segment_sum", "data, segment_ids, num_segments=None, sorted=False",
    _segment(np.add, lambda dtype: 0), None, None,
    "The sums of the rows of ``data`` that share a segment id.")
_op("segment_max", "data, segment_ids, num_segments=None, sorted=False",
    _segment(np.maximum, _lowest), None, None,
    "The maxima of the rows of ``data`` that share a segment id.")

globals().update(_OPS)
__all__ = sorted(_OPS)
