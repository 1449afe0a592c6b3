"""The dropout masks of a recurrent layer: drawn once per sequence, in training only.

As in Keras, a mask is drawn for the batch at the start of a sequence and reused at every time
step (the same features are dropped all along a sequence). LSTM and GRU draw one mask per gate when
``recurrent_dropout`` is set (Keras's "implementation 1"), else one mask shared by all gates.
"""

import numbers

import numpy as np

from handkeras import backend


def clamped_rate(layer_name, argument, rate):
    """``rate`` clamped to [0, 1] as Keras does, or a TypeError for a value that is no number."""
    if isinstance(rate, bool) or not isinstance(rate, numbers.Real):
        raise TypeError(f"{layer_name}: `{argument}` must be a number in [0, 1], received "
                        f"{rate!r}.")
    return min(1.0, max(0.0, float(rate)))


def draw(rng, rate, count, shape, dtype):
    """``count`` inverted-dropout masks of ``shape`` (kept entries ``1 / (1 - rate)``), or None
    when ``rate`` drops nothing (Keras applies dropout only for ``0 < rate < 1``)."""
    if not 0.0 < rate < 1.0:
        return None
    rng = rng or backend.rng()
    keep = rng.random((count,) + tuple(shape), dtype=np.dtype(dtype).type)
    return (keep >= rate) * np.asarray(1.0 / (1.0 - rate), dtype)
