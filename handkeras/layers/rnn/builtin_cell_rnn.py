"""What SimpleRNN, LSTM and GRU share: an RNN around one built-in cell whose options are the
layer's own arguments, as Keras's layers are.

The layer makes its cell (``simple_rnn_cell``, ``lstm_cell``, ``gru_cell``, as Keras names it) from
its arguments, reads the cell's options through itself (``layer.units``, ``layer.dropout``), and
has Keras's flat config: the cell's options among the layer's, no nested cell.
"""

from handkeras import backend
from handkeras import regularizers
from handkeras.layers.rnn.rnn import RNN


class BuiltinCellRNN(RNN):
    """An RNN made of ``cell_class`` (set by the subclass) and the cell options it is given."""

    cell_class = None

    def __init__(self, cell_options, activity_regularizer=None, **kwargs):
        kwargs.pop("implementation", None)  # Keras's choice of kernel split: the same math
        super().__init__(cell_options, activity_regularizer=activity_regularizer, **kwargs)

    def _checked_cell(self, cell_options):
        """The layer's own cell, made from its options; errors name the layer."""
        kind = type(self).__name__
        return self.cell_class(**cell_options, layer_name=f"{kind} '{self.name}'",
                               name=f"{backend.snake_case(kind)}_cell", dtype=self.dtype)

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

    # ----------------------------------------------------------------------------- config
    def get_config(self):
        """Keras's order: the base layer's entries (with the activity regularizer when there is
        one), the loop's options, then the cell's (where Keras lists the activity regularizer
        again, so it sits there when there is none)."""
        config = {**super(RNN, self).get_config(), **self._loop_config()}
        for key, value in self.cell.options_config().items():
            config[key] = value
            if key == "bias_initializer":
                config.update(self._config_after_initializers())
        config["activity_regularizer"] = (self.activity_regularizer
                                          and regularizers.serialize(self.activity_regularizer))
        return {**config, **self.cell.constraints_and_dropouts_config(), **self._config_at_end()}

    def _config_after_initializers(self):
        """Entries Keras puts right after the initializers (LSTM's ``unit_forget_bias``)."""
        return {}

    def _config_at_end(self):
        """Entries Keras puts last (``reset_after``, ``seed``)."""
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


_CELL_OPTIONS = frozenset((
    "activation", "recurrent_activation", "use_bias", "kernel_initializer",
    "recurrent_initializer", "bias_initializer", "kernel_regularizer", "recurrent_regularizer",
    "bias_regularizer", "kernel_constraint", "recurrent_constraint", "bias_constraint", "dropout",
    "recurrent_dropout", "seed", "unit_forget_bias", "reset_after"))
