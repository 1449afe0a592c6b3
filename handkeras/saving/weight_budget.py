"""The weight budget of a model load: a model built from a file's config allocates no more weight
values than the file's weights hold.

A loader builds the model from the config, then checks its weights against the file's. A damaged
or hostile config could ask for weights of any size (``units=10**7``: gigabytes), so the build
runs under a budget: the number of values in the file's weight datasets, read from their shapes
(no data is read). Every ``add_weight`` claims its weight's values before anything is allocated,
and a weight beyond what is left is refused with a ``ValueError``. A file that loads has a dataset
of the same shape for every weight, so the budget never refuses one (unless one dataset is linked
under two weights' names, which no Keras writer does: it counts once). The budget counts the
model's weights only: the optimizer's are created by ``compile``, after the weights were checked.
"""

import contextlib
import math

import h5py

from handkeras.layers.layer import checking_new_weights
from handkeras.saving import hdf5
from handkeras.saving.serialization import ModelTooLarge

#: Groups of a weights file that hold the optimizer's state, not weights (Keras 3, legacy).
_OPTIMIZER_GROUPS = (b"optimizer", b"optimizer_weights")
#: How many of the file's weight shapes a refusal lists.
_SHAPES_SHOWN = 6


class WeightBudget:
    """The weight values a model load may still allocate, and the shapes the file stores."""

    def __init__(self, stored_shapes, source):
        self.source = source
        self.stored_shapes = stored_shapes
        self.total = self.remaining = sum(math.prod(shape) for shape in stored_shapes)

    @classmethod
    def of(cls, group, source):
        """The budget of the weights below ``group`` (an open file or its ``/model_weights``) of the
        model file ``source`` (its quoted path).

        Every dataset counts once, whatever links lead to it (the optimizer's state never counts). A
        file whose datasets declare far more bytes than they store is refused: its shapes are not
        backed by data. Only metadata is read, through h5py's low-level calls: they cost a small
        fraction of the load.
        """
        shapes, declared, stored = [], 0, 0

        def visit(name, info):
            nonlocal declared, stored
            if info.type != h5py.h5o.TYPE_DATASET or name.split(b"/", 1)[0] in _OPTIMIZER_GROUPS:
                return
            dataset = h5py.h5o.open(group.id, name)
            if dataset.shape is None:  # an empty dataspace: no values
                return
            shapes.append(dataset.shape)
            declared += math.prod(dataset.shape) * dataset.dtype.itemsize
            stored += dataset.get_storage_size()

        h5py.h5o.visit(group.id, visit, info=True)
        if declared > hdf5.EXPANSION_FLOOR and declared > hdf5.MAX_EXPANSION * stored:
            raise ValueError(
                f"Refusing to load {source}: its weight datasets declare {declared:,} bytes and "
                f"store {stored:,} (datasets never written, or compressed beyond "
                f"{hdf5.MAX_EXPANSION} times)."
            )
        return cls(shapes, source)

    def claim(self, layer, name, shape):
        """Take ``shape``'s values from the budget for ``layer``'s new weight ``name``, or raise
        ``ModelTooLarge`` (a ValueError) naming the file, the layer, the weight's shape and the
        stored shapes."""
        try:
            dims = [int(dim) for dim in shape]
        except (TypeError, ValueError):
            return  # not a shape: allocating it raises the error that says so
        if any(dim < 0 for dim in dims):
            return  # likewise
        size = math.prod(dims)
        unsaved_limit = getattr(layer, "unsaved_weight_limit", lambda name: None)(name)
        if unsaved_limit is not None:  # a weight Keras's files do not store (a LoRA adapter)
            if size > unsaved_limit:
                raise ModelTooLarge(
                    f"The model file {self.source} describes a model too large to build: "
                    f"{type(layer).__name__} '{layer.name}' would create the weight '{name}' of "
                    f"shape {tuple(dims)} ({size:,} values), which the file does not store, "
                    f"beyond the {unsaved_limit:,} values it allows."
                )
            return
        if size > self.remaining:
            raise ModelTooLarge(
                f"The model file {self.source} describes a model too large to build from the "
                f"weights it holds: {type(layer).__name__} '{layer.name}' would create the weight "
                f"'{name}' of shape {tuple(dims)} ({size:,} values), but {self._held()}."
            )
        self.remaining -= size

    @contextlib.contextmanager
    def building(self):
        """Every weight created in the block (in this thread) is claimed from the budget first."""
        with checking_new_weights(self.claim):
            yield

    def _held(self):
        """What the file's weights hold, and how much of it the weights made so far took."""
        if not self.total:
            return "the file holds no weight values"
        taken = self.total - self.remaining
        largest = sorted(set(self.stored_shapes), key=lambda shape: (-math.prod(shape), shape))
        hidden = len(largest) - _SHAPES_SHOWN
        return (f"the file's weights hold {self.total:,} values in all"
                + (f" ({taken:,} of them taken by the weights created before it)" if taken else "")
                + ", stored in the shapes " + ", ".join(map(str, largest[:_SHAPES_SHOWN]))
                + (f" and {hidden} smaller" if hidden > 0 else ""))
