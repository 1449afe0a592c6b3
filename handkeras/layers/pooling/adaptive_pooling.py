"""Adaptive average and max pooling (1D, 2D, 3D): a fixed output size whatever the input's size.

Along an axis of length ``L`` pooled to ``out``, bin ``i`` covers ``floor(i L / out)`` up to (not
including) ``ceil((i + 1) L / out)``, PyTorch's bins (and so Keras's): neighbouring bins may share
an input, and when ``out > L`` inputs repeat. A rectangular bin's mean or maximum is taken one axis
at a time (the last spatial axis first), so each step is a loop over one axis's bins, never over
samples.

Average pooling along an axis is a product with the matrix of bin weights (``1 / bin size`` where
bin ``i`` covers input ``k``); its gradient is the product with the transpose, which spreads each
bin's gradient evenly over it and adds where bins overlap. Max pooling keeps each bin's first
maximum (``argmax``); reducing the width before the height (and the height before the depth)
makes that the row-major first maximum of the box, where its gradient goes, as in ``MaxPooling2D``
and PyTorch.
"""

import numbers

import numpy as np

from handkeras.layers.layer import Layer


def adaptive_bins(length, out):
    """``(start, end)`` of each of the ``out`` bins over an axis of ``length``."""
    return [(i * length // out, -(-(i + 1) * length // out)) for i in range(out)]


def average_matrix(length, out, dtype):
    """``(out, length)``: row ``i`` holds ``1 / bin size`` over bin ``i``, zero elsewhere."""
    matrix = np.zeros((out, length), dtype)
    for i, (start, end) in enumerate(adaptive_bins(length, out)):
        matrix[i, start:end] = 1 / (end - start)
    return matrix


def apply_along(matrix, x, axis):
    """``matrix`` (``(rows, x.shape[axis])``) applied to ``x`` along ``axis``."""
    return np.moveaxis(np.tensordot(matrix, x, axes=([1], [axis])), 0, axis)


def _take(array, axis, index):
    """A view of ``array`` at ``index`` (an int or a slice) along ``axis``."""
    return array[(slice(None),) * axis + (index,)]


class BaseAdaptivePooling(Layer):
    """Pools (batch, *spatial, channels) inputs to (batch, *output_size, channels)."""

    rank = None

    def __init__(self, output_size, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.output_size = self._normalize_output_size(output_size)
        if data_format not in (None, "channels_last"):
            raise ValueError(f"{type(self).__name__} '{self.name}': only `data_format="
                             f"'channels_last'` is supported, received {data_format!r}.")

    def _normalize_output_size(self, output_size):
        """Keras's rules: an int (every axis) or a tuple/list of ``rank`` ints; a 1D length other
        than 1 is a ValueError, any other form a TypeError. Sizes below 1 are refused here, not at
        the first call."""
        prefix = f"{type(self).__name__} '{self.name}': `output_size`"
        expected = {1: "an integer or a tuple of 1 integer",
                    2: "an integer or a (height, width) tuple",
                    3: "an integer or a (depth, height, width) tuple"}[self.rank]
        if isinstance(output_size, (tuple, list)) and len(output_size) != self.rank:
            error = ValueError if self.rank == 1 else TypeError
            raise error(f"{prefix} must be {expected}, received {output_size!r}.")
        sizes = tuple(output_size) if isinstance(output_size, (tuple, list)) else \
            (output_size,) * self.rank
        if not all(isinstance(s, numbers.Integral) and not isinstance(s, bool) for s in sizes):
            raise TypeError(f"{prefix} must be {expected}, received {output_size!r} of type "
                            f"{type(output_size).__name__}.")
        if min(sizes) < 1:
            raise ValueError(f"{prefix} must be positive, received {output_size!r}.")
        return tuple(int(s) for s in sizes)

    def build(self, input_shape):
        self._check_rank(input_shape, self.rank + 2)
        if 0 in input_shape[1:-1]:
            raise ValueError(f"{type(self).__name__} '{self.name}': cannot pool an empty input, "
                             f"received shape {tuple(input_shape)}.")

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + self.output_size + (input_shape[-1],)

    def _axes(self, shape):
        """``(axis, length, out)`` per spatial axis, the last one first."""
        return [(axis, shape[axis], out)
                for axis, out in reversed(list(enumerate(self.output_size, start=1)))]

    def get_config(self):
        return {**super().get_config(), "output_size": self.output_size,
                "data_format": "channels_last"}


class BaseAdaptiveAveragePooling(BaseAdaptivePooling):
    """The mean of each bin."""

    def forward(self, x, training=False):
        matrices = []
        for axis, length, out in self._axes(x.shape):
            matrices.append((axis, average_matrix(length, out, x.dtype)))
            x = apply_along(matrices[-1][1], x, axis)
        if training:
            self._matrices = matrices
        return x

    def backward(self, dy, input_gradient=True):
        if not input_gradient:
            return None
        for axis, matrix in reversed(self._matrices):
            dy = apply_along(matrix.T, dy, axis)
        return dy


class BaseAdaptiveMaxPooling(BaseAdaptivePooling):
    """The maximum of each bin; its gradient goes to the bin's first (row-major) maximum."""

    def forward(self, x, training=False):
        steps = []
        for axis, length, out in self._axes(x.shape):
            bins = adaptive_bins(length, out)
            shape = list(x.shape)
            shape[axis] = out
            pooled = np.empty(shape, x.dtype)
            winners = []
            for i, (start, end) in enumerate(bins):
                window = _take(x, axis, slice(start, end))
                first = np.argmax(window, axis=axis)
                winners.append(first)
                _take(pooled, axis, i)[...] = np.take_along_axis(
                    window, np.expand_dims(first, axis), axis).squeeze(axis)
            steps.append((axis, x.shape, bins, winners))
            x = pooled
        if training:
            self._steps = steps
        return x

    def backward(self, dy, input_gradient=True):
        if not input_gradient:
            return None
        for axis, shape, bins, winners in reversed(self._steps):
            dx = np.zeros(shape, dy.dtype)
            for i, ((start, end), first) in enumerate(zip(bins, winners)):
                offsets = np.arange(end - start).reshape(
                    (-1,) + (1,) * (len(shape) - axis - 1))
                hit = offsets == np.expand_dims(first, axis)
                _take(dx, axis, slice(start, end))[...] += hit * np.expand_dims(
                    _take(dy, axis, i), axis)
            dy = dx
        return dy


class AdaptiveAveragePooling1D(BaseAdaptiveAveragePooling):
    """Mean over ``output_size`` bins of the steps of (batch, steps, channels) inputs."""

    rank = 1


class AdaptiveAveragePooling2D(BaseAdaptiveAveragePooling):
    """Mean over an ``output_size`` grid of bins of (batch, height, width, channels) inputs."""

    rank = 2


class AdaptiveAveragePooling3D(BaseAdaptiveAveragePooling):
    """Mean over an ``output_size`` grid of bins of (batch, depth, height, width, channels)
    inputs."""

    rank = 3


class AdaptiveMaxPooling1D(BaseAdaptiveMaxPooling):
    """Maximum over ``output_size`` bins of the steps of (batch, steps, channels) inputs."""

    rank = 1


class AdaptiveMaxPooling2D(BaseAdaptiveMaxPooling):
    """Maximum over an ``output_size`` grid of bins of (batch, height, width, channels) inputs."""

    rank = 2


class AdaptiveMaxPooling3D(BaseAdaptiveMaxPooling):
    """Maximum over an ``output_size`` grid of bins of (batch, depth, height, width, channels)
    inputs."""

    rank = 3
