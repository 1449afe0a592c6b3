"""UpSampling3D: repeat slices, rows and columns (nearest neighbour)."""

from handkeras.layers.reshaping.base_up_sampling import BaseUpSampling


class UpSampling3D(BaseUpSampling):
    """Repeats each position along depth, height and width ``size`` times (one factor per axis);
    the gradient sums the copies back."""

    rank = 3

    def __init__(self, size=(2, 2, 2), data_format=None, **kwargs):
        super().__init__(size, data_format, **kwargs)
