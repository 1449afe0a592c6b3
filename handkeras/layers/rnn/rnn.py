"""RNN: Keras's generic recurrent layer, a cell run over the time steps of a sequence.

The cell takes one time step; the layer loops it over the sequence, from the cell's initial
states, and returns the last output or all of them. SimpleRNN, LSTM and GRU are this layer around
their built-in cell.

- A built-in cell (SimpleRNNCell, LSTMCell, GRUCell), or a StackedRNNCells of them, runs the
  hand-derived loop of :mod:`~handkeras.layers.rnn.cell_loop`, forward and backward through time.
- Any other cell (a user's, with its own Python ``call``) runs forward only, one ``call`` per
  step: ``predict`` works, and training refuses before its first step when it would need the
  cell's gradient, which nothing can derive by hand.

Masks skip time steps as Keras does (the states carry over; the output repeats the previous one,
or is zeros with ``zero_output_for_mask=True``). ``go_backwards`` reads the sequence from its end
and returns the outputs in that reading order, as Keras does.
"""

import numpy as np

from handkeras import backend
from handkeras.layers.layer import Layer
from handkeras.layers.rnn import cell_loop
from handkeras.layers.rnn.any_cell import call_cell, check_cell, initial_state, output_size
from handkeras.layers.rnn.stacked_rnn_cells import StackedRNNCells


