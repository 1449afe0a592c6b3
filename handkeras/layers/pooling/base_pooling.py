"""Max and average pooling over windows, for 1D and 2D channels-last inputs.

Max pooling routes each window's gradient to the first position holding its maximum (as TensorFlow
and PyTorch do); average pooling spreads it evenly over the window's real (unpadded) elements,
Keras's rule for "same" padding.
"""

import numpy as np

from handkeras.layers.convolutional import im2col
from handkeras.layers.layer import Layer


class BasePooling(Layer):
    """Pooling with ``pool_size``, ``strides`` (default: the pool size) and ``padding``."""

    rank = None
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

    def _as_2d(self, values):
        return (1,) + tuple(values) if self.rank == 1 else tuple(values)

    def build(self, input_shape):
        if len(input_shape) != self.rank + 2:
            raise ValueError(f"{type(self).__name__} '{self.name}' expects inputs of rank "
                             f"{self.rank + 2}, received shape {tuple(input_shape)}.")
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

    def _padded(self, x4, fill):
        """The padded input, the padding, and the output's (height, width)."""
        pool, strides = self._as_2d(self.pool_size), self._as_2d(self.strides)
        if self.padding == "same":
            pads = tuple(im2col.same_padding(size, k, s, 1)
                         for size, k, s in zip(x4.shape[1:3], pool, strides))
        else:
            pads = ((0, 0), (0, 0))
        padded = im2col.pad_spatial(x4, pads, fill)
        oh = (padded.shape[1] - pool[0]) // strides[0] + 1
        ow = (padded.shape[2] - pool[1]) // strides[1] + 1
        return padded, pads, (oh, ow)

    def _positions(self, oh, ow):
        """For each position (i, j) of the window, row-major, the strided slices of the padded input
        that hold that position of every window. Pooling loops over these few positions, never over
        samples or pixels, and never copies the windows out."""
        pool, strides = self._as_2d(self.pool_size), self._as_2d(self.strides)
        return [(slice(i, i + strides[0] * (oh - 1) + 1, strides[0]),
                 slice(j, j + strides[1] * (ow - 1) + 1, strides[1]))
                for i in range(pool[0]) for j in range(pool[1])]

    def forward(self, x, training=False):
        if self.padding == "valid":  # shapes unknown at build time (None) are checked here
            self._check_fits(x.shape)
        x4 = x[:, None] if self.rank == 1 else x
        padded, pads, (oh, ow) = self._padded(x4, -np.inf if self.mode == "max" else 0.0)
        positions = self._positions(oh, ow)
        rows, cols = positions[0]
        y4 = padded[:, rows, cols, :].copy()
        if self.mode == "max":
            for rows, cols in positions[1:]:
                np.maximum(y4, padded[:, rows, cols, :], out=y4)
            state = (padded, y4)
        else:
            for rows, cols in positions[1:]:
                y4 += padded[:, rows, cols, :]
            state = self._counts(x4.shape[1:3], pads, (oh, ow), x.dtype)
            y4 /= state
        if training:
            self._state = (x.shape, x4.shape, padded.shape, pads, (oh, ow), positions, state)
        return y4.reshape((x.shape[0],) + y4.shape[2 if self.rank == 1 else 1:])

    def _counts(self, spatial, pads, out_hw, dtype):
        """How many real (unpadded) inputs each window averages: ``(OH, OW, 1)`` (Keras excludes the
        padding from the mean)."""
        pool = self._as_2d(self.pool_size)
        if self.padding == "valid":
            return np.asarray(pool[0] * pool[1], dtype)
        ones = im2col.pad_spatial(np.ones((1,) + tuple(spatial) + (1,), dtype), pads, 0.0)
        return sum(ones[0, rows, cols, :] for rows, cols in self._positions(*out_hw))

    def backward(self, dy, input_gradient=True):
        if not input_gradient:
            return None
        x_shape, x4_shape, padded_shape, pads, out_hw, positions, state = self._state
        dy4 = dy.reshape((x4_shape[0],) + out_hw + (x4_shape[-1],))
        dpadded = np.zeros(padded_shape, dy.dtype)
        if self.mode == "max":
            # Each window's gradient goes to the first position holding its maximum (row-major
            # order), as in TensorFlow and PyTorch: later ties are skipped via `taken`. Windows
            # that do not overlap write their positions directly, with no temporaries.
            padded, maxima = state
            overlapping = any(s < p for s, p in zip(self._as_2d(self.strides),
                                                    self._as_2d(self.pool_size)))
            taken = np.zeros(maxima.shape, bool)
            hit = np.empty(maxima.shape, bool)
            for rows, cols in positions:
                np.equal(padded[:, rows, cols, :], maxima, out=hit)
                np.greater(hit, taken, out=hit)  # hit and not yet taken
                np.logical_or(taken, hit, out=taken)
                if overlapping:
                    dpadded[:, rows, cols, :] += dy4 * hit
                else:
                    np.multiply(dy4, hit, out=dpadded[:, rows, cols, :])
        else:
            share = dy4 / state
            for rows, cols in positions:
                dpadded[:, rows, cols, :] += share
        (top, _), (left, _) = pads
        dx = dpadded[:, top: top + x4_shape[1], left: left + x4_shape[2], :]
        return dx.reshape(x_shape)

    def get_config(self):
        return {**super().get_config(), "pool_size": list(self.pool_size),
                "strides": list(self.strides), "padding": self.padding,
                "data_format": "channels_last"}
