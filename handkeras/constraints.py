"""Weight constraints: a projection the optimizer applies to a weight after each update.

A constraint passed as ``kernel_constraint`` / ``bias_constraint`` (or any layer's weight
constraint, or ``add_weight(constraint=...)``) is kept on the weight as ``variable.constraint``.
After every optimizer step, each updated weight that has one is replaced by
``constraint(weight)``, as Keras does. Constraints take no part in the gradients, so any callable
taking and returning the weight's array works as one.

The norms are those of the slices along ``axis``: for a Dense kernel ``(inputs, units)``,
``axis=0`` (the default) constrains the weights coming into each unit; for a Conv2D kernel
``(rows, cols, channels, filters)``, ``axis=[0, 1, 2]`` constrains each filter.
"""

import numbers

import numpy as np

from handkeras import backend
from handkeras.identifiers import cannot_interpret, deserialize_object, serialize_object


def _number(value, name):
    """``value`` if it is a real number (a bool is not), else a ValueError naming ``name``: Keras
    takes anything and fails at the first update instead."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or np.isnan(value):
        raise ValueError(f"Invalid value for argument `{name}`: expected a number, received "
                         f"{name}={value!r}.")
    return value


def _axis(axis):
    """``axis`` if it is an int, a list or tuple of ints, or None (all axes), else a ValueError."""
    axes = axis if isinstance(axis, (list, tuple)) else [axis]
    if axis is not None and not all(isinstance(a, (int, np.integer)) and not isinstance(a, bool)
                                    for a in axes):
        raise ValueError(f"Invalid value for argument `axis`: expected an int or a list of ints, "
                         f"received axis={axis!r}.")
    return axis


class Constraint:
    """Base class: ``__call__(w)`` returns the projected weight (here ``w`` itself, unchanged)."""

    def __call__(self, w):
        return w

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class _NormConstraint(Constraint):
    """A constraint on the norms of the slices along ``axis``."""

    def __init__(self, axis):
        self.axis = _axis(axis)

    def _norms(self, w):
        """``sqrt(sum(w^2))`` along ``axis``, with the axes kept for broadcasting."""
        axis = tuple(self.axis) if isinstance(self.axis, list) else self.axis
        return np.sqrt(np.sum(np.square(w), axis=axis, keepdims=True))

    def _rescaled(self, w, norms, desired):
        """``w`` rescaled from ``norms`` to ``desired``, with Keras's epsilon in the denominator:
        ``w * desired / (epsilon + norms)``."""
        return w * (desired / (backend.epsilon() + norms))


class MaxNorm(_NormConstraint):
    """Slices whose norm exceeds ``max_value`` are scaled down to it:
    ``w * clip(norms, 0, max_value) / (epsilon + norms)``."""

    def __init__(self, max_value=2, axis=0):
        super().__init__(axis)
        self.max_value = _number(max_value, "max_value")

    def __call__(self, w):
        w = np.asarray(w)
        norms = self._norms(w)
        return self._rescaled(w, norms, np.clip(norms, 0, float(self.max_value)))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class MinMaxNorm(_NormConstraint):
    """Slices are rescaled towards norms in ``[min_value, max_value]``: to
    ``rate * clip(norms, min_value, max_value) + (1 - rate) * norms``, so ``rate=1`` enforces the
    bounds at once and a smaller rate moves the norms there step by step."""

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        super().__init__(axis)
        self.min_value = _number(min_value, "min_value")
        self.max_value = _number(max_value, "max_value")
        self.rate = _number(rate, "rate")

    def __call__(self, w):
        w = np.asarray(w)
        norms = self._norms(w)
        rate = float(self.rate)
        clipped = np.clip(norms, float(self.min_value), float(self.max_value))
        return self._rescaled(w, norms, rate * clipped + (1 - rate) * norms)

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate,
                "axis": self.axis}


class NonNeg(Constraint):
    """Negative weights become 0: ``maximum(w, 0)``."""

    def __call__(self, w):
        return np.maximum(np.asarray(w), 0)


class UnitNorm(_NormConstraint):
    """Every slice is scaled to norm 1: ``w / (epsilon + norms)``."""

    def __init__(self, axis=0):
        super().__init__(axis)

    def __call__(self, w):
        w = np.asarray(w)
        return w / (backend.epsilon() + self._norms(w))

    def get_config(self):
        return {"axis": self.axis}


# Keras's lower-case names are the classes themselves.
max_norm, min_max_norm, non_neg, unit_norm = MaxNorm, MinMaxNorm, NonNeg, UnitNorm

_CLASSES = {cls.__name__: cls for cls in (Constraint, MaxNorm, MinMaxNorm, NonNeg, UnitNorm)}
# Keras's names, case and all: the class names and their snake_case forms.
_NAMES = {**_CLASSES, "constraint": Constraint, "max_norm": MaxNorm,
          "min_max_norm": MinMaxNorm, "non_neg": NonNeg, "unit_norm": UnitNorm}


def get(identifier):
    """A constraint from a Keras name (``"max_norm"``, ``"MaxNorm"``, ``"non_neg"``, ...; case
    matters, as in Keras), a config dict, a Constraint class or instance, any callable, or None."""
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        constraint = deserialize(identifier)
    elif isinstance(identifier, str):
        constraint = _NAMES.get(identifier)
    else:
        constraint = identifier
    if isinstance(constraint, type):
        constraint = constraint()
    if not callable(constraint):
        raise cannot_interpret(
            "constraint", identifier, f"Expected one of the names {sorted(_NAMES)}, a config "
            "dict, a Constraint, or a callable taking the weight and returning its new value.")
    return constraint


def serialize(constraint):
    """Keras's config form: ``{"module", "class_name", "config", "registered_name"}``."""
    return serialize_object(constraint)


def deserialize(config, custom_objects=None):
    """The constraint described by :func:`serialize`'s output (or by one of Keras's names);
    ``custom_objects`` maps class names to classes of your own."""
    if config is None:
        return None
    if isinstance(config, str):
        return get(config)
    return deserialize_object("constraint", config, _NAMES, custom_objects)
