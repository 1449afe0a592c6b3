"""RandomPosterization: keep only the top bits of each value."""

import numbers

import numpy as np

from handkeras.layers.augmentation import color_math
from handkeras.layers.augmentation.image_augmentation import ImageAugmentation


class RandomPosterization(ImageAugmentation):
    """In training, maps the values from ``value_range`` onto ``[0, 255]``, rounds them down to
    8-bit integers and keeps their ``b`` top bits, ``b`` drawn per image among the integers
    ``lower <= b < upper`` of ``factor`` (Keras's range: a number ``f`` is ``(1, f)``; each bound
    in ``[1, 8]``; ``b = lower`` when they are equal). Values outside ``value_range`` are clipped
    to it first. The result is piecewise constant: the layer has no input gradient."""

    has_input_gradient = False

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        message = (f"{self._label}: `factor` must be an integer (or a list of two integers) in "
                   f"the range [1, 8], received factor={factor!r}.")
        values = list(factor) if isinstance(factor, (list, tuple)) else [factor]
        if len(values) not in (1, 2) or not all(
                isinstance(v, numbers.Integral) and not isinstance(v, bool) and 1 <= v <= 8
                for v in values):
            raise ValueError(message)
        self.factor = tuple(sorted(values)) if len(values) == 2 else (1, factor)
        self.value_range = sorted(self._checked_value_range(value_range))

    def draw(self, shape, rng):
        """The bits kept per image."""
        lower, upper = self.factor
        if lower == upper:
            return np.full(shape[0], lower)
        return rng.integers(lower, upper, shape[0])

    def transform(self, images, bits):
        levels = np.floor(np.clip(color_math.to_255(images, self.value_range), 0, 255))
        shift = (8 - bits)[:, None, None, None]
        kept = (levels.astype(np.uint8) >> shift.astype(np.uint8)) << shift.astype(np.uint8)
        return color_math.from_255(kept.astype(images.dtype), self.value_range)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range,
                "seed": self.seed}
