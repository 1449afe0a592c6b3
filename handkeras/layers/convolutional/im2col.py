"""Patch extraction for convolutions and pooling: windows as strided views, and their adjoint.

``windows(x, ...)`` views every (kh, kw) window of an NHWC array without copying; reshaping it into
rows gives im2col, so a convolution is one large matrix multiplication. ``add_window_products`` is
the adjoint of that product with respect to the input: per kernel position, one matrix product and
one strided addition (a Python loop over kh * kw positions, never over samples or pixels).
"""

import math

import numpy as np
from numpy.lib.stride_tricks import as_strided


def normalize_tuple(value, rank, argument, layer_name, allow_zero=False):
    """An int or a tuple of ``rank`` ints, as a tuple; ValueError naming the layer otherwise."""
    received = value
    if _is_int(value):
        value = (value,) * rank
    try:
        value = tuple(value)
    except TypeError:
        value = None
    if value is None or not all(_is_int(v) for v in value):
        raise ValueError(f"Layer '{layer_name}': `{argument}` must be an int or a tuple of {rank} "
                         f"ints, received {received!r}.")
    smallest = 0 if allow_zero else 1
    if len(value) != rank or any(v < smallest for v in value):
        raise ValueError(f"Layer '{layer_name}': `{argument}` must be {rank} integer(s) >= "
                         f"{smallest}, received {received!r}.")
    return tuple(int(v) for v in value)


def _is_int(value):
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def output_length(size, kernel, stride, dilation, padding):
    """Output length along one axis for 'valid' or 'same' padding (Keras's rule)."""
    if size is None:
        return None
    if padding == "same":
        return math.ceil(size / stride)
    effective = (kernel - 1) * dilation + 1
    return max((size - effective) // stride + 1, 0)


def same_padding(size, kernel, stride, dilation):
    """``(before, after)`` padding for 'same': the extra element goes after, as in TensorFlow."""
    effective = (kernel - 1) * dilation + 1
    total = max((math.ceil(size / stride) - 1) * stride + effective - size, 0)
    return total // 2, total - total // 2


def pad_spatial(x, pads, value=0.0):
    """Pad the two spatial axes of an NHWC array; a no-op (no copy) without padding."""
    if not any(before or after for before, after in pads):
        return x
    return np.pad(x, ((0, 0),) + tuple(pads) + ((0, 0),), constant_values=value)


def windows(x, kernel, strides, dilation, out_hw):
    """A read-only view of shape ``(N, OH, OW, KH, KW, C)`` over the windows of NHWC ``x``."""
    n, _, _, c = x.shape
    sn, sh, sw, sc = x.strides
    shape = (n, out_hw[0], out_hw[1], kernel[0], kernel[1], c)
    step = (sn, sh * strides[0], sw * strides[1], sh * dilation[0], sw * dilation[1], sc)
    return as_strided(x, shape, step, writeable=False)


def add_window_products(target, dz, kernel, strides, dilation):
    """Adjoint of ``windows(target) @ kernel``: ``target[window] += dz @ kernel[i, j]^T`` for every
    kernel position ``(i, j)``, in place.

    ``dz`` is ``(N, OH, OW, F)``, ``kernel`` ``(KH, KW, C, F)``, ``target`` the (padded) NHWC input.
    Each position's product lands in one reused buffer the size of the input, instead of a
    ``(pixels, KH * KW * C)`` matrix scattered afterwards: the same arithmetic, a fraction of the memory.
    """
    n, oh, ow, filters = dz.shape
    kh, kw, channels, _ = kernel.shape
    rows = dz.reshape(-1, filters)
    product = np.empty((rows.shape[0], channels), dz.dtype)
    for i in range(kh):
        for j in range(kw):
            np.matmul(rows, kernel[i, j].T, out=product)
            top, left = i * dilation[0], j * dilation[1]
            target[:, top: top + strides[0] * (oh - 1) + 1: strides[0],
                   left: left + strides[1] * (ow - 1) + 1: strides[1], :] += product.reshape(
                       n, oh, ow, channels)
    return target
