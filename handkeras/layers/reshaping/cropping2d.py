"""Cropping2D: drops rows and columns at the borders of images."""

from handkeras.layers.reshaping.base_cropping import BaseCropping


class Cropping2D(BaseCropping):
    """Removes rows and columns of (batch, height, width, channels): ``cropping`` is an int (all
    four sides), ``(rows, cols)`` (symmetric) or ``((top, bottom), (left, right))``, as in Keras;
    at least one row and one column must remain."""

    rank = 2

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(cropping, data_format, **kwargs)
