"""Cropping2D: drops rows and columns at the borders of images."""

import numpy as np

from handkeras.layers.convolutional.im2col import normalize_tuple
from handkeras.layers.layer import Layer, is_int


class Cropping2D(Layer):
    """Removes rows and columns of (batch, height, width, channels): ``cropping`` is an int (all
    four sides), ``(rows, cols)`` (symmetric) or ``((top, bottom), (left, right))``, as in Keras;
    at least one row and one column must remain. The output is a view of the input; the gradient
    is ``dy`` padded back with zeros."""

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(**kwargs)
        if data_format not in (None, "channels_last"):
            raise ValueError(f"Cropping2D '{self.name}': only `data_format='channels_last'` is "
                             f"supported, received {data_format!r}.")
        self.cropping = self._normalize(cropping)

    def _normalize(self, cropping):
        if is_int(cropping):
            cropping = (cropping, cropping)
        try:
            rows, cols = cropping
        except (TypeError, ValueError):
            raise ValueError(f"Cropping2D '{self.name}': `cropping` must be an int, a tuple of 2 "
                             f"ints or 2 tuples of 2 ints, received {cropping!r}.") from None
        return (normalize_tuple(rows, 2, "cropping[0]", self.name, allow_zero=True),
                normalize_tuple(cols, 2, "cropping[1]", self.name, allow_zero=True))

    def build(self, input_shape):
        self._check_rank(input_shape, 4)
        self.compute_output_shape(input_shape)

    def compute_output_shape(self, input_shape):
        sizes = []
        for size, crop in zip(input_shape[1:3], self.cropping):
            if size is not None and sum(crop) >= size:
                raise ValueError(f"Cropping2D '{self.name}': `cropping` {self.cropping} must leave "
                                 f"at least one row and column of inputs of shape "
                                 f"{tuple(input_shape)}.")
            sizes.append(None if size is None else size - sum(crop))
        return (input_shape[0], *sizes, input_shape[3])

    def forward(self, x, training=False):
        self.compute_output_shape(x.shape)
        (top, bottom), (left, right) = self.cropping
        return x[:, top: x.shape[1] - bottom, left: x.shape[2] - right]

    def backward(self, dy, input_gradient=True):
        return np.pad(dy, ((0, 0),) + self.cropping + ((0, 0),))

    def get_config(self):
        return {**super().get_config(), "cropping": self.cropping,
                "data_format": "channels_last"}
