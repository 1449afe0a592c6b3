"""RandomFlip: mirror images left-right and/or top-bottom, each image with probability 1/2."""

from handkeras.layers.augmentation.image_augmentation import ImageAugmentation

MODES = ("horizontal", "vertical", "horizontal_and_vertical")


class RandomFlip(ImageAugmentation):
    """Flips each image with probability 1/2 in training: ``"horizontal"`` left-right,
    ``"vertical"`` top-bottom, ``"horizontal_and_vertical"`` both at once (one draw per image, as
    in Keras: an image is either turned by 180 degrees or left as it is). The gradient flips back.
    """

    def __init__(self, mode="horizontal_and_vertical", seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        if mode not in MODES:
            raise ValueError(f"{self._label}: `mode` must be one of {list(MODES)}, received "
                             f"{mode!r}.")
        self.mode = mode
        reverse, keep = slice(None, None, -1), slice(None)
        # the images, their rows (reversed by a vertical flip) and columns (by a horizontal one)
        self._reversal = (keep, keep if mode == "horizontal" else reverse,
                          keep if mode == "vertical" else reverse)

    def draw(self, shape, rng):
        """Which images flip: a uniform draw ``<= 0.5`` per image, Keras's rule."""
        return rng.uniform(size=shape[0]) <= 0.5

    def transform(self, images, flips):
        self._flips = flips
        return self._flipped(images)

    def _flipped(self, images):
        out = images.copy()
        out[self._flips] = images[self._flips][self._reversal]
        return out

    def transform_backward(self, dy, input_shape):
        return self._flipped(dy)  # a flip is its own inverse

    def get_config(self):
        return {**super().get_config(), "seed": self.seed, "mode": self.mode}
