"""Dropout: inverted dropout, active in training only."""

import numpy as np

from handkeras import backend
from handkeras.layers.layer import Layer
from handkeras.layers.regularization.noise_shape import checked_noise_shape, concrete_noise_shape
from handkeras.layers.regularization.training_noise import checked_fraction


class Dropout(Layer):
    """Zeroes a fraction ``rate`` of inputs in training and scales the rest by ``1 / (1 - rate)``.

    In inference it is the identity. ``noise_shape`` broadcasts the mask (Keras's semantics) and
    ``seed`` makes the masks reproducible. ``rate=1`` zeroes everything in training, as in Keras.
    ``rate`` is kept as given (``Dropout(1)`` writes ``"rate": 1``), as Keras keeps it.
    """

    supports_masking = True
    _keras_builds_at_init = True

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = checked_fraction(self, rate, "rate")
        self.noise_shape = checked_noise_shape(self, noise_shape)
        self.seed = seed
        self._rng = None if seed is None else np.random.default_rng(seed)

    def forward(self, x, training=False):
        if not training or self.rate == 0:
            if training:
                self._mask = None
            return x
        shape = concrete_noise_shape(self, self.noise_shape, x.shape)
        rng = self._rng or backend.rng()
        keep = rng.random(shape, dtype=np.float32 if x.dtype == np.float32 else np.float64)
        scale = 0 if self.rate == 1 else 1 / (1 - self.rate)  # rate 1 keeps nothing
        self._mask = (keep >= self.rate) * np.asarray(scale, x.dtype)
        return x * self._mask

    def backward(self, dy, input_gradient=True):
        return dy if self._mask is None else dy * self._mask

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed,
                "noise_shape": self.noise_shape}
