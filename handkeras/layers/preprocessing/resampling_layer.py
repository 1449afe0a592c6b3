"""ResamplingLayer: the base of Resizing and CenterCrop, whose output is their input resampled to a
fixed ``height`` x ``width``, in training and inference alike."""

import numpy as np

from handkeras.layers.preprocessing.image_layer import ImageLayer


class ResamplingLayer(ImageLayer):
    """Images resampled to ``height`` x ``width`` by the ``Resampling`` that ``resampling`` gives
    for their size. The output is linear in the input, so the input gradient is the resampling's
    transpose."""

    #: What a window reaching past the images reads there.
    fill_value = 0.0

    def __init__(self, height, width, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.height = self._checked_positive_int("height", height, type_error=True)
        self.width = self._checked_positive_int("width", width, type_error=True)
        self._last = None  # the last training forward's resampling and input rank, for backward

    def resampling(self, height, width):
        """The ``Resampling`` of a channels-last batch of ``height`` x ``width`` images."""
        raise NotImplementedError

    def forward(self, x, training=False):
        x = np.asarray(x, dtype=self.dtype)
        self._check_images(x.shape)
        images = self._to_batch(x)
        resampling = self.resampling(*images.shape[1:3])
        if training:
            self._last = (resampling, x.ndim)
        return self._from_batch(resampling.apply(images, self.fill_value), x.ndim)

    def backward(self, dy, input_gradient=True):
        if not input_gradient:
            return None
        resampling, rank = self._last
        return self._from_batch(resampling.transpose(self._to_batch(dy)), rank)

    def compute_output_shape(self, input_shape):
        """``input_shape`` (a batch's, or one image's) with ``height`` and ``width`` in place of
        the images' size, known or not."""
        self._check_images(input_shape)
        shape = list(input_shape)
        rows = -3 if self.data_format == "channels_last" else -2
        shape[rows], shape[rows + 1] = self.height, self.width
        return tuple(shape)

    def get_config(self):
        return {**super().get_config(), "height": self.height, "width": self.width}
