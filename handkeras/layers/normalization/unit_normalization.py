"""UnitNormalization: scales each sample to unit L2 norm along ``axis``."""

import numpy as np

from handkeras.layers.layer import Layer, is_int

# Keras's floor under the norm: inputs whose norm is below it are scaled by 1 / EPSILON instead.
EPSILON = 1e-12


class UnitNormalization(Layer):
    """``y = x / max(||x||, 1e-12)``, the L2 norm taken over ``axis`` (an int or a list of ints),
    as Keras computes it: ``x * min(1 / sqrt(sum x^2), 1e12)``.

    Gradient, with ``s = ||x||``: ``dx = (dy - y * sum(dy * y)) / s`` where ``s >= 1e-12``, and
    ``dx = 1e12 * dy`` below the floor, where the scale is a constant.
    """

    supports_masking = True
    _keras_builds_at_init = True

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)) and all(is_int(a) for a in axis):
            self.axis = [int(a) for a in axis]
        elif is_int(axis):
            self.axis = int(axis)
        else:
            raise TypeError(f"UnitNormalization '{self.name}': `axis` must be an int or a list "
                            f"or tuple of ints, received {axis!r}.")

    def _axes(self):
        return tuple(self.axis) if isinstance(self.axis, list) else (self.axis,)

    def build(self, input_shape):
        self.compute_output_shape(input_shape)

    def compute_output_shape(self, input_shape):
        rank = len(input_shape)
        if any(not -rank <= a < rank for a in self._axes()):
            raise ValueError(f"UnitNormalization '{self.name}': `axis` {self.axis} is out of "
                             f"bounds for inputs of shape {tuple(input_shape)}.")
        return tuple(input_shape)

    def forward(self, x, training=False):
        square_sum = np.square(x).sum(axis=self._axes(), keepdims=True)
        floored = square_sum < EPSILON ** 2
        scale = 1 / np.sqrt(np.maximum(square_sum, np.asarray(EPSILON ** 2, x.dtype)))
        y = x * scale
        if training:
            self._cache = y, scale, floored
        return y

    def backward(self, dy, input_gradient=True):
        y, scale, floored = self._cache
        along = (dy * y).sum(axis=self._axes(), keepdims=True)
        along[floored] = 0
        return (dy - y * along) * scale

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}
