"""AutoContrast: stretch each channel of each image to the whole value range."""

import numpy as np

from handkeras.layers.augmentation import color_math
from handkeras.layers.augmentation.image_augmentation import ImageAugmentation


class AutoContrast(ImageAugmentation):
    """Maps each channel of each image linearly so that its lowest value becomes the low end of
    ``value_range`` and its highest the high end; a channel with one value throughout is left as
    it is. Not random: as in Keras, it applies in inference too."""

    def __init__(self, value_range=(0, 255), **kwargs):
        super().__init__(**kwargs)
        self.value_range = sorted(self._checked_value_range(value_range))

    def forward(self, x, training=False):
        x = np.asarray(x, dtype=self.dtype)
        self._check_images(x.shape)
        images = self._to_batch(x)
        if training:
            self._shapes = (x.ndim, images.shape)
            return self._from_batch(self.transform(images, None), x.ndim)
        return self._from_batch(_stretched(images, self.value_range)[0], x.ndim)

    def draw(self, shape, rng):
        return None

    def transform(self, images, parameters):
        out, self._saved = _stretched(images, self.value_range)
        return out

    def transform_backward(self, dy, input_shape):
        """Through ``s = 255 (t - m) / (M - m)``, ``t`` the values in ``[0, 255]`` units and ``m``,
        ``M`` their channel's minimum and maximum, whose gradients are shared among ties (as
        torch's); a channel left as it was passes ``dy`` as it is."""
        ratio, scale, inside, at_min, at_max, stretched = self._saved
        dy_s = dy * inside
        to_min = (dy_s * (ratio - 1)).sum(axis=(1, 2), keepdims=True)
        to_max = (dy_s * ratio).sum(axis=(1, 2), keepdims=True)
        grad = scale * (dy_s + at_min / at_min.sum(axis=(1, 2), keepdims=True) * to_min
                        - at_max / at_max.sum(axis=(1, 2), keepdims=True) * to_max)
        return np.where(stretched, grad, dy)

    def get_config(self):
        return {**super().get_config(), "value_range": self.value_range}


def _stretched(images, value_range):
    """The images auto-contrasted, and what the gradient needs."""
    values = color_math.to_255(images, value_range)
    low = values.min(axis=(1, 2), keepdims=True)
    high = values.max(axis=(1, 2), keepdims=True)
    stretched = high > low  # Keras's NaN, where high == low, gives the images back
    scale = 255 / np.where(stretched, high - low, 1)
    out = np.clip(values * scale + -low * scale, 0, 255)
    inside = out == values * scale + -low * scale
    ratio = (values - low) / np.where(stretched, high - low, 1)
    out = np.where(stretched, color_math.from_255(out, value_range), images)
    return out.astype(images.dtype, copy=False), (ratio, scale, inside, values == low,
                                                  values == high, stretched)
