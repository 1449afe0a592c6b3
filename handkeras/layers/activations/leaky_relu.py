"""LeakyReLU layer: slope ``negative_slope`` below 0 (0.3 by default, the activation's is 0.2)."""

import warnings

from handkeras import activations
from handkeras.layers.layer import Layer


class LeakyReLU(Layer):
    """``x`` for ``x > 0``, ``negative_slope * x`` otherwise; Keras 2's ``alpha=`` still works, with
    Keras's deprecation warning."""

    supports_masking = True

    def __init__(self, negative_slope=0.3, **kwargs):
        if "alpha" in kwargs:
            negative_slope = kwargs.pop("alpha")
            warnings.warn("Argument `alpha` is deprecated. Use `negative_slope` instead.",
                          stacklevel=2)
        super().__init__(**kwargs)
        if negative_slope is None or negative_slope < 0:
            raise ValueError(
                f"LeakyReLU '{self.name}': `negative_slope` must be a non-negative number, "
                f"received {negative_slope!r}."
            )
        self.negative_slope = negative_slope

    def forward(self, x, training=False):
        y = activations.leaky_relu(x, negative_slope=self.negative_slope)
        if training:
            self._x, self._y = x, y
        return y

    def backward(self, dy, input_gradient=True):
        if not input_gradient:
            return None
        return activations.leaky_relu.vjp(self._x, self._y, dy,
                                          negative_slope=self.negative_slope)

    def get_config(self):
        return {**super().get_config(), "negative_slope": self.negative_slope}
