"""Resizing: images resized to ``height`` x ``width``, as Keras resizes them on torch."""

import numbers

import numpy as np

from handkeras.keras_tensor import KerasTensor
from handkeras.layers.preprocessing.resampling import (
    INTERPOLATIONS,
    Resampling,
    aspect_ratio_crop,
    aspect_ratio_pad,
)
from handkeras.layers.preprocessing.resampling_layer import ResamplingLayer

# Keras's interpolations that neither handkeras nor Keras's torch backend has.
LANCZOS = ("lanczos3", "lanczos5")


class Resizing(ResamplingLayer):
    """Resizes images to ``height`` x ``width`` by ``interpolation`` (``"bilinear"``,
    ``"nearest"`` or ``"bicubic"``, half-pixel centres, antialiased when shrinking with
    ``antialias=True``), in training and inference alike.

    By default the aspect ratio may change. ``crop_to_aspect_ratio=True`` first crops the largest
    centred window of the target's aspect ratio; ``pad_to_aspect_ratio=True`` first frames the
    images with ``fill_value`` on both sides (``fill_mode`` must be ``"constant"``, Keras's only
    mode). Integer images come back in their type, as in Keras; see ``__call__``.
    """

    def __init__(self, height, width, interpolation="bilinear", crop_to_aspect_ratio=False,
                 pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0, antialias=False,
                 data_format=None, **kwargs):
        super().__init__(height, width, data_format=data_format, **kwargs)
        if interpolation in LANCZOS:
            raise NotImplementedError(
                f"{self._label}: `interpolation={interpolation!r}` is not supported: handkeras "
                f"resizes with one of {INTERPOLATIONS} (Keras's torch backend has no Lanczos "
                "either).")
        if interpolation not in INTERPOLATIONS:
            raise ValueError(f"{self._label}: `interpolation` must be one of {INTERPOLATIONS}, "
                             f"received interpolation={interpolation!r}.")
        if fill_mode != "constant":
            raise ValueError(f"{self._label}: `fill_mode` must be 'constant', the only mode "
                             f"Keras pads with, received fill_mode={fill_mode!r}.")
        if crop_to_aspect_ratio and pad_to_aspect_ratio:
            raise ValueError(f"{self._label}: only one of `crop_to_aspect_ratio` and "
                             "`pad_to_aspect_ratio` can be True.")
        if not isinstance(fill_value, numbers.Real):
            raise TypeError(f"{self._label}: `fill_value` must be a number, received "
                            f"fill_value={fill_value!r}.")
        self.interpolation = interpolation
        self.crop_to_aspect_ratio = crop_to_aspect_ratio
        self.pad_to_aspect_ratio = pad_to_aspect_ratio
        self.fill_mode = fill_mode
        self.fill_value = fill_value
        self.antialias = bool(antialias)

    def __call__(self, x, training=True):
        """Resize a batch of images or one image. As in Keras, integer images come back in their
        type, rounded half to even (and clipped to the type's range); bools are True wherever the
        resized value is not 0. Any other input comes back in the layer's float dtype."""
        if isinstance(x, KerasTensor):
            return self.symbolic_call(x)
        self._refuse_dict(x)
        x = np.asarray(x)
        resized = super().__call__(x, training=training)
        if x.dtype.kind == "b":
            return resized != 0
        if x.dtype.kind in "iu":
            limits = np.iinfo(x.dtype)
            return np.clip(np.rint(resized), limits.min, limits.max).astype(x.dtype)
        return resized

    def resampling(self, height, width):
        if self.crop_to_aspect_ratio:
            window = aspect_ratio_crop(height, width, self.height, self.width)
        elif self.pad_to_aspect_ratio:
            window = aspect_ratio_pad(height, width, self.height, self.width)
        else:
            window = (0, 0, height, width)
        return Resampling((height, width), window, (self.height, self.width),
                          self.interpolation, self.antialias)

    def get_config(self):
        return {**super().get_config(), "interpolation": self.interpolation,
                "crop_to_aspect_ratio": self.crop_to_aspect_ratio,
                "pad_to_aspect_ratio": self.pad_to_aspect_ratio, "fill_mode": self.fill_mode,
                "fill_value": self.fill_value, "antialias": self.antialias}
