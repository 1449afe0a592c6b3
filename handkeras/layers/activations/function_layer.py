"""FunctionLayer: an activation function with fixed options, as a layer (ReLU, LeakyReLU, ELU)."""

from handkeras.layers.layer import Layer


class FunctionLayer(Layer):
    """Applies ``function(x, **_options())``; backward is the function's vector-Jacobian product.

    A subclass names its ``function`` (an ``ActivationFunction``) and returns its options from
    ``_options()``; they are also its config."""

    supports_masking = True
    _keras_builds_at_init = True
    function = None

    def _options(self):
        return {}

    def forward(self, x, training=False):
        y = self.function(x, **self._options())
        if training:
            self._x, self._y = x, y
        return y

    def backward(self, dy, input_gradient=True):
        if not input_gradient:
            return None
        return self.function.vjp(self._x, self._y, dy, **self._options())

    def get_config(self):
        return {**super().get_config(), **self._options()}
