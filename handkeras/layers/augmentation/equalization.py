"""Equalization: flatten the histogram of each channel."""

import numpy as np

from handkeras.layers.augmentation.image_augmentation import ImageAugmentation


class Equalization(ImageAugmentation):
    """In training, maps each channel's values through the cumulative histogram of that channel
    over the whole batch (as Keras computes it: ``bins`` bins over ``value_range``, counted in
    float32, the lookup table rounded to integers in ``[0, 255]`` units), so that they spread
    over the whole range; a channel whose values fall in one bin is kept. Not random, but, as in
    Keras, the identity in inference. The result is piecewise constant: the layer has no input
    gradient."""

    has_input_gradient = False

    def __init__(self, value_range=(0, 255), bins=256, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.bins = self._checked_positive_int("bins", bins)
        self.value_range = sorted(self._checked_value_range(value_range))

    def draw(self, shape, rng):
        return None

    def transform(self, images, parameters):
        channels = [self._equalized(images[..., c]) for c in range(images.shape[-1])]
        return np.stack(channels, axis=-1).astype(images.dtype, copy=False)

    def _equalized(self, channel):
        low, high = self.value_range
        values = _rescaled(channel, (low, high), (0, 255))
        scaled = ((values.astype(np.float32) - np.float32(0)) * np.float32(self.bins - 1)
                  / np.float32(255))
        bins = np.clip(np.trunc(scaled).astype(np.int64), 0, self.bins - 1)
        histogram = np.bincount(bins.reshape(-1), minlength=self.bins)
        if np.count_nonzero(histogram) <= 1:
            equalized = values
        else:
            cdf = np.cumsum(histogram)
            cdf_min = cdf[np.nonzero(cdf)[0][0]]
            denominator = (cdf[-1] - cdf_min) or 1
            table = np.clip(np.round(((cdf - cdf_min) * 255).astype(np.float32)
                                     / np.float32(denominator)), 0, 255)
            index = np.trunc(np.clip(values / 255.0 * (self.bins - 1), 0, self.bins - 1))
            equalized = table[index.astype(np.int64)].astype(channel.dtype)
        return _rescaled(equalized, (0, 255), (low, high))

    def get_config(self):
        return {**super().get_config(), "bins": self.bins, "value_range": self.value_range}


def _rescaled(values, source, target):
    """``values`` mapped linearly from the range ``source`` onto ``target`` (Keras's formula)."""
    scale = (target[1] - target[0]) / (source[1] - source[0])
    return values * scale + (target[0] - source[0] * scale)
