"""RNN: the time loop that SimpleRNN, LSTM and GRU share, forward and backward through time.

Forward: the inputs of all time steps are projected through the cell's ``kernel`` in ONE matmul,
then the cell steps through time from zero states. Backward (backprop through time) walks the steps
in reverse, collecting the gradient at every step's projection; the input kernel's gradient and the
input gradient then come from ONE matmul each over all steps.

Masks (from ``Embedding(mask_zero=True)``) skip time steps as Keras does: at a masked step the
states are carried over unchanged, and the step's output repeats the previous one (zeros with
``zero_output_for_mask=True``). ``go_backwards`` reads the sequence from its end, and returns the
outputs in that reading order, as Keras does. With ``zero_output_for_mask=True`` the last output
too is zeros when the last step is masked.
"""

import numpy as np

from handkeras import backend
from handkeras import constraints
from handkeras import regularizers
from handkeras.layers.layer import Layer
from handkeras.layers.rnn import dropout_masks
from handkeras.layers.rnn.gate_blocks import masked_matmul, masked_matmul_backward


class RNN(Layer):
    """A recurrent layer made of a cell (``self.cell``, which holds the weights, as in Keras).

    Subclasses pass their cell's class and options, and the loop's options.
    """

    supports_masking = True

    def __init__(self, cell_class, cell_options, return_sequences=False,
                 return_state=False, go_backwards=False, stateful=False, unroll=False,
                 zero_output_for_mask=False, activity_regularizer=None, **kwargs):
        kwargs.pop("implementation", None)  # Keras's choice of kernel split: the same math
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        kind = type(self).__name__
        if return_state:
            raise NotImplementedError(
                f"{kind} '{self.name}': `return_state=True` is not supported: a layer of a "
                "Sequential model passes on one tensor, so the final states have nowhere to go.")
        if stateful:
            raise NotImplementedError(
                f"{kind} '{self.name}': `stateful=True` is not supported: handkeras starts every "
                "batch from zero states and keeps no state between batches.")
        self.cell = cell_class(**cell_options, layer_name=f"{kind} '{self.name}'",
                               name=f"{backend.snake_case(kind)}_cell", dtype=self.dtype)
        self.return_sequences = bool(return_sequences)
        self.return_state = False
        self.go_backwards = bool(go_backwards)
        self.stateful = False
        self.unroll = bool(unroll)  # Keras unrolls the loop in the graph: the same numbers
        self.zero_output_for_mask = bool(zero_output_for_mask)

    # ----------------------------------------------------------------------------- Keras names
    @property
    def units(self):
        return self.cell.units

    def __getattr__(self, name):
        """The cell's options (``activation``, ``dropout``, ...) read through the layer, as
        Keras's properties do."""
        if name in _CELL_OPTIONS and "cell" in vars(self):
            return getattr(self.cell, name)
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    # ----------------------------------------------------------------------------- shapes
    def build(self, input_shape):
        self._check_sequences(input_shape)
        if input_shape[-1] is None:
            raise ValueError(f"{type(self).__name__} '{self.name}' needs a known last input "
                             f"dimension, received shape {tuple(input_shape)}.")
        with backend.name_scope(self.name):
            self.cell.build((None, input_shape[-1]))
        self._weights.extend(self.cell.weights)

    def _snapshot(self):
        """The layer's and its cell's state: a build undone undoes the cell's too."""
        return super()._snapshot(), self.cell._snapshot()

    def _restore(self, snapshot):
        own, cell = snapshot
        super()._restore(own)
        self.cell._restore(cell)

    def _check_sequences(self, shape):
        check_sequences(self, shape)

    def compute_output_shape(self, input_shape):
        self._check_sequences(input_shape)
        if self.return_sequences:
            return (input_shape[0], input_shape[1], self.units)
        return (input_shape[0], self.units)

    def compute_mask(self, inputs, previous_mask):
        """The input mask passes on with the sequences (unreversed, as Keras does), else none."""
        return previous_mask if self.return_sequences else None

    # ----------------------------------------------------------------------------- forward
    def forward(self, x, training=False, mask=None):
        self._check_sequences(x.shape)
        cell = self.cell
        if self.go_backwards:
            x = x[:, ::-1]
            mask = None if mask is None else mask[:, ::-1]
        batch, steps, features = x.shape
        input_masks = recurrent_masks = None
        if training:
            input_masks = dropout_masks.draw(cell._rng, cell.dropout, cell.mask_count,
                                             (batch, 1, features), x.dtype)
            recurrent_masks = dropout_masks.draw(cell._rng, cell.recurrent_dropout,
                                                 cell.mask_count, (batch, cell.units), x.dtype)
        projected = masked_matmul(x, cell.kernel.value, input_masks)
        if cell.use_bias:
            projected += cell.input_bias(cell.bias.value)
        states = cell.initial_states(batch, x.dtype)
        outputs = np.empty((batch, steps, cell.units), x.dtype) if self.return_sequences else None
        caches = []
        for t in range(steps):
            new_states, cache = cell.step(projected[:, t], states, recurrent_masks)
            if mask is not None:
                keep = mask[:, t, None]
                new_states = [np.where(keep, new, old) for new, old in zip(new_states, states)]
            states = new_states
            if outputs is not None:
                outputs[:, t] = states[0]
                if mask is not None and self.zero_output_for_mask:
                    outputs[:, t] *= mask[:, t, None]
            if training:
                caches.append(cache)
        if training:
            self._x, self._mask, self._caches = x, mask, caches
            self._input_masks, self._recurrent_masks = input_masks, recurrent_masks
        if outputs is not None:
            return outputs
        if mask is not None and self.zero_output_for_mask:
            return states[0] * mask[:, -1, None]
        return states[0]

    # ----------------------------------------------------------------------------- backward
    def backward(self, dy, input_gradient=True):
        cell, x, mask = self.cell, self._x, self._mask
        batch, steps, _ = x.shape
        if not self.gradients:
            self.gradients = [np.empty(w.shape, w.dtype) for w in self._weights]
        for gradient in self.gradients:
            gradient.fill(0)
        dstates = [np.zeros((batch, cell.units), x.dtype) for _ in range(cell.state_count)]
        if not self.return_sequences:
            zeroed = mask is not None and self.zero_output_for_mask
            dstates[0] += dy * mask[:, -1, None] if zeroed else dy
        dprojected = np.empty((batch, steps, cell.gates * cell.units), x.dtype)
        for t in range(steps - 1, -1, -1):
            keep = None if mask is None else mask[:, t, None]
            if self.return_sequences:
                doutput = dy[:, t]
                if keep is not None and self.zero_output_for_mask:
                    doutput = doutput * keep
                dstates[0] = dstates[0] + doutput
            carried = None
            if keep is not None:  # a masked step passes its states' gradient straight back
                carried = [np.where(keep, 0, d) for d in dstates]
                dstates = [np.where(keep, d, 0) for d in dstates]
            dprojected[:, t], dstates = cell.step_backward(dstates, self._caches[t],
                                                           self._recurrent_masks, self.gradients)
            if carried is not None:
                dstates = [d + c for d, c in zip(dstates, carried)]
        if cell.use_bias:
            cell.input_bias(self.gradients[2])[...] += dprojected.sum(axis=(0, 1))
        dx = masked_matmul_backward(dprojected, x, cell.kernel.value, self._input_masks,
                                    self.gradients[0], input_gradient)
        if dx is not None and self.go_backwards:
            dx = dx[:, ::-1]
        return dx

    # ----------------------------------------------------------------------------- config
    def get_config(self):
        """Keras's order: the base layer's entries (with the activity regularizer when there is
        one), the loop's options, then the cell's (where Keras lists the activity regularizer
        again, so it sits there when there is none)."""
        config = super().get_config()
        config.update({
            "return_sequences": self.return_sequences, "return_state": False,
            "go_backwards": self.go_backwards, "stateful": False, "unroll": self.unroll,
            "zero_output_for_mask": self.zero_output_for_mask,
        })
        for key, value in self.cell.options_config().items():
            config[key] = value
            if key == "bias_initializer":
                config.update(self._config_after_initializers())
        config.update({
            "activity_regularizer": self.activity_regularizer
            and regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.cell.kernel_constraint),
            "recurrent_constraint": constraints.serialize(self.cell.recurrent_constraint),
            "bias_constraint": constraints.serialize(self.cell.bias_constraint),
            "dropout": self.cell.dropout, "recurrent_dropout": self.cell.recurrent_dropout,
            **self._config_at_end(),
        })
        return config

    def _config_after_initializers(self):
        """Entries Keras puts right after the initializers (LSTM's ``unit_forget_bias``)."""
        return {}

    def _config_at_end(self):
        """Entries Keras puts last (``reset_after``, ``seed``)."""
        return {}


def check_sequences(layer, shape):
    """A ValueError naming ``layer`` unless ``shape`` is that of sequences: (batch, timesteps,
    features)."""
    if len(shape) != 3:
        raise ValueError(
            f"{type(layer).__name__} '{layer.name}' expects input of rank 3 (batch, timesteps, "
            f"features), received shape {tuple(shape)}.")


_CELL_OPTIONS = frozenset((
    "activation", "recurrent_activation", "use_bias", "kernel_initializer",
    "recurrent_initializer", "bias_initializer", "kernel_regularizer", "recurrent_regularizer",
    "bias_regularizer", "kernel_constraint", "recurrent_constraint", "bias_constraint", "dropout",
    "recurrent_dropout", "seed", "unit_forget_bias", "reset_after"))
