"""GRU: the gated recurrent unit, with Keras's gate order z (update), r (reset), h (candidate)."""

import numpy as np

from handkeras.layers.rnn.gate_blocks import masked_matmul, masked_matmul_backward
from handkeras.layers.rnn.builtin_cell_rnn import BuiltinCellRNN
from handkeras.layers.rnn.rnn_cell import RNNCell


class GRUCell(RNNCell):
    """One GRU step, with ``s`` the recurrent activation and ``a`` the activation::

        z = s(x W_z + h U_z + b_z),  r = s(x W_r + h U_r + b_r)
        reset_after=True:  hh = a(x W_h + b_h + r (h U_h + b'_h))   bias (2, 3 units)
        reset_after=False: hh = a(x W_h + b_h + (r h) U_h)          bias (3 units,)
        h_t = z h_{t-1} + (1 - z) hh

    With ``reset_after`` the bias holds an input row ``b`` and a recurrent row ``b'``.
    Backward: ``dz = dh (h_{t-1} - hh)``, ``dhh = dh (1 - z)``, then through ``r`` and ``U``;
    ``h_{t-1}`` gets ``dh z`` plus what flows back through the recurrent matmuls.
    """

    gates = 3

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, reset_after=True,
                 seed=None, **kwargs):
        super().__init__(
            units, activation=activation, recurrent_activation=recurrent_activation,
            use_bias=use_bias, kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
            dropout=dropout, recurrent_dropout=recurrent_dropout, seed=seed, **kwargs)
        self.reset_after = bool(reset_after)

    def _config_at_end(self):
        return {"reset_after": self.reset_after, "seed": self.seed}

    def bias_shape(self):
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def input_bias(self, bias):
        return bias[0] if self.reset_after else bias

    def step(self, projected, states, recurrent_masks):
        previous = states[0]
        units, kernel = self.units, self.recurrent_kernel.value
        if self.reset_after:
            recurrent = masked_matmul(previous, kernel, recurrent_masks)
            if self.use_bias:
                recurrent += self.bias.value[1]
            z_zr = projected[:, :2 * units] + recurrent[:, :2 * units]
            update_reset = self.recurrent_activation(z_zr)
            reset = update_reset[:, units:]
            recurrent_h = recurrent[:, 2 * units:]
            z_h = projected[:, 2 * units:] + reset * recurrent_h
        else:
            z_zr = projected[:, :2 * units] + masked_matmul(
                previous, kernel[:, :2 * units], _gates(recurrent_masks, 0, 2))
            update_reset = self.recurrent_activation(z_zr)
            reset = update_reset[:, units:]
            recurrent_h = reset * previous  # the reset state fed to U_h
            z_h = projected[:, 2 * units:] + masked_matmul(
                recurrent_h, kernel[:, 2 * units:], _gates(recurrent_masks, 2, 3))
        candidate = self.activation(z_h)
        update = update_reset[:, :units]
        h = update * previous + (1 - update) * candidate
        return [h], (previous, z_zr, update_reset, recurrent_h, z_h, candidate)

    def step_backward(self, dstates, cache, recurrent_masks, gradients):
        previous, z_zr, update_reset, recurrent_h, z_h, candidate = cache
        units, kernel, dkernel = self.units, self.recurrent_kernel.value, gradients[1]
        dh = dstates[0]
        update, reset = update_reset[:, :units], update_reset[:, units:]
        dz_h = self.activation.vjp(z_h, candidate, dh * (1 - update))
        dprevious = dh * update
        if self.reset_after:
            dreset = dz_h * recurrent_h
            dz_zr = self.recurrent_activation.vjp(
                z_zr, update_reset, np.concatenate([dh * (previous - candidate), dreset], axis=1))
            drecurrent = np.concatenate([dz_zr, dz_h * reset], axis=1)
            if self.use_bias:
                gradients[2][1] += drecurrent.sum(axis=0)
            dprevious += masked_matmul_backward(drecurrent, previous, kernel, recurrent_masks,
                                                dkernel)
        else:
            dreset_state = masked_matmul_backward(dz_h, recurrent_h, kernel[:, 2 * units:],
                                                  _gates(recurrent_masks, 2, 3),
                                                  dkernel[:, 2 * units:])
            dprevious += dreset_state * reset
            dz_zr = self.recurrent_activation.vjp(
                z_zr, update_reset,
                np.concatenate([dh * (previous - candidate), dreset_state * previous], axis=1))
            dprevious += masked_matmul_backward(dz_zr, previous, kernel[:, :2 * units],
                                                _gates(recurrent_masks, 0, 2),
                                                dkernel[:, :2 * units])
        return np.concatenate([dz_zr, dz_h], axis=1), [dprevious]


def _gates(masks, start, stop):
    """The per-gate masks of gates ``start:stop`` (None without recurrent dropout)."""
    return None if masks is None else masks[start:stop]


class GRU(BuiltinCellRNN):
    """Gated recurrent unit layer, with Keras's arguments and weights (``gru_cell``: kernel
    ``(features, 3 units)``, recurrent_kernel ``(units, 3 units)``, bias ``(2, 3 units)`` with
    ``reset_after=True``, else ``(3 units,)``)."""

    cell_class = GRUCell

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, reset_after=True,
                 use_cudnn="auto", **kwargs):
        super().__init__(
            dict(
                units=units, activation=activation, recurrent_activation=recurrent_activation,
                use_bias=use_bias, kernel_initializer=kernel_initializer,
                recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
                kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
                bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
                recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
                dropout=dropout, recurrent_dropout=recurrent_dropout, seed=seed,
                reset_after=reset_after),
            return_sequences=return_sequences, return_state=return_state,
            go_backwards=go_backwards, stateful=stateful, unroll=unroll,
            activity_regularizer=activity_regularizer, **kwargs)
        self.use_cudnn = use_cudnn  # Keras's choice of a cuDNN kernel: the same math

    def _config_at_end(self):
        return {"reset_after": self.cell.reset_after, "seed": self.cell.seed}
