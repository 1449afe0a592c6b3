"""RNNCell: one time step of a recurrent layer, and the weights it holds.

A cell keeps Keras's weights: ``kernel`` ``(features, gates * units)`` for the inputs,
``recurrent_kernel`` ``(units, gates * units)`` for the previous output, and ``bias``. The layer
around it (:class:`~handkeras.layers.rnn.rnn.RNN`) projects the inputs of all time steps through
``kernel`` at once; the cell takes one step from that projection and the previous states, and back.

Standalone, a cell is Keras's: ``cell(inputs, states)`` (or ``cell.call``) takes one step from the
inputs of one time step, forward only, and returns ``(output, new_states)``; ``state_size``,
``output_size`` and ``get_initial_state(batch_size)`` describe its states.

Cell protocol of the layer's hand-derived loop:

- ``step(projected, states, recurrent_masks)`` returns ``(new_states, cache)``; ``new_states[0]`` is
  the step's output.
- ``step_backward(dstates, cache, recurrent_masks, gradients)`` returns
  ``(dprojected, dprevious_states)`` and adds the step's share of the recurrent weights' gradients
  into ``gradients`` (``[dkernel, drecurrent_kernel, dbias]``).
"""

import numpy as np

from handkeras import activations
from handkeras import constraints
from handkeras import initializers
from handkeras import regularizers
from handkeras.layers.layer import Layer
from handkeras.layers.rnn import dropout_masks
from handkeras.layers.rnn.gate_blocks import column_blocks, masked_matmul


