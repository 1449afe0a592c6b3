"""ImageAugmentation: the base of the random image layers (RandomFlip, RandomRotation, ...).

On top of what image layers share (``ImageLayer``: batches or single images, both data formats), it
holds what the random ones have in common, as Keras's: a ``seed``, the identity in inference and,
in training, a random transformation drawn per call. A subclass sees a channels-last batch only: it
draws its parameters (``draw``), applies them (``transform``) keeping what its
``transform_backward`` needs.
"""

import numbers

import numpy as np

from handkeras import backend
from handkeras.layers.layer import is_int
from handkeras.layers.preprocessing.image_layer import ImageLayer


class ImageAugmentation(ImageLayer):
    """A weightless layer that transforms images at random in training, and passes them unchanged
    in inference. Called directly (``layer(images)``) it trains by default, as in Keras."""

    #: Whether the transform has a useful input gradient (a posterization's is 0 almost
    #: everywhere): a model that would need a missing one refuses to train.
    has_input_gradient = True

    def __init__(self, seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        if seed is not None and not is_int(seed):
            raise ValueError(f"{self._label}: `seed` must be an integer or None, received "
                             f"{seed!r}.")
        self.seed = seed
        self._rng = None if seed is None else np.random.default_rng(seed)
        self._shapes = None  # the batch's layout in the last training forward, for backward

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

    # ----------------------------------------------------------------------------- computing
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
        if not self.has_input_gradient:
            raise NotImplementedError(self._missing_pass("backward"))
        rank, shape = self._shapes
        return self._from_batch(self.transform_backward(self._to_batch(dy), shape), rank)

    def check_backward(self, input_gradient=True):
        """A NotImplementedError, before training starts, when the model needs the input gradient
        of a layer whose transform has none."""
        if input_gradient and not self.has_input_gradient:
            raise NotImplementedError(self._missing_pass("backward"))

    def _missing_pass(self, method):
        return (f"{self._label} has no input gradient: its transform is piecewise constant in the "
                "pixel values, so training cannot pass a gradient through it. Put it below every "
                "layer with trainable weights (first in the model, as preprocessing).")

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


def _is_real(value):
    """Whether ``value`` is a real number (a bool is not)."""
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))
