"""UpSampling2D: repeat rows and columns (nearest neighbour)."""

from handkeras.layers.reshaping.base_up_sampling import BaseUpSampling


class UpSampling2D(BaseUpSampling):
    """Repeats each row ``size[0]`` times and each column ``size[1]`` times; the gradient sums the
    copies back."""

    rank = 2

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(size, data_format, **kwargs)
        if interpolation != "nearest":
            raise NotImplementedError(f"UpSampling2D '{self.name}': only "
                                      f"interpolation='nearest' is supported, received "
                                      f"{interpolation!r}.")

    def get_config(self):
        return {**super().get_config(), "interpolation": "nearest"}