class RNNCell(Layer):
    """What SimpleRNNCell, LSTMCell and GRUCell share: units, options, weights, one standalone
    step, and config."""

    #: How many gate blocks the kernels hold (SimpleRNN 1, LSTM 4, GRU 3).
    gates = 1
    #: How many states the cell carries (LSTM: the output h and the carry c).
    state_count = 1

    def __init__(self, units, activation="tanh", recurrent_activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None,
                 layer_name=None, **kwargs):
        super().__init__(**kwargs)
        owner = f"{layer_name or self.name}"
        if isinstance(units, bool) or not isinstance(units, (int, np.integer)) or units <= 0:
            raise ValueError(f"{owner}: `units` must be a positive integer, received {units!r}.")
        self.units = int(units)
        self.activation = activations.get(activation)
        self.recurrent_activation = (None if recurrent_activation is None
                                     else activations.get(recurrent_activation))
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint, self.recurrent_constraint, self.bias_constraint = (
            self._checked_constraint(argument, identifier, owner) for argument, identifier in (
                ("kernel_constraint", kernel_constraint),
                ("recurrent_constraint", recurrent_constraint),
                ("bias_constraint", bias_constraint)))
        self.dropout = dropout_masks.clamped_rate(owner, "dropout", dropout)
        self.recurrent_dropout = dropout_masks.clamped_rate(owner, "recurrent_dropout",
                                                            recurrent_dropout)
        self.seed = seed
        self._rng = None if seed is None else np.random.default_rng(seed)

    # ----------------------------------------------------------------------------- states
    @property
    def state_size(self):
        """Keras's: ``units`` for a cell with one state, a list of sizes for LSTM's two."""
        return self.units if self.state_count == 1 else [self.units] * self.state_count

    @property
    def output_size(self):
        return self.units

    def get_initial_state(self, batch_size=None):
        """Keras's initial states: a list of zero arrays ``(batch_size, units)``, one per state."""
        return self.initial_states(batch_size, self.dtype)

    @property
    def _differentiable(self):
        """True when the layer's hand-derived loop computes this cell (whose ``call`` is the
        built-in one): a subclass with its own ``call`` runs forward only."""
        return type(self).call is RNNCell.call

    @property
    def mask_count(self):
        """Dropout masks per sequence: one per gate with recurrent dropout (as Keras's
        implementation 1 draws them), else one shared by all gates."""
        return self.gates if self.recurrent_dropout else 1

    # ----------------------------------------------------------------------------- weights
    def build(self, input_shape):
        width = self.gates * self.units
        self.kernel = self.add_weight((input_shape[-1], width), self.kernel_initializer,
                                      name="kernel", regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight((self.units, width), self.recurrent_initializer,
                                                name="recurrent_kernel",
                                                regularizer=self.recurrent_regularizer,
                                                constraint=self.recurrent_constraint)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(self.bias_shape(), self.bias_values, name="bias",
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)

    def bias_shape(self):
        return (self.gates * self.units,)

    def bias_values(self, shape, dtype=None):
        """The bias's initial values (LSTM's ``unit_forget_bias`` changes them)."""
        return self.bias_initializer(shape, dtype)

    def input_bias(self, bias):
        """The part of ``bias`` (or of its gradient) added to the input projection: all of it,
        except for GRU's ``reset_after``."""
        return bias

    def initial_states(self, batch_size, dtype):
        return [np.zeros((batch_size, self.units), dtype) for _ in range(self.state_count)]

    def gate_blocks(self, z):
        """The gates' blocks of ``z`` (..., gates * units), as views."""
        return column_blocks(z, self.gates)

    # ----------------------------------------------------------------------------- one step
    def __call__(self, inputs, states, training=False):
        """One step on arrays, building the cell on first use: Keras's ``cell(inputs, states)``."""
        inputs = np.asarray(inputs, dtype=self.dtype)
        if inputs.ndim != 2:
            raise ValueError(f"{type(self).__name__} '{self.name}' expects the inputs of one time "
                             f"step (batch, features), received shape {inputs.shape}.")
        self.build_once((None, inputs.shape[-1]))
        return self.call(inputs, states, training=training)

    def call(self, inputs, states, training=False):
        """Keras's step: ``(output, new_states)`` for the inputs ``(batch, features)`` of one time
        step and the previous states (a list, or an array for a cell with one state, which then
        comes back as an array too). Forward only; in training, fresh dropout masks."""
        single = not isinstance(states, (list, tuple))
        states = [np.asarray(state, self.dtype) for state in ([states] if single else states)]
        if len(states) != self.state_count:
            raise ValueError(f"{type(self).__name__} '{self.name}' takes {self.state_count} "
                             f"state(s), received {len(states)}.")
        input_masks = recurrent_masks = None
        if training:
            input_masks = dropout_masks.draw(self._rng, self.dropout, self.mask_count,
                                             inputs.shape, inputs.dtype)
            recurrent_masks = dropout_masks.draw(self._rng, self.recurrent_dropout,
                                                 self.mask_count, states[0].shape, inputs.dtype)
        projected = masked_matmul(inputs, self.kernel.value, input_masks)
        if self.use_bias:
            projected = projected + self.input_bias(self.bias.value)
        new_states, _ = self.step(projected, states, recurrent_masks)
        return new_states[0], (new_states[0] if single else new_states)

    # ----------------------------------------------------------------------------- config
    def get_config(self):
        """Keras's config of the cell: the base entries, then its options in Keras's order."""
        config = super().get_config()
        for key, value in self.options_config().items():
            config[key] = value
            if key == "use_bias":
                config.update(self._config_after_use_bias())
        return {**config, **self.constraints_and_dropouts_config(), **self._config_at_end()}

    def constraints_and_dropouts_config(self):
        """The entries that follow the regularizers, in the cell's config and its layer's."""
        return {"kernel_constraint": constraints.serialize(self.kernel_constraint),
                "recurrent_constraint": constraints.serialize(self.recurrent_constraint),
                "bias_constraint": constraints.serialize(self.bias_constraint),
                "dropout": self.dropout, "recurrent_dropout": self.recurrent_dropout}

    def _config_after_use_bias(self):
        """Entries Keras puts right after ``use_bias`` in a cell's config (LSTM's
        ``unit_forget_bias``)."""
        return {}

    def _config_at_end(self):
        """Entries Keras puts last (``reset_after``, ``seed``)."""
        return {"seed": self.seed}

    def options_config(self):
        """The cell's entries of its layer's config, in Keras's order (the layer inserts the
        cell-specific ones)."""
        config = {"units": self.units, "activation": activations.serialize(self.activation)}
        if self.recurrent_activation is not None:
            config["recurrent_activation"] = activations.serialize(self.recurrent_activation)
        return {
            **config,
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": _serialized(self.kernel_regularizer),
            "recurrent_regularizer": _serialized(self.recurrent_regularizer),
            "bias_regularizer": _serialized(self.bias_regularizer),
        }


def _serialized(regularizer):
    return regularizer and regularizers.serialize(regularizer)
