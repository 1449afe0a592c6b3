"""LSTM: Hochreiter & Schmidhuber's long short-term memory, with Keras's gate order i, f, c, o."""

import numpy as np

from handkeras import initializers
from handkeras.layers.rnn.gate_blocks import masked_matmul, masked_matmul_backward
from handkeras.layers.rnn.builtin_cell_rnn import BuiltinCellRNN
from handkeras.layers.rnn.rnn_cell import RNNCell


class LSTMCell(RNNCell):
    """One LSTM step, with ``s`` the recurrent activation and ``a`` the activation::

        z = x_t W + h_{t-1} U + b = [z_i, z_f, z_c, z_o]
        i, f, g, o = s(z_i), s(z_f), a(z_c), s(z_o)
        c_t = f c_{t-1} + i g,      h_t = o a(c_t)

    Backward: ``dc = dc_t + o a'(c_t) dh``, then ``di = dc g``, ``df = dc c_{t-1}``, ``dg = dc i``,
    ``do = dh a(c_t)``, ``dc_{t-1} = dc f``, and ``dh_{t-1} = dz U^T``.
    """

    gates = 4
    state_count = 2

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, **kwargs):
        super().__init__(
            units, activation=activation, recurrent_activation=recurrent_activation,
            use_bias=use_bias, kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
            dropout=dropout, recurrent_dropout=recurrent_dropout, seed=seed, **kwargs)
        self.unit_forget_bias = bool(unit_forget_bias)

    def _config_after_use_bias(self):
        return {"unit_forget_bias": self.unit_forget_bias}

    def bias_values(self, shape, dtype=None):
        """With ``unit_forget_bias``, ones for the forget gate (Keras's initial bias)."""
        if not self.unit_forget_bias:
            return self.bias_initializer(shape, dtype)
        units = self.units
        return np.concatenate([
            np.asarray(self.bias_initializer((units,), dtype)),
            np.asarray(initializers.Ones()((units,), dtype)),
            np.asarray(self.bias_initializer((2 * units,), dtype)),
        ])

    def step(self, projected, states, recurrent_masks):
        previous_h, previous_c = states
        z = masked_matmul(previous_h, self.recurrent_kernel.value, recurrent_masks)
        z += projected
        z_i, z_f, z_c, z_o = self.gate_blocks(z)
        i, f, o = (self.recurrent_activation(gate) for gate in (z_i, z_f, z_o))
        g = self.activation(z_c)
        c = f * previous_c
        c += i * g
        activated_c = self.activation(c)
        h = o * activated_c
        return [h, c], (previous_h, previous_c, z, i, f, g, o, c, activated_c)

    def step_backward(self, dstates, cache, recurrent_masks, gradients):
        previous_h, previous_c, z, i, f, g, o, c, activated_c = cache
        dh, dc = dstates
        z_i, z_f, z_c, z_o = self.gate_blocks(z)
        dc = dc + self.activation.vjp(c, activated_c, dh * o)
        gate = self.recurrent_activation.vjp
        dz = np.concatenate([gate(z_i, i, dc * g), gate(z_f, f, dc * previous_c),
                             self.activation.vjp(z_c, g, dc * i), gate(z_o, o, dh * activated_c)],
                            axis=1)
        dprevious_h = masked_matmul_backward(dz, previous_h, self.recurrent_kernel.value,
                                             recurrent_masks, gradients[1])
        return dz, [dprevious_h, dc * f]


class LSTM(BuiltinCellRNN):
    """Long short-term memory layer, with Keras's arguments and weights (``lstm_cell``: kernel
    ``(features, 4 units)``, recurrent_kernel ``(units, 4 units)``, bias ``(4 units,)``)."""

    cell_class = LSTMCell

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout=0.0, recurrent_dropout=0.0, seed=None, return_sequences=False,
                 return_state=False, go_backwards=False, stateful=False, unroll=False,
                 use_cudnn="auto", **kwargs):
        super().__init__(
            dict(
                units=units, activation=activation, recurrent_activation=recurrent_activation,
                use_bias=use_bias, kernel_initializer=kernel_initializer,
                recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
                unit_forget_bias=unit_forget_bias, kernel_regularizer=kernel_regularizer,
                recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
                kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
                bias_constraint=bias_constraint, dropout=dropout,
                recurrent_dropout=recurrent_dropout, seed=seed),
            return_sequences=return_sequences, return_state=return_state,
            go_backwards=go_backwards, stateful=stateful, unroll=unroll,
            activity_regularizer=activity_regularizer, **kwargs)
        self.use_cudnn = use_cudnn  # Keras's choice of a cuDNN kernel: the same math

    def _config_after_initializers(self):
        return {"unit_forget_bias": self.cell.unit_forget_bias}

    def _config_at_end(self):
        return {"seed": self.cell.seed}
