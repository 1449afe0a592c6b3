"""CutMix: paste a rectangle of another image of the batch into each image."""

import numpy as np

from handkeras.layers.augmentation.image_augmentation import ImageAugmentation
from handkeras.layers.augmentation.random_erasing import _span


class CutMix(ImageAugmentation):
    """In training, replaces a rectangle of image ``i`` by the same rectangle of image ``p(i)``,
    ``p`` a random permutation of the batch. Keras's draw: ``a`` uniform in ``factor`` (a number
    ``f`` is ``(0, f)``; bounds in ``[0, 1]``) once per batch, then per image ``w`` from
    ``Beta(a, a)`` and a rectangle whose sides are ``sqrt(1 - w)`` of the image's, at a uniform
    position.

    As Keras's, the layer mixes images only: given an array (and so inside a model) it leaves the
    labels as they are. A single image is left as it is, as in Keras.
    """

    def __init__(self, factor=1.0, seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        lower, upper = self._checked_range("factor", factor, 0, 1)
        self.factor = (lower, upper) if isinstance(factor, (list, tuple)) else (0, upper)

    def draw(self, shape, rng):
        """``(permutation, pasted)``: the image each one takes from, and the pixels it takes
        (``(batch, height, width, 1)``)."""
        batch, height, width, _ = shape
        alpha = rng.uniform(*self.factor) + 1e-6
        ratio = np.sqrt(1.0 - rng.beta(alpha, alpha, batch))
        left, right = _span(rng, width, ratio)
        top, bottom = _span(rng, height, ratio)
        rows = np.arange(height)[None, :, None, None]
        cols = np.arange(width)[None, None, :, None]
        pasted = ((cols >= left[:, None, None, None]) & (cols < right[:, None, None, None])
                  & (rows >= top[:, None, None, None]) & (rows < bottom[:, None, None, None]))
        return rng.permutation(batch), pasted

    def transform(self, images, parameters):
        self._permutation, self._pasted = parameters
        return np.where(self._pasted, images[self._permutation], images)

    def transform_backward(self, dy, input_shape):
        grad = np.where(self._pasted, 0, dy)
        np.add.at(grad, self._permutation, np.where(self._pasted, dy, 0))
        return grad

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "seed": self.seed}
