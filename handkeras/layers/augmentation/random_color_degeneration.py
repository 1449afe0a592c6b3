"""RandomColorDegeneration: blend each image with its gray version."""

import numpy as np

from handkeras.layers.augmentation import color_math
from handkeras.layers.augmentation.image_augmentation import ImageAugmentation


class RandomColorDegeneration(ImageAugmentation):
    """In training, maps each image to ``x + f * (gray(x) - x)``, clipped to ``value_range``, with
    ``f`` drawn per image uniformly in ``factor`` (a number ``f`` is ``(-f, f)``; each bound in
    ``[-1, 1]``): 1 is fully gray, 0 unchanged, negative values exaggerate the colours."""

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = self._checked_range("factor", factor, -1, 1)
        self.value_range = sorted(self._checked_value_range(value_range))

    def draw(self, shape, rng):
        return rng.uniform(self.factor[0], self.factor[1], shape[0])

    def transform(self, images, factors):
        color_math.check_channels(self, images)
        self._factors = factors.astype(images.dtype)[:, None, None, None]
        out = images + self._factors * (color_math.gray(images) - images)
        self._inside = (out >= self.value_range[0]) & (out <= self.value_range[1])
        return np.clip(out, *self.value_range)

    def transform_backward(self, dy, input_shape):
        dy = dy * self._inside
        to_gray = color_math.gray_backward((self._factors * dy).sum(axis=-1, keepdims=True),
                                           dy.shape[-1])
        return (1 - self._factors) * dy + to_gray

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range,
                "seed": self.seed}
