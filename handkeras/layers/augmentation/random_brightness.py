"""RandomBrightness: add a random offset to every pixel of each image."""

import numpy as np

from handkeras.layers.augmentation.image_augmentation import ImageAugmentation


class RandomBrightness(ImageAugmentation):
    """In training, adds ``d * (high - low)`` to every value of each image, clipped to
    ``value_range = (low, high)``, with ``d`` drawn per image uniformly in ``factor`` (a number
    ``f`` is ``(-f, f)``; a pair is ``(lower, upper)``; each in ``[-1, 1]``)."""

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.factor = self._checked_range("factor", factor, -1, 1)
        self.value_range = sorted(self._checked_value_range(value_range))

    def draw(self, shape, rng):
        low, high = self.value_range
        return rng.uniform(self.factor[0], self.factor[1], shape[0]) * (high - low)

    def transform(self, images, offsets):
        out = images + offsets.astype(images.dtype)[:, None, None, None]
        self._inside = (out >= self.value_range[0]) & (out <= self.value_range[1])
        return np.clip(out, *self.value_range).astype(images.dtype, copy=False)

    def transform_backward(self, dy, input_shape):
        return dy * self._inside

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range,
                "seed": self.seed}
