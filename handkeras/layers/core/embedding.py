"""Embedding: integer ids to dense vectors."""

import warnings

import numpy as np

from handkeras import constraints
from handkeras import initializers
from handkeras import regularizers
from handkeras.layers.layer import Layer


class Embedding(Layer):
    """Looks up row ``i`` of the ``(input_dim, output_dim)`` table for each id ``i``.

    The gradient of the table adds each output gradient to its id's row (repeated ids add up); ids
    have no gradient. With ``mask_zero=True``, id 0 is padding: the layer emits the mask ``ids != 0``,
    which later layers (GlobalAveragePooling1D, the loss) honour, as in Keras.
    """

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform",
                 embeddings_regularizer=None, embeddings_constraint=None, mask_zero=False,
                 weights=None, lora_rank=None, lora_alpha=None, quantization_config=None,
                 **kwargs):
        if kwargs.pop("input_length", None) is not None:  # Keras 2's; Keras 3 ignores it
            warnings.warn("Argument `input_length` is deprecated. Just remove it.", stacklevel=2)
        super().__init__(**kwargs)
        self.input_dim = self._checked_positive_int("input_dim", input_dim)
        self.output_dim = self._checked_positive_int("output_dim", output_dim)
        if lora_rank is not None or quantization_config is not None:
            raise NotImplementedError(f"Embedding '{self.name}': LoRA and quantization are not "
                                      "supported.")
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = self._checked_constraint("embeddings_constraint",
                                                              embeddings_constraint)
        self.mask_zero = bool(mask_zero)
        self._initial_weights = weights

    @property
    def supports_masking(self):
        return self.mask_zero

    def build(self, input_shape):
        self.embeddings = self.add_weight((self.input_dim, self.output_dim),
                                          self.embeddings_initializer, name="embeddings",
                                          regularizer=self.embeddings_regularizer,
                                          constraint=self.embeddings_constraint)
        if self._initial_weights is not None:
            self.set_weights(self._initial_weights)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (self.output_dim,)

    def compute_mask(self, inputs, mask=None):
        return np.asarray(inputs) != 0 if self.mask_zero else None

    def check_input_values(self, x):
        """Ids must be integers (of any dtype) in [0, input_dim)."""
        ids = np.asarray(x)
        if ids.dtype.kind == "f" and not np.all(ids == np.floor(ids)):
            raise ValueError(f"Embedding '{self.name}' expects integer ids, received non-integer "
                             "values.")
        if ids.size and (ids.min() < 0 or ids.max() >= self.input_dim):
            raise ValueError(f"Embedding '{self.name}': ids must be in [0, {self.input_dim}), "
                             f"received values in [{int(ids.min())}, {int(ids.max())}].")

    def _ids(self, x):
        """``x`` checked, as integers to index the table with."""
        self.check_input_values(x)
        ids = np.asarray(x)
        return ids.astype(np.intp) if ids.dtype.kind == "f" else ids

    def forward(self, x, training=False):
        ids = self._ids(x)
        if training:
            self._ids_cache = ids
        return self.embeddings.value[ids]

    def backward(self, dy, input_gradient=True):
        if self.trainable:
            table = np.zeros_like(self.embeddings.value)
            np.add.at(table, self._ids_cache.reshape(-1), dy.reshape(-1, self.output_dim))
            self.gradients = [table]
        return None

    def get_config(self):
        return {**super().get_config(), "input_dim": self.input_dim, "output_dim": self.output_dim,
                "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
                "embeddings_regularizer": self.embeddings_regularizer and
                regularizers.serialize(self.embeddings_regularizer),
                "activity_regularizer": self.activity_regularizer and
                regularizers.serialize(self.activity_regularizer),
                "embeddings_constraint": constraints.serialize(self.embeddings_constraint),
                "mask_zero": self.mask_zero,
                "quantization_config": None}
