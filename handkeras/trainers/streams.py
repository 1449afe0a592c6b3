"""Batches from a PyDataset or a Python generator, epoch by epoch, handed out as Keras 3 hands
them out (its data adapters and ``EpochIterator``), down to what a user can see of it: which
arguments are refused, when the epoch hooks run, where a pass starts again, and the warnings.

A generator is read once. As Keras does, its first ``PEEKED_BATCHES`` batches are read when it is
given and kept; every new pass over it (a new epoch without ``steps_per_epoch``, or after it ran
out) starts with those batches again, followed by whatever the generator has left.
"""

import itertools
import numbers
import types

import numpy as np

from handkeras import backend
from handkeras.trainers import data
from handkeras.utils.data_tuples import unpack_x_y_sample_weight
from handkeras.utils.py_dataset import PyDataset

#: How many batches of a generator Keras reads ahead, when it is given, to learn their shapes.
PEEKED_BATCHES = 2

_END = object()


def is_stream(x):
    """Whether ``x`` is a PyDataset or a generator (Keras takes no other iterator)."""
    return isinstance(x, (PyDataset, types.GeneratorType))


def kind_of(x):
    return f"PyDataset ({type(x).__name__})" if isinstance(x, PyDataset) else "generator"


def check_call(x, y=None, sample_weight=None, class_weight=None, validation_split=0.0,
               argument="x"):
    """Keras's refusals of the arguments that a PyDataset or a generator carries itself."""
    kind = kind_of(x)
    if validation_split:
        raise ValueError(
            f"`validation_split` is only supported for arrays, received `{argument}` as a {kind}: "
            "pass the validation batches as `validation_data` instead."
        )
    for name, value, what in (("y", y, "targets"), ("sample_weight", sample_weight,
                                                    "sample weights")):
        if value is not None:
            raise ValueError(
                f"`{name}` must not be passed when `{argument}` is a {kind}: the {what} belong "
                "in its batches, as `(x, y, sample_weight)`."
            )
    if class_weight is not None and isinstance(x, types.GeneratorType):
        raise ValueError(
            f"`class_weight` is not supported for a generator (as in Keras), received "
            f"class_weight={class_weight!r}: yield `(x, y, sample_weight)` batches, or use a "
            "PyDataset."
        )


def warn_shuffle_ignored(x, shuffle):
    """Keras's warning when ``fit`` is asked to shuffle what it cannot: a generator or an endless
    PyDataset (a finite one has its batch order shuffled)."""
    if shuffle and (not isinstance(x, PyDataset) or x.num_batches is None):
        endless = "an endless " if isinstance(x, PyDataset) else "a "
        data.warn_at_caller(
            f"`shuffle={shuffle!r}` is ignored: `x` is {endless}{kind_of(x)}, whose batches come "
            "in the order it gives them. Shuffle inside it, or pass `shuffle=False`.", UserWarning)


def source(x, shuffle=False, argument="x"):
    """The batch source of a PyDataset or a generator."""
    if isinstance(x, PyDataset):
        return DatasetSource(x, shuffle, argument)
    return GeneratorSource(x, argument)


def _describe(batch):
    if isinstance(batch, (tuple, list)):
        return f"a {type(batch).__name__} of length {len(batch)}"
    return f"{type(batch).__name__} {str(batch)[:60]}"


class DatasetSource:
    """The batches of a PyDataset: ``dataset[i]`` for the indices of a pass, in order, or in a
    fresh random order every pass when shuffling a finite dataset."""

    def __init__(self, dataset, shuffle, argument):
        self.dataset, self.argument = dataset, argument
        # Read when the dataset is taken, as Keras reads it: a subclass that skipped
        # super().__init__() gets its warning here.
        dataset.workers
        self.shuffle = bool(shuffle)
        if self.num_batches == 0:
            raise ValueError(
                f"`{argument}` is an empty {kind_of(dataset)}: its `num_batches` is 0, expected "
                "at least one batch."
            )

    @property
    def num_batches(self):
        """The dataset's count of batches, None when endless, checked."""
        count = self.dataset.num_batches
        if count is not None and (isinstance(count, bool) or not isinstance(count, numbers.Integral)
                                  or count < 0):
            raise ValueError(
                f"The `num_batches` of the {kind_of(self.dataset)} given as `{self.argument}` must "
                f"be a non-negative integer or None (endless), received {count!r}."
            )
        return count

    def new_pass(self):
        """``(index, (x, y, sample_weight))`` for one pass, each batch read when it is asked for."""
        count = self.num_batches
        if count is None:
            indices = itertools.count()
        elif self.shuffle:
            indices = backend.rng().permutation(count).tolist()
        else:
            indices = range(count)
        for index in indices:
            yield index, self._standardize(self.dataset[index], index)

    def _standardize(self, batch, index):
        if isinstance(batch, np.ndarray):
            return batch, None, None
        if isinstance(batch, (tuple, list)) and 1 <= len(batch) <= 3:
            return unpack_x_y_sample_weight(batch)
        raise ValueError(
            f"{self.describe(index)} must be a tuple `(x,)`, `(x, y)` or `(x, y, sample_weight)` "
            f"(or the array `x`), received {_describe(batch)}."
        )

    def describe(self, index):
        return f"Batch {index} of the {kind_of(self.dataset)} given as `{self.argument}`"

    def on_epoch_begin(self):
        self.dataset.on_epoch_begin()

    def on_epoch_end(self):
        self.dataset.on_epoch_end()


