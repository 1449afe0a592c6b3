"""The order Keras's dataset loaders shuffle in, so that a seed gives Keras's arrays."""

import numpy as np


def shuffled(arrays, rng):
    """The arrays reordered by one permutation of their rows, drawn as Keras draws it
    (``rng.shuffle`` of ``arange`` with a ``np.random.RandomState``)."""
    order = np.arange(len(arrays[0]))
    rng.shuffle(order)
    return [array[order] for array in arrays]
