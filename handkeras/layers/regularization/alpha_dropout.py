"""AlphaDropout: dropout that keeps the mean and variance of self-normalizing (SELU) activations."""

import numpy as np

from handkeras.layers.regularization.noise_shape import checked_noise_shape, concrete_noise_shape
from handkeras.layers.regularization.training_noise import TrainingNoise, checked_fraction

# SELU's constants: a dropped unit takes SELU's negative saturation value, -scale * alpha.
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946
_SATURATION = -_SELU_ALPHA * _SELU_SCALE


class AlphaDropout(TrainingNoise):
    """In training, sets a fraction ``rate`` of inputs to SELU's saturation value ``alpha'`` and
    applies ``a * x + b`` to the result, with Keras's ``a = ((1 - rate) (1 + rate alpha'^2))^-1/2``
    and ``b = -a alpha' rate``, so that standardized inputs keep mean 0 and variance 1. The input
    gradient is ``a * dy`` where kept, 0 where dropped. ``noise_shape`` shares the mask along the
    axes where it is 1 (None takes the input's size), checked as Dropout's.
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.rate = checked_fraction(self, rate, "rate")
        self.noise_shape = checked_noise_shape(self, noise_shape)

    def _active(self):
        return self.rate > 0

    def _noisy(self, x, rng):
        if self.rate == 1:
            raise ValueError(f"AlphaDropout '{self.name}': `rate=1` drops every input, which "
                             "leaves no variance to restore, so it cannot train; use a rate "
                             "below 1.")
        shape = concrete_noise_shape(self, self.noise_shape, x.shape)
        kept = self._draw(rng.random, shape, x.dtype) >= self.rate
        a = ((1 - self.rate) * (1 + self.rate * _SATURATION ** 2)) ** -0.5
        b = -a * _SATURATION * self.rate
        self._noise = kept * np.asarray(a, x.dtype)
        y = np.where(kept, x, np.asarray(_SATURATION, x.dtype))
        y *= np.asarray(a, x.dtype)
        y += np.asarray(b, x.dtype)
        return y

    def backward(self, dy, input_gradient=True):
        return dy if self._noise is None else dy * self._noise

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed,
                "noise_shape": self.noise_shape}
