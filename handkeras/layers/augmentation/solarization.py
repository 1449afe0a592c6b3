"""Solarization: brighten images, then invert the values above a threshold."""

import numpy as np

from handkeras.layers.augmentation import color_math
from handkeras.layers.augmentation.image_augmentation import ImageAugmentation


class Solarization(ImageAugmentation):
    """In training, on the values mapped from ``value_range`` onto ``[0, 255]``: adds ``a`` and
    clips to ``[0, 255]``, then replaces each value ``v >= t`` by ``255 - v``; ``a`` and ``t`` are
    drawn per image uniformly in ``[lower, 255 * upper]`` of ``addition_factor`` and
    ``threshold_factor`` (Keras's ranges: a number ``f`` is ``(0, f)``; each bound in ``[0, 1]``).
    With the default factors (0), every value is inverted."""

    def __init__(self, addition_factor=0.0, threshold_factor=0.0, value_range=(0, 255), seed=None,
                 **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.addition_factor = self._factor("addition_factor", addition_factor)
        self.threshold_factor = self._factor("threshold_factor", threshold_factor)
        self.value_range = sorted(self._checked_value_range(value_range))

    def _factor(self, argument, factor):
        lower, upper = self._checked_range(argument, factor, 0, 1)
        return (lower, upper) if isinstance(factor, (list, tuple)) else (0, upper)

    def draw(self, shape, rng):
        """``(additions, thresholds)``, one of each per image (in ``[0, 255]`` units)."""
        additions = rng.uniform(self.addition_factor[0], self.addition_factor[1] * 255, shape[0])
        thresholds = rng.uniform(self.threshold_factor[0], self.threshold_factor[1] * 255,
                                 shape[0])
        return additions, thresholds

    def transform(self, images, parameters):
        additions, thresholds = (p.astype(images.dtype)[:, None, None, None] for p in parameters)
        shifted = color_math.to_255(images, self.value_range) + additions
        inside = (shifted >= 0) & (shifted <= 255)
        shifted = np.clip(shifted, 0, 255)
        kept = shifted < thresholds
        self._slope = np.where(kept, 1, -1) * inside
        return color_math.from_255(np.where(kept, shifted, 255 - shifted), self.value_range)

    def transform_backward(self, dy, input_shape):
        return dy * self._slope

    def get_config(self):
        return {**super().get_config(), "value_range": self.value_range,
                "addition_factor": self.addition_factor,
                "threshold_factor": self.threshold_factor, "seed": self.seed}
