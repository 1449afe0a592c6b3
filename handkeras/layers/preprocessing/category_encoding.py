"""CategoryEncoding: integer ids in ``[0, num_tokens)`` as one-hot rows, multi-hot rows or
counts, for a known number of categories."""

import numbers

import numpy as np

from handkeras.keras_tensor import KerasTensor
from handkeras.layers.preprocessing import encoding
from handkeras.layers.preprocessing.data_layer import DataLayer


class CategoryEncoding(DataLayer):
    """Encodes integer ids in ``[0, num_tokens)`` as rows of ``num_tokens`` values.

    ``output_mode="one_hot"`` gives each id its row (a new last axis, or in place of a last axis
    of size 1); ``"multi_hot"`` (the default; ``"binary"`` is its old name) gives each sample, the
    ids along the last axis, one row with 1 for each id present; ``"count"`` counts them, weighted
    by ``count_weights`` when a call passes them. A 1-D input is one sample, as in Keras. Outputs
    come in the layer's dtype (floatx by default; an integer type is allowed). Ids may come as
    floats holding integers (a model's inputs are floats); any other value is an error.
    """

    def __init__(self, num_tokens=None, output_mode="multi_hot", sparse=False, **kwargs):
        super().__init__(**kwargs)
        if output_mode == "binary":
            output_mode = "multi_hot"
        if output_mode not in encoding.ENCODINGS:
            raise ValueError(f"Unknown arg for output_mode: {output_mode}")  # Keras's words
        if num_tokens is None:
            raise ValueError("num_tokens must be set to use this layer. If the number of tokens "
                             "is not known beforehand, use the IntegerLookup layer instead.")
        if isinstance(num_tokens, bool) or not isinstance(num_tokens, numbers.Integral):
            raise TypeError(f"CategoryEncoding '{self.name}': `num_tokens` must be an integer, "
                            f"received num_tokens={num_tokens!r}.")
        if num_tokens < 1:
            raise ValueError(f"`num_tokens` must be >= 1. Received: num_tokens={num_tokens}.")
        if sparse:
            raise ValueError(f"CategoryEncoding '{self.name}': `sparse=True` is not supported: "
                             "handkeras has no sparse tensors (nor has Keras's torch backend).")
        self.num_tokens = int(num_tokens)
        self.output_mode = output_mode
        self.sparse = False

    def __call__(self, x, count_weights=None, training=False):
        """Encode ``x``; in ``"count"`` mode, ``count_weights`` (an array of the shape of ``x``)
        weigh each id's count."""
        if count_weights is None:
            return super().__call__(x, training=training)
        if self.output_mode != "count":
            raise ValueError(  # Keras's words
                "`count_weights` is not used when `output_mode` is not `'count'`. Received "
                f"`count_weights={count_weights}`.")
        if isinstance(x, KerasTensor):
            raise TypeError(f"{self._label}: `count_weights` are for calls on arrays, not on a "
                            "KerasTensor.")
        ids = np.asarray(x)
        weights = np.asarray(count_weights).astype(self.dtype)
        if weights.shape != ids.shape:
            raise ValueError(f"{self._label}: `count_weights` must have the shape of the inputs, "
                             f"{ids.shape}, received shape {weights.shape}.")
        self.build_once((None,) + ids.shape[1:] if ids.ndim else ())
        return encoding.encode(self._ids(ids), "count", self.num_tokens, self.dtype, weights)

    def build(self, input_shape):
        self._check_encodable_rank(len(input_shape))

    def _check_encodable_rank(self, ndim):
        """A ValueError when inputs of rank ``ndim`` are more than multi-hot and count take here:
        rank 2, a batch of samples, each a list of ids. (Keras's torch backend takes the samples
        along axis 1 of a rank-3 input, but gives a KerasTensor the shape of samples along the
        last axis; Keras documents rank 2 as the limit.)"""
        if self.output_mode != "one_hot" and ndim > 2:
            raise ValueError(
                f"{self._label}: with `output_mode={self.output_mode!r}` the inputs must have rank "
                f"2 or less (a batch of samples, each a list of ids), received inputs of rank "
                f"{ndim}.")

    @property
    def _label(self):
        return f"CategoryEncoding '{self.name}'"

    def check_input_values(self, x):
        """Ids must be integers (of any type, floats holding integers too) in
        ``[0, num_tokens)``."""
        ids = np.asarray(x)
        if ids.dtype.kind not in "biuf":
            raise ValueError(f"{self._label} expects integer ids, received an array of "
                             f"{ids.dtype}.")
        if ids.dtype.kind == "f" and not np.all(ids == np.floor(ids)):
            raise ValueError(f"{self._label} expects integer ids, received non-integer values "
                             "(NaN or fractions).")
        if ids.size and (ids.min() < 0 or ids.max() >= self.num_tokens):
            raise ValueError(f"{self._label}: ids must be in [0, num_tokens) = "
                             f"[0, {self.num_tokens}), received values in [{ids.min()}, "
                             f"{ids.max()}].")

    def _ids(self, x):
        """``x`` checked, as integers, of an encodable rank."""
        self._check_encodable_rank(np.ndim(x))
        self.check_input_values(x)
        return np.asarray(x, dtype=np.intp)

    def forward(self, x, training=False):
        return encoding.encode(self._ids(x), self.output_mode, self.num_tokens, self.dtype)

    def compute_output_shape(self, input_shape):
        self._check_encodable_rank(len(input_shape))
        return encoding.encoded_shape(input_shape, self.output_mode, self.num_tokens)

    def get_config(self):
        return {**super().get_config(), "num_tokens": self.num_tokens,
                "output_mode": self.output_mode}
