"""StackedRNNCells: cells one above the other, acting as one cell, as Keras's ``StackedRNNCells``.

At each time step the first cell reads the step's inputs, each next cell reads the output of the
one below, and the stack's output is the top cell's. The stack's states are the list of its cells'
states, in order.

In :class:`~handkeras.layers.rnn.rnn.RNN` a stack of built-in cells runs its cells one after the
other over the whole sequence instead of one after the other at each step: a cell's outputs at
all steps depend only on the cells below, so the numbers are the same, and each cell keeps its
one-matmul input projection and its exact backward through time.
"""

import numpy as np

from handkeras import backend
from handkeras.layers.layer import Layer
from handkeras.layers.rnn.any_cell import call_cell, check_cell, initial_state, output_size
from handkeras.saving.model_state import keyed_layers


class StackedRNNCells(Layer):
    """Keras's ``StackedRNNCells(cells)``: a list of cells behaving as a single cell."""

    def __init__(self, cells, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(cells, (list, tuple)) or not cells:
            raise ValueError(f"StackedRNNCells '{self.name}': `cells` must be a non-empty list of "
                             f"RNN cells, received {cells!r:.100}.")
        for cell in cells:
            check_cell(cell, f"StackedRNNCells '{self.name}': all cells")
        self.cells = list(cells)

    # ----------------------------------------------------------------------------- states
    @property
    def state_size(self):
        return [cell.state_size for cell in self.cells]

    @property
    def output_size(self):
        return output_size(self.cells[-1])

    def get_initial_state(self, batch_size=None):
        """Each cell's initial states, in order (a list per cell)."""
        return [initial_state(cell, batch_size, self.dtype) for cell in self.cells]

    @property
    def _differentiable(self):
        """True when every cell is a built-in one, so that the layer's loop differentiates it."""
        return (type(self).call is StackedRNNCells.call
                and all(getattr(cell, "_differentiable", False) for cell in self.cells))

    # ----------------------------------------------------------------------------- weights
    def build(self, input_shape):
        """Each cell built for the outputs of the one below, its weights under the stack's name."""
        shape = tuple(input_shape)
        with backend.name_scope(self.name):
            for cell in self.cells:
                if isinstance(cell, Layer):
                    cell.build_once(shape)
                shape = (shape[0], output_size(cell))
        self._weights.extend(weight for cell in self.cells if isinstance(cell, Layer)
                             for weight in cell.weights)

    def keras_sublayers(self):
        """Where Keras's weights files keep each cell's weights: ``cells/<class key>``."""
        return [(f"cells/{key}", cell) for key, cell in keyed_layers(self.cells)]

    def _snapshot(self):
        """The stack's state and its cells': a build undone undoes theirs too."""
        return super()._snapshot(), [cell._snapshot() for cell in self.cells]

    def _restore(self, snapshot):
        own, cells = snapshot
        super()._restore(own)
        for cell, state in zip(self.cells, cells):
            cell._restore(state)

    # ----------------------------------------------------------------------------- one step
    def __call__(self, inputs, states, training=False):
        """One step on arrays, building the cells on first use, as Keras's call of the stack."""
        inputs = np.asarray(inputs, dtype=self.dtype)
        self.build_once((None, inputs.shape[-1]))
        return self.call(inputs, states, training=training)

    def call(self, inputs, states, training=False):
        """``(output, new_states)``: each cell's step on the output of the one below."""
        new_states = []
        for cell, cell_states in zip(self.cells, states):
            nested = isinstance(cell_states, (list, tuple))
            inputs, cell_states = call_cell(cell, inputs, list(cell_states) if nested
                                            else [cell_states], training)
            if not nested and len(cell_states) == 1:
                cell_states = cell_states[0]
            new_states.append(cell_states)
        return inputs, new_states

    # ----------------------------------------------------------------------------- config
    def get_config(self):
        from handkeras.saving.serialization import serialize_keras_object

        return {**super().get_config(),
                "cells": [serialize_keras_object(cell) for cell in self.cells]}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """The cells may come serialized (Keras's config) or already made."""
        from handkeras.saving.serialization import deserialize_config

        config = dict(config)
        config["cells"] = [deserialize_config(cell, "layer", custom_objects)
                           if isinstance(cell, dict) else cell for cell in config["cells"]]
        return cls(**config)
