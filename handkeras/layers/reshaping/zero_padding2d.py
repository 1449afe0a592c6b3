"""ZeroPadding2D: rows and columns of zeros around images."""

from handkeras.layers.reshaping.base_zero_padding import BaseZeroPadding


class ZeroPadding2D(BaseZeroPadding):
    """Pads (batch, height, width, channels) with zeros: ``padding`` is an int, ``(rows, cols)`` or
    ``((top, bottom), (left, right))``, as in Keras."""

    rank = 2

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)
