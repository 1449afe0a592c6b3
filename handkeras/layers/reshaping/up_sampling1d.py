"""UpSampling1D: repeats each step (nearest neighbour)."""

from handkeras.layers.layer import Layer


class UpSampling1D(Layer):
    """Repeats each step of (batch, steps, features) ``size`` times; the gradient sums the copies
    back."""

    def __init__(self, size=2, **kwargs):
        super().__init__(**kwargs)
        self.size = self._checked_positive_int("size", size, type_error=True)

    def build(self, input_shape):
        self._check_rank(input_shape, 3)

    def compute_output_shape(self, input_shape):
        steps = input_shape[1]
        return (input_shape[0], None if steps is None else steps * self.size, input_shape[2])

    def forward(self, x, training=False):
        return x.repeat(self.size, axis=1)

    def backward(self, dy, input_gradient=True):
        n, steps, features = dy.shape
        return dy.reshape(n, steps // self.size, self.size, features).sum(axis=2)

    def get_config(self):
        return {**super().get_config(), "size": self.size}
