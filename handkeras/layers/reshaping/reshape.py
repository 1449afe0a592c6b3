"""Reshape: a new shape for each sample."""

import math

import numpy as np

from handkeras.layers.layer import Layer, is_int


class Reshape(Layer):
    """Reshapes each sample to ``target_shape`` (one entry may be -1, inferred)."""

    _keras_builds_at_init = True

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        if not _is_target_shape(target_shape):
            raise ValueError(
                f"Reshape '{self.name}': `target_shape` must be a tuple of positive integers and at "
                f"most one -1, received {target_shape!r}."
            )
        self.target_shape = tuple(int(d) for d in target_shape)

    def compute_output_shape(self, input_shape):
        size = math.prod(input_shape[1:]) if None not in input_shape[1:] else None
        known = math.prod(d for d in self.target_shape if d != -1)
        if size is not None and (size % known or (-1 not in self.target_shape and size != known)):
            raise ValueError(
                f"Reshape '{self.name}' cannot reshape input of shape {tuple(input_shape)} "
                f"to {self.target_shape}."
            )
        shape = tuple(
            (size // known if size is not None else None) if d == -1 else d for d in self.target_shape
        )
        return (input_shape[0],) + shape

    def build(self, input_shape):
        self.compute_output_shape(input_shape)

    def forward(self, x, training=False):
        if training:
            self._input_shape = x.shape
        return x.reshape((x.shape[0],) + self.target_shape)

    def backward(self, dy, input_gradient=True):
        return dy.reshape(self._input_shape) if input_gradient else None

    def get_config(self):
        return {**super().get_config(), "target_shape": tuple(self.target_shape)}


def _is_target_shape(shape):
    """Whether ``shape`` is a list, tuple or 1-D array of positive ints, with at most one -1
    (inferred)."""
    return (isinstance(shape, (list, tuple, np.ndarray))
            and all(is_int(d) and (d > 0 or d == -1) for d in shape) and list(shape).count(-1) <= 1)
