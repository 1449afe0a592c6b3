"""Zero padding around the spatial axes of channels-last images (2D) and volumes (3D)."""

import numpy as np

from handkeras.layers.layer import Layer
from handkeras.layers.reshaping.spatial_margins import normalize_margins


class BaseZeroPadding(Layer):
    """Pads each spatial axis of (batch, *spatial, channels) with ``padding`` zeros at both ends.
    The gradient is ``dy`` without the padded positions."""

    rank = None

    def __init__(self, padding, data_format=None, **kwargs):
        super().__init__(**kwargs)
        if data_format not in (None, "channels_last"):
            raise ValueError(f"{type(self).__name__} '{self.name}': only "
                             f"`data_format='channels_last'` is supported, received "
                             f"{data_format!r}.")
        self.padding = normalize_margins(padding, self.rank, "padding", self)

    def build(self, input_shape):
        self._check_rank(input_shape, self.rank + 2)

    def compute_output_shape(self, input_shape):
        sizes = (None if size is None else size + before + after
                 for size, (before, after) in zip(input_shape[1:-1], self.padding))
        return (input_shape[0], *sizes, input_shape[-1])

    def forward(self, x, training=False):
        return np.pad(x, ((0, 0),) + self.padding + ((0, 0),))

    def backward(self, dy, input_gradient=True):
        return dy[(slice(None),) + tuple(slice(before, size - after) for (before, after), size
                                         in zip(self.padding, dy.shape[1:-1]))]

    def get_config(self):
        return {**super().get_config(), "padding": self.padding, "data_format": "channels_last"}
