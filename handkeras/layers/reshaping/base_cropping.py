"""Cropping over the spatial axes of channels-last images (2D) and volumes (3D)."""

import numpy as np

from handkeras.layers.layer import Layer
from handkeras.layers.reshaping.spatial_margins import normalize_margins


class BaseCropping(Layer):
    """Removes ``cropping`` positions at both ends of each spatial axis of
    (batch, *spatial, channels); at least one position must remain on every axis. The output is a
    view of the input; the gradient is ``dy`` padded back with zeros."""

    rank = None

    def __init__(self, cropping, data_format=None, **kwargs):
        super().__init__(**kwargs)
        if data_format not in (None, "channels_last"):
            raise ValueError(f"{type(self).__name__} '{self.name}': only "
                             f"`data_format='channels_last'` is supported, received "
                             f"{data_format!r}.")
        self.cropping = normalize_margins(cropping, self.rank, "cropping", self)

    def build(self, input_shape):
        self._check_rank(input_shape, self.rank + 2)
        self.compute_output_shape(input_shape)

    def compute_output_shape(self, input_shape):
        sizes = []
        for size, crop in zip(input_shape[1:-1], self.cropping):
            if size is not None and sum(crop) >= size:
                raise ValueError(f"{type(self).__name__} '{self.name}': `cropping` "
                                 f"{self.cropping} must leave at least one position along every "
                                 f"spatial axis of inputs of shape {tuple(input_shape)}.")
            sizes.append(None if size is None else size - sum(crop))
        return (input_shape[0], *sizes, input_shape[-1])

    def forward(self, x, training=False):
        self.compute_output_shape(x.shape)
        return x[(slice(None),) + tuple(slice(before, size - after) for (before, after), size
                                        in zip(self.cropping, x.shape[1:-1]))]

    def backward(self, dy, input_gradient=True):
        return np.pad(dy, ((0, 0),) + self.cropping + ((0, 0),))

    def get_config(self):
        return {**super().get_config(), "cropping": self.cropping,
                "data_format": "channels_last"}
