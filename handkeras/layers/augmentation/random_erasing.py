"""RandomErasing: replace a random rectangle of some images by noise or a fill value."""

import numpy as np

from handkeras.layers.augmentation.image_augmentation import ImageAugmentation, _is_real


class RandomErasing(ImageAugmentation):
    """In training, erases a rectangle of each image chosen: its sides are ``sqrt(s)`` times the
    image's width and height, ``s`` drawn uniformly in ``scale`` for each side, at a uniform
    position; the image is chosen when a uniform draw falls below a probability drawn in
    ``factor`` (a number ``f`` is ``(0, f)``; bounds in ``[0, 1]``). The rectangle is filled with
    ``fill_value`` (a number, or one per channel), or, when it is None, with Gaussian noise
    times ``high``; either is clipped to ``value_range = (low, high)``. The gradient passes
    where nothing was erased."""

    def __init__(self, factor=1.0, scale=(0.02, 0.33), fill_value=None, value_range=(0, 255),
                 seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = self._zero_based("factor", factor)
        self.scale = self._zero_based("scale", scale)
        if not (fill_value is None or _is_real(fill_value) or (
                isinstance(fill_value, (list, tuple)) and len(fill_value) == 3
                and all(_is_real(v) for v in fill_value))):
            raise ValueError(f"{self._label}: `fill_value` must be None, a number or a list of "
                             f"three numbers, received fill_value={fill_value!r}.")
        self.fill_value = fill_value
        self.value_range = self._checked_value_range(value_range)

    def _zero_based(self, argument, factor):
        lower, upper = self._checked_range(argument, factor, 0, 1)
        return (lower, upper) if isinstance(factor, (list, tuple)) else (0, upper)

    def draw(self, shape, rng):
        """``(chosen, erased, fill)``: the images erased, the pixels of each one's rectangle
        (``(batch, height, width, 1)``) and the fill values (the batch's shape)."""
        batch, height, width, channels = shape
        sides = np.sqrt(rng.uniform(self.scale[0], self.scale[1], (batch, 2)))
        left, right = _span(rng, width, sides[:, 0])
        top, bottom = _span(rng, height, sides[:, 1])
        rows = np.arange(height)[None, :, None, None]
        cols = np.arange(width)[None, None, :, None]
        erased = ((cols >= left[:, None, None, None]) & (cols < right[:, None, None, None])
                  & (rows >= top[:, None, None, None]) & (rows < bottom[:, None, None, None]))
        probabilities = rng.uniform(self.factor[0], self.factor[1], batch)
        chosen = rng.uniform(size=batch) < probabilities
        if self.fill_value is None:
            fill = rng.standard_normal(shape) * self.value_range[1]
        else:
            fill = np.broadcast_to(np.asarray(self.fill_value, np.float64), shape)
        return chosen, erased, np.clip(fill, *self.value_range)

    def transform(self, images, parameters):
        chosen, erased, fill = parameters
        self._erased = erased & chosen[:, None, None, None]
        return np.where(self._erased, fill.astype(images.dtype), images)

    def transform_backward(self, dy, input_shape):
        return np.where(self._erased, 0, dy)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "scale": self.scale,
                "fill_value": self.fill_value, "value_range": self.value_range,
                "seed": self.seed}


def _span(rng, size, ratio):
    """Keras's random interval of ``ratio * size`` pixels inside ``[0, size]``: its ends."""
    length = ratio * size
    start = rng.uniform(size=len(ratio)) * (size - length)
    return start, start + length
