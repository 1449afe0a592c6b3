"""Cropping3D: drops slices at the borders of volumes."""

from handkeras.layers.reshaping.base_cropping import BaseCropping


class Cropping3D(BaseCropping):
    """Removes borders of (batch, depth, height, width, channels): ``cropping`` is an int (all six
    sides), three ints (symmetric per axis) or three ``(before, after)`` pairs, as in Keras; at
    least one position must remain along each axis."""

    rank = 3

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(cropping, data_format, **kwargs)