class RNN(Layer):
    """Keras's ``RNN(cell, return_sequences=False, return_state=False, go_backwards=False,
    stateful=False, unroll=False, zero_output_for_mask=False)``; a list of cells becomes a
    :class:`StackedRNNCells`. The cell (``self.cell``) holds the weights, as in Keras."""

    supports_masking = True

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, zero_output_for_mask=False, **kwargs):
        super().__init__(**kwargs)
        kind = type(self).__name__
        if return_state:
            raise NotImplementedError(
                f"{kind} '{self.name}': `return_state=True` is not supported: a layer of a "
                "Sequential model passes on one tensor, so the final states have nowhere to go.")
        if stateful:
            raise NotImplementedError(
                f"{kind} '{self.name}': `stateful=True` is not supported: handkeras starts every "
                "batch from zero states and keeps no state between batches.")
        self.cell = self._checked_cell(cell)
        self.return_sequences = bool(return_sequences)
        self.return_state = False
        self.go_backwards = bool(go_backwards)
        self.stateful = False
        self.unroll = bool(unroll)  # Keras unrolls the loop in the graph: the same numbers
        self.zero_output_for_mask = bool(zero_output_for_mask)

    def _checked_cell(self, cell):
        """The layer's cell: ``cell`` (a list of cells stacked), checked as Keras does."""
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        check_cell(cell, f"RNN '{self.name}': `cell`")
        state_size = cell.state_size
        if not (isinstance(state_size, (int, np.integer))
                or isinstance(state_size, (list, tuple)) and state_size):
            raise ValueError(f"RNN '{self.name}': the cell's `state_size` must be an integer, or a "
                             f"list of integers (one per state), received {state_size!r}.")
        return cell

    # ----------------------------------------------------------------------------- states
    @property
    def state_size(self):
        """Keras's: the cell's state sizes, as a list."""
        size = self.cell.state_size
        return list(size) if isinstance(size, (list, tuple)) else [size]

    def get_initial_state(self, batch_size):
        """The cell's initial states for ``batch_size`` sequences, as a list (zeros)."""
        return initial_state(self.cell, batch_size, self.dtype)

    # ----------------------------------------------------------------------------- shapes
    def build(self, input_shape):
        self._check_sequences(input_shape)
        if input_shape[-1] is None:
            raise ValueError(f"{type(self).__name__} '{self.name}' needs a known last input "
                             f"dimension, received shape {tuple(input_shape)}.")
        if isinstance(self.cell, Layer):
            with backend.name_scope(self.name):
                self.cell.build_once((None, input_shape[-1]))
            self._weights.extend(self.cell.weights)

    def _snapshot(self):
        """The layer's and its cell's state: a build undone undoes the cell's too."""
        cell = self.cell._snapshot() if isinstance(self.cell, Layer) else None
        return super()._snapshot(), cell

    def _restore(self, snapshot):
        own, cell = snapshot
        super()._restore(own)
        if cell is not None:
            self.cell._restore(cell)

    def _check_sequences(self, shape):
        check_sequences(self, shape)

    def compute_output_shape(self, input_shape):
        self._check_sequences(input_shape)
        size = output_size(self.cell)
        if self.return_sequences:
            return (input_shape[0], input_shape[1], size)
        return (input_shape[0], size)

    def compute_mask(self, inputs, previous_mask):
        """The input mask passes on with the sequences (unreversed, as Keras does), else none."""
        return previous_mask if self.return_sequences else None

    # ----------------------------------------------------------------------------- forward
    def _cells(self):
        """The built-in cells the hand-derived loop runs, bottom first."""
        return self.cell.cells if isinstance(self.cell, StackedRNNCells) else [self.cell]

    def forward(self, x, training=False, mask=None):
        self._check_sequences(x.shape)
        if self.go_backwards:
            x = x[:, ::-1]
            mask = None if mask is None else mask[:, ::-1]
        if not getattr(self.cell, "_differentiable", False):
            return self._forward_step_by_step(x, training, mask)
        cells, tapes = self._cells(), []
        for index, cell in enumerate(cells):
            top = index == len(cells) - 1
            x, tape = cell_loop.run(cell, x, mask, training, not top or self.return_sequences,
                                    top and self.zero_output_for_mask)
            tapes.append(tape)
        if training:
            self._tapes = tapes
        return x

    def _forward_step_by_step(self, x, training, mask):
        """Any cell's outputs, one ``call`` per time step (forward only: nothing is kept)."""
        states = self.get_initial_state(x.shape[0])
        outputs, output = [], None
        for t in range(x.shape[1]):
            new_output, new_states = call_cell(self.cell, x[:, t], states, training)
            new_output = np.asarray(new_output, self.dtype)
            if mask is None:
                output, states = new_output, new_states
            else:
                keep = mask[:, t, None]
                states = _kept(keep, new_states, states)
                previous = 0 if output is None or self.zero_output_for_mask else output
                output = np.where(keep, new_output, previous).astype(self.dtype, copy=False)
            if self.return_sequences:
                outputs.append(output)
        return np.stack(outputs, axis=1) if self.return_sequences else output

    # ----------------------------------------------------------------------------- backward
    def check_backward(self, input_gradient=True):
        """Training refuses a cell whose gradient nothing can derive by hand, before its first
        step."""
        if not getattr(self.cell, "_differentiable", False):
            raise NotImplementedError(self._missing_pass("backward"))

    def _missing_pass(self, method):
        return (f"{type(self).__name__} '{self.name}' has no `{method}` for its cell "
                f"{type(self.cell).__name__}: handkeras differentiates by hand, and a cell with "
                "its own `call` has no written derivative, so it runs forward only (predict, "
                "evaluate). To train, use the built-in cells (SimpleRNNCell, LSTMCell, GRUCell, "
                "StackedRNNCells of them), or write a Layer with `forward` and `backward` (see "
                "docs/layers.md, 'Writing your own layer').")

    def backward(self, dy, input_gradient=True):
        self.check_backward()
        if not self.gradients:
            self.gradients = [np.empty(w.shape, w.dtype) for w in self._weights]
        for gradient in self.gradients:
            gradient.fill(0)
        cells = self._cells()
        ends = np.cumsum([len(cell.weights) for cell in cells])
        for index in range(len(cells) - 1, -1, -1):
            below = index > 0
            dy = cell_loop.run_backward(cells[index], self._tapes[index], dy,
                                        self.gradients[ends[index] - len(cells[index].weights):
                                                       ends[index]],
                                        input_gradient or below)
        if dy is not None and self.go_backwards:
            dy = dy[:, ::-1]
        return dy

    # ----------------------------------------------------------------------------- config
    def _loop_config(self):
        return {"return_sequences": self.return_sequences, "return_state": False,
                "go_backwards": self.go_backwards, "stateful": False, "unroll": self.unroll,
                "zero_output_for_mask": self.zero_output_for_mask}

    def get_config(self):
        """Keras's: the base entries, the loop's options, then the cell serialized."""
        from handkeras.saving.serialization import serialize_keras_object

        return {**super().get_config(), **self._loop_config(),
                "cell": serialize_keras_object(self.cell)}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """The cell may come serialized (Keras's config) or already made."""
        from handkeras.saving.serialization import deserialize_config

        config = dict(config)
        if isinstance(config.get("cell"), dict):
            config["cell"] = deserialize_config(config["cell"], "layer", custom_objects)
        return cls(**config)


def _kept(keep, new, old):
    """``new`` states where ``keep``, else ``old``, through nested lists (a stack's states)."""
    if isinstance(new, (list, tuple)):
        return [_kept(keep, n, o) for n, o in zip(new, old)]
    return np.where(keep, new, old)


def check_sequences(layer, shape):
    """A ValueError naming ``layer`` unless ``shape`` is that of sequences: (batch, timesteps,
    features)."""
    if len(shape) != 3:
        raise ValueError(
            f"{type(layer).__name__} '{layer.name}' expects input of rank 3 (batch, timesteps, "
            f"features), received shape {tuple(shape)}.")
