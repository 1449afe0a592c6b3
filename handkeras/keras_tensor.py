"""KerasTensor: the symbolic tensors through which Keras reads the shapes inside a model."""

from handkeras import backend


class KerasTensor:
    """A symbolic tensor: a ``shape`` (batch dimension first, None when unknown) and a ``dtype``,
    no values. ``Input(...)`` returns one, which starts a Sequential; a built model gives each
    layer an ``input`` and an ``output`` tensor, and has ``inputs`` and ``outputs``."""

    _input_layer = None  # the InputLayer this tensor is the output of, if any

    def __init__(self, shape, dtype="float32", sparse=False, ragged=False, record_history=True,
                 name=None, **kwargs):
        """Keras's constructor; ``record_history`` (Keras's tracing of the functional API) has
        nothing to record here."""
        self.shape = tuple(shape)
        self.dtype = dtype
        self.sparse = bool(sparse)
        self.ragged = bool(ragged)
        self.name = name or backend.unique_name("keras_tensor")

    @property
    def ndim(self):
        return len(self.shape)

    def __repr__(self):
        return (f"<KerasTensor shape={self.shape}, dtype={self.dtype}, sparse={self.sparse}, "
                f"ragged={self.ragged}, name={self.name}>")


def is_keras_tensor(x):
    """Whether ``x`` is a symbolic ``KerasTensor`` (as ``Input(...)`` returns), not an array."""
    return isinstance(x, KerasTensor)
