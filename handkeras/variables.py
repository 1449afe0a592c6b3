"""Variable: a named numpy array that layers own and optimizers update in place.

As a Keras variable does, a Variable stands for its value in arithmetic, comparisons, ``float()`` /
``int()``, formatting and numpy functions, so that code written for numbers (an optimizer's
``learning_rate`` and ``iterations``) works unchanged. The results are numpy values, not Variables.
"""

import operator

import numpy as np

from handkeras import backend
from handkeras import initializers


def _check_choice(argument, value, allowed):
    """ValueError in Keras's words unless ``value`` is one of ``allowed``."""
    if value not in allowed:
        raise ValueError(f"Invalid value for argument `{argument}`. Expected one of "
                         + ", ".join(f"`{choice!r}`" if choice else "`None`" for choice in allowed)
                         + f". Received: {argument}={value}")


def _on_value(name):
    """The ndarray method ``name`` applied to the variable's value."""
    def method(self, *args):
        return getattr(self.value, name)(*args)

    method.__name__ = name
    return method


class Variable:
    """A weight: a numpy array with a name, a path and a ``trainable`` flag.

    Optimizers update ``value`` in place, so views and references to it stay valid. ``np.asarray(v)``
    and ``v.numpy()`` give the array, as with Keras variables. ``constraint`` (None or a callable)
    is applied by optimizers after each update of the variable.
    """

    _constraint = None
    # Keras's distribution settings, kept for scripts that read them.
    aggregation = "none"
    synchronization = "auto"

    def __init__(self, initializer, shape=None, dtype=None, trainable=True, autocast=True,
                 aggregation="none", synchronization="auto", name=None, layout=None, **kwargs):
        """Keras's constructor: the value is ``initializer`` converted (a copy, of ``dtype`` or
        the dtype Keras gives it: floatx for Python floats, int32 for ints, an array's own), or an
        initializer (a name or a callable) run for ``shape``. The path is the name under the open
        name scopes. ``aggregation`` and ``synchronization`` (checked and kept), ``autocast``
        and ``layout`` only matter to Keras's distribution and mixed precision, which handkeras
        does not have."""
        from handkeras.ops import core as ops  # imported here: keras.ops builds on the layers

        name = name or backend.unique_name("variable")
        if not isinstance(name, str) or "/" in name:
            raise ValueError("Argument `name` must be a string and cannot contain character `/`. "
                             f"Received: name={name}")
        _check_choice("aggregation", aggregation, (None, "none", "mean", "sum",
                                                   "only_first_replica"))
        _check_choice("synchronization", synchronization, (None, "none", "on_read", "on_write",
                                                           "auto"))
        if isinstance(initializer, str) or callable(initializer):
            if shape is None:
                raise ValueError("When creating a Variable from an initializer, the `shape` "
                                 "argument should be specified. Received: "
                                 f"initializer={initializer} and shape={shape}")
            dtype = ops.standardize_dtype(dtype)
            value = np.asarray(initializers.get(initializer)(tuple(shape), dtype), dtype=dtype)
        else:
            value = np.array(ops.convert_to_tensor(initializer, dtype))
            if shape is not None and tuple(shape) != value.shape:
                raise ValueError(f"Variable '{name}': `shape` {tuple(shape)} differs from the "
                                 f"shape of its initial value, {value.shape}.")
        self._hold(value, name, backend.scoped_path(name), bool(trainable))
        self.aggregation = aggregation or "none"
        self.synchronization = synchronization or "none"

    @classmethod
    def holding(cls, value, name, path=None, trainable=True):
        """A variable whose value IS ``value`` (no copy: layers and optimizers keep views of it),
        with the path given (the name by default): how handkeras makes its weights and slots."""
        variable = cls.__new__(cls)
        variable._hold(value, name, path or name, trainable)
        return variable

    def _hold(self, value, name, path, trainable):
        self.value = value
        self.name = name
        self.path = path
        self.trainable = trainable

    @property
    def constraint(self):
        """The projection an optimizer applies after updating the variable, or None."""
        return self._constraint

    @constraint.setter
    def constraint(self, value):
        if value is not None and not callable(value):
            raise ValueError(  # Keras's words
                "Invalid value for attribute `constraint`. Expected a callable (such as a "
                "`keras.constraints.Constraint` instance) or `None`. Received: "
                f"constraint={value}")
        self._constraint = value

    @property
    def shape(self):
        return self.value.shape

    @property
    def dtype(self):
        return self.value.dtype

    @property
    def ndim(self):
        return self.value.ndim

    def numpy(self):
        """A copy of the current value."""
        return self.value.copy()

    def assign(self, value):
        """Overwrite the value in place; the shape must match."""
        value = np.asarray(value)
        if value.shape != self.value.shape:
            raise ValueError(
                f"Cannot assign a value of shape {value.shape} to variable '{self.path}' "
                f"of shape {self.value.shape}."
            )
        self.value[...] = value

    def assign_add(self, value):
        """``assign(self + value)``."""
        self.assign(self.value + value)

    def assign_sub(self, value):
        """``assign(self - value)``."""
        self.assign(self.value - value)

    def __array__(self, dtype=None, copy=None):
        return self.value if dtype is None else self.value.astype(dtype)

    def __repr__(self):
        return (f"<Variable path={self.path}, shape={self.shape}, dtype={self.dtype}, "
                f"value={self.value}>")

    # ----------------------------------------------------------------------------- as a number
    def _scalar(self):
        """The value as a numpy scalar; a TypeError for a variable with dimensions, as in Keras."""
        if self.value.ndim > 0:
            raise TypeError(
                f"Only scalar arrays can be converted to Python scalars. Got: shape={self.shape}"
            )
        return self.value[()]

    def __float__(self):
        return float(self._scalar())

    def __int__(self):
        return int(self._scalar())

    def __index__(self):
        return operator.index(self._scalar())

    def __bool__(self):
        return bool(self.value)

    def __format__(self, format_spec):
        """A format spec applies to the value (``f"{lr:.4f}"``); without one, the repr, as in Keras."""
        return format(self.value, format_spec) if format_spec else repr(self)

    def __round__(self, ndigits=None):
        return np.round(self.value, ndigits or 0)

    def __getitem__(self, key):
        return self.value[key]

    def __eq__(self, other):
        """Element-wise on the values, as in Keras, except that a variable with dimensions equals
        another variable only when it is the same one (so ``in``, ``index`` and ``remove`` work on
        lists of weights); 0-d variables compare as the numbers they hold."""
        if isinstance(other, Variable) and (self.ndim or other.ndim):
            return self is other
        return self.value == other

    def __ne__(self, other):
        return np.logical_not(self == other)

    __lt__, __le__, __gt__, __ge__ = map(_on_value, ("__lt__", "__le__", "__gt__", "__ge__"))
    __neg__, __pos__, __abs__, __invert__ = map(_on_value, (
        "__neg__", "__pos__", "__abs__", "__invert__"))
    __add__, __radd__, __sub__, __rsub__, __mul__, __rmul__ = map(_on_value, (
        "__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__"))
    __truediv__, __rtruediv__, __floordiv__, __rfloordiv__, __mod__, __rmod__ = map(_on_value, (
        "__truediv__", "__rtruediv__", "__floordiv__", "__rfloordiv__", "__mod__", "__rmod__"))
    __pow__, __rpow__, __matmul__, __rmatmul__ = map(_on_value, (
        "__pow__", "__rpow__", "__matmul__", "__rmatmul__"))
    # Defining __eq__ would leave a variable unhashable; it hashes by identity instead, so variables
    # keep serving as dict keys and set members.
    __hash__ = object.__hash__
