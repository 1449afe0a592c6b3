"""Flatten: every non-batch dimension into one."""

import math

from handkeras.layers.layer import Layer


class Flatten(Layer):
    """``(N, d1, d2, ...)`` -> ``(N, d1 * d2 * ...)``; a view, never a copy, for contiguous input."""

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        if data_format not in (None, "channels_last"):
            raise ValueError(
                f"Flatten '{self.name}': only `data_format='channels_last'` is supported, "
                f"received {data_format!r}."
            )

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        return (input_shape[0], None if None in rest else math.prod(rest))

    def forward(self, x, training=False):
        if training:
            self._input_shape = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, dy, input_gradient=True):
        return dy.reshape(self._input_shape) if input_gradient else None

    def get_config(self):
        return {**super().get_config(), "data_format": "channels_last"}
