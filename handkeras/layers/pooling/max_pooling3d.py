"""MaxPooling3D."""

from handkeras.layers.pooling.base_pooling import BasePooling


class MaxPooling3D(BasePooling):
    """The maximum of each ``pool_size`` window of (batch, depth, height, width, channels)
    inputs."""

    rank, mode = 3, "max"

    def __init__(self, pool_size=(2, 2, 2), strides=None, padding="valid", data_format=None,
                 name=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, name=name, **kwargs)
