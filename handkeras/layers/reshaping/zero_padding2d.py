"""ZeroPadding2D: rows and columns of zeros around images."""

import numpy as np

from handkeras.layers.layer import Layer


class ZeroPadding2D(Layer):
    """Pads (batch, height, width, channels) with zeros: ``padding`` is an int, ``(rows, cols)`` or
    ``((top, bottom), (left, right))``, as in Keras."""

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(**kwargs)
        if data_format not in (None, "channels_last"):
            raise ValueError(f"ZeroPadding2D '{self.name}': only `data_format='channels_last'` is "
                             f"supported, received {data_format!r}.")
        self.padding = self._normalize(padding)

    def _normalize(self, padding):
        try:
            if isinstance(padding, int):
                pads = ((padding, padding), (padding, padding))
            elif all(isinstance(p, int) for p in padding):
                rows, cols = padding
                pads = ((rows, rows), (cols, cols))
            else:
                pads = tuple(tuple(int(v) for v in pair) for pair in padding)
            if len(pads) != 2 or any(len(p) != 2 or min(p) < 0 for p in pads):
                raise ValueError
        except (TypeError, ValueError):
            raise ValueError(f"ZeroPadding2D '{self.name}': `padding` must be an int, a tuple of 2 "
                             f"non-negative ints or 2 tuples of 2, received {padding!r}.") from None
        return pads

    def build(self, input_shape):
        self._check_rank(input_shape, 4)

    def compute_output_shape(self, input_shape):
        (top, bottom), (left, right) = self.padding
        height, width = input_shape[1], input_shape[2]
        return (input_shape[0], None if height is None else height + top + bottom,
                None if width is None else width + left + right, input_shape[3])

    def forward(self, x, training=False):
        return np.pad(x, ((0, 0),) + self.padding + ((0, 0),))

    def backward(self, dy, input_gradient=True):
        (top, bottom), (left, right) = self.padding
        return dy[:, top: dy.shape[1] - bottom, left: dy.shape[2] - right, :]

    def get_config(self):
        return {**super().get_config(), "padding": tuple(tuple(p) for p in self.padding),
                "data_format": "channels_last"}
