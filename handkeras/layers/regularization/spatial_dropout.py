"""SpatialDropout1D and SpatialDropout2D: Dropout of whole feature maps."""

from handkeras.layers.regularization.dropout import Dropout

DATA_FORMATS = ("channels_last", "channels_first")


class BaseSpatialDropout(Dropout):
    """Dropout with one draw per sample and channel, shared by every step or pixel of the channel:
    neighbouring values of a feature map are strongly correlated, so dropping single ones would
    hardly regularize. Subclasses give the input rank and the noise shape.

    Keras's signature has no ``**kwargs`` and its config is its own short one.
    """

    rank = None

    def __init__(self, rate, seed=None, name=None, dtype=None):
        super().__init__(rate, noise_shape=self._noise_shape(), seed=seed, name=name, dtype=dtype)

    def _noise_shape(self):
        """The noise shape, None where the input's size is taken (the batch and the channels)."""
        raise NotImplementedError

    def build(self, input_shape):
        self._check_rank(input_shape, self.rank)

    def get_config(self):
        return {"rate": self.rate, "seed": self.seed, "name": self.name, "dtype": self.dtype}


class SpatialDropout1D(BaseSpatialDropout):
    """Dropout of whole channels of (batch, steps, channels): noise shape ``(batch, 1, channels)``."""

    rank = 3

    def _noise_shape(self):
        return (None, 1, None)


class SpatialDropout2D(BaseSpatialDropout):
    """Dropout of whole channels of images: noise shape ``(batch, 1, 1, channels)``
    (``(batch, channels, 1, 1)`` with ``data_format="channels_first"``)."""

    rank = 4

    def __init__(self, rate, data_format=None, seed=None, name=None, dtype=None):
        self.data_format = "channels_last" if data_format is None else data_format
        super().__init__(rate, seed=seed, name=name, dtype=dtype)
        if self.data_format not in DATA_FORMATS:
            raise ValueError(f"SpatialDropout2D '{self.name}': `data_format` must be one of "
                             f"{DATA_FORMATS}, received {data_format!r}.")

    def _noise_shape(self):
        return (None, None, 1, 1) if self.data_format == "channels_first" else (None, 1, 1, None)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}
