"""ELU layer: the exponential linear unit with slope parameter ``alpha``."""

from handkeras import activations
from handkeras.layers.layer import Layer


class ELU(Layer):
    """``x`` for ``x > 0``, ``alpha * (exp(x) - 1)`` otherwise."""

    supports_masking = True

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = alpha

    def forward(self, x, training=False):
        y = activations.elu(x, alpha=self.alpha)
        if training:
            self._x, self._y = x, y
        return y

    def backward(self, dy, input_gradient=True):
        if not input_gradient:
            return None
        return activations.elu.vjp(self._x, self._y, dy, alpha=self.alpha)

    def get_config(self):
        return {**super().get_config(), "alpha": self.alpha}
