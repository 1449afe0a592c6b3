"""The colour arithmetic the colour augmentation layers share, on channels-last batches: Keras's
grayscale (torchvision's weights) and its mapping of a ``value_range`` onto ``[0, 255]``."""

import numpy as np

#: The weights of red, green and blue in a gray level (torchvision's, which Keras's torch uses).
GRAY_WEIGHTS = np.array([0.2989, 0.587, 0.114])


def check_channels(layer, images):
    """A ValueError naming ``layer`` unless the images are RGB (3 channels) or gray (1)."""
    if images.shape[-1] not in (1, 3):
        raise ValueError(f"{layer._label} expects RGB (3 channels) or grayscale (1 channel) "
                         f"images, received images with {images.shape[-1]} channels.")


def gray(images):
    """The gray level of each pixel, as one channel (gray images are their own gray level)."""
    if images.shape[-1] == 1:
        return images.copy()
    return (images @ GRAY_WEIGHTS.astype(images.dtype))[..., None]


def gray_backward(dy_gray, channels):
    """The gradient of ``sum(gray(images) * dy_gray)`` with respect to the images."""
    if channels == 1:
        return dy_gray
    return dy_gray * GRAY_WEIGHTS.astype(dy_gray.dtype)


def to_255(images, value_range):
    """``images`` mapped linearly from ``value_range`` onto ``[0, 255]`` (as is when equal)."""
    low, high = value_range
    if (low, high) == (0, 255):
        return images
    return (images - images.dtype.type(low)) / images.dtype.type(high - low) * 255


def from_255(images, value_range):
    """The inverse of :func:`to_255`."""
    low, high = value_range
    if (low, high) == (0, 255):
        return images
    return images / 255 * images.dtype.type(high - low) + images.dtype.type(low)


def scale_of_255(value_range):
    """How much a value in ``[0, 255]`` moves per unit of ``value_range``: ``255 / (high -
    low)``."""
    low, high = value_range
    return 255.0 / (high - low)
