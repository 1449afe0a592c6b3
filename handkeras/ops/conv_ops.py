"""Convolutions and pooling as ``keras.ops`` functions, for 1, 2 and 3 spatial axes (adaptive
pooling reuses the bins of the ``AdaptiveAveragePooling`` layers).

Every window of the (padded) input is a strided view (numpy's ``sliding_window_view``), and a
convolution is one contraction of those windows with the kernel. ``"same"`` padding is Keras's:
``ceil(size / stride)`` outputs, the total padding split with the extra element after. The
inputs are channels last ``(batch, *spatial, channels)`` unless ``data_format`` says first;
kernels are Keras's ``(*kernel_size, input_channels / groups, filters)``.
"""

import itertools

import numpy as np

from handkeras import backend
from handkeras.layers.convolutional.base_conv_transpose import output_geometry
from handkeras.layers.pooling.adaptive_pooling import adaptive_bins, apply_along, average_matrix
from handkeras.ops.core import convert_to_tensor
from handkeras.ops.dtypes import result_type


def _tuple(value, rank, name, smallest=1):
    """An int or ``rank`` ints, as a tuple of ``rank`` ints of at least ``smallest``."""
    values = (value,) * rank if isinstance(value, (int, np.integer)) else tuple(value)
    if len(values) != rank or not all(isinstance(v, (int, np.integer)) and v >= smallest
                                      for v in values):
        raise ValueError(f"The `{name}` argument must be a tuple of {rank} integers >= "
                         f"{smallest}. Received: {name}={value}")
    return tuple(int(v) for v in values)


def _channels_last(inputs, data_format, operation):
    """``inputs`` (rank 3 to 5) with its channels last, and the function restoring the layout."""
    if inputs.ndim not in (3, 4, 5):
        raise ValueError(f"Inputs to {operation} should have ndim=3, 4, or 5, corresponding to "
                         f"1D, 2D and 3D inputs. Received input shape: {inputs.shape}.")
    data_format = backend.image_data_format() if data_format is None else data_format
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError("The `data_format` argument must be one of {'channels_first', "
                         f"'channels_last'}}. Received: data_format={data_format}")
    if data_format == "channels_last":
        return inputs, lambda outputs: outputs
    return np.moveaxis(inputs, 1, -1), lambda outputs: np.moveaxis(outputs, -1, 1)


