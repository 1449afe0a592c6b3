"""Permute: reorders the axes of each sample."""

import numpy as np

from handkeras.layers.layer import Layer, is_int


class Permute(Layer):
    """Transposes the non-batch axes: ``dims`` (numbered from 1) gives, for each output axis, the
    input axis it takes, so ``Permute((2, 1))`` swaps steps and features. The output is a view of
    the input; the gradient goes back through the inverse permutation."""

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        dims = tuple(dims)
        if not all(is_int(d) for d in dims) or sorted(dims) != list(range(1, len(dims) + 1)):
            raise ValueError(f"Permute '{self.name}': `dims` must be a permutation of 1, ..., "
                             f"{len(dims)} (the batch axis 0 stays first), received {dims!r}.")
        self.dims = tuple(int(d) for d in dims)
        self._axes = (0,) + self.dims
        self._inverse = tuple(np.argsort(self._axes).tolist())

    def build(self, input_shape):
        self._check_rank(input_shape, len(self.dims) + 1)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[axis] for axis in self._axes)

    def forward(self, x, training=False):
        return x.transpose(self._axes)

    def backward(self, dy, input_gradient=True):
        return dy.transpose(self._inverse)

    def get_config(self):
        return {**super().get_config(), "dims": self.dims}
