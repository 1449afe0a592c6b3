"""ZeroPadding3D: zeros around volumes."""

from handkeras.layers.reshaping.base_zero_padding import BaseZeroPadding


class ZeroPadding3D(BaseZeroPadding):
    """Pads (batch, depth, height, width, channels) with zeros: ``padding`` is an int, three ints
    (symmetric per axis) or three ``(before, after)`` pairs, as in Keras."""

    rank = 3

    def __init__(self, padding=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)
