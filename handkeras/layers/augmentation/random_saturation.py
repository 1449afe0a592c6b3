"""RandomSaturation: scale the saturation of each image by a random factor."""

import numpy as np

from handkeras import backend
from handkeras.layers.augmentation.hsv import HsvToRgb, RgbToHsv
from handkeras.layers.augmentation.image_augmentation import ImageAugmentation


class RandomSaturation(ImageAugmentation):
    """In training, converts each RGB image to HSV, multiplies its saturation by
    ``s / (1 - s + epsilon)``, clipped to ``value_range``, and converts back; ``s`` is drawn per
    image uniformly in ``factor`` (a number ``f`` is ``(-f, f)``, Keras's reading; each bound in
    ``[-1, 1]``): ``s = 0.5`` keeps the image, 0 makes it gray, 1 fully saturated. Keras's
    formula: the saturation, in ``[0, 1]``, is clipped to ``value_range``, and a negative ``s``
    grays the image."""

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = self._checked_range("factor", factor, -1, 1)
        self.value_range = sorted(self._checked_value_range(value_range))

    def draw(self, shape, rng):
        factors = rng.uniform(self.factor[0], self.factor[1], shape[0])
        return factors / (1 - factors + backend.epsilon())

    def transform(self, images, multipliers):
        _check_rgb(self, images)
        self._to_hsv = RgbToHsv(images)
        hue, saturation, value = np.moveaxis(self._to_hsv.hsv, -1, 0)
        self._multipliers = multipliers.astype(images.dtype)[:, None, None]
        scaled = saturation * self._multipliers
        self._inside = (scaled >= self.value_range[0]) & (scaled <= self.value_range[1])
        hsv = np.stack([hue, np.clip(scaled, *self.value_range), value], axis=-1)
        self._to_rgb = HsvToRgb(hsv)
        return self._to_rgb.rgb

    def transform_backward(self, dy, input_shape):
        d_hsv = self._to_rgb.backward(dy)
        d_hsv[..., 1] *= self._inside * self._multipliers
        return self._to_hsv.backward(d_hsv)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range,
                "seed": self.seed}


def _check_rgb(layer, images):
    if images.shape[-1] != 3:
        raise ValueError(f"{layer._label} expects RGB images (3 channels), received images "
                         f"with {images.shape[-1]} channels.")
