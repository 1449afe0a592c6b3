"""TimeDistributed: one layer applied to every time step of a sequence, with the same weights.

The input ``(batch, time, ...)`` is reshaped to ``(batch * time, ...)``, the wrapped layer runs
once over all those slices, and its output is reshaped back to ``(batch, time, ...)``. Backward
is the wrapped layer's own on the reshaped gradient: its weight gradients are already the sums
over every slice, i.e. over the batch and the time steps.

Keras calls the wrapped layer once per time step instead. The results are the same for layers
that treat samples independently (Dense, Conv2D, Dropout up to its random draws); a
BatchNormalization in training differs: here its batch statistics are taken over all
``batch * time`` slices and its moving statistics updated once per batch, where Keras takes them
per step and updates them once per step.
"""

from handkeras import backend
from handkeras.layers.layer import Layer
from handkeras.layers.wrapper import Wrapper


class TimeDistributed(Wrapper):
    """Keras's ``TimeDistributed(layer)``: ``layer`` built for ``(batch, ...)``, the time axis
    (axis 1) removed, and applied to each step."""

    supports_masking = True

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError("TimeDistributed: `layer` must be a layer instance (such as "
                             f"`layers.Dense(10)`), received {layer!r:.100}.")
        self._refuse_activity_regularizers("TimeDistributed", layer)
        super().__init__(**kwargs)
        self.layer = layer

    # ----------------------------------------------------------------------------- shapes
    def _step_shape(self, input_shape):
        """``input_shape`` without its time axis: the shape the wrapped layer sees."""
        if len(input_shape) < 3:
            raise ValueError(
                f"TimeDistributed '{self.name}' expects input of rank 3 or more (batch, time, "
                f"...), received shape {tuple(input_shape)}.")
        return (input_shape[0], *input_shape[2:])

    def build(self, input_shape):
        step_shape = self._step_shape(input_shape)
        with backend.name_scope(self.name):
            self.layer.build_once(step_shape)
        self._weights.extend(self.layer.weights)

    def compute_output_shape(self, input_shape):
        step_output = self.layer.compute_output_shape(self._step_shape(input_shape))
        return (step_output[0], input_shape[1], *step_output[1:])

    # ----------------------------------------------------------------------------- computing
    def forward(self, x, training=False, mask=None):
        batch, steps = self._step_shape(x.shape)[0], x.shape[1]
        slices = x.reshape((batch * steps, *x.shape[2:]))
        if mask is not None and self.layer.forward_takes_mask:
            step_mask = mask.reshape((batch * steps, *mask.shape[2:]))
            y = self.layer.forward(slices, training=training, mask=step_mask)
        else:
            y = self.layer.forward(slices, training=training)
        return y.reshape((batch, steps, *y.shape[1:]))

    def backward(self, dy, input_gradient=True):
        batch, steps = dy.shape[:2]
        dx = self.layer.backward(dy.reshape((batch * steps, *dy.shape[2:])), input_gradient)
        self.gradients = self.layer.gradients
        return None if dx is None else dx.reshape((batch, steps, *dx.shape[1:]))

    # ----------------------------------------------------------------------------- config
    def get_config(self):
        """Keras's: the base entries, then the wrapped layer serialized."""
        from handkeras.saving.serialization import serialize_keras_object

        config = super().get_config()
        config["layer"] = serialize_keras_object(self.layer)
        return config
