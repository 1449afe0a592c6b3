"""Metric: the base of every stateful metric (``update_state`` / ``result`` / ``reset_state``)."""

from handkeras import backend


class Metric:
    """Base class for stateful metrics.

    ``_direction`` tells callbacks with ``mode="auto"`` whether a larger value is better (``"up"``),
    worse (``"down"``) or neither (None), as Keras's metrics do.
    """

    _direction = None

    def __init__(self, dtype=None, name=None):
        # Without a name, Keras numbers the class's name per process: precision, precision_1, ...
        self.name = name or backend.unique_name(backend.snake_case(type(self).__name__))
        self.dtype = dtype or backend.floatx()

    def update_state(self, *args, **kwargs):
        raise NotImplementedError

    def result(self):
        raise NotImplementedError

    def reset_state(self):
        raise NotImplementedError

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
