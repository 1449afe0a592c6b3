"""ZeroPadding1D: steps of zeros at the start and end of sequences."""

import numpy as np

from handkeras.layers.convolutional.im2col import normalize_tuple
from handkeras.layers.layer import Layer


class ZeroPadding1D(Layer):
    """Pads (batch, steps, features) with ``padding`` steps of zeros: an int for both ends or
    ``(start, end)``, as in Keras. The gradient is ``dy`` without the padded steps."""

    def __init__(self, padding=1, data_format=None, **kwargs):
        super().__init__(**kwargs)
        if data_format not in (None, "channels_last"):
            raise ValueError(f"ZeroPadding1D '{self.name}': only `data_format='channels_last'` is "
                             f"supported, received {data_format!r}.")
        self.padding = normalize_tuple(padding, 2, "padding", self.name, allow_zero=True)

    def build(self, input_shape):
        self._check_rank(input_shape, 3)

    def compute_output_shape(self, input_shape):
        steps = input_shape[1]
        return (input_shape[0], None if steps is None else steps + sum(self.padding),
                input_shape[2])

    def forward(self, x, training=False):
        return np.pad(x, ((0, 0), self.padding, (0, 0)))

    def backward(self, dy, input_gradient=True):
        start, end = self.padding
        return dy[:, start: dy.shape[1] - end]

    def get_config(self):
        return {**super().get_config(), "padding": self.padding, "data_format": "channels_last"}
