"""PReLU layer: a leaky ReLU whose negative slopes ``alpha`` are learned."""

import numpy as np

from handkeras import constraints
from handkeras import initializers
from handkeras import regularizers
from handkeras.layers.layer import Layer


class PReLU(Layer):
    """``x`` for ``x > 0``, ``alpha * x`` otherwise, with one trainable ``alpha`` per input entry.

    ``alpha`` has the input's shape without the batch axis; ``shared_axes`` (axes counted with the
    batch axis as 0, as in Keras) get size 1, so that, for example, ``shared_axes=[1, 2]`` on images
    learns one slope per channel. Backward: ``dx = dy`` where ``x > 0`` and ``alpha * dy`` elsewhere;
    ``d alpha = sum(dy * min(x, 0))`` over the batch and the shared axes.
    """

    supports_masking = True

    def __init__(self, alpha_initializer="Zeros", alpha_regularizer=None, alpha_constraint=None,
                 shared_axes=None, **kwargs):
        super().__init__(**kwargs)
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = self._checked_constraint("alpha_constraint", alpha_constraint)
        if shared_axes is None:
            self.shared_axes = None
        elif isinstance(shared_axes, (list, tuple)):
            self.shared_axes = list(shared_axes)
        else:
            self.shared_axes = [shared_axes]

    def build(self, input_shape):
        param_shape = list(input_shape[1:])
        for axis in self.shared_axes or []:
            if not 1 <= axis < len(input_shape):
                raise ValueError(
                    f"PReLU '{self.name}': `shared_axes` must be axes 1 to {len(input_shape) - 1} "
                    f"of inputs of shape {tuple(input_shape)}, received {self.shared_axes}."
                )
            param_shape[axis - 1] = 1
        if None in param_shape:
            raise ValueError(
                f"PReLU '{self.name}' needs every non-shared input dimension known, received "
                f"shape {tuple(input_shape)}."
            )
        self.alpha = self.add_weight(tuple(param_shape), self.alpha_initializer, name="alpha",
                                     regularizer=self.alpha_regularizer,
                                     constraint=self.alpha_constraint)
        self._reduce_axes = (0,) + tuple(i + 1 for i, size in enumerate(param_shape) if size == 1)

    def forward(self, x, training=False):
        negative = np.minimum(x, 0)
        if training:
            self._negative, self._positive = negative, (x > 0).astype(x.dtype)
        return np.maximum(x, 0) + self.alpha.value * negative

    def backward(self, dy, input_gradient=True):
        if self.trainable:
            self.gradients = [(dy * self._negative).sum(axis=self._reduce_axes).reshape(
                self.alpha.shape)]
        if not input_gradient:
            return None
        # The slope, 1 where x > 0 and alpha elsewhere, as a sum of which one term is 0: exact,
        # and several times faster than np.where on inputs of mixed signs.
        slope = (1 - self._positive) * self.alpha.value
        slope += self._positive
        return dy * slope

    def get_config(self):
        return {
            **super().get_config(),
            "alpha_initializer": initializers.serialize(self.alpha_initializer),
            "alpha_regularizer": self.alpha_regularizer and regularizers.serialize(
                self.alpha_regularizer),
            "alpha_constraint": constraints.serialize(self.alpha_constraint),
            "shared_axes": self.shared_axes,
        }
