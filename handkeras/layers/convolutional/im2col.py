"""Patch extraction for convolutions and pooling: windows as strided views, and their adjoint.

``windows(x, ...)`` views every window of a channels-last array (one or more spatial axes:
``(N, H, W, C)``, ``(N, D, H, W, C)``) without copying; reshaping it into rows gives im2col, so a
convolution is one large matrix multiplication. ``add_window_products`` is the adjoint of that
product with respect to the input: per kernel position, one matrix product and one strided addition
(a Python loop over the kernel's positions, never over samples or pixels).
"""

import itertools
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
    """Pad the spatial axes (all but the first and last) of a channels-last array; a no-op (no
    copy) without padding."""
    if not any(before or after for before, after in pads):
        return x
    return np.pad(x, ((0, 0),) + tuple(pads) + ((0, 0),), constant_values=value)


def windows(x, kernel, strides, dilation, out_sizes):
    """A read-only view of shape ``(N, *out_sizes, *kernel, C)`` over the windows of the
    channels-last ``x``, one kernel size, stride and dilation per spatial axis."""
    spatial = x.strides[1:-1]
    shape = (x.shape[0],) + tuple(out_sizes) + tuple(kernel) + (x.shape[-1],)
    step = ((x.strides[0],) + tuple(st * s for st, s in zip(spatial, strides))
            + tuple(st * d for st, d in zip(spatial, dilation)) + (x.strides[-1],))
    return as_strided(x, shape, step, writeable=False)


def window_slices(position, strides, dilation, out_sizes):
    """The spatial slices of ``windows``'s source that kernel ``position`` reads, one per axis."""
    return tuple(slice(p * d, p * d + s * (o - 1) + 1, s)
                 for p, s, d, o in zip(position, strides, dilation, out_sizes))


def add_window_products(target, dz, kernel, strides, dilation):
    """Adjoint of ``windows(target) @ kernel``: ``target[window] += dz @ kernel[position]^T`` for
    every kernel position, in place.

    ``dz`` is ``(N, *out, F)``, ``kernel`` ``(*k, C, F)``, ``target`` the (padded) channels-last
    input. Each position's product lands in one reused buffer the size of the input, instead of a
    ``(pixels, prod(k) * C)`` matrix scattered afterwards: the same arithmetic, a fraction of the
    memory.
    """
    out_sizes, filters, channels = dz.shape[1:-1], dz.shape[-1], kernel.shape[-2]
    rows = dz.reshape(-1, filters)
    product = np.empty((rows.shape[0], channels), dz.dtype)
    for position in itertools.product(*(range(k) for k in kernel.shape[:-2])):
        np.matmul(rows, kernel[position].T, out=product)
        target[(slice(None),) + window_slices(position, strides, dilation, out_sizes)] += (
            product.reshape(dz.shape[:-1] + (channels,)))
    return target
