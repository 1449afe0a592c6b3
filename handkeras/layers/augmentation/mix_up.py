"""MixUp: blend each image with another image of the batch."""

import numpy as np

from handkeras.layers.augmentation.image_augmentation import ImageAugmentation, _is_real


class MixUp(ImageAugmentation):
    """In training, maps image ``i`` to ``w_i x_i + (1 - w_i) x_p(i)``, ``p`` a random permutation
    of the batch and ``w_i`` drawn from ``Beta(alpha, alpha)``.

    As Keras's, the layer mixes images only: given an array (and so inside a model, whose labels
    never pass through its layers) it leaves the labels as they are. Keras mixes labels only when
    called on a dict of images and labels, which handkeras does not take.
    """

    def __init__(self, alpha=0.2, data_format=None, seed=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        if not _is_real(alpha) or not alpha > 0:
            raise ValueError(f"{self._label}: `alpha` must be a positive number, received "
                             f"alpha={alpha!r}.")
        self.alpha = alpha

    def draw(self, shape, rng):
        """``(permutation, weights)``."""
        return rng.permutation(shape[0]), rng.beta(self.alpha, self.alpha, shape[0])

    def transform(self, images, parameters):
        self._permutation, weights = parameters
        self._mix_weights = weights.astype(images.dtype)[:, None, None, None]
        return self._mix_weights * images + (1 - self._mix_weights) * images[self._permutation]

    def transform_backward(self, dy, input_shape):
        grad = self._mix_weights * dy
        np.add.at(grad, self._permutation, (1 - self._mix_weights) * dy)
        return grad

    def get_config(self):
        return {**super().get_config(), "alpha": self.alpha, "seed": self.seed}
