"""Dropout: inverted dropout, active in training only."""

import numbers

import numpy as np

from handkeras import backend
from handkeras.layers.layer import Layer


class Dropout(Layer):
    """Zeroes a fraction ``rate`` of inputs in training and scales the rest by ``1 / (1 - rate)``.

    In inference it is the identity. ``noise_shape`` broadcasts the mask (Keras's semantics) and
    ``seed`` makes the masks reproducible. ``rate=1`` zeroes everything in training, as in Keras.
    """

    supports_masking = True
    _keras_builds_at_init = True

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(rate, bool) or not isinstance(rate, numbers.Real) or not 0 <= rate <= 1:
            raise ValueError(
                f"{type(self).__name__} '{self.name}': `rate` must be a number in [0, 1], "
                f"received {rate!r}."
            )
        self.rate = float(rate)
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)
        self.seed = seed
        self._rng = None if seed is None else np.random.default_rng(seed)

    def forward(self, x, training=False):
        if not training or self.rate == 0:
            if training:
                self._mask = None
            return x
        rng = self._rng or backend.rng()
        shape = x.shape
        if self.noise_shape is not None:
            shape = tuple(s if n is None else n for n, s in zip(self.noise_shape, x.shape))
        keep = rng.random(shape, dtype=np.float32 if x.dtype == np.float32 else np.float64)
        scale = 0 if self.rate == 1 else 1 / (1 - self.rate)  # rate 1 keeps nothing
        self._mask = (keep >= self.rate) * np.asarray(scale, x.dtype)
        return x * self._mask

    def backward(self, dy, input_gradient=True):
        return dy if self._mask is None else dy * self._mask

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed,
                "noise_shape": self.noise_shape}
