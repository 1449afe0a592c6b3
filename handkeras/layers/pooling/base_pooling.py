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
        if 0 in self.compute_output_shape(input_shape)[1:-1]:
            raise ValueError(f"{type(self).__name__} '{self.name}': input of shape "
                             f"{tuple(input_shape)} is smaller than the pool {self.pool_size}.")

    def compute_output_shape(self, input_shape):
        spatial = tuple(im2col.output_length(size, k, s, 1, self.padding)
                        for size, k, s in zip(input_shape[1:-1], self.pool_size, self.strides))
        return (input_shape[0],) + spatial + (input_shape[-1],)

    def _windows(self, x4, fill):
        pool, strides = self._as_2d(self.pool_size), self._as_2d(self.strides)
        if self.padding == "same":
            pads = tuple(im2col.same_padding(size, k, s, 1)
                         for size, k, s in zip(x4.shape[1:3], pool, strides))
        else:
            pads = ((0, 0), (0, 0))
        padded = im2col.pad_spatial(x4, pads, fill)
        oh = (padded.shape[1] - pool[0]) // strides[0] + 1
        ow = (padded.shape[2] - pool[1]) // strides[1] + 1
        return padded, pads, im2col.windows(padded, pool, strides, (1, 1), (oh, ow))

    def forward(self, x, training=False):
        x4 = x[:, None] if self.rank == 1 else x
        if self.mode == "max":
            padded, pads, view = self._windows(x4, -np.inf)
            flat = view.reshape(view.shape[:3] + (-1, view.shape[-1]))
            y4 = flat.max(axis=3)
            state = (flat.argmax(axis=3), view.shape)
        else:
            padded, pads, view = self._windows(x4, 0.0)
            counts = self._counts(x4.shape, pads, view.shape, x.dtype)
            y4 = view.sum(axis=(3, 4)) / counts
            state = (counts, view.shape)
        if training:
            self._state = (x.shape, x4.shape, padded.shape, pads) + state
        return y4.reshape((x.shape[0],) + y4.shape[2 if self.rank == 1 else 1:])

    def _counts(self, x4_shape, pads, view_shape, dtype):
        """How many real (unpadded) inputs each window averages: ``(OH, OW, 1)``."""
        if self.padding == "valid":
            return np.asarray(view_shape[3] * view_shape[4], dtype)
        ones = im2col.pad_spatial(np.ones((1,) + tuple(x4_shape[1:3]) + (1,), dtype), pads, 0.0)
        pool, strides = self._as_2d(self.pool_size), self._as_2d(self.strides)
        return im2col.windows(ones, pool, strides, (1, 1), view_shape[1:3]).sum(axis=(3, 4))[0]

    def backward(self, dy, input_gradient=True):
        if not input_gradient:
            return None
        x_shape, x4_shape, padded_shape, pads, extra, view_shape = self._state
        n, oh, ow, ph, pw, c = view_shape
        dy4 = dy.reshape(n, oh, ow, c)
        if self.mode == "max":
            positions = np.arange(ph * pw).reshape(1, 1, 1, ph * pw, 1)
            dwindows = (positions == extra[:, :, :, None, :]) * dy4[:, :, :, None, :]
        else:
            dwindows = np.broadcast_to((dy4 / extra)[:, :, :, None, :], (n, oh, ow, ph * pw, c))
        dwindows = dwindows.reshape(view_shape)
        strides = self._as_2d(self.strides)
        dpadded = im2col.add_windows(np.zeros(padded_shape, dy.dtype), dwindows, strides, (1, 1))
        (top, _), (left, _) = pads
        dx = dpadded[:, top: top + x4_shape[1], left: left + x4_shape[2], :]
        return dx.reshape(x_shape)

    def get_config(self):
        return {**super().get_config(), "pool_size": list(self.pool_size),
                "strides": list(self.strides), "padding": self.padding,
                "data_format": "channels_last"}
