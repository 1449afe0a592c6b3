"""GaussianNoise: additive zero-mean Gaussian noise in training."""

from handkeras.layers.regularization.training_noise import TrainingNoise, checked_fraction


class GaussianNoise(TrainingNoise):
    """Adds noise drawn from ``N(0, stddev^2)`` to every input in training (a data augmentation
    for real-valued inputs); the identity in inference. The noise does not depend on the input, so
    the input gradient is ``dy`` itself."""

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.stddev = checked_fraction(self, stddev, "stddev")

    def _active(self):
        return self.stddev > 0

    def _noisy(self, x, rng):
        noise = self._draw(rng.standard_normal, x.shape, x.dtype)
        noise *= self.stddev
        noise += x
        return noise

    def backward(self, dy, input_gradient=True):
        return dy

    def get_config(self):
        return {**super().get_config(), "stddev": self.stddev, "seed": self.seed}
