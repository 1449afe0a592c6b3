"""MaxPooling1D."""

from handkeras.layers.pooling.base_pooling import BasePooling


class MaxPooling1D(BasePooling):
    """The maximum of each ``pool_size`` window of (batch, steps, channels) inputs."""

    rank, mode = 1, "max"

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None,
                 name=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, name=name, **kwargs)
