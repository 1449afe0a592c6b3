"""AffineAugmentation: the base of the layers that warp images by a random affine transform."""

import numbers

from handkeras.layers.augmentation.affine_warp import FILL_MODES, INTERPOLATIONS, AffineWarp
from handkeras.layers.augmentation.image_augmentation import ImageAugmentation


class AffineAugmentation(ImageAugmentation):
    """Warps each image by its own random transform (``draw`` gives them, Keras's 8 numbers per
    image), reading outside pixels by ``fill_mode`` and between pixels by ``interpolation``."""

    def __init__(self, fill_mode="reflect", interpolation="bilinear", seed=None, fill_value=0.0,
                 data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        if fill_mode not in FILL_MODES:
            raise NotImplementedError(f"{self._label}: unknown `fill_mode` {fill_mode!r}. "
                                      f"Expected one of {FILL_MODES}.")
        if interpolation not in INTERPOLATIONS:
            raise NotImplementedError(f"{self._label}: unknown `interpolation` "
                                      f"{interpolation!r}. Expected one of {INTERPOLATIONS}.")
        if isinstance(fill_value, bool) or not isinstance(fill_value, numbers.Real):
            raise ValueError(f"{self._label}: `fill_value` must be a number, received "
                             f"{fill_value!r}.")
        self.fill_mode = fill_mode
        self.interpolation = interpolation
        self.fill_value = fill_value

    def transform(self, images, transforms):
        _, height, width, _ = images.shape
        self._warp = AffineWarp(transforms, height, width, self.interpolation, self.fill_mode)
        return self._warp.apply(images, self.fill_value)

    def transform_backward(self, dy, input_shape):
        return self._warp.transpose(dy)
