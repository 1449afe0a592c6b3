"""The activation, classification, normalization and attention ops of ``keras.ops.nn``; the
activations are computed by handkeras's own stable activation code.

The activations take any tensor and return floats: integers and bools become floatx, floats keep
their dtype, as in Keras.
"""

import math
import warnings

import numpy as np

from handkeras import activations, backend
from handkeras.ops.core import convert_to_tensor
from handkeras.ops.dtypes import result_type, standardize_dtype
from handkeras.ops.op_table import argument_dtype, first, make_op, to_float

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


# ----------------------------------------------------------------------------- normalizations
def _at_least_float32(dtypes):
    """Keras computes the normalizations in at least float32 (float16 too), then casts back."""
    return result_type(dtypes[0], "float32")


def _along(value, axis, ndim):
    """A per-channel vector shaped to broadcast along ``axis`` of an ``ndim``-d tensor."""
    if value is None or value.ndim != 1 or ndim < 2:
        return value
    shape = [1] * ndim
    shape[axis] = value.shape[0]
    return value.reshape(shape)


def batch_normalization(x, mean, variance, axis, offset=None, scale=None, epsilon=0.001):
    """``(x - mean) / sqrt(variance + epsilon) * scale + offset``, the vectors along ``axis``
    (in the promotion of the tensors' dtypes)."""
    tensors = [v for v in (x, mean, variance, offset, scale) if v is not None]
    dtype = result_type(*(argument_dtype(v) for v in tensors))
    x = convert_to_tensor(x, dtype)
    mean, variance, offset, scale = (
        None if v is None else _along(convert_to_tensor(v, dtype), axis, x.ndim)
        for v in (mean, variance, offset, scale))
    with np.errstate(all="ignore"):
        outputs = (x - mean) / np.sqrt(variance + epsilon)
    if scale is not None:
        outputs = outputs * scale
    return (outputs if offset is None else outputs + offset).astype(dtype, copy=False)


def _layer_normalization(x, gamma=None, beta=None, axis=-1, epsilon=None, **kwargs):
    rms_scaling = kwargs.pop("rms_scaling", False)
    if kwargs:
        raise TypeError(f"layer_normalization got unexpected arguments {sorted(kwargs)}.")
    epsilon = backend.epsilon() if epsilon is None else epsilon
    axes = tuple(sorted(a % x.ndim for a in ([axis] if isinstance(axis, int) else axis)))
    mean = np.mean(x, axis=axes, keepdims=True)
    variance = np.mean(np.square(x - mean), axis=axes, keepdims=True)
    if rms_scaling:  # Keras's deprecated variant: x (not centred) over the standard deviation
        warnings.warn("You passed `rms_scaling=True`, which is deprecated. This argument "
                      "incorrectly scales the input by the variance, not the root mean square. "
                      "To correctly use RMS Normalization, please use "
                      "`keras.ops.rms_normalization` instead.", stacklevel=3)
        outputs = x / np.sqrt(variance + epsilon)
        gamma_only = None if gamma is None else _to_axes(np.asarray(gamma, x.dtype), axes,
                                                         x.shape)
        return outputs if gamma_only is None else outputs * gamma_only
    outputs = (x - mean) / np.sqrt(variance + epsilon)
    if gamma is not None:
        outputs = outputs * _to_axes(np.asarray(gamma, x.dtype), axes, x.shape)
    if beta is not None:
        outputs = outputs + _to_axes(np.asarray(beta, x.dtype), axes, x.shape)
    return outputs


def _to_axes(value, axes, shape):
    """Weights over the normalized ``axes`` shaped to broadcast against the tensor."""
    if value.ndim == len(shape) or axes == (len(shape) - 1,):
        return value
    return value.reshape([n if i in axes else 1 for i, n in enumerate(shape)])


def _rms_normalization(x, scale=None, axis=-1, epsilon=None):
    epsilon = backend.epsilon() if epsilon is None else epsilon
    axes = tuple(sorted(a % max(x.ndim, 1) for a in ([axis] if isinstance(axis, int) else axis)))
    squares = np.mean(np.square(x), axis=axes, keepdims=True)
    outputs = x / np.sqrt(squares + epsilon)
    return outputs if scale is None else outputs * np.asarray(scale, x.dtype)


def _normalization(name, parameters, function, doc):
    """A normalization computed in at least float32 and returned in ``x``'s own dtype."""
    _op(name, parameters, function, lambda dtypes: _at_least_float32(dtypes[:1]),
        lambda dtypes: result_type(dtypes[0]), doc)


_normalization("layer_normalization", "x, gamma=None, beta=None, axis=-1, epsilon=None, **kwargs",
               _layer_normalization,
               "``x`` normalized to mean 0 and variance 1 over ``axis``, then ``* gamma + beta``.")
_normalization("rms_normalization", "x, scale=None, axis=-1, epsilon=None", _rms_normalization,
               "``x`` divided by its root mean square over ``axis``, then ``* scale``.")


