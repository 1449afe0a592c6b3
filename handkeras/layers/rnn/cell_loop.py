"""The time loop of one built-in cell over a sequence, forward and backward through time.

Forward: the inputs of all time steps are projected through the cell's ``kernel`` in ONE matmul,
then the cell steps through time from zero states. Backward (backprop through time) walks the steps
in reverse, collecting the gradient at every step's projection; the input kernel's gradient and the
input gradient then come from ONE matmul each over all steps.

Masks (from ``Embedding(mask_zero=True)``) skip time steps as Keras does: at a masked step the
states are carried over unchanged, and the step's output repeats the previous one (zeros with
``zero_output_for_mask=True``; then the last output too is zeros when the last step is masked).
The sequence comes in reading order: the layer reverses it for ``go_backwards``.
"""

from collections import namedtuple

import numpy as np

from handkeras.layers.rnn import dropout_masks
from handkeras.layers.rnn.gate_blocks import masked_matmul, masked_matmul_backward

#: What a training forward keeps for the backward of one cell's loop.
Tape = namedtuple("Tape", "x mask caches input_masks recurrent_masks return_sequences zero_output")


def run(cell, x, mask, training, return_sequences, zero_output_for_mask):
    """``(outputs, tape)``: the cell's outputs over ``x`` (batch, steps, features), all of them or
    the last, and in training the :class:`Tape` its backward needs (else None)."""
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
    zero_output = mask is not None and zero_output_for_mask
    states = cell.initial_states(batch, x.dtype)
    outputs = np.empty((batch, steps, cell.units), x.dtype) if return_sequences else None
    caches = []
    for t in range(steps):
        new_states, cache = cell.step(projected[:, t], states, recurrent_masks)
        if mask is not None:
            keep = mask[:, t, None]
            new_states = [np.where(keep, new, old) for new, old in zip(new_states, states)]
        states = new_states
        if outputs is not None:
            outputs[:, t] = states[0]
            if zero_output:
                outputs[:, t] *= mask[:, t, None]
        if training:
            caches.append(cache)
    tape = None
    if training:
        tape = Tape(x, mask, caches, input_masks, recurrent_masks, return_sequences, zero_output)
    if outputs is not None:
        return outputs, tape
    if zero_output:
        return states[0] * mask[:, -1, None], tape
    return states[0], tape


def run_backward(cell, tape, dy, gradients, input_gradient=True):
    """The input gradient of :func:`run` (None without ``input_gradient``), adding the weights'
    gradients into ``gradients`` (the cell's ``[dkernel, drecurrent_kernel, dbias]``, zeroed)."""
    x, mask, zero_output = tape.x, tape.mask, tape.zero_output
    batch, steps, _ = x.shape
    dstates = [np.zeros((batch, cell.units), x.dtype) for _ in range(cell.state_count)]
    if not tape.return_sequences:
        dstates[0] += dy * mask[:, -1, None] if zero_output else dy
    dprojected = np.empty((batch, steps, cell.gates * cell.units), x.dtype)
    for t in range(steps - 1, -1, -1):
        keep = None if mask is None else mask[:, t, None]
        if tape.return_sequences:
            doutput = dy[:, t]
            if zero_output:
                doutput = doutput * keep
            dstates[0] = dstates[0] + doutput
        carried = None
        if keep is not None:  # a masked step passes its states' gradient straight back
            carried = [np.where(keep, 0, d) for d in dstates]
            dstates = [np.where(keep, d, 0) for d in dstates]
        dprojected[:, t], dstates = cell.step_backward(dstates, tape.caches[t],
                                                       tape.recurrent_masks, gradients)
        if carried is not None:
            dstates = [d + c for d, c in zip(dstates, carried)]
    if cell.use_bias:
        cell.input_bias(gradients[2])[...] += dprojected.sum(axis=(0, 1))
    return masked_matmul_backward(dprojected, x, cell.kernel.value, tape.input_masks,
                                  gradients[0], input_gradient)
