"""ImageAugmentation: the base of the random image layers (RandomFlip, RandomRotation, ...).

It holds what they share, as Keras's image preprocessing layers do: images in a batch (4-D) or one
image (3-D), ``channels_last`` or ``channels_first``, a ``seed``, identity in inference and, in
training, a random transformation drawn per call. A subclass sees a channels-last batch only: it
draws its parameters (``draw``), applies them (``transform``) keeping what its
``transform_backward`` needs, and the base turns single images and channels-first batches into
that and back.
"""

import numbers

import numpy as np

from handkeras import backend
from handkeras.layers.layer import Layer, is_int

DATA_FORMATS = ("channels_last", "channels_first")


class ImageAugmentation(Layer):
    """A weightless layer that transforms images at random in training, and passes them unchanged
    in inference. Called directly (``layer(images)``) it trains by default, as in Keras."""

    def __init__(self, seed=None, data_format=None, **kwargs):
        super().__init__(**kwargs)
        if seed is not None and not is_int(seed):
            raise ValueError(f"{self._label}: `seed` must be an integer or None, received "
                             f"{seed!r}.")
        if data_format is None:
            data_format = "channels_last"
        if data_format not in DATA_FORMATS:
            raise ValueError(f"{self._label}: `data_format` must be one of "
                             f"{set(DATA_FORMATS)}, received {data_format!r}.")
        self.data_format = data_format
        self.seed = seed
        self._rng = None if seed is None else np.random.default_rng(seed)
        self._shapes = None  # the batch's layout in the last training forward, for backward

    @property
    def _label(self):
        return f"{type(self).__name__} '{self.name}'"

    # ----------------------------------------------------------------------------- arguments
    def _checked_range(self, argument, factor, low, high, low_open=False):
        """``factor`` as a ``(lower, upper)`` pair: a number ``f`` gives ``(-|f|, |f|)``, a pair
        is sorted; each number must lie in ``[low, high]`` (``(low, high]`` if ``low_open``),
        else a ValueError naming the argument with Keras's range."""
        opening = "(" if low_open else "["
        message = (f"{self._label}: `{argument}` must be a number (or a list of two numbers) in "
                   f"the range {opening}{low}, {high}], received {argument}={factor!r}.")
        is_pair = isinstance(factor, (list, tuple))
        values = list(factor) if is_pair else [factor]
        inside = all(_is_real(v) and (low < v if low_open else low <= v) and v <= high
                     for v in values)
        if not inside or (is_pair and len(values) != 2):
            raise ValueError(message)
        return tuple(sorted(values)) if is_pair else (-abs(factor), abs(factor))

    def _checked_value_range(self, value_range):
        """``value_range`` as given, if it is a list or tuple of two finite numbers."""
        if not (isinstance(value_range, (list, tuple)) and len(value_range) == 2
                and all(_is_real(v) and np.isfinite(v) for v in value_range)):
            raise ValueError(f"{self._label}: `value_range` must be a list of two numbers, "
                             f"received value_range={value_range!r}.")
        return value_range

    def build(self, input_shape):
        if len(input_shape) != 4:
            raise ValueError(f"{self._label} expects batches of images, inputs of rank 4 (batch "
                             f"included), received shape {tuple(input_shape)}.")

    # ----------------------------------------------------------------------------- computing
    def __call__(self, x, training=True):
        """Apply the layer to a batch of images or to one image (of any size), building it on
        first use."""
        x = np.asarray(x, dtype=self.dtype)
        self._check_images(x.shape)
        if not self.built:  # then images of any size, as in Keras: the layer has no weights
            self.build((None,) + (x.shape if x.ndim == 4 else (1,) + x.shape)[1:])
        return self.forward(x, training=training)

    def _check_images(self, shape):
        if len(shape) not in (3, 4):
            raise ValueError(f"{self._label} expects a batch of images (rank 4) or one image "
                             f"(rank 3), received input with shape {tuple(shape)}.")

    def forward(self, x, training=False):
        x = np.asarray(x, dtype=self.dtype)
        if not training:
            return x
        self._check_images(x.shape)
        images = self._to_batch(x)
        self._shapes = (x.ndim, images.shape)
        rng = self._rng or backend.rng()
        return self._from_batch(self.transform(images, self.draw(images.shape, rng)), x.ndim)

    def backward(self, dy, input_gradient=True):
        if not input_gradient:
            return None
        rank, shape = self._shapes
        return self._from_batch(self.transform_backward(self._to_batch(dy), shape), rank)

    def _to_batch(self, x):
        """``x`` as a channels-last batch (a view)."""
        batch = x if x.ndim == 4 else x[None]
        return batch.transpose(0, 2, 3, 1) if self.data_format == "channels_first" else batch

    def _from_batch(self, batch, rank):
        """A channels-last batch back in the layer's data format and the input's rank."""
        if self.data_format == "channels_first":
            batch = batch.transpose(0, 3, 1, 2)
        return batch if rank == 4 else batch[0]

    def draw(self, shape, rng):
        """The random parameters for a channels-last batch of ``shape``, drawn from ``rng``."""
        raise NotImplementedError

    def transform(self, images, parameters):
        """The channels-last batch ``images`` transformed by ``parameters``; keeps what
        ``transform_backward`` needs."""
        raise NotImplementedError

    def transform_backward(self, dy, input_shape):
        """The gradient with respect to the images of the last ``transform``, for ``dy``."""
        raise NotImplementedError

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}


def _is_real(value):
    """Whether ``value`` is a real number (a bool is not)."""
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))
