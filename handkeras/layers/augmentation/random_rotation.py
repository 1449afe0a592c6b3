"""RandomRotation: turn each image by a random angle about its centre."""

import numpy as np

from handkeras.layers.augmentation.affine_augmentation import AffineAugmentation


class RandomRotation(AffineAugmentation):
    """Rotates each image in training by an angle drawn uniformly from ``factor`` (a fraction of
    a full turn: ``0.1`` is up to 36 degrees either way; ``(lower, upper)`` a range), about the
    image's centre; positive angles turn counter-clockwise, as in Keras."""

    def __init__(self, factor, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        super().__init__(fill_mode=fill_mode, interpolation=interpolation, seed=seed,
                         fill_value=fill_value, data_format=data_format, **kwargs)
        self.factor = self._checked_range("factor", factor, -1, 1)

    def draw(self, shape, rng):
        """Keras's rotation about ``((width - 1) / 2, (height - 1) / 2)``, one angle per image."""
        batch, height, width, _ = shape
        angle = np.deg2rad(rng.uniform(self.factor[0] * 360.0, self.factor[1] * 360.0, batch))
        cos, sin = np.cos(angle), np.sin(angle)
        center_x, center_y = 0.5 * (width - 1), 0.5 * (height - 1)
        zero = np.zeros(batch)
        return np.stack([cos, -sin, center_x - center_x * cos + center_y * sin,
                         sin, cos, center_y - center_x * sin - center_y * cos, zero, zero], axis=1)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "fill_mode": self.fill_mode,
                "fill_value": self.fill_value, "interpolation": self.interpolation,
                "seed": self.seed}
