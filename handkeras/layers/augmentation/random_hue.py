"""RandomHue: turn the hue of each image by a random amount."""

import numpy as np

from handkeras.layers.augmentation.hsv import HsvToRgb, RgbToHsv
from handkeras.layers.augmentation.image_augmentation import ImageAugmentation
from handkeras.layers.augmentation.random_saturation import _check_rgb


class RandomHue(ImageAugmentation):
    """In training, maps each RGB image from ``value_range`` onto ``[0, 1]``, converts it to
    HSV, adds ``d`` to its hue (wrapped into ``[0, 1]``), converts back, clips to ``[0, 1]`` and
    maps back; ``d = +-f / 2``, ``f`` drawn per image uniformly in ``factor`` (a number ``f`` is
    ``(0, f)``; bounds in ``[0, 1]``) and its sign at random (Keras's draw)."""

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        lower, upper = self._checked_range("factor", factor, 0, 1)
        self.factor = (lower, upper) if isinstance(factor, (list, tuple)) else (0, upper)
        self.value_range = self._checked_value_range(value_range)

    def draw(self, shape, rng):
        sign = np.where(rng.uniform(size=shape[0]) > 0.5, -1.0, 1.0)
        return sign * rng.uniform(self.factor[0], self.factor[1], shape[0]) * 0.5

    def transform(self, images, shifts):
        _check_rgb(self, images)
        low, high = self.value_range
        unit = (images - images.dtype.type(low)) / images.dtype.type(high - low)
        self._to_hsv = RgbToHsv(unit)
        hue, saturation, value = np.moveaxis(self._to_hsv.hsv, -1, 0)
        hue = hue + shifts.astype(images.dtype)[:, None, None]
        hue = np.where(hue > 1.0, hue - 1.0, hue)
        hue = np.where(hue < 0.0, hue + 1.0, hue)
        self._to_rgb = HsvToRgb(np.stack([hue, saturation, value], axis=-1))
        rgb = self._to_rgb.rgb
        self._inside = (rgb >= 0) & (rgb <= 1)
        return np.clip(rgb, 0, 1) * images.dtype.type(high - low) + images.dtype.type(low)

    def transform_backward(self, dy, input_shape):
        low, high = self.value_range
        d_hsv = self._to_rgb.backward(dy * self._inside * (high - low))
        return self._to_hsv.backward(d_hsv) / (high - low)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range,
                "seed": self.seed}
