"""RandomContrast: scale each image's deviations from its mean by a random factor."""

import numpy as np

from handkeras.layers.augmentation.image_augmentation import ImageAugmentation


class RandomContrast(ImageAugmentation):
    """In training, maps each image to ``(x - mean) * c + mean``, clipped to ``value_range``, where
    ``mean`` is the image's per-channel mean over its pixels and ``c`` is drawn per image,
    uniformly in ``[1 - lower, 1 + upper]``.

    ``factor`` gives ``(lower, upper)``, each in ``[0, 1]``: a pair as given (sorted), a number
    ``f`` as Keras 3.15.1 reads it, ``(0, f)``, so that ``c`` is in ``[1, 1 + f]``.
    """

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        lower, upper = self._checked_range("factor", factor, 0, 1)
        if not isinstance(factor, (list, tuple)):
            lower = max(lower, 0)  # Keras's reading of a number f: (0, f)
        self.factor = (lower, upper)
        self.value_range = self._checked_value_range(value_range)
        if value_range[0] > value_range[1]:
            raise ValueError(f"{self._label}: `value_range` must be (low, high) with low <= high, "
                             f"received value_range={value_range!r}.")

    def draw(self, shape, rng):
        return rng.uniform(1.0 - self.factor[0], 1.0 + self.factor[1], shape[0])

    def transform(self, images, contrasts):
        self._contrasts = contrasts.astype(images.dtype)[:, None, None, None]
        mean = images.mean(axis=(1, 2), keepdims=True)
        out = (images - mean) * self._contrasts + mean
        self._inside = (out >= self.value_range[0]) & (out <= self.value_range[1])
        return np.clip(out, *self.value_range).astype(images.dtype, copy=False)

    def transform_backward(self, dy, input_shape):
        dy = dy * self._inside
        return dy * self._contrasts + dy.mean(axis=(1, 2), keepdims=True) * (1 - self._contrasts)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range,
                "seed": self.seed}
