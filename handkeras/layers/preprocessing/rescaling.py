"""Rescaling: ``y = x * scale + offset``, the usual first layer of an image model (``1 / 255``)."""

import numpy as np

from handkeras.layers.layer import Layer

# How Keras serializes an array in a config, and the class names it reads back as arrays.
_ARRAY_CLASS_NAMES = ("__numpy__", "__tensor__")


def _factor(argument):
    """The ``scale`` or ``offset`` property: the value as given (what ``get_config`` writes);
    setting it checks it again and changes what the layer computes, as in Keras."""
    return property(lambda layer: layer._given[argument],
                    lambda layer, value: layer._set_factor(argument, value),
                    doc=f"``{argument}`` as given; setting it changes what the layer computes.")


class Rescaling(Layer):
    """Multiplies every input value by ``scale`` and adds ``offset``, in training and inference.

    ``scale`` and ``offset`` are numbers, or arrays (lists) of numbers broadcast against each input
    with numpy's rule: a list of 3 scales the 3 channels of an image. Inputs of any real type
    (``uint8`` pixels) come out in the layer's float ``dtype``, as in Keras. The layer has no
    weights, passes masks through, and its input gradient is ``dy * scale``.
    """

    supports_masking = True
    scale = _factor("scale")
    offset = _factor("offset")

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self._given = {}
        self.scale = scale
        self.offset = offset

    def _set_factor(self, argument, value):
        """Keep ``value`` as given and as an array in the layer's dtype, for the math; a built
        layer also checks that it fits the input it was built for."""
        array = self._checked_factor(argument, value)
        if self.built:
            self._check_broadcast(argument, array.shape, self._build_input_shape)
        self._given[argument] = value
        setattr(self, "_" + argument, array)

    def _checked_factor(self, argument, value):
        """``value`` as an array in the layer's dtype, if it holds finite real numbers; else a
        ValueError naming the argument (a bool, a string, None or a ragged list is no number)."""
        try:
            array = None if isinstance(value, (bool, np.bool_)) else np.asarray(value)
        except (ValueError, TypeError):  # a ragged list
            array = None
        if array is None or array.dtype.kind not in "iuf":
            raise ValueError(f"Rescaling '{self.name}': `{argument}` must be a real number or an "
                             f"array of them, received {value!r}.")
        if not np.all(np.isfinite(array)):
            raise ValueError(f"Rescaling '{self.name}': `{argument}` must be finite, received "
                             f"{value!r}.")
        return array.astype(self.dtype)

    def build(self, input_shape):
        for argument, factor in (("scale", self._scale), ("offset", self._offset)):
            self._check_broadcast(argument, factor.shape, input_shape)

    def _check_broadcast(self, argument, shape, input_shape):
        """A ValueError unless an array of ``shape`` broadcasts against inputs of ``input_shape``
        without changing their shape: aligned on the last axes, each of its sizes is 1 or the
        input's known size there (the batch axis takes 1 only)."""
        rank = len(input_shape)
        fits = len(shape) <= rank and all(
            size == 1 or (axis > 0 and size == input_shape[axis])
            for axis, size in zip(range(rank - len(shape), rank), shape))
        if not fits:
            raise ValueError(
                f"Rescaling '{self.name}': `{argument}` of shape {shape} does not broadcast "
                f"against inputs of shape {tuple(input_shape)}: aligned on the last axes, each of "
                "its sizes must be 1 or the input's known size there (the batch axis takes 1 only)."
            )

    def forward(self, x, training=False):
        y = np.asarray(x, dtype=self.dtype) * self._scale
        y += self._offset
        return y

    def backward(self, dy, input_gradient=True):
        return dy * self._scale.astype(dy.dtype, copy=False) if input_gradient else None

    def get_config(self):
        return {**super().get_config(), "scale": _config_value(self.scale),
                "offset": _config_value(self.offset)}

    @classmethod
    def from_config(cls, config):
        arguments = dict(config)
        for argument in ("scale", "offset"):
            if argument in arguments:
                arguments[argument] = _from_config_value(argument, arguments[argument])
        return cls(**arguments)


def _config_value(value):
    """``scale`` or ``offset`` as Keras writes it in a config: numbers, lists and tuples as they
    are (numpy scalars as Python numbers), an array as ``{"class_name": "__numpy__", ...}``."""
    if isinstance(value, tuple):
        return tuple(_config_value(item) for item in value)
    if isinstance(value, list):
        return [_config_value(item) for item in value]
    if isinstance(value, (int, float)):
        return value
    array = np.asarray(value)
    if array.ndim == 0:
        return array.item()
    return {"class_name": "__numpy__", "config": {"value": array.tolist(),
                                                  "dtype": array.dtype.name}}


def _from_config_value(argument, value):
    """The value a config holds: an array where Keras wrote one (``__numpy__``, or ``__tensor__``
    for a tensor), anything else as it is, for the constructor to check."""
    array_config = value.get("config") if isinstance(value, dict) else None
    if not isinstance(array_config, dict) or value.get("class_name") not in _ARRAY_CLASS_NAMES:
        return value
    try:
        return np.array(array_config.get("value"), dtype=array_config.get("dtype"))
    except (TypeError, ValueError) as error:  # an unknown dtype, values that are not numbers
        raise ValueError(f"Rescaling: the config's `{argument}` is not an array of numbers: "
                         f"{value!r} ({error}).") from None
