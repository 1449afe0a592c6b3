"""Activation: applies an activation function as a layer of its own."""

from handkeras import activations
from handkeras.layers.layer import Layer


class Activation(Layer):
    """``Activation("relu")``: the named activation applied element-wise (softmax along an axis)."""

    supports_masking = True
    _keras_builds_at_init = True

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)

    @property
    def output_activation(self):
        return self.activation

    def forward(self, x, training=False):
        y = self.activation(x)
        if training:
            self.logits, self._y = x, y
        return y

    def backward(self, dy, input_gradient=True):
        return self.activation.vjp(self.logits, self._y, dy)

    def backward_from_logits(self, dz, input_gradient=True):
        return dz

    def get_config(self):
        return {**super().get_config(), "activation": activations.serialize(self.activation)}
