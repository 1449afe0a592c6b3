"""RandomInvert: invert the values of some images."""

import numpy as np

from handkeras.layers.augmentation.image_augmentation import ImageAugmentation


class RandomInvert(ImageAugmentation):
    """In training, maps each image chosen to ``high - x``, where ``value_range = (low, high)``
    (Keras's formula: for a range not starting at 0 the values leave it). An image is chosen when
    a uniform draw falls below its probability, itself drawn uniformly in ``factor`` (a number
    ``f`` is ``(0, f)``; each bound in ``[0, 1]``)."""

    def __init__(self, factor=1.0, value_range=(0, 255), seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        lower, upper = self._checked_range("factor", factor, 0, 1)
        if not isinstance(factor, (list, tuple)):
            lower = max(lower, 0)  # Keras's reading of a number f: (0, f)
        self.factor = (lower, upper)
        self.value_range = self._checked_value_range(value_range)

    def draw(self, shape, rng):
        probabilities = rng.uniform(self.factor[0], self.factor[1], shape[0])
        return rng.uniform(size=shape[0]) < probabilities

    def transform(self, images, chosen):
        self._chosen = chosen[:, None, None, None]
        return np.where(self._chosen, images.dtype.type(self.value_range[1]) - images, images)

    def transform_backward(self, dy, input_shape):
        return np.where(self._chosen, -dy, dy)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range,
                "seed": self.seed}
