"""Discretization: numbers bucketed into the bins between boundaries, given or learned from data
with ``adapt`` (Keras's approximate quantiles)."""

import itertools
import numbers

import numpy as np

from handkeras import backend
from handkeras.layers.preprocessing import encoding, quantile_summary
from handkeras.layers.preprocessing.data_layer import DataLayer
from handkeras.trainers.data import count_non_finite, warn_non_finite_count

OUTPUT_MODES = ("int",) + encoding.ENCODINGS


class Discretization(DataLayer):
    """Gives each input value the index of its bin: with boundaries ``b``, bin 0 is
    ``(-inf, b[0])``, bin ``i`` is ``[b[i-1], b[i])`` and the last is ``[b[-1], inf)`` (NaN goes
    to the last, as in Keras). Values and boundaries are compared in floatx, as Keras compares
    them.

    The boundaries are ``bin_boundaries`` or, with ``num_bins``, learned by ``adapt(data)``:
    Keras's approximate quantiles, computed the same way (see ``quantile_summary``), so both
    libraries learn the same boundaries from the same data. They are the attribute
    ``bin_boundaries`` and live in the config, which is how a saved model keeps them (a
    ``.weights.h5`` file holds none, as in Keras). ``output_mode="int"`` (the default) gives the
    indices as int32; ``"one_hot"``, ``"multi_hot"`` and ``"count"`` encode them as
    ``CategoryEncoding`` does, in the layer's dtype, at any rank: as in Keras, multi-hot and
    count take the samples along axis 1 (``(batch, 3, 4)`` gives ``(batch, 4, num_bins)``).
    """

    def __init__(self, bin_boundaries=None, num_bins=None, epsilon=0.01, output_mode="int",
                 sparse=False, dtype=None, name=None):
        super().__init__(name=name, dtype=dtype)
        if sparse:
            raise ValueError(f"{self._label}: `sparse=True` is not supported: handkeras has no "
                             "sparse tensors (nor has Keras's torch backend).")
        if output_mode not in OUTPUT_MODES:
            raise ValueError(  # Keras's words
                f"Unknown value for `output_mode` argument of Discretization. Allowed values "
                f"are: {OUTPUT_MODES}. Received: output_mode={output_mode}")
        if num_bins is not None and (isinstance(num_bins, bool)
                                     or not isinstance(num_bins, numbers.Integral)):
            raise TypeError(f"{self._label}: `num_bins` must be an integer, received "
                            f"num_bins={num_bins!r}.")
        if num_bins is not None and num_bins < 0:
            raise ValueError("`num_bins` must be greater than or equal to 0. "
                             f"Received: `num_bins={num_bins}`")
        if num_bins is not None and bin_boundaries is not None:
            raise ValueError("Both `num_bins` and `bin_boundaries` should not be set. "
                             f"Received: `num_bins={num_bins}` and "
                             f"`bin_boundaries={bin_boundaries}`")
        if num_bins is None and bin_boundaries is None:
            raise ValueError("You need to set either `num_bins` or `bin_boundaries`.")
        if isinstance(epsilon, bool) or not isinstance(epsilon, numbers.Real) or not (
                0 < epsilon <= 1):
            raise ValueError(f"{self._label}: `epsilon` must be a number in (0, 1], received "
                             f"epsilon={epsilon!r}.")
        self.bin_boundaries = bin_boundaries
        self.num_bins = num_bins
        self.epsilon = epsilon
        self.output_mode = output_mode
        self.sparse = False
        self.summary = None if num_bins is None else quantile_summary.empty()

    @property
    def _label(self):
        return f"Discretization '{self.name}'"

    @property
    def bin_boundaries(self):
        """The boundaries as given (or learned by ``adapt``: a list of floats); setting them
        checks them and changes the bins."""
        return self._bin_boundaries

    @bin_boundaries.setter
    def bin_boundaries(self, value):
        self._boundaries = None if value is None else self._checked_boundaries(value)
        self._bin_boundaries = value.tolist() if isinstance(value, np.ndarray) else value

    def _checked_boundaries(self, value):
        """``value`` as a 1-D float64 array if it holds real numbers in increasing order (equal
        neighbours allowed), else a ValueError naming the argument."""
        try:
            array = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError):
            array = None
        if (array is None or array.ndim != 1 or isinstance(value, (str, bytes))
                or np.isnan(array).any() or np.any(np.diff(array) < 0)):
            raise ValueError(f"{self._label}: `bin_boundaries` must be a list of numbers in "
                             f"increasing order, received bin_boundaries={value!r}.")
        return array

    @property
    def output_dtype(self):
        """The type of the outputs: int32 bin indices, or the layer's dtype when encoded."""
        return "int32" if self.output_mode == "int" else self.dtype

    @property
    def depth(self):
        """The number of bins: one more than the boundaries (``num_bins`` before ``adapt``)."""
        return self.num_bins if self._boundaries is None else len(self._boundaries) + 1

    # ----------------------------------------------------------------------------- adapt
    def adapt(self, data, steps=None):
        """Learn ``num_bins`` bins of about equal counts from ``data``: an array, or an iterable of
        batches (at most ``steps`` of them), flattened. Learning starts afresh at each call."""
        if self.num_bins is None:
            raise ValueError("Cannot adapt a Discretization layer that has been initialized "
                             "with `bin_boundaries`, use `num_bins` instead.")
        if self.num_bins == 0:
            raise ValueError(f"{self._label}: `num_bins=0` leaves no bin to learn; adapt needs "
                             "num_bins >= 1.")
        if isinstance(data, np.ndarray) or not hasattr(data, "__iter__"):
            batches = [data]
        else:
            batches = data if steps is None else itertools.islice(data, steps)
        summary, size, non_finite = quantile_summary.empty(), 0, 0
        for batch in batches:
            values = self._adapt_values(batch)
            size += values.size
            non_finite += count_non_finite(values.reshape(-1))
            summary = quantile_summary.merge(
                quantile_summary.summarize(values, self.epsilon), summary, self.epsilon)
        if size == 0:
            raise ValueError(f"{self._label}.adapt received no data to learn bins from.")
        warn_non_finite_count(non_finite, "data")
        self.summary = summary
        self.bin_boundaries = quantile_summary.bin_boundaries(summary, self.num_bins)

    def _adapt_values(self, batch):
        """A batch of ``adapt``'s data as float32 values, Keras's type there; a ValueError naming
        the layer for anything else than numbers."""
        try:
            values = np.array(batch)
            if values.dtype.kind not in "biuf":
                raise TypeError(values.dtype)
            return values.astype(np.float32)
        except (TypeError, ValueError):
            raise ValueError(f"{self._label}.adapt takes arrays of numbers, or batches of them; "
                             f"received a batch {batch!r:.200}.") from None

    # ----------------------------------------------------------------------------- computing
    def forward(self, x, training=False):
        if self._boundaries is None:
            raise ValueError(  # Keras's words, with the layer's name
                f"{self._label}: You need to either pass the `bin_boundaries` argument at "
                "construction time or call `adapt(dataset)` before you can start using the "
                "`Discretization` layer.")
        x = np.asarray(x)
        if x.dtype.kind not in "biuf":
            raise ValueError(f"{self._label} expects numbers, received an array of {x.dtype}.")
        floatx = backend.floatx()
        bins = np.searchsorted(self._boundaries.astype(floatx), x.astype(floatx), side="right")
        if self.output_mode == "int":
            return bins.astype(self.output_dtype)
        return encoding.encode(bins, self.output_mode, self.depth, self.dtype)

    def _connect(self, model, input_tensor):
        """The output KerasTensor, of ``output_dtype`` (int32 indices), as Keras's."""
        output = super()._connect(model, input_tensor)
        output.dtype = self.output_dtype
        return output

    def compute_output_shape(self, input_shape):
        if self.output_mode == "int":
            return tuple(input_shape)
        return encoding.encoded_shape(input_shape, self.output_mode, self.depth)

    # ----------------------------------------------------------------------------- config
    def get_config(self):
        """Keras's config (its own keys: no ``trainable``, ``dtype`` as a name)."""
        return {"bin_boundaries": self.bin_boundaries, "num_bins": self.num_bins,
                "epsilon": self.epsilon, "output_mode": self.output_mode, "sparse": self.sparse,
                "name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        """The layer a config describes; an adapted one's has both ``num_bins`` and its learned
        ``bin_boundaries``, which are set after construction, as Keras does."""
        config = dict(config)
        boundaries = config.get("bin_boundaries")
        if boundaries is not None and config.get("num_bins") is not None:
            del config["bin_boundaries"]
            layer = cls(**config)
            layer.bin_boundaries = boundaries
            return layer
        return cls(**config)
