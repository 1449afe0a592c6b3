"""RandomShear: slant each image along its width and height by random factors."""

import numpy as np

from handkeras.layers.augmentation.affine_augmentation import AffineAugmentation


class RandomShear(AffineAugmentation):
    """Shears each image in training: output pixel ``(y, x)`` reads the input at
    ``(y + s_y x, x + s_x y)`` (about the top-left corner, as Keras), with ``s_x`` drawn uniformly
    in ``x_factor`` and ``s_y`` in ``y_factor`` (a number ``f`` in ``[0, 1]`` is ``(-f, f)``; a
    pair is ``(lower, upper)``), both negated for half of the images (Keras's draw)."""

    def __init__(self, x_factor=0.0, y_factor=0.0, interpolation="bilinear", fill_mode="reflect",
                 fill_value=0.0, data_format=None, seed=None, **kwargs):
        super().__init__(fill_mode=fill_mode, interpolation=interpolation, seed=seed,
                         fill_value=fill_value, data_format=data_format, **kwargs)
        self.x_factor = self._factor("x_factor", x_factor)
        self.y_factor = self._factor("y_factor", y_factor)

    def _factor(self, argument, factor):
        """A number in ``[0, 1]``, or a pair in ``[-1, 1]``: the configs Keras writes hold a
        number ``f`` as ``(-f, f)`` (which Keras 3.15.1 itself then fails to read)."""
        if isinstance(factor, (list, tuple)):
            return self._checked_range(argument, factor, -1, 1)
        return self._checked_range(argument, factor, 0, 1)

    def draw(self, shape, rng):
        """Keras's shear matrix ``[1, s_x, 0, s_y, 1, 0, 0, 0]`` per image."""
        batch = shape[0]
        sign = np.where(rng.uniform(size=batch) > 0.5, -1.0, 1.0)
        shear_y = rng.uniform(*self.y_factor, batch) * sign
        shear_x = rng.uniform(*self.x_factor, batch) * sign
        zero, one = np.zeros(batch), np.ones(batch)
        return np.stack([one, shear_x, zero, shear_y, one, zero, zero, zero], axis=1)

    def get_config(self):
        return {**super().get_config(), "x_factor": self.x_factor, "y_factor": self.y_factor,
                "fill_mode": self.fill_mode, "interpolation": self.interpolation,
                "seed": self.seed, "fill_value": self.fill_value,
                "data_format": self.data_format}
