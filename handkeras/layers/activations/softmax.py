"""Softmax layer."""

import numpy as np

from handkeras import activations
from handkeras.layers.layer import Layer


class Softmax(Layer):
    """Softmax along ``axis`` (default -1), with its full Jacobian in backward."""

    supports_masking = True
    _keras_builds_at_init = True

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        axis = None if axis is None else self._checked_axis(axis)
        self.axis = tuple(axis) if isinstance(axis, list) else axis  # numpy reduces over tuples

    def build(self, input_shape):
        ndim = len(input_shape)
        if not all(-ndim <= a < ndim for a in np.ravel(() if self.axis is None else self.axis)):
            raise ValueError(f"Softmax '{self.name}': `axis={self.axis}` is out of range for inputs "
                             f"with shape {tuple(input_shape)}.")

    @property
    def output_activation(self):
        return activations.softmax if self.axis in (-1, None) else None

    def forward(self, x, training=False):
        y = activations.softmax(x, axis=self.axis)
        if training:
            self.logits, self._y = x, y
        return y

    def backward(self, dy, input_gradient=True):
        return activations.softmax.vjp(self.logits, self._y, dy, axis=self.axis)

    def backward_from_logits(self, dz, input_gradient=True):
        return dz

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}
