"""Utilities with Keras's names: to_categorical, pad_sequences, set_random_seed, plot_history,
clear_session."""

from handkeras.backend import clear_session, set_random_seed
from handkeras.utils.numerical_utils import to_categorical
from handkeras.utils.plotting import plot_history
from handkeras.utils.sequence_utils import pad_sequences

__all__ = ["to_categorical", "pad_sequences", "set_random_seed", "plot_history", "clear_session"]
