"""UpSampling2D: repeat rows and columns (nearest neighbour)."""

from handkeras.layers.convolutional.im2col import normalize_tuple
from handkeras.layers.layer import Layer


class UpSampling2D(Layer):
    """Repeats each row ``size[0]`` times and each column ``size[1]`` times; the gradient sums the
    copies back."""

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(**kwargs)
        if interpolation != "nearest":
            raise NotImplementedError(f"UpSampling2D '{self.name}': only interpolation='nearest' is "
                                      f"supported, received {interpolation!r}.")
        if data_format not in (None, "channels_last"):
            raise ValueError(f"UpSampling2D '{self.name}': only `data_format='channels_last'` is "
                             f"supported, received {data_format!r}.")
        self.size = normalize_tuple(size, 2, "size", self.name)

    def build(self, input_shape):
        self._check_rank(input_shape, 4)

    def compute_output_shape(self, input_shape):
        height, width = input_shape[1], input_shape[2]
        return (input_shape[0], None if height is None else height * self.size[0],
                None if width is None else width * self.size[1], input_shape[3])

    def forward(self, x, training=False):
        return x.repeat(self.size[0], axis=1).repeat(self.size[1], axis=2)

    def backward(self, dy, input_gradient=True):
        n, h, w, c = dy.shape
        rows, cols = self.size
        return dy.reshape(n, h // rows, rows, w // cols, cols, c).sum(axis=(2, 4))

    def get_config(self):
        return {**super().get_config(), "size": tuple(self.size), "data_format": "channels_last",
                "interpolation": "nearest"}
