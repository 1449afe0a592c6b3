"""SpectralNormalization: keep a wrapped layer's kernel at spectral norm 1, by power iteration.

Keras's order of operations, kept exactly: on every training-mode call, and before the wrapped
layer runs, ``power_iterations`` steps refine the estimate ``u`` of the kernel's top singular
vector (the kernel read as a matrix ``W`` of shape ``(-1, kernel.shape[-1])``)::

    v = l2_normalize(u @ W.T);  u = l2_normalize(v @ W)
    sigma = v @ W @ u.T

and the kernel *variable* is overwritten by ``kernel / sigma`` and ``vector_u`` by ``u`` (an
all-zero kernel is left as it is). The wrapped layer then runs on that kernel. Since the division
is an assignment, no gradient flows through ``sigma``: the kernel's gradient is the wrapped layer's
own, at the normalized kernel, and the optimizer updates the normalized kernel. Inference runs the
wrapped layer on the kernel as it is, without normalizing it.
"""

import numpy as np

from handkeras import backend
from handkeras import initializers
from handkeras.layers.layer import Layer
from handkeras.layers.wrapper import Wrapper


def l2_normalized(array):
    """``array / ||array||`` over all its entries, as Keras computes it: ``array * min(1 /
    ||array||, 1 / epsilon)`` (so a zero array stays zero)."""
    square_sum = np.square(array).sum()
    return array / np.sqrt(max(square_sum, backend.epsilon() ** 2))


class SpectralNormalization(Wrapper):
    """Keras's ``SpectralNormalization(layer, power_iterations=1)``, for a layer with a ``kernel``
    (Dense, the convolutions) or ``embeddings`` (Embedding).

    Weights, in Keras's order: the wrapped kernel, ``vector_u`` (``(1, kernel.shape[-1])``,
    non-trainable, truncated normal with stddev 0.02), then the wrapped layer's other weights.
    """

    def __init__(self, layer, power_iterations=1, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError("SpectralNormalization: `layer` must be a layer instance with a "
                             "kernel (such as `layers.Dense(10)`), received "
                             f"{layer!r:.100}.")
        self._refuse_activity_regularizers("SpectralNormalization", layer)
        super().__init__(**kwargs)
        self.layer = layer
        self.power_iterations = self._checked_positive_int("power_iterations", power_iterations)

    def build(self, input_shape):
        with backend.name_scope(self.name):
            self.layer.build_once(input_shape)
        kernel = getattr(self.layer, "kernel", None)
        if kernel is None:
            kernel = getattr(self.layer, "embeddings", None)
        if kernel is None:
            raise ValueError(f"SpectralNormalization '{self.name}': the wrapped layer "
                             f"'{self.layer.name}' ({type(self.layer).__name__}) has no `kernel` "
                             "nor `embeddings` weight to normalize.")
        self.kernel = kernel
        self.vector_u = self.add_weight((1, kernel.shape[-1]),
                                        initializers.TruncatedNormal(stddev=0.02),
                                        dtype=kernel.dtype, trainable=False, name="vector_u")
        # Keras's order: the weights the wrapper tracks itself first, then the layer's others.
        self._weights[:] = [kernel, self.vector_u] + [w for w in self.layer.weights
                                                      if w is not kernel]

    def keras_own_variables(self):
        """What Keras's weights files hold in the wrapper's own ``vars`` group: the kernel (a
        second copy, next to the wrapped layer's) and ``vector_u``."""
        return [self.kernel, self.vector_u]

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)

    # ----------------------------------------------------------------------------- computing
    def normalized_weights(self):
        """Keras's: ``(vector_u, kernel)`` after ``power_iterations`` refinements of ``vector_u``,
        the kernel divided by its estimated spectral norm; new arrays, nothing assigned."""
        matrix = self.kernel.value.reshape(-1, self.kernel.shape[-1])
        vector_u = self.vector_u.value
        for _ in range(self.power_iterations):
            vector_v = l2_normalized(vector_u @ matrix.T)
            vector_u = l2_normalized(vector_v @ matrix)
        sigma = (vector_v @ matrix @ vector_u.T).item()
        return vector_u, self.kernel.value / sigma

    def forward(self, x, training=False):
        if training and self.kernel.value.any():  # an all-zero kernel is left as it is
            vector_u, kernel = self.normalized_weights()
            self.vector_u.value[...] = vector_u
            self.kernel.value[...] = kernel
        return self.layer.forward(x, training=training)

    def backward(self, dy, input_gradient=True):
        dx = self.layer.backward(dy, input_gradient)
        by_weight = {id(w): g for w, g in zip(self.layer.trainable_weights, self.layer.gradients)}
        self.gradients = [by_weight[id(w)] for w in self.trainable_weights]
        return dx

    def check_input_values(self, x):
        self.layer.check_input_values(x)

    # ----------------------------------------------------------------------------- config
    def get_config(self):
        """Keras's: the base entries, the wrapped layer serialized, then ``power_iterations``."""
        from handkeras.saving.serialization import serialize_keras_object

        return {**super().get_config(), "layer": serialize_keras_object(self.layer),
                "power_iterations": self.power_iterations}
