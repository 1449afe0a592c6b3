"""``keras.utils.PyDataset`` (alias ``Sequence``): batches computed in Python, one per index.

A subclass says how many batches there are (``__len__``, or a ``num_batches`` property that may be
None for an endless dataset) and builds batch ``i`` in ``__getitem__``; ``fit``, ``evaluate`` and
``predict`` ask for the batches in order (shuffled per epoch by ``fit``) and call the epoch hooks.
handkeras reads every batch in the calling thread: ``workers``, ``use_multiprocessing`` and
``max_queue_size`` are kept, as Keras keeps them, but do not start threads or processes.
"""

import itertools
import warnings

_DEFAULTS = {"_workers": 1, "_use_multiprocessing": False, "_max_queue_size": 10}


class PyDataset:
    """Base class of a dataset whose ``__getitem__(index)`` returns a whole batch: ``x``,
    ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)``, and whose ``__len__`` is the number of
    batches. Subclasses call ``super().__init__(**kwargs)``."""

    def __init__(self, workers=1, use_multiprocessing=False, max_queue_size=10):
        self._workers = workers
        self._use_multiprocessing = use_multiprocessing
        self._max_queue_size = max_queue_size

    def _warn_if_super_not_called(self):
        """A subclass that skipped ``super().__init__`` gets the defaults, with Keras's warning."""
        missing = [name for name in _DEFAULTS if not hasattr(self, name)]
        for name in missing:
            setattr(self, name, _DEFAULTS[name])
        if missing:
            warnings.warn(
                f"{type(self).__name__} should call `super().__init__(**kwargs)` in its "
                "constructor, where `**kwargs` may hold `workers`, `use_multiprocessing` and "
                "`max_queue_size`; the defaults are used. (These are not arguments of `fit()`.)",
                UserWarning, stacklevel=3)

    @property
    def workers(self):
        self._warn_if_super_not_called()
        return self._workers

    @workers.setter
    def workers(self, value):
        self._workers = value

    @property
    def use_multiprocessing(self):
        self._warn_if_super_not_called()
        return self._use_multiprocessing

    @use_multiprocessing.setter
    def use_multiprocessing(self, value):
        self._use_multiprocessing = value

    @property
    def max_queue_size(self):
        self._warn_if_super_not_called()
        return self._max_queue_size

    @max_queue_size.setter
    def max_queue_size(self, value):
        self._max_queue_size = value

    def __getitem__(self, index):
        """The batch at position ``index``."""
        raise NotImplementedError

    @property
    def num_batches(self):
        """The number of batches: ``len(self)``, or None for an endless dataset (override)."""
        if hasattr(self, "__len__"):
            return len(self)
        raise NotImplementedError(
            f"{type(self).__name__} must define `__len__` or the `num_batches` property "
            "(None for an endless dataset)."
        )

    def __iter__(self):
        """The batches in order: ``num_batches`` of them, or endlessly when it is None or not
        defined."""
        try:
            count = self.num_batches
        except NotImplementedError:
            count = None
        for index in range(count) if count is not None else itertools.count():
            yield self[index]

    def on_epoch_begin(self):
        """Called at the start of every epoch (override to prepare one)."""

    def on_epoch_end(self):
        """Called at the end of every epoch (override to reshuffle, say)."""


Sequence = PyDataset
