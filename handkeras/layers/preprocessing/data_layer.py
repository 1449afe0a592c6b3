"""DataLayer: the base of the preprocessing layers that map data to data (ids to one-hot rows,
numbers to bins): no weights, no gradient, any input shape."""

import numpy as np

from handkeras import backend
from handkeras.keras_tensor import KerasTensor
from handkeras.layers.layer import Layer

# The integer types such a layer may give its outputs in, besides the float types (as in Keras).
INT_TYPES = ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64")


class DataLayer(Layer):
    """A layer whose output is a step function of its input, so it has no gradient to pass on.

    It takes arrays of any type, rank and shape (a scalar too) in direct calls, and computes the
    same whatever shape it was built for. It has no ``backward``: a model trains with it below
    every layer with trainable weights (the first layers, where training needs no gradient of
    them), and refuses to train with it anywhere else before the first step, with the message of
    ``_missing_pass``.
    """

    def _checked_dtype(self, dtype):
        """``dtype`` if it is a float type or an integer type, which Keras's preprocessing
        layers may output; else a ValueError naming the layer."""
        if dtype not in backend.FLOAT_TYPES + INT_TYPES:
            raise ValueError(f"{type(self).__name__} '{self.name}': `dtype` must be one of "
                             f"{list(backend.FLOAT_TYPES + INT_TYPES)}, received {dtype!r}.")
        return dtype

    def __call__(self, x, training=False):
        """The output for ``x``, an array of any type (not cast to the layer's dtype first), or
        the KerasTensor of the output for a KerasTensor."""
        if isinstance(x, KerasTensor):
            return self.symbolic_call(x)
        x = np.asarray(x)
        self.build_once((None,) + x.shape[1:] if x.ndim else ())
        return self.forward(x, training=training)

    def check_input_shape(self, shape, argument="x", expected=None):
        """Any shape goes, once built as before: the layer has no weights made for one."""
        if expected is not None:
            super().check_input_shape(shape, argument, expected)

    def _check_built_for(self, input_shape):
        """Any shape goes (see ``check_input_shape``)."""

    def _missing_pass(self, method):
        return (f"{type(self).__name__} '{self.name}' has no `{method}`: its output is a step "
                "function of its input, with no gradient to pass on. Put it below every layer "
                "with trainable weights (first in the model, as preprocessing), where training "
                "needs no gradient of it.")
