"""RandomSharpness: sharpen or blur each image by a random amount."""

import numpy as np

from handkeras.layers.augmentation.image_augmentation import ImageAugmentation

#: Keras's smoothing kernel: 5/13 at the centre, 1/13 at each of the 8 neighbours.
CENTRE, NEIGHBOUR = 5.0 / 13.0, 1.0 / 13.0


class RandomSharpness(ImageAugmentation):
    """In training, maps each image to ``x + (1 - 2 f) (smooth(x) - x)``, clipped to
    ``value_range``, with ``f`` drawn per image uniformly in ``factor`` (a number ``f`` is
    ``(0, f)``; each bound in ``[0, 1]``): 0.5 keeps the image, less blurs it, more sharpens it.
    ``smooth`` is Keras's 3x3 kernel over each channel, zero-padded at the edges."""

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        lower, upper = self._checked_range("factor", factor, 0, 1)
        if not isinstance(factor, (list, tuple)):
            lower = max(lower, 0)  # Keras's reading of a number f: (0, f)
        self.factor = (lower, upper)
        self.value_range = sorted(self._checked_value_range(value_range))

    def draw(self, shape, rng):
        return rng.uniform(self.factor[0], self.factor[1], shape[0])

    def transform(self, images, factors):
        self._sharpness = (2 * factors).astype(images.dtype)[:, None, None, None]
        out = images + (1 - self._sharpness) * (_smoothed(images) - images)
        self._inside = (out >= self.value_range[0]) & (out <= self.value_range[1])
        return np.clip(out, *self.value_range)

    def transform_backward(self, dy, input_shape):
        """The smoothing is its own transpose (a symmetric kernel, zero padding)."""
        dy = dy * self._inside
        return self._sharpness * dy + (1 - self._sharpness) * _smoothed(dy)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range,
                "seed": self.seed}


def _smoothed(images):
    """Each pixel's 3x3 neighbourhood (zero outside the image) weighted by Keras's kernel."""
    height, width = images.shape[1:3]
    padded = np.pad(images, ((0, 0), (1, 1), (1, 1), (0, 0)))
    window_sum = sum(padded[:, i:i + height, j:j + width] for i in range(3) for j in range(3))
    return NEIGHBOUR * window_sum + (CENTRE - NEIGHBOUR) * images
