"""AveragePooling3D."""

from handkeras.layers.pooling.base_pooling import BasePooling


class AveragePooling3D(BasePooling):
    """The mean of each ``pool_size`` window of (batch, depth, height, width, channels) inputs."""

    rank, mode = 3, "average"

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None,
                 name=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, name=name, **kwargs)