def _padding_of(padding, sizes, reach, strides):
    """The ``(before, after)`` padding of each spatial axis for ``"valid"`` or ``"same"``."""
    if padding == "valid":
        return [(0, 0)] * len(sizes)
    if padding != "same":
        raise ValueError(f"`padding` must be 'valid' or 'same'. Received: padding={padding!r}")
    pads = []
    for size, span, stride in zip(sizes, reach, strides):
        total = max((-(-size // stride) - 1) * stride + span - size, 0)
        pads.append((total // 2, total - total // 2))
    return pads


def _windows(x, kernel_size, strides, dilation):
    """The windows of channels-last ``x``: shape ``(batch, *outputs, *kernel_size, channels)``."""
    rank = len(kernel_size)
    reach = [(k - 1) * d + 1 for k, d in zip(kernel_size, dilation)]
    if any(r > n for r, n in zip(reach, x.shape[1:-1])):
        raise ValueError(f"The window {tuple(kernel_size)} (dilated: {tuple(reach)}) is larger "
                         f"than the padded input's spatial shape {x.shape[1:-1]}.")
    views = np.lib.stride_tricks.sliding_window_view(x, reach, axis=tuple(range(1, rank + 1)))
    views = views[(slice(None),) + tuple(slice(None, None, s) for s in strides)
                  + (slice(None),) + tuple(slice(None, None, d) for d in dilation)]
    return np.moveaxis(views, rank + 1, -1)


# ----------------------------------------------------------------------------- convolutions
def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """The convolution (cross-correlation) of ``inputs`` with ``kernel``; input channels that
    are a multiple of the kernel's make groups, as in Keras."""
    inputs, kernel = convert_to_tensor(inputs), convert_to_tensor(kernel)
    dtype = result_type(inputs.dtype, kernel.dtype)
    x, restore = _channels_last(inputs.astype(dtype, copy=False), data_format, "conv operation")
    rank = x.ndim - 2
    if kernel.ndim != rank + 2:
        raise ValueError(f"The kernel must have rank {rank + 2} for inputs of rank {x.ndim}. "
                         f"Received: kernel.shape={kernel.shape}")
    channels, kernel_channels, filters = x.shape[-1], kernel.shape[-2], kernel.shape[-1]
    if channels % kernel_channels:
        raise ValueError(f"Input channels ({channels}) must be divisible by kernel input "
                         f"channels ({kernel_channels})")
    groups = channels // kernel_channels
    if filters % groups:
        raise ValueError(f"The kernel's filters ({filters}) must be divisible by the groups "
                         f"({groups}).")
    kernel_size = kernel.shape[:rank]
    strides = _tuple(strides, rank, "strides")
    dilation = _tuple(dilation_rate, rank, "dilation_rate")
    reach = [(k - 1) * d + 1 for k, d in zip(kernel_size, dilation)]
    x = np.pad(x, [(0, 0), *_padding_of(padding, x.shape[1:-1], reach, strides), (0, 0)])
    windows = _windows(x, kernel_size, strides, dilation)
    outputs_shape = windows.shape[:rank + 1]
    windows = windows.reshape(outputs_shape + (-1, groups, kernel_channels))
    weights = kernel.astype(dtype).reshape(-1, kernel_channels, groups, filters // groups)
    outputs = np.einsum("...pgc,pcgf->...gf", windows, weights, optimize=True)
    return restore(outputs.reshape(outputs_shape + (filters,)))


def depthwise_conv(inputs, kernel, strides=1, padding="valid", data_format=None,
                   dilation_rate=1):
    """Each input channel convolved with its own ``kernel[..., c, :]`` (``channels *
    depth_multiplier`` outputs, channel ``c``'s first)."""
    kernel = convert_to_tensor(kernel)
    channels = convert_to_tensor(inputs).shape[-1 if data_format != "channels_first" else 1]
    if kernel.shape[-2] != channels:
        raise ValueError(f"The number of input channels ({channels}) must match the kernel's "
                         f"second to last dimension. Received: kernel.shape={kernel.shape}")
    grouped = kernel.reshape(kernel.shape[:-2] + (1, kernel.shape[-2] * kernel.shape[-1]))
    return conv(inputs, grouped, strides, padding, data_format, dilation_rate)


def separable_conv(inputs, depthwise_kernel, pointwise_kernel, strides=1, padding="valid",
                   data_format=None, dilation_rate=1):
    """A depthwise convolution followed by a pointwise (1 x 1) one mixing the channels."""
    depthwise = depthwise_conv(inputs, depthwise_kernel, strides, padding, data_format,
                               dilation_rate)
    return conv(depthwise, pointwise_kernel, 1, "valid", data_format)


def conv_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None,
                   data_format=None, dilation_rate=1):
    """The transposed convolution (the adjoint of ``conv``), as the ``Conv*DTranspose`` layers
    compute it: each input position adds ``x @ kernel[i].T`` at ``stride * p + dilation * i``;
    the output's size follows Keras's ``padding`` and ``output_padding`` rules. ``kernel`` is
    ``(*kernel_size, filters, input_channels)``."""
    inputs, kernel = convert_to_tensor(inputs), convert_to_tensor(kernel)
    dtype = result_type(inputs.dtype, kernel.dtype)
    x, restore = _channels_last(inputs.astype(dtype, copy=False), data_format,
                                "conv transpose operation")
    rank = x.ndim - 2
    if kernel.ndim != rank + 2 or kernel.shape[-1] != x.shape[-1]:
        raise ValueError(f"The kernel must be (*kernel_size, filters, {x.shape[-1]}) for inputs "
                         f"of shape {inputs.shape}. Received: kernel.shape={kernel.shape}")
    if padding not in ("valid", "same"):
        raise ValueError(f"`padding` must be 'valid' or 'same'. Received: padding={padding!r}")
    kernel_size = kernel.shape[:rank]
    strides = _tuple(strides, rank, "strides")
    dilation = _tuple(dilation_rate, rank, "dilation_rate")
    extra = [None] * rank if output_padding is None else _tuple(output_padding, rank,
                                                                "output_padding", smallest=0)
    geometry = [output_geometry(*args, padding, more) for args, more in
                zip(zip(x.shape[1:-1], kernel_size, strides, dilation), extra)]
    full = np.zeros((len(x), *(g[0] for g in geometry), kernel.shape[-2]), dtype)
    for position in itertools.product(*(range(k) for k in kernel_size)):
        target = tuple(slice(i * d, i * d + s * (n - 1) + 1, s) for i, d, s, n in
                       zip(position, dilation, strides, x.shape[1:-1]))
        full[(slice(None),) + target] += x @ kernel[position].astype(dtype).T
    window = [(0, 0)] + [(0, max(start + length - whole, 0)) for whole, start, length in geometry]
    outputs = np.pad(full, window + [(0, 0)])
    return restore(outputs[(slice(None),) + tuple(slice(start, start + length)
                                                  for _, start, length in geometry)])


# ---------------------------------------------------------------------------------- pooling
def _pool(inputs, pool_size, strides, padding, data_format, operation):
    inputs = convert_to_tensor(inputs)
    x, restore = _channels_last(inputs, data_format, "pooling op")
    rank = x.ndim - 2
    pool_size = _tuple(pool_size, rank, "pool_size")
    strides = pool_size if strides is None else _tuple(strides, rank, "strides")
    pads = [(0, 0), *_padding_of(padding, x.shape[1:-1], pool_size, strides), (0, 0)]
    return restore(operation(x, pads, pool_size, strides))


def _maximum(x, pads, pool_size, strides):
    lowest = -np.inf if x.dtype.kind == "f" else (np.iinfo(x.dtype).min if x.dtype.kind in "iu"
                                                  else False)
    windows = _windows(np.pad(x, pads, constant_values=lowest), pool_size, strides,
                       (1,) * len(pool_size))
    return windows.max(axis=tuple(range(-len(pool_size) - 1, -1)))


def _average(x, pads, pool_size, strides):
    x = x.astype(result_type(x.dtype, float), copy=False)
    axes = tuple(range(-len(pool_size) - 1, -1))
    ones = (1,) * len(pool_size)
    totals = _windows(np.pad(x, pads), pool_size, strides, ones).sum(axis=axes)
    present = np.pad(np.ones((1,) + x.shape[1:-1] + (1,), x.dtype), pads)
    counts = _windows(present, pool_size, strides, ones).sum(axis=axes)
    return totals / counts


def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """The maximum of each ``pool_size`` window, one every ``strides`` (the pool size by
    default)."""
    return _pool(inputs, pool_size, strides, padding, data_format, _maximum)


def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """The mean of each ``pool_size`` window over the input's own elements (``"same"``
    padding is not counted), one every ``strides`` (the pool size by default)."""
    return _pool(inputs, pool_size, strides, padding, data_format, _average)


def _adaptive(inputs, output_size, data_format, reduce_axis):
    """``inputs`` pooled to ``output_size`` over PyTorch's adaptive bins, one spatial axis at a
    time (the last first), by ``reduce_axis(x, axis, length, size)``."""
    x, restore = _channels_last(convert_to_tensor(inputs), data_format, "pooling op")
    rank = x.ndim - 2
    for axis, size in reversed(list(enumerate(_tuple(output_size, rank, "output_size"), 1))):
        x = reduce_axis(x, axis, x.shape[axis], size)
    return restore(x)


def _adaptive_mean(x, axis, length, size):
    x = x.astype(result_type(x.dtype, float), copy=False)
    return apply_along(average_matrix(length, size, x.dtype), x, axis)


def _adaptive_max(x, axis, length, size):
    bins = [np.take(x, np.arange(start, end), axis=axis).max(axis=axis, keepdims=True)
            for start, end in adaptive_bins(length, size)]
    return np.concatenate(bins, axis=axis)


def adaptive_average_pool(inputs, output_size, data_format=None):
    """The mean of each of ``output_size`` bins of the spatial axes (bin ``i`` of ``L`` inputs
    over ``out`` covers ``floor(i L / out)`` to ``ceil((i + 1) L / out)``, as in PyTorch)."""
    return _adaptive(inputs, output_size, data_format, _adaptive_mean)


def adaptive_max_pool(inputs, output_size, data_format=None):
    """The maximum of each of ``output_size`` bins of the spatial axes (PyTorch's bins)."""
    return _adaptive(inputs, output_size, data_format, _adaptive_max)


# ------------------------------------------------------------------- im2col and its inverse
def _unfolding(kernel_size, dilation, padding, stride):
    return (_tuple(kernel_size, 2, "kernel_size"), _tuple(dilation, 2, "dilation"),
            _tuple(padding, 2, "padding", smallest=0),
            _tuple(stride, 2, "stride"))


def unfold(x, kernel_size, dilation=1, padding=0, stride=1):
    """The sliding blocks of a channels-first batch ``(N, C, H, W)`` (zero-padded by
    ``padding`` on every side), as PyTorch's ``unfold``: ``(N, C * kH * kW, blocks)``, each
    column one block, channels first, then rows and columns of the block."""
    x = convert_to_tensor(x)
    if x.ndim != 4:
        raise ValueError(f"Input must be a 4D tensor. Received: input.shape={x.shape}")
    kernel_size, dilation, padding, stride = _unfolding(kernel_size, dilation, padding, stride)
    padded = np.pad(np.moveaxis(x, 1, -1), [(0, 0), *((p, p) for p in padding), (0, 0)])
    blocks = _windows(padded, kernel_size, stride, dilation)  # (N, oH, oW, kH, kW, C)
    columns = blocks.transpose(0, 5, 3, 4, 1, 2)
    return columns.reshape(len(x), -1, columns.shape[-2] * columns.shape[-1])


def fold(x, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """The inverse arrangement of :func:`unfold`: the blocks ``(N, C * kH * kW, blocks)`` put
    back into a ``(N, C, *output_size)`` batch, overlapping entries summed (PyTorch's
    ``fold``)."""
    x = convert_to_tensor(x)
    kernel_size, dilation, padding, stride = _unfolding(kernel_size, dilation, padding, stride)
    height, width = _tuple(output_size, 2, "output_size")
    (kh, kw), (dh, dw), (sh, sw) = kernel_size, dilation, stride
    rows = (height + 2 * padding[0] - dh * (kh - 1) - 1) // sh + 1
    cols = (width + 2 * padding[1] - dw * (kw - 1) - 1) // sw + 1
    if x.ndim != 3 or x.shape[1] % (kh * kw) or x.shape[2] != rows * cols:
        raise ValueError(f"fold expects blocks of shape (N, C * {kh * kw}, {rows * cols}) for "
                         f"output_size={(height, width)}. Received: x.shape={x.shape}")
    blocks = x.reshape(len(x), -1, kh, kw, rows, cols)
    out = np.zeros((len(x), blocks.shape[1], height + 2 * padding[0], width + 2 * padding[1]),
                   x.dtype)
    for i in range(kh):
        for j in range(kw):
            out[:, :, i * dh:i * dh + sh * (rows - 1) + 1:sh,
                j * dw:j * dw + sw * (cols - 1) + 1:sw] += blocks[:, :, i, j]
    return out[:, :, padding[0]:padding[0] + height, padding[1]:padding[1] + width]


__all__ = ["adaptive_average_pool", "adaptive_max_pool", "average_pool", "conv",
           "conv_transpose", "depthwise_conv", "fold", "max_pool", "separable_conv", "unfold"]
