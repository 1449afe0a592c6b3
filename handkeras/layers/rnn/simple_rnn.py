"""SimpleRNN: ``h_t = activation(x_t W + h_{t-1} U + b)``, the output being ``h_t``."""

from handkeras.layers.rnn.gate_blocks import masked_matmul, masked_matmul_backward
from handkeras.layers.rnn.builtin_cell_rnn import BuiltinCellRNN
from handkeras.layers.rnn.rnn_cell import RNNCell


class SimpleRNNCell(RNNCell):
    """One step of SimpleRNN, Keras's ``SimpleRNNCell``. Backward: ``dz = activation'(z) dh``,
    ``dU += h_{t-1}^T dz``, ``dh_{t-1} = dz U^T``."""

    def __init__(self, units, activation="tanh", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None, **kwargs):
        super().__init__(
            units, activation=activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, dropout=dropout, recurrent_dropout=recurrent_dropout,
            seed=seed, **kwargs)

    def step(self, projected, states, recurrent_masks):
        previous = states[0]
        z = projected + masked_matmul(previous, self.recurrent_kernel.value, recurrent_masks)
        output = self.activation(z)
        return [output], (previous, z, output)

    def step_backward(self, dstates, cache, recurrent_masks, gradients):
        previous, z, output = cache
        dz = self.activation.vjp(z, output, dstates[0])
        dprevious = masked_matmul_backward(dz, previous, self.recurrent_kernel.value,
                                           recurrent_masks, gradients[1])
        return dz, [dprevious]


class SimpleRNN(BuiltinCellRNN):
    """Fully-connected RNN whose output is fed back as the next step's state, with Keras's
    arguments and weights (``simple_rnn_cell``: kernel, recurrent_kernel, bias).

    Keras 3.15.1's SimpleRNN takes ``activity_regularizer`` but never hands it to the layer: no
    penalty, and None in the config. handkeras does the same, so that a model trains and saves
    as in Keras.
    """

    cell_class = SimpleRNNCell

    def __init__(self, units, activation="tanh", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, seed=None, **kwargs):
        super().__init__(
            dict(
                units=units, activation=activation, use_bias=use_bias,
                kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
                bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
                kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
                bias_constraint=bias_constraint, dropout=dropout,
                recurrent_dropout=recurrent_dropout, seed=seed),
            return_sequences=return_sequences, return_state=return_state,
            go_backwards=go_backwards, stateful=stateful, unroll=unroll, **kwargs)
