"""Variable: a named numpy array that layers own and optimizers update in place."""

import numpy as np


class Variable:
    """A weight: a numpy array with a name, a path and a ``trainable`` flag.

    Optimizers update ``value`` in place, so views and references to it stay valid. ``np.asarray(v)``
    and ``v.numpy()`` give the array, as with Keras variables.
    """

    def __init__(self, value, name, trainable=True, path=None):
        self.value = value
        self.name = name
        self.path = path or name
        self.trainable = trainable

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

    def __array__(self, dtype=None, copy=None):
        return self.value if dtype is None else self.value.astype(dtype)

    def __repr__(self):
        return f"<Variable path={self.path}, shape={self.shape}, dtype={self.dtype}>"
