"""Max and average pooling over windows, for 1D, 2D and 3D channels-last inputs.

Max pooling routes each window's gradient to the first position holding its maximum (as TensorFlow
and PyTorch do); average pooling spreads it evenly over the window's real (unpadded) elements,
Keras's rule for "same" padding.

When windows do not overlap (strides >= pool size, the usual case), max pooling works row by row:
each window row's maximum first (a row runs along the last spatial axis), then the maximum of
those. Backward retraces the same two steps, routing the gradient to the first row holding the
window's maximum and then to the first position of that row holding the row's maximum: the
row-major first maximum, in half the passes over memory.

Every rank runs the same code, over its spatial axes.
"""

import numpy as np

from handkeras.layers.convolutional import im2col
from handkeras.layers.layer import Layer


class BasePooling(Layer):
    """Pooling with ``pool_size``, ``strides`` (default: the pool size) and ``padding``."""

    rank = None
    _keras_builds_at_init = True
    mode = None  # "max" or "average"

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(**kwargs)
        kind = type(self).__name__
        self.pool_size = im2col.normalize_tuple(pool_size, self.rank, "pool_size", self.name)
        self.strides = im2col.normalize_tuple(strides if strides is not None else self.pool_size,
                                              self.rank, "strides", self.name)
        padding = padding.lower() if isinstance(padding, str) else padding
        if padding not in ("valid", "same"):
            raise ValueError(f"{kind} '{self.name}': `padding` must be 'valid' or 'same', received "
                             f"{padding!r}.")
        if data_format not in (None, "channels_last"):
            raise ValueError(f"{kind} '{self.name}': only `data_format='channels_last'` is "
                             f"supported, received {data_format!r}.")
        self.padding = padding

    def build(self, input_shape):
        self._check_rank(input_shape, self.rank + 2)
        self._check_fits(input_shape)

    def _check_fits(self, input_shape):
        """A ValueError naming the layer when a 'valid' input is smaller than the pool."""
        if 0 in self.compute_output_shape(input_shape)[1:-1]:
            raise ValueError(f"{type(self).__name__} '{self.name}': input of shape "
                             f"{tuple(input_shape)} is smaller than the pool {self.pool_size}.")

    def compute_output_shape(self, input_shape):
        spatial = tuple(im2col.output_length(size, k, s, 1, self.padding)
                        for size, k, s in zip(input_shape[1:-1], self.pool_size, self.strides))
        return (input_shape[0],) + spatial + (input_shape[-1],)

    def _padded(self, x, fill):
        """The padded input, the padding, and the output's spatial sizes."""
        if self.padding == "same":
            pads = tuple(im2col.same_padding(size, k, s, 1)
                         for size, k, s in zip(x.shape[1:-1], self.pool_size, self.strides))
        else:
            pads = ((0, 0),) * self.rank
        padded = im2col.pad_spatial(x, pads, fill)
        out = tuple((size - k) // s + 1
                    for size, k, s in zip(padded.shape[1:-1], self.pool_size, self.strides))
        return padded, pads, out

    def _positions(self, out):
        """For each position of the window, row-major, the index (batch and strided spatial slices)
        of the padded input that holds that position of every window. Pooling loops over these few
        positions, never over samples or pixels, and never copies the windows out."""
        return [(slice(None),) + tuple(slice(i, i + s * (o - 1) + 1, s)
                                       for i, s, o in zip(offsets, self.strides, out))
                for offsets in np.ndindex(*self.pool_size)]

    def forward(self, x, training=False):
        if self.padding == "valid":  # shapes unknown at build time (None) are checked here
            self._check_fits(x.shape)
        padded, pads, out = self._padded(x, -np.inf if self.mode == "max" else 0.0)
        positions = self._positions(out)
        if self.mode == "max" and self._disjoint():
            row_maxima = [self._running_max(padded, row) for row in self._rows(positions)]
            y = row_maxima[0] if len(row_maxima) == 1 else self._running_max(None, row_maxima)
            state = (padded, y, row_maxima)
        elif self.mode == "max":
            y = self._running_max(padded, positions)
            state = (padded, y)
        else:
            y = padded[positions[0]].copy()
            for position in positions[1:]:
                y += padded[position]
            state = self._counts(x.shape[1:-1], pads, out, x.dtype)
            y /= state
        if training:
            self._state = (x.shape, padded.shape, pads, out, positions, state)
        return y

    def _disjoint(self):
        """Whether no two windows share an input (strides at least the pool size)."""
        return all(s >= p for s, p in zip(self.strides, self.pool_size))

    def _rows(self, positions):
        """``positions`` grouped by window row (along the last spatial axis)."""
        width = self.pool_size[-1]
        return [positions[start:start + width] for start in range(0, len(positions), width)]

    @staticmethod
    def _running_max(padded, candidates):
        """The element-wise maximum of ``candidates``: arrays, or indices into ``padded``."""
        arrays = [c if padded is None else padded[c] for c in candidates]
        if len(arrays) == 1:
            return arrays[0].copy()
        result = np.maximum(arrays[0], arrays[1])
        for array in arrays[2:]:
            np.maximum(result, array, out=result)
        return result

    @staticmethod
    def _route(dy, candidates, maxima, targets):
        """Write into ``targets[k]`` the part of ``dy`` that goes to candidate ``k``: all of it where
        ``k`` is the first candidate equal to ``maxima``, zero elsewhere. What is left after each
        candidate (``dy`` or exactly 0) is carried in the next target, so the last takes the rest."""
        remaining = dy
        for k in range(len(candidates) - 1):
            np.multiply(remaining, candidates[k] != maxima, out=targets[k + 1])
            np.subtract(remaining, targets[k + 1], out=targets[k])
            remaining = targets[k + 1]
        if len(candidates) == 1:
            np.copyto(targets[0], dy)

    def _counts(self, spatial, pads, out, dtype):
        """How many real (unpadded) inputs each window averages: ``(1, *out, 1)`` (Keras excludes
        the padding from the mean)."""
        if self.padding == "valid":
            return np.asarray(np.prod(self.pool_size), dtype)
        ones = im2col.pad_spatial(np.ones((1,) + tuple(spatial) + (1,), dtype), pads, 0.0)
        return sum(ones[position] for position in self._positions(out))

    def backward(self, dy, input_gradient=True):
        if not input_gradient:
            return None
        x_shape, padded_shape, pads, out, positions, state = self._state
        if self.mode == "max" and self._disjoint():
            padded, maxima, row_maxima = state
            dpadded = np.empty(padded_shape, dy.dtype)
            self._zero_uncovered(dpadded, out)
            rows = self._rows(positions)
            d_rows = [dy] if len(rows) == 1 else np.empty((len(rows),) + dy.shape, dy.dtype)
            if len(rows) > 1:
                self._route(dy, row_maxima, maxima, d_rows)
            for row, row_max, d_row in zip(rows, row_maxima, d_rows):
                self._route(d_row, [padded[p] for p in row], row_max, [dpadded[p] for p in row])
        elif self.mode == "max":
            dpadded = np.zeros(padded_shape, dy.dtype)
            # Overlapping windows: each window's gradient goes to the first position holding its
            # maximum (row-major order), later ties skipped via `taken`, and adds onto what
            # neighbouring windows sent to the same input.
            padded, maxima = state
            taken = np.zeros(maxima.shape, bool)
            hit = np.empty(maxima.shape, bool)
            for position in positions:
                np.equal(padded[position], maxima, out=hit)
                np.greater(hit, taken, out=hit)  # hit and not yet taken
                np.logical_or(taken, hit, out=taken)
                dpadded[position] += dy * hit
        else:
            dpadded = np.zeros(padded_shape, dy.dtype)
            share = dy / state
            for position in positions:
                dpadded[position] += share
        return dpadded[(slice(None),) + tuple(slice(before, before + size) for (before, _), size
                                              in zip(pads, x_shape[1:-1]))]

    def relu_gradient_mask(self):
        """For max pooling: where the windows' maxima of the last training forward are positive,
        shaped like the output.

        When this max pooling's input is a relu's output, the relu's gradient at the position each
        window routes to is 1 exactly where the window's maximum is positive: applying it to the
        pooled gradient, a fraction of the size, equals applying it to the input gradient.
        """
        maxima = self._state[-1][1]
        return maxima > 0

    def _zero_uncovered(self, dpadded, out):
        """Zero the inputs that no window covers (trailing rows and columns, and the gaps between
        windows when strides exceed the pool size): they get no gradient."""
        for axis, (p, s, o) in enumerate(zip(self.pool_size, self.strides, out), start=1):
            covered = np.zeros(dpadded.shape[axis], bool)
            for offset in range(p):
                covered[offset: offset + s * (o - 1) + 1: s] = True
            index = [slice(None)] * dpadded.ndim
            index[axis] = ~covered
            dpadded[tuple(index)] = 0

    def get_config(self):
        return {**super().get_config(), "pool_size": tuple(self.pool_size),
                "padding": self.padding, "strides": tuple(self.strides),
                "data_format": "channels_last"}
