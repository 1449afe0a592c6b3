"""Metric: the base of every stateful metric (``update_state`` / ``result`` / ``reset_state``)."""

import numpy as np

from handkeras import backend
from handkeras import initializers as initializers_module
from handkeras.variables import Variable

_AGGREGATIONS = (None, "none", "mean", "sum", "only_first_replica")


class Metric:
    """Base class for stateful metrics.

    A custom metric keeps its state in variables from ``add_variable`` (Keras's way), which the
    default ``reset_state`` sets back to zeros. ``_direction`` tells callbacks with
    ``mode="auto"`` whether a larger value is better (``"up"``), worse (``"down"``) or neither
    (None), as Keras's metrics do.
    """

    _direction = None

    def __init__(self, dtype=None, name=None):
        # Without a name, Keras numbers the class's name per process: precision, precision_1, ...
        self.name = name or backend.unique_name(backend.snake_case(type(self).__name__))
        self.dtype = dtype or backend.floatx()
        self._variables = []

    def add_variable(self, shape, initializer, dtype=None, aggregation="sum", name=None):
        """Create, register and return a state variable (not trainable) of ``shape``, in
        ``dtype`` (floatx by default, as in Keras). ``aggregation`` changes nothing here (one
        device)."""
        if not hasattr(self, "_variables"):
            raise RuntimeError(f"{type(self).__name__}: call `super().__init__()` in `__init__` "
                               "before `add_variable`.")
        if initializer is None:
            raise ValueError(f"Metric '{self.name}': add_variable needs an `initializer` "
                             "(for example 'zeros'), received None.")
        if aggregation not in _AGGREGATIONS:
            raise ValueError(f"Metric '{self.name}': add_variable's `aggregation` must be one of "
                             f"{', '.join(map(repr, _AGGREGATIONS))}, received {aggregation!r}.")
        try:
            resolved = np.dtype(dtype or backend.floatx())
        except TypeError:
            resolved = None
        if resolved is None or resolved.kind not in "fiub":
            raise ValueError(f"Metric '{self.name}': add_variable's `dtype` must be a numeric "
                             f"dtype, received {dtype!r}.")
        shape = tuple(shape)
        value = np.array(initializers_module.get(initializer)(shape, resolved.name),
                         dtype=resolved)
        name = name or backend.unique_name("variable")
        variable = Variable.holding(value, name, path=f"{self.name}/{name}", trainable=False)
        self._variables.append(variable)
        return variable

    def add_weight(self, shape=(), initializer=None, dtype=None, name=None):
        """``add_variable`` under its older name, as in Keras."""
        return self.add_variable(shape=shape, initializer=initializer, dtype=dtype, name=name)

    @property
    def variables(self):
        """The variables of ``add_variable``, then those of metrics held as attributes."""
        found = list(getattr(self, "_variables", ()))
        for value in vars(self).values():
            if isinstance(value, Metric):
                found.extend(value.variables)
        return found

    def update_state(self, *args, **kwargs):
        raise NotImplementedError

    def result(self):
        raise NotImplementedError

    def reset_state(self):
        """Set every variable to zeros (the built-in metrics, which keep their running totals
        in Python floats, override this)."""
        for variable in self.variables:
            variable.assign(np.zeros(variable.shape, variable.dtype))

    def __call__(self, *args, **kwargs):
        """Update with one batch and return the result, as a Keras metric does."""
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"
