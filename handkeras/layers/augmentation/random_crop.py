"""RandomCrop: cut a random ``height`` x ``width`` window out of the images."""

import numpy as np

from handkeras import backend
from handkeras.layers.augmentation.image_augmentation import ImageAugmentation


class RandomCrop(ImageAugmentation):
    """In training, crops a ``height`` x ``width`` window at a random position, the same for every
    image of a batch (Keras draws one position per call). Unless the images are larger than the
    window in both height and width, they are instead cropped about their centre to the window's
    aspect ratio and resized to it (bilinear, as Keras's resize). In inference the images pass unchanged, as in
    Keras 3.15.1 (even though ``compute_output_shape`` gives the window's size).

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
        crop_height = max(min(height, int(width * self.height / self.width)), 1)
        crop_width = max(min(width, int(height * self.width / self.height)), 1)
        return int((height - crop_height) / 2), int((width - crop_width) / 2)

    def transform(self, images, corner):
        """The window from ``corner`` (cut short by the images' edges, as Keras's slice), resized
        to ``height`` x ``width`` when it is not that size already."""
        top, left = corner
        out = images[:, top:top + self.height, left:left + self.width]
        self._window = (slice(top, top + out.shape[1]), slice(left, left + out.shape[2]))
        self._resize = None
        if out.shape[1:3] != (self.height, self.width):
            self._resize = (_linear_resize_matrix(out.shape[1], self.height, images.dtype),
                            _linear_resize_matrix(out.shape[2], self.width, images.dtype))
            rows, cols = self._resize
            out = np.einsum("hi,niwc,jw->nhjc", rows, out, cols, optimize=True)
        return np.ascontiguousarray(out)

    def transform_backward(self, dy, input_shape):
        if self._resize is not None:
            rows, cols = self._resize
            dy = np.einsum("hi,nhjc,jw->niwc", rows, dy, cols, optimize=True)
        grad = np.zeros(input_shape, dy.dtype)
        grad[:, self._window[0], self._window[1]] = dy
        return grad

    def get_config(self):
        return {**super().get_config(), "height": self.height, "width": self.width,
                "seed": self.seed}


def _linear_resize_matrix(size, new_size, dtype):
    """The ``(new_size, size)`` matrix of bilinear resizing along one axis, as torch's
    ``interpolate(align_corners=False)``: output ``i`` reads input ``(i + 0.5) * size / new_size
    - 0.5`` (at least 0), between its two neighbours (the last pixel repeats)."""
    source = np.maximum((np.arange(new_size) + 0.5) * (size / new_size) - 0.5, 0.0)
    lower = np.floor(source).astype(np.int64)
    upper = np.minimum(lower + 1, size - 1)
    upper_weight = source - lower
    matrix = np.zeros((new_size, size))
    np.add.at(matrix, (np.arange(new_size), lower), 1.0 - upper_weight)
    np.add.at(matrix, (np.arange(new_size), upper), upper_weight)
    return matrix.astype(dtype)
