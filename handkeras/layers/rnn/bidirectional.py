"""Bidirectional: a recurrent layer run over the sequence both ways, its two outputs merged.

The wrapper holds two recurrent layers made from the wrapped one's config, as Keras does: the
``forward_<name>`` copy reads the sequence in order, the ``backward_<name>`` copy (or the given
``backward_layer``) with ``go_backwards=True`` reads it from its end. With ``return_sequences``
the backward outputs are flipped back into time order before the merge, and both layers output
zeros at masked steps (Keras forces ``zero_output_for_mask`` to ``return_sequences``).

Backward: the merge's gradient splits into one per layer (``concat``: the two halves, ``sum``: the
same, ``ave``: half each, ``mul``: times the other output), each layer back-propagates its own,
and the input gradient is the sum of the two.
"""

import numpy as np

from handkeras import backend
from handkeras.layers.layer import Layer
from handkeras.layers.rnn.any_cell import output_size
from handkeras.layers.rnn.rnn import RNN, check_sequences
from handkeras.layers.wrapper import Wrapper

MERGE_MODES = ("sum", "mul", "ave", "concat", None)


class Bidirectional(Wrapper):
    """Keras's ``Bidirectional(layer, merge_mode="concat", weights=None, backward_layer=None)``.

    ``weights`` is accepted and, as in Keras 3.15.1, not used: the layers start from their
    initializers.
    """

    supports_masking = True
    _sublayer_attributes = ("forward_layer", "backward_layer")
    _config_layer_keys = ("layer", "backward_layer")

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None, **kwargs):
        _check_recurrent("layer", layer)
        if backward_layer is not None:
            _check_recurrent("backward_layer", backward_layer)
        if merge_mode not in MERGE_MODES:
            raise ValueError(f"Bidirectional: invalid `merge_mode` {merge_mode!r}; it must be one "
                             'of {"sum", "mul", "ave", "concat", None}.')
        if merge_mode is None:
            raise NotImplementedError(
                "Bidirectional: `merge_mode=None` is not supported: it returns two tensors, and a "
                "layer of a Sequential model passes on one.")
        self._refuse_activity_regularizers("Bidirectional", layer, backward_layer)
        super().__init__(**kwargs)
        self.forward_layer = _copy(layer, f"forward_{_without_prefix(layer.name, 'forward_')}")
        if backward_layer is None:
            backward_layer = _copy(layer, f"backward_{_without_prefix(layer.name, 'backward_')}",
                                   go_backwards=True)
        self.backward_layer = backward_layer
        if hasattr(layer, "use_cudnn"):  # not in the config: carried over as Keras does
            self.forward_layer.use_cudnn = self.backward_layer.use_cudnn = layer.use_cudnn
        self._check_pair()
        for sublayer in (self.forward_layer, self.backward_layer):
            sublayer.zero_output_for_mask = sublayer.return_sequences
        self.merge_mode = merge_mode
        self.return_sequences = self.forward_layer.return_sequences
        self.return_state = False
        self.stateful = False

    def _check_pair(self):
        forward, backward = self.forward_layer, self.backward_layer
        if forward.go_backwards == backward.go_backwards:
            raise ValueError(
                f"Bidirectional '{self.name}': the forward and backward layers must have different "
                f"`go_backwards` values, received {forward.go_backwards} for '{forward.name}' and "
                f"{backward.go_backwards} for '{backward.name}'.")
        if forward.return_sequences != backward.return_sequences:
            raise ValueError(
                f"Bidirectional '{self.name}': the forward and backward layers must have the same "
                f"`return_sequences`, received {forward.return_sequences} for '{forward.name}' "
                f"and {backward.return_sequences} for '{backward.name}'.")

    # ----------------------------------------------------------------------------- shapes
    def build(self, input_shape):
        self._check_sequences(input_shape)
        with backend.name_scope(self.name):
            for sublayer in self.sublayers:
                sublayer.build(input_shape)
        self._weights.extend(self.forward_layer.weights + self.backward_layer.weights)

    def _check_sequences(self, shape):
        check_sequences(self, shape)

    def compute_output_shape(self, input_shape):
        self._check_sequences(input_shape)
        shape = self.forward_layer.compute_output_shape(input_shape)
        if self.merge_mode == "concat":
            shape = shape[:-1] + (shape[-1] + output_size(self.backward_layer.cell),)
        return shape

    def compute_mask(self, inputs, previous_mask):
        """The input mask passes on with the sequences, else none (as Keras)."""
        return previous_mask if self.return_sequences else None

    # ----------------------------------------------------------------------------- computing
    def forward(self, x, training=False, mask=None):
        self._check_sequences(x.shape)
        y = self.forward_layer.forward(x, training=training, mask=mask)
        y_reversed = self.backward_layer.forward(x, training=training, mask=mask)
        if self.return_sequences:
            y_reversed = y_reversed[:, ::-1]
        if training and self.merge_mode == "mul":
            self._outputs = y, y_reversed
        return self._merged(y, y_reversed).astype(self.dtype, copy=False)  # Keras casts too

    def _merged(self, y, y_reversed):
        if self.merge_mode == "concat":
            return np.concatenate([y, y_reversed], axis=-1)
        if self.merge_mode == "sum":
            return y + y_reversed
        if self.merge_mode == "ave":
            return (y + y_reversed) / 2
        return y * y_reversed

    def backward(self, dy, input_gradient=True):
        if self.merge_mode == "concat":
            units = output_size(self.forward_layer.cell)
            dy_forward, dy_backward = dy[..., :units], dy[..., units:]
        elif self.merge_mode == "sum":
            dy_forward = dy_backward = dy
        elif self.merge_mode == "ave":
            dy_forward = dy_backward = dy / 2
        else:
            y, y_reversed = self._outputs
            dy_forward, dy_backward = dy * y_reversed, dy * y
        if self.return_sequences:
            dy_backward = dy_backward[:, ::-1]
        dx = self.forward_layer.backward(dy_forward, input_gradient)
        dx_backward = self.backward_layer.backward(dy_backward, input_gradient)
        self.gradients = self.forward_layer.gradients + self.backward_layer.gradients
        return None if dx is None else dx + dx_backward

    # ----------------------------------------------------------------------------- config
    def get_config(self):
        """Keras's: the base entries, ``merge_mode``, then both layers serialized."""
        from handkeras.saving.serialization import serialize_keras_object

        config = super().get_config()
        config.update({"merge_mode": self.merge_mode,
                       "layer": serialize_keras_object(self.forward_layer),
                       "backward_layer": serialize_keras_object(self.backward_layer)})
        return config



def _check_recurrent(argument, layer):
    if not isinstance(layer, RNN):
        kind = type(layer).__name__
        received = f"{kind} '{layer.name}'" if isinstance(layer, Layer) else f"{layer!r:.100}"
        raise ValueError(f"Bidirectional: `{argument}` must be a recurrent layer (SimpleRNN, LSTM, "
                         f"GRU or RNN), received {received}.")


def _without_prefix(name, prefix):
    return name[len(prefix):] if name.startswith(prefix) else name


def _copy(layer, name, **changes):
    """A fresh layer of ``layer``'s class and config (none of its weights), renamed."""
    return type(layer).from_config({**layer.get_config(), "name": name, **changes})
