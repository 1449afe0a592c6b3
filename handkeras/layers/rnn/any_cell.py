"""Any RNN cell, built-in or the user's, as Keras's RNN sees one: an object with a ``call(inputs,
states)`` that takes one time step and a ``state_size``; here, how to check one, the width of its
output, its initial states and one step of it."""

import functools
import inspect

import numpy as np


def check_cell(cell, where):
    """Keras's ValueErrors for an object that is no RNN cell: one needs ``call`` and
    ``state_size``."""
    if "call" not in dir(cell):
        raise ValueError(f"{where} must have a `call` method (one time step), received "
                         f"{cell!r:.100}.")
    if "state_size" not in dir(cell):
        raise ValueError(f"{where} must have a `state_size` attribute (an integer, or a list of "
                         f"integers, one per state), received {cell!r:.100}.")


def output_size(cell):
    """The width of a cell's output: its ``output_size``, else its (first) state's size."""
    size = getattr(cell, "output_size", None)
    if size is not None:
        return size
    state_size = cell.state_size
    return state_size[0] if isinstance(state_size, (list, tuple)) else state_size


def initial_state(cell, batch_size, dtype):
    """A cell's initial states as a list: its ``get_initial_state``, else zeros of its
    ``state_size``."""
    get = getattr(cell, "get_initial_state", None)
    if get is not None:
        states = get(batch_size=batch_size)
        return list(states) if isinstance(states, (list, tuple)) else [states]
    sizes = cell.state_size if isinstance(cell.state_size, (list, tuple)) else [cell.state_size]
    return [np.zeros((batch_size, size), dtype) for size in sizes]


def call_cell(cell, inputs, states, training):
    """One step of any cell: ``(output, new_states as a list)``; ``training`` is passed when the
    cell's ``call`` takes it, as Keras does."""
    output, new_states = (cell.call(inputs, states, training=training)
                          if _takes_training(type(cell)) else cell.call(inputs, states))
    if not isinstance(new_states, (list, tuple)):
        new_states = [new_states]
    return output, list(new_states)


@functools.lru_cache(maxsize=None)
def _takes_training(cell_class):
    """Whether a cell class's ``call`` takes ``training`` (read once per class, not per step)."""
    return "training" in inspect.signature(cell_class.call).parameters
