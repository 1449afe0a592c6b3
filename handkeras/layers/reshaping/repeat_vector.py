"""RepeatVector: repeats a vector ``n`` times along a new steps axis."""

from handkeras.layers.layer import Layer


class RepeatVector(Layer):
    """(batch, features) becomes (batch, n, features), each sample's vector repeated ``n`` times (to
    feed a vector to a sequence layer); the gradient sums the ``n`` copies."""

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        self.n = self._checked_positive_int("n", n, type_error=True)

    def build(self, input_shape):
        self._check_rank(input_shape, 2)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n, input_shape[1])

    def forward(self, x, training=False):
        return x[:, None, :].repeat(self.n, axis=1)

    def backward(self, dy, input_gradient=True):
        return dy.sum(axis=1)

    def get_config(self):
        return {**super().get_config(), "n": self.n}
