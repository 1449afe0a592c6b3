"""TrainingNoise: the base of the layers that perturb their input in training only."""

import numbers

import numpy as np

from handkeras import backend
from handkeras.layers.layer import Layer


def checked_fraction(layer, value, argument):
    """``value`` as given when it is a number in [0, 1]; a TypeError naming the layer for anything
    that is not a number (Keras fails comparing it), a ValueError for a number outside [0, 1]."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{type(layer).__name__} '{layer.name}': `{argument}` must be a number in "
                        f"[0, 1], received {value!r}.")
    if not 0 <= value <= 1:
        raise ValueError(f"{type(layer).__name__} '{layer.name}': `{argument}` must be a number in "
                         f"[0, 1], received {value!r}.")
    return value


class TrainingNoise(Layer):
    """A layer that is the identity in inference and draws noise in training: from its own
    generator when it has a ``seed`` (reproducible masks), else from the one
    ``keras.utils.set_random_seed`` seeds. Subclasses draw in ``_noisy`` and undo in
    ``backward``."""

    supports_masking = True
    _keras_builds_at_init = True

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self._rng = None if seed is None else np.random.default_rng(seed)

    @staticmethod
    def _draw(draw, shape, dtype):
        """``draw(shape, dtype=...)`` (a generator's ``random`` or ``standard_normal``) in
        ``dtype``: numpy draws float32 and float64 only, so float16 is drawn as float32 and cast."""
        if dtype in (np.float32, np.float64):
            return draw(shape, dtype=dtype)
        return draw(shape, dtype=np.float32).astype(dtype)

    def _active(self):
        """Whether training draws any noise (a rate or a stddev of 0 draws none)."""
        raise NotImplementedError

    def _noisy(self, x, rng):
        """``x`` with fresh noise from ``rng``; caches what ``backward`` needs."""
        raise NotImplementedError

    def forward(self, x, training=False):
        if not training:
            return x
        if not self._active():
            self._noise = None
            return x
        return self._noisy(x, self._rng or backend.rng())

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)
