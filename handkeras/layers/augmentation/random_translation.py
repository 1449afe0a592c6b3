"""RandomTranslation: shift each image by a random fraction of its height and width."""

import numpy as np

from handkeras.layers.augmentation.affine_augmentation import AffineAugmentation


class RandomTranslation(AffineAugmentation):
    """Shifts each image in training down by ``h * height`` and right by ``w * width`` pixels,
    with ``h`` uniform in ``height_factor`` and ``w`` in ``width_factor`` (a number ``f`` is
    ``(-f, f)``; each bound in ``[-1, 1]``; negative values shift up and left)."""

    def __init__(self, height_factor, width_factor, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0, data_format=None, **kwargs):
        super().__init__(fill_mode=fill_mode, interpolation=interpolation, seed=seed,
                         fill_value=fill_value, data_format=data_format, **kwargs)
        self._height_range = self._checked_range("height_factor", height_factor, -1.0, 1.0)
        self._width_range = self._checked_range("width_factor", width_factor, -1.0, 1.0)
        self.height_factor = height_factor
        self.width_factor = width_factor

    def draw(self, shape, rng):
        """Keras's translation: output pixel ``(y, x)`` reads input ``(y - dy, x - dx)``."""
        batch, height, width, _ = shape
        down = rng.uniform(*self._height_range, batch) * height
        right = rng.uniform(*self._width_range, batch) * width
        zero, one = np.zeros(batch), np.ones(batch)
        return np.stack([one, zero, -right, zero, one, -down, zero, zero], axis=1)

    def get_config(self):
        return {**super().get_config(), "height_factor": self.height_factor,
                "width_factor": self.width_factor, "fill_mode": self.fill_mode,
                "interpolation": self.interpolation, "seed": self.seed,
                "fill_value": self.fill_value}
