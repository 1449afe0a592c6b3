"""Cropping1D: drops steps at the start and end of sequences."""

import numpy as np

from handkeras.layers.convolutional.im2col import normalize_tuple
from handkeras.layers.layer import Layer


class Cropping1D(Layer):
    """Removes ``cropping`` steps of (batch, steps, features): an int for both ends or
    ``(start, end)``, as in Keras; at least one step must remain. The output is a view of the
    input; the gradient is ``dy`` padded back with zeros where steps were cropped."""

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(**kwargs)
        self.cropping = normalize_tuple(cropping, 2, "cropping", self.name, allow_zero=True)

    def build(self, input_shape):
        self._check_rank(input_shape, 3)
        self.compute_output_shape(input_shape)

    def compute_output_shape(self, input_shape):
        steps = input_shape[1]
        if steps is not None and sum(self.cropping) >= steps:
            raise ValueError(f"Cropping1D '{self.name}': `cropping` {self.cropping} must leave at "
                             f"least one step of inputs of shape {tuple(input_shape)}.")
        return (input_shape[0], None if steps is None else steps - sum(self.cropping),
                input_shape[2])

    def forward(self, x, training=False):
        self.compute_output_shape(x.shape)
        start, end = self.cropping
        return x[:, start: x.shape[1] - end]

    def backward(self, dy, input_gradient=True):
        return np.pad(dy, ((0, 0), self.cropping, (0, 0)))

    def get_config(self):
        return {**super().get_config(), "cropping": self.cropping}
