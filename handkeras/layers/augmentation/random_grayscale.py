"""RandomGrayscale: turn some images gray."""

import numbers

import numpy as np

from handkeras.layers.augmentation import color_math
from handkeras.layers.augmentation.image_augmentation import ImageAugmentation


class RandomGrayscale(ImageAugmentation):
    """In training, replaces each image, with probability ``factor``, by its gray level in every
    channel (``0.2989 r + 0.587 g + 0.114 b``, Keras's weights). Images have 3 channels or 1
    (gray ones stay as they are)."""

    def __init__(self, factor=0.5, data_format=None, seed=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        if (isinstance(factor, bool) or not isinstance(factor, numbers.Real)
                or not 0 <= factor <= 1):
            raise ValueError(f"{self._label}: `factor` must be a number between 0 and 1, "
                             f"received factor={factor!r}.")
        self.factor = factor

    def draw(self, shape, rng):
        """Which images turn gray: a uniform draw below ``factor``, Keras's rule."""
        return rng.uniform(size=shape[0]) < self.factor

    def transform(self, images, chosen):
        color_math.check_channels(self, images)
        self._chosen = chosen[:, None, None, None]
        return np.where(self._chosen, color_math.gray(images), images)

    def transform_backward(self, dy, input_shape):
        gray = color_math.gray_backward(dy.sum(axis=-1, keepdims=True), dy.shape[-1])
        return np.where(self._chosen, gray, dy)

    def get_config(self):  # no seed in it: Keras's RandomGrayscale leaves it out
        return {**super().get_config(), "factor": self.factor}
