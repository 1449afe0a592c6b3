"""InputLayer and ``Input``: declare a model's input shape up front."""

import numpy as np

from handkeras import backend
from handkeras.keras_tensor import KerasTensor
from handkeras.layers.layer import Layer, normalize_shape


class InputLayer(Layer):
    """Marks the input of a Sequential model; it has no weights and passes data through.

    As in Keras, a Sequential model does not list its InputLayer in ``model.layers``.
    """

    def __init__(self, shape=None, batch_size=None, dtype=None, sparse=None, ragged=None,
                 batch_shape=None, input_tensor=None, optional=False, name=None, **kwargs):
        if "input_shape" in kwargs:
            shape = kwargs.pop("input_shape")
        if batch_shape is not None:
            shape, batch_size = batch_shape[1:], batch_shape[0]
        if shape is None:
            raise ValueError("InputLayer needs a `shape` (or `batch_shape`), received none.")
        if sparse or ragged or optional or input_tensor is not None:
            raise NotImplementedError(
                "InputLayer: sparse, ragged and optional inputs and `input_tensor` are not supported "
                "by handkeras."
            )
        super().__init__(name=name or backend.unique_name("input_layer"), dtype=dtype, **kwargs)
        self.shape = normalize_shape(shape)
        self.batch_size = batch_size
        self.batch_shape = (batch_size,) + self.shape
        self.built = True
        self._tensor = KerasTensor(self.batch_shape, self.dtype, name=name)
        self._tensor._input_layer = self

    @property
    def output(self):
        """The symbolic tensor the layer's model starts from (what ``Input`` returns)."""
        return self._tensor

    def _checked_dtype(self, dtype):
        """``dtype`` if it is a numpy type of real numbers or bools: inputs may be integers (such as
        an Embedding's indices), as in Keras; a ValueError naming the layer otherwise."""
        try:
            kind = np.dtype(dtype).kind
        except (TypeError, ValueError):  # not a type numpy knows
            kind = "O"
        if kind not in "biuf":
            raise ValueError(f"InputLayer '{self.name}': `dtype` must be a type of real numbers or "
                             f"bools, such as 'float32' or 'int32', received {dtype!r}.")
        return np.dtype(dtype).name

    def forward(self, x, training=False):
        return x

    def backward(self, dy, input_gradient=True):
        return dy

    def get_config(self):
        return {"batch_shape": tuple(self.batch_shape), "dtype": self.dtype, "sparse": False,
                "ragged": False, "name": self.name, "optional": False}


def Input(shape=None, batch_size=None, dtype=None, sparse=None, ragged=None, batch_shape=None,
          name=None, tensor=None, optional=False):
    """A symbolic input of the given shape (batch dimension excluded), as ``keras.Input``."""
    for argument, value in (("sparse", sparse), ("ragged", ragged), ("tensor", tensor),
                            ("optional", optional)):
        if value:
            raise NotImplementedError(f"Input: `{argument}` inputs are not supported by handkeras, "
                                      f"received {argument}={value!r}.")
    return InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, batch_shape=batch_shape,
                      name=name).output
