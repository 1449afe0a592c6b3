"""GaussianDropout: multiplicative Gaussian noise of mean 1 in training."""

import math

from handkeras.layers.regularization.training_noise import TrainingNoise, checked_fraction


class GaussianDropout(TrainingNoise):
    """Multiplies every input by noise drawn from ``N(1, rate / (1 - rate))`` in training, which
    keeps the mean of the input (the variance of Dropout at the same ``rate``); the identity in
    inference. The input gradient is ``dy`` times the same noise.

    As in Keras, ``rate=1`` is accepted but cannot train: its noise has infinite variance.
    """

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.rate = checked_fraction(self, rate, "rate")

    def _active(self):
        return self.rate > 0

    def _noisy(self, x, rng):
        if self.rate == 1:
            raise ValueError(f"GaussianDropout '{self.name}': `rate=1` gives noise of infinite "
                             "variance, so it cannot train; use a rate below 1.")
        noise = self._draw(rng.standard_normal, x.shape, x.dtype)
        noise *= math.sqrt(self.rate / (1.0 - self.rate))
        noise += 1
        self._noise = noise
        return x * noise

    def backward(self, dy, input_gradient=True):
        return dy if self._noise is None else dy * self._noise

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}