# ------------------------------------------------------------------------ depth and space
def _blocks(x, block_size, data_format):
    if x.ndim != 4:
        raise ValueError(f"Expected a 4-D tensor (batch, height, width, channels). Received: "
                         f"x.shape={x.shape}")
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"`data_format` must be 'channels_last' or 'channels_first'. "
                         f"Received: data_format={data_format!r}")
    return int(block_size)


def _depth_to_space(x, block_size, data_format="channels_last"):
    b = _blocks(x, block_size, data_format)
    channels = x.shape[3 if data_format == "channels_last" else 1]
    if channels % (b * b):
        raise ValueError(f"depth_to_space: the channels ({channels}) must be a multiple of "
                         f"block_size ** 2 = {b * b}.")
    if data_format == "channels_last":
        n, h, w, c = x.shape
        blocks = x.reshape(n, h, w, b, b, c // (b * b)).transpose(0, 1, 3, 2, 4, 5)
        return blocks.reshape(n, h * b, w * b, c // (b * b))
    n, c, h, w = x.shape
    blocks = x.reshape(n, c // (b * b), b, b, h, w).transpose(0, 1, 4, 2, 5, 3)
    return blocks.reshape(n, c // (b * b), h * b, w * b)


def _space_to_depth(x, block_size, data_format="channels_last"):
    b = _blocks(x, block_size, data_format)
    height, width = x.shape[1:3] if data_format == "channels_last" else x.shape[2:]
    if height % b or width % b:
        raise ValueError(f"space_to_depth: height and width ({height}, {width}) must be "
                         f"multiples of block_size={b}.")
    if data_format == "channels_last":
        n, h, w, c = x.shape
        blocks = x.reshape(n, h // b, b, w // b, b, c).transpose(0, 1, 3, 2, 4, 5)
        return blocks.reshape(n, h // b, w // b, c * b * b)
    n, c, h, w = x.shape
    blocks = x.reshape(n, c, h // b, b, w // b, b).transpose(0, 1, 3, 5, 2, 4)
    return blocks.reshape(n, c * b * b, h // b, w // b)


_op("depth_to_space", "x, block_size, data_format='channels_last'", _depth_to_space, None,
    None, "Channels moved into ``block_size`` x ``block_size`` spatial blocks (TensorFlow's "
    "order for channels_last, PyTorch's pixel shuffle for channels_first).")
_op("space_to_depth", "x, block_size, data_format='channels_last'", _space_to_depth, None,
    None, "The inverse of ``depth_to_space``: spatial blocks moved into the channels.")


# -------------------------------------------------------------------------------- attention
def dot_product_attention(query, key, value, bias=None, mask=None, scale=None, is_causal=False,
                          flash_attention=None, attn_logits_soft_cap=None):
    """``softmax(query @ key.T * scale + bias) @ value`` per head, for ``(batch, length, heads,
    head_dim)`` tensors (``scale`` is ``1 / sqrt(head_dim)`` by default). A boolean ``mask``
    (``(batch, heads, query length, key length)``, broadcast) keeps the scores where it holds
    and gives the others a large negative score; ``is_causal`` keeps each query to the keys at
    or before it. Fewer key/value heads than query heads are repeated in groups."""
    if attn_logits_soft_cap is not None:
        raise ValueError("attn_logits_soft_cap is only supported for JAX on TPU. Set "
                         "attn_logits_soft_cap=None when not using JAX on TPU.")
    if flash_attention:
        raise ValueError("`flash_attention=True` needs a GPU kernel: handkeras computes "
                         "attention with numpy. Leave flash_attention=None.")
    query, key, value = (convert_to_tensor(t) for t in (query, key, value))
    if query.ndim != 4 or key.ndim != 4 or value.ndim != 4:
        raise ValueError("`dot_product_attention` only supports 4D inputs. Received: "
                         f"query.shape={query.shape}, key.shape={key.shape}, "
                         f"value.shape={value.shape}.")
    if bias is not None and mask is not None:
        raise ValueError("Only one of `bias` and `mask` can be provided. Received both.")
    dtype = result_type(query.dtype, key.dtype, value.dtype)
    query, key, value = (np.swapaxes(t.astype(dtype), 1, 2) for t in (query, key, value))
    heads, key_heads = query.shape[1], key.shape[1]
    if heads > key_heads > 1:
        key, value = (np.repeat(t, heads // key_heads, axis=1) for t in (key, value))
    scale = 1 / math.sqrt(query.shape[-1]) if scale is None else scale
    scores = query @ np.swapaxes(key, -1, -2) * np.asarray(scale, dtype)
    allowed = None if mask is None else convert_to_tensor(mask, "bool")
    if is_causal:
        causal = np.tril(np.ones(scores.shape[-2:], bool))
        allowed = causal if allowed is None else allowed & causal
    if allowed is not None:
        lowest = -0.7 * (65500.0 if dtype == "float16" else 3.38953e38)
        scores = scores + np.where(allowed, 0, lowest).astype(dtype)
    if bias is not None:
        scores = scores + convert_to_tensor(bias, dtype)
    weights = activations.softmax.forward(scores, axis=-1)
    return np.swapaxes(weights @ value, 1, 2).astype(dtype, copy=False)


globals().update(_OPS)
__all__ = sorted([*_OPS, "batch_normalization", "dot_product_attention"])
