"""``noise_shape``: the shape of the mask Dropout and AlphaDropout draw, shared along its 1s.

Checked in two steps, when Keras checks: its entries when the layer is made, and its fit to the
input at each training call (inference ignores it, so a model with a mismatched one still
predicts, as in Keras).
"""

from handkeras.layers.layer import is_int


class NoiseShapeMismatch(ValueError, RuntimeError):
    """A ``noise_shape`` that does not broadcast to the input: a ValueError, as handkeras's
    argument errors are, and a RuntimeError, as Keras's (on torch) is."""


def checked_noise_shape(layer, noise_shape):
    """``noise_shape`` as a tuple of positive ints and Nones (None: the input's size), or None;
    a ValueError naming the layer otherwise, as Keras's Dropout raises."""
    if noise_shape is None:
        return None
    try:
        entries = None if isinstance(noise_shape, str) else tuple(noise_shape)
    except TypeError:
        entries = None
    if entries is None or not all(n is None or (is_int(n) and n > 0) for n in entries):
        raise ValueError(f"{type(layer).__name__} '{layer.name}': `noise_shape` must be a tuple "
                         f"of positive ints or None, received {noise_shape!r}.")
    return entries


def concrete_noise_shape(layer, noise_shape, input_shape):
    """The mask's shape for an input of ``input_shape``, Keras's way: None at index ``i`` takes
    the input's size at index ``i``; the mask then broadcasts against the input from its last
    axis, so each entry must be 1 or the size of the axis it meets. A NoiseShapeMismatch naming
    the layer otherwise."""
    input_shape = tuple(input_shape)
    if noise_shape is None:
        return input_shape
    rank = len(input_shape)
    shape = tuple(input_shape[i] if n is None and i < rank else n
                  for i, n in enumerate(noise_shape))
    if len(shape) > rank or not all(n in (1, size) for n, size in
                                    zip(reversed(shape), reversed(input_shape))):
        raise NoiseShapeMismatch(
            f"{type(layer).__name__} '{layer.name}': `noise_shape` {noise_shape} does not fit "
            f"the input of shape {input_shape}: it must have at most the input's rank "
            f"({rank}), and each entry must be None, 1 or the input's size on its axis, "
            f"counted from the last axis (the mask would have the shape {shape}).")
    return shape
