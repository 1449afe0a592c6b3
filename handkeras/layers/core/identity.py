"""Identity: a placeholder layer that returns its input."""

from handkeras.layers.layer import Layer


class Identity(Layer):
    """Returns its input unchanged (the same array, no copy), passes masks through, and passes the
    gradient back unchanged; handy as a switchable placeholder in a list of layers."""

    supports_masking = True
    _keras_builds_at_init = True

    def __init__(self, **kwargs):  # Keras's signature: keyword arguments only
        super().__init__(**kwargs)

    def forward(self, x, training=False):
        return x

    def backward(self, dy, input_gradient=True):
        return dy
