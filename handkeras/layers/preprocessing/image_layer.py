"""ImageLayer: the base of the layers that take images (Resizing, CenterCrop and the augmentation
layers).

It holds what Keras's image preprocessing layers share: images in a batch (4-D) or one image (3-D),
``channels_last`` or ``channels_first``, and no weights, so that a layer called directly takes
images of any size. A subclass works on channels-last batches: ``_to_batch`` turns single images
and channels-first batches into one, ``_from_batch`` turns it back.
"""

import numpy as np

from handkeras.keras_tensor import KerasTensor
from handkeras.layers.layer import Layer

DATA_FORMATS = ("channels_last", "channels_first")


class ImageLayer(Layer):
    """A weightless layer of images in ``data_format`` (``None`` means ``"channels_last"``, Keras's
    default image data format)."""

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        if data_format is None:
            data_format = "channels_last"
        if data_format not in DATA_FORMATS:
            raise ValueError(f"{self._label}: `data_format` must be one of "
                             f"{set(DATA_FORMATS)}, received {data_format!r}.")
        self.data_format = data_format

    @property
    def _label(self):
        return f"{type(self).__name__} '{self.name}'"

    def build(self, input_shape):
        if len(input_shape) != 4:
            raise ValueError(f"{self._label} expects batches of images, inputs of rank 4 (batch "
                             f"included), received shape {tuple(input_shape)}.")

    def __call__(self, x, training=True):
        """Apply the layer to a batch of images or to one image (of any size), building it on
        first use. Called directly, a layer trains by default, as in Keras."""
        if isinstance(x, KerasTensor):
            return self.symbolic_call(x)
        self._refuse_dict(x)
        x = np.asarray(x, dtype=self.dtype)
        self._check_images(x.shape)
        if not self.built:  # then images of any size, as in Keras: the layer has no weights
            self.build((None,) + (x.shape if x.ndim == 4 else (1,) + x.shape)[1:])
        return self._record_activity_loss(self.forward(x, training=training))

    def _refuse_dict(self, x):
        """A TypeError naming the layer for Keras's dict of images with boxes, labels or masks:
        handkeras's image layers take the images alone."""
        if isinstance(x, dict):
            raise TypeError(f"{self._label} takes an array of images, received a dict with keys "
                            f"{sorted(x)}: Keras's dicts of images with bounding boxes, labels or "
                            "segmentation masks are not supported; pass the images alone.")

    def _check_images(self, shape):
        if len(shape) not in (3, 4):
            raise ValueError(f"{self._label} expects a batch of images (rank 4) or one image "
                             f"(rank 3), received input with shape {tuple(shape)}.")

    def _to_batch(self, x):
        """``x`` as a channels-last batch (a view)."""
        batch = x if x.ndim == 4 else x[None]
        return batch.transpose(0, 2, 3, 1) if self.data_format == "channels_first" else batch

    def _from_batch(self, batch, rank):
        """A channels-last batch back in the layer's data format and the input's rank."""
        if self.data_format == "channels_first":
            batch = batch.transpose(0, 3, 1, 2)
        return batch if rank == 4 else batch[0]

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}
