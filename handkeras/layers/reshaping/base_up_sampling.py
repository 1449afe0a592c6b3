"""Nearest-neighbour up-sampling of the spatial axes of channels-last images (2D) and volumes
(3D)."""

from handkeras.layers.convolutional.im2col import normalize_tuple
from handkeras.layers.layer import Layer


class BaseUpSampling(Layer):
    """Repeats each position of spatial axis ``k`` ``size[k]`` times; the gradient sums the copies
    back."""

    rank = None

    def __init__(self, size, data_format=None, **kwargs):
        super().__init__(**kwargs)
        if data_format not in (None, "channels_last"):
            raise ValueError(f"{type(self).__name__} '{self.name}': only "
                             f"`data_format='channels_last'` is supported, received "
                             f"{data_format!r}.")
        self.size = normalize_tuple(size, self.rank, "size", self.name)

    def build(self, input_shape):
        self._check_rank(input_shape, self.rank + 2)

    def compute_output_shape(self, input_shape):
        sizes = (None if length is None else length * factor
                 for length, factor in zip(input_shape[1:-1], self.size))
        return (input_shape[0], *sizes, input_shape[-1])

    def forward(self, x, training=False):
        for axis, factor in enumerate(self.size, start=1):
            x = x.repeat(factor, axis=axis)
        return x

    def backward(self, dy, input_gradient=True):
        # Axis k of length L * s becomes (L, s); summing every s axis adds each input's copies.
        split = [dy.shape[0]]
        for length, factor in zip(dy.shape[1:-1], self.size):
            split += [length // factor, factor]
        return dy.reshape(split + [dy.shape[-1]]).sum(axis=tuple(range(2, 2 * self.rank + 1, 2)))

    def get_config(self):
        return {**super().get_config(), "size": self.size, "data_format": "channels_last"}
