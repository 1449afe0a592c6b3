"""Margins per spatial axis, as Cropping2D/3D and ZeroPadding2D/3D take them from Keras: an int
for every side, one int per axis (the same both sides), or one ``(before, after)`` pair per axis."""

from handkeras.layers.convolutional.im2col import normalize_tuple
from handkeras.layers.layer import is_int


def normalize_margins(value, rank, argument, layer):
    """``rank`` pairs ``(before, after)`` of non-negative ints; a ValueError naming ``layer`` and
    ``argument`` otherwise. An axis's entry may itself be an int or a pair, as in Keras."""
    if is_int(value):
        value = (value,) * rank
    try:
        entries = tuple(value)
    except TypeError:
        entries = None
    if isinstance(value, str) or entries is None or len(entries) != rank:
        raise ValueError(f"{type(layer).__name__} '{layer.name}': `{argument}` must be an int, a "
                         f"tuple of {rank} ints or {rank} tuples of 2 ints, received {value!r}.")
    return tuple(normalize_tuple(entry, 2, f"{argument}[{axis}]", layer.name, allow_zero=True)
                 for axis, entry in enumerate(entries))
