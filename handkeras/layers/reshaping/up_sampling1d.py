"""UpSampling1D: repeats each step (nearest neighbour)."""

from handkeras.layers.layer import Layer, is_int


class UpSampling1D(Layer):
    """Repeats each step of (batch, steps, features) ``size`` times; the gradient sums the copies
    back."""

    def __init__(self, size=2, **kwargs):
        super().__init__(**kwargs)
        if not is_int(size):
            raise TypeError(f"UpSampling1D '{self.name}': `size` must be an integer, received "
                            f"{size!r}.")
        if size <= 0:
            raise ValueError(f"UpSampling1D '{self.name}': `size` must be a positive integer, "
                             f"received {size!r}.")
        self.size = int(size)

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
