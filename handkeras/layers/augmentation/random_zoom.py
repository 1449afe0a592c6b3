"""RandomZoom: zoom each image in or out about its centre by a random factor."""

import numpy as np

from handkeras.layers.augmentation.affine_augmentation import AffineAugmentation


class RandomZoom(AffineAugmentation):
    """Zooms each image in training: its height by ``1 + h`` with ``h`` uniform in
    ``height_factor`` (a number ``f`` is ``(-f, f)``; each bound in ``(-1, 1]``), its width by
    ``1 + w`` from ``width_factor``, or by the same factor as the height when that is None (the
    aspect ratio kept). As in Keras, a positive factor zooms out (the image shrinks) and a negative
    one zooms in."""

    def __init__(self, height_factor, width_factor=None, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0, data_format=None, **kwargs):
        super().__init__(fill_mode=fill_mode, interpolation=interpolation, seed=seed,
                         fill_value=fill_value, data_format=data_format, **kwargs)
        self._height_range = self._checked_range("height_factor", height_factor, -1.0, 1.0,
                                                 low_open=True)
        self._width_range = None if width_factor is None else self._checked_range(
            "width_factor", width_factor, -1.0, 1.0, low_open=True)
        self.height_factor = height_factor
        self.width_factor = width_factor

    def draw(self, shape, rng):
        """Keras's zoom about ``((width - 1) / 2, (height - 1) / 2)``, one (pair) per image."""
        batch, height, width, _ = shape
        height_zoom = 1.0 + rng.uniform(*self._height_range, batch)
        width_zoom = height_zoom if self._width_range is None else (
            1.0 + rng.uniform(*self._width_range, batch))
        zero = np.zeros(batch)
        return np.stack([width_zoom, zero, (width - 1) / 2 * (1 - width_zoom),
                         zero, height_zoom, (height - 1) / 2 * (1 - height_zoom), zero, zero],
                        axis=1)

    def get_config(self):
        return {**super().get_config(), "height_factor": self.height_factor,
                "width_factor": self.width_factor, "fill_mode": self.fill_mode,
                "interpolation": self.interpolation, "seed": self.seed,
                "fill_value": self.fill_value}