class GeneratorSource:
    """The batches of a generator: the ones read ahead when it was given, then the rest of it."""

    num_batches = None

    def __init__(self, generator, argument):
        self.argument = argument
        self.peeked = list(itertools.islice(generator, PEEKED_BATCHES))
        self.rest = generator
        if not self.peeked:
            raise ValueError(
                f"`{argument}` is an empty generator: it must yield at least one batch."
            )
        if not isinstance(self.peeked[0], tuple):
            raise ValueError(
                f"The generator given as `{argument}` must yield tuples `(x,)`, `(x, y)` or "
                f"`(x, y, sample_weight)`; its first batch is {_describe(self.peeked[0])}."
            )

    def new_pass(self):
        """``(position, (x, y, sample_weight))`` for one pass: the batches read ahead, then the
        ones the generator has left."""
        for position, batch in enumerate(itertools.chain(self.peeked, self.rest)):
            try:
                yield position, unpack_x_y_sample_weight(batch)
            except ValueError as error:
                raise ValueError(f"{self.describe(position)}: {error}") from None

    def describe(self, position):
        return f"Batch {position} of the generator given as `{self.argument}`"

    def on_epoch_begin(self):
        """A generator has no epoch hooks."""

    def on_epoch_end(self):
        """A generator has no epoch hooks."""


class StreamEpochs:
    """The steps of each epoch over a source, as Keras's ``EpochIterator`` gives them.

    Without ``steps`` an epoch is one pass: all the batches of a finite PyDataset, or a
    generator's batches until it runs out (with Keras's warning; the count seen becomes the
    source's length), or, for an endless PyDataset, batches without end. With ``steps`` the pass
    carries on from one epoch to the next; reaching the end of a finite dataset ends the epoch
    (with the warning when it is short of its steps) and the next epoch starts a new pass.
    """

    def __init__(self, batch_source, steps=None, argument="steps_per_epoch"):
        self.source, self.steps, self.argument = batch_source, steps, argument
        self.num_batches = batch_source.num_batches
        self._pass, self._taken = None, 0

    @property
    def steps_per_epoch(self):
        """The steps an epoch is expected to have (Keras's ``params["steps"]``); None: unknown."""
        return self.steps or self.num_batches

    def first_batch(self):
        """The first batch of a pass, read as Keras reads it before the first step of a fresh
        model: the source's epoch is begun, and ``reset`` ends it."""
        self.source.on_epoch_begin()
        return next(self.source.new_pass())

    def reset(self):
        """Start afresh, with the source's epoch ended, as Keras does before fit and evaluate."""
        self._pass, self._taken = None, 0
        self.num_batches = self.source.num_batches
        self.source.on_epoch_end()

    def epoch(self):
        """Yield ``(step, (index, (x, y, sample_weight)))`` for the steps of the next epoch."""
        source = self.source
        source.on_epoch_begin()
        limit = self.steps or self.num_batches
        if limit:
            if self._pass is None or self.steps is None:
                self._pass, self._taken = source.new_pass(), 0
            for step in range(limit):
                if self.num_batches and self._taken >= self.num_batches:
                    if self.steps:
                        data.warn_ran_out_of_data(step, self.steps, self.argument)
                    break
                self._taken += 1
                item = next(self._pass, _END)
                if item is _END:
                    self._ran_out(step)
                    return
                yield step, item
            if self.num_batches and self._taken >= self.num_batches:
                self._pass = None
        else:
            self._pass = source.new_pass()
            for step in itertools.count():
                self._taken = step + 1
                item = next(self._pass, _END)
                if item is _END:
                    self._ran_out(step)
                    return
                yield step, item
        source.on_epoch_end()

    def _ran_out(self, taken):
        """The source gave no more batches: Keras's warning; the epoch ends, and the next one
        starts a new pass. A source of unknown length takes the count of steps seen (one more
        than the batches, as Keras counts) as its length."""
        if self.num_batches is None:
            self.num_batches = self._taken
        if self.steps:
            data.warn_ran_out_of_data(taken, self.steps, self.argument)
        else:
            data.warn_at_caller(
                f"Your input ran out of data; interrupting after {taken} steps: the generator has "
                "no more batches. A later pass over it gets only the batches read ahead at the "
                f"start ({PEEKED_BATCHES}), as in Keras: give `{self.argument}`, and a generator "
                "that yields enough batches for all the epochs.", UserWarning)
        self._pass = None
        self.source.on_epoch_end()
