"""RandomCrop: cut a random ``height`` x ``width`` window out of the images."""

from handkeras import backend
from handkeras.layers.augmentation.image_augmentation import ImageAugmentation
from handkeras.layers.preprocessing.resampling import Resampling, aspect_ratio_crop


class RandomCrop(ImageAugmentation):
    """In training, crops a ``height`` x ``width`` window at a random position, the same for every
    image of a batch (Keras draws one position per call). Unless the images are larger than the
    window in both height and width, they are instead cropped about their centre to the window's
    aspect ratio and resized to it (bilinear, as Keras's resize). In inference the images pass
    unchanged, as in Keras 3.15.1 (even though ``compute_output_shape`` gives the window's size).

    With ``seed=None`` the layer draws its seed from the global generator (so
    ``set_random_seed`` fixes it) and, as Keras, writes it in its config.
    """

    def __init__(self, height, width, seed=None, data_format=None, name=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, name=name, **kwargs)
        self.height = self._checked_positive_int("height", height)
        self.width = self._checked_positive_int("width", width)
        if seed is None:  # the draws still come from the global generator, as Keras's do
            self.seed = int(backend.rng().integers(1, 10**9, endpoint=True))

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        rows = -3 if self.data_format == "channels_last" else -2
        shape[rows], shape[rows + 1] = self.height, self.width
        return tuple(shape)

    def draw(self, shape, rng):
        """The window's top-left corner: random when the images are larger than the window in
        both height and width, else Keras's centre of a crop to the window's aspect ratio."""
        _, height, width, _ = shape
        if height > self.height and width > self.width:
            return (int(rng.uniform(0, height - self.height + 1)),
                    int(rng.uniform(0, width - self.width + 1)))
        return aspect_ratio_crop(height, width, self.height, self.width)[:2]

    def transform(self, images, corner):
        """The window from ``corner`` (cut short by the images' edges, as Keras's slice), resized
        to ``height`` x ``width`` when it is not that size already (bilinear)."""
        top, left = corner
        _, height, width, _ = images.shape
        window = (top, left, min(self.height, height - top), min(self.width, width - left))
        self._resampling = Resampling((height, width), window, (self.height, self.width))
        return self._resampling.apply(images)

    def transform_backward(self, dy, input_shape):
        return self._resampling.transpose(dy)

    def get_config(self):
        return {**super().get_config(), "height": self.height, "width": self.width,
                "seed": self.seed}

