"""Input data for fit, evaluate and predict: conversion, checks, validation split and batching.

Arrays are converted once at the entry (inputs to floatx), checked with errors that name the argument,
and then only ever indexed: the caller's arrays are never modified.
"""

import math
import numbers
import os
import sys
import warnings

import numpy as np

from handkeras import backend
from handkeras.reductions import ones


def to_array(value, argument, dtype=None):
    """``value`` as a numeric numpy array, or a ValueError naming ``argument``."""
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        try:
            value = np.array(value)
        except ValueError as error:
            raise ValueError(
                f"`{argument}` must be a rectangular array; received a ragged list ({error})."
            ) from None
    else:
        value = np.asarray(value)
    if value.dtype.kind not in "biufc":  # not numbers: text, objects, dates, timedeltas, ...
        raise ValueError(
            f"`{argument}` must hold numbers, received an array of dtype {value.dtype}."
        )
    if value.dtype.kind == "c":
        raise ValueError(
            f"`{argument}` must hold real numbers, received an array of dtype {value.dtype}."
        )
    if value.ndim == 0:
        raise ValueError(f"`{argument}` must have a batch dimension, received a scalar.")
    if dtype is not None and value.dtype != dtype:
        value = value.astype(dtype)
    return value


def warn_non_finite(value, argument):
    """One warning per call naming ``argument`` and the count when it holds NaN or inf.

    Python shows a repeated warning only once per code location; this one is about the call's data,
    so it is issued afresh (at the user's line) every time.
    """
    if value is not None and np.issubdtype(value.dtype, np.floating):
        warn_non_finite_count(count_non_finite(value), argument)


def warn_non_finite_count(bad, argument):
    """The warning of ``warn_non_finite`` for ``bad`` values counted by the caller (none: none)."""
    if bad:
        warn_at_caller(f"`{argument}` holds {bad} NaN or infinite value(s).", RuntimeWarning)


def warn_at_caller(message, category):
    """A warning about the call's data, shown at the user's line, and afresh every time."""
    filename, lineno = _caller_outside_package()
    warnings.warn_explicit(message, category, filename, lineno, module="handkeras", registry=None)


def count_non_finite(value, chunk_rows=4096):
    """How many entries are NaN or infinite, without a mask the size of the data.

    A NaN or an infinity makes its row's sum NaN or infinite, so clean data (nearly always) costs
    one pass: a matrix-vector product with ones, which BLAS runs vectorized on every core. Only
    rows of non-finite sum (dirty data, or a sum that overflowed) are then counted, chunk by chunk.
    """
    if value.size == 0 or _all_finite(value):
        return 0
    rows = value.reshape(len(value), -1)
    return sum(rows[start:start + chunk_rows].size
               - int(np.count_nonzero(np.isfinite(rows[start:start + chunk_rows])))
               for start in range(0, len(rows), chunk_rows))


def _all_finite(value):
    """Whether every row of ``value`` has a finite sum: true of clean data (one BLAS pass), false
    where a row holds NaN or inf (or where its sum overflowed)."""
    rows = value.reshape(len(value), -1)
    with np.errstate(invalid="ignore", over="ignore"):
        if value.dtype in (np.float32, np.float64):
            sums = rows @ ones(rows.shape[1], value.dtype)
        else:
            sums = rows.sum(axis=1)
        return bool(np.isfinite(sums).all())


# A batch of at least this many bytes is checked just before the layers read it, which brings it into
# the cache for them (predict of 784-128-10 at 1024 rows: 5% faster than checking all rows first).
# Smaller batches are checked all at once, up front: one BLAS pass beats many small ones (checking
# each batch of 32 rows made predict of the 4-16-8-3 network 28% slower).
BATCH_CHECK_BYTES = 2 << 20


class FiniteCheck:
    """``warn_non_finite`` for the rows that evaluate or predict read, batch by batch, in order.

    Large batches are checked as they are read (see ``BATCH_CHECK_BYTES``), small ones all at once
    at the start; either way only the first ``rows`` rows are checked, and the warning, counting
    over all of ``value``, comes once, at ``warn()``."""

    def __init__(self, value, argument, batch_size, rows):
        self.value, self.argument = value, argument
        checked = np.issubdtype(value.dtype, np.floating) and value.size > 0
        self.per_batch = checked and batch_size * value[0].nbytes >= BATCH_CHECK_BYTES
        self.dirty = checked and not self.per_batch and not _all_finite(value[:rows])

    def check(self, batch):
        if self.per_batch and not self.dirty and not _all_finite(batch):
            self.dirty = True

    def product_check(self, first_step):
        """Where the batches are checked one by one and the model's first step is a Dense whose
        product shows the non-finite rows of its input (``Dense.shows_non_finite_rows``), the check
        to hand it, which reads the product instead of the batch; ``check`` then does nothing.
        Otherwise None."""
        if not (self.per_batch and first_step.shows_non_finite_rows(self.value.shape[-1])):
            return None
        self.per_batch = False
        return self._check_product

    def _check_product(self, product, batch):
        # A non-finite product may also be the overflow of finite data: the batch itself decides.
        if not self.dirty and not _all_finite(product) and not _all_finite(batch):
            self.dirty = True

    def warn(self):
        if self.dirty:
            warn_non_finite(self.value, self.argument)


def _caller_outside_package():
    frame = sys._getframe(1)
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    while frame.f_back is not None and os.path.abspath(frame.f_code.co_filename).startswith(package):
        frame = frame.f_back
    return frame.f_code.co_filename, frame.f_lineno


def prepare(x, y=None, sample_weight=None, prefix="", check_x=True, check_y=True):
    """Convert and check ``x`` (floatx), ``y`` and ``sample_weight``; row counts must agree.

    ``y`` keeps its type, so that the caller checks the values as received (see ``float_targets``).
    ``check_x=False`` (``check_y=False``) leaves the NaN check of ``x`` (``y``) to the caller
    (``FiniteCheck``, or the count over the batches of a dataset)."""
    if x is None:
        raise ValueError(f"`{prefix}x` is required: received None, expected an array of inputs.")
    x = to_array(x, prefix + "x", backend.floatx())
    y = to_array(y, prefix + "y")
    sample_weight = to_array(sample_weight, prefix + "sample_weight", backend.floatx())
    if len(x) == 0:
        raise ValueError(f"`{prefix}x` is empty: received {x.shape}, expected at least one row.")
    for name, value in ((prefix + "y", y), (prefix + "sample_weight", sample_weight)):
        if value is not None and len(value) != len(x):
            raise ValueError(
                f"`{prefix}x` and `{name}` must have the same number of rows, received "
                f"{len(x)} and {len(value)}."
            )
    if check_x:
        warn_non_finite(x, prefix + "x")
    if check_y:
        warn_non_finite(y, prefix + "y")
    return x, y, sample_weight


def match_input_rank(x, input_shape):
    """``x`` with Keras's leniency of one axis of size 1 at the end: one more than the model's
    input has is dropped, one fewer is added where the input's last axis has size 1 (images without
    their channel axis, a single feature as a 1-D array). Other shapes are left for the shape check.
    """
    rank = len(input_shape)
    if x.ndim == rank + 1 and x.shape[-1] == 1:
        return x.reshape(x.shape[:-1])
    if x.ndim == rank - 1 and input_shape[-1] == 1:
        return x.reshape(x.shape + (1,))
    return x


def check_batch_size(batch_size, argument="batch_size", rows=None, steps=None):
    """``batch_size`` as a positive int. None means Keras's default: 32, or, when a number of
    ``steps`` is given, the ``rows`` spread over that many batches (``ceil(rows / steps)``)."""
    if batch_size is None:
        return math.ceil(rows / steps) if steps and rows else 32
    if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral) or batch_size <= 0:
        raise ValueError(f"`{argument}` must be a positive integer, received {batch_size!r}.")
    return int(batch_size)


def check_steps(steps, argument):
    """A number of batches: a positive int, or None for one pass over the data."""
    if steps is not None and (isinstance(steps, bool) or not isinstance(steps, numbers.Integral)
                              or steps <= 0):
        raise ValueError(f"`{argument}` must be a positive integer or None, received {steps!r}.")
    return steps


def split_validation(arrays, validation_split):
    """Keras's split: the last ``validation_split`` fraction of rows, taken before any shuffling."""
    n = len(arrays[0])
    split_at = int(math.floor(n * (1.0 - validation_split)))
    if split_at == 0 or split_at == n:
        raise ValueError(
            f"`validation_split={validation_split}` leaves an empty training or validation part "
            f"of {n} rows (split at row {split_at})."
        )
    train = tuple(None if a is None else a[:split_at] for a in arrays)
    valid = tuple(None if a is None else a[split_at:] for a in arrays)
    return train, valid


def batch_indices(n, batch_size, shuffle, rng):
    """One pass's batches of row indices, as Keras cuts arrays: the rows of a fresh permutation
    (``shuffle=True``), consecutive rows in a random order inside each batch (``"batch"``), or
    consecutive rows in order.

    Slices are returned when the order is sequential, so that those batches are views, not copies.
    """
    starts = range(0, n, batch_size)
    if shuffle == "batch":
        return [start + rng.permutation(min(batch_size, n - start)) for start in starts]
    if shuffle:
        order = rng.permutation(n)
        return [order[start:start + batch_size] for start in starts]
    return [slice(start, min(start + batch_size, n)) for start in starts]


class EpochBatches:
    """The batches of ``fit``, epoch after epoch, handed out as Keras's ``EpochIterator`` does.

    Without ``steps_per_epoch`` every epoch is one pass over the rows. With it, the pass carries on
    from one epoch to the next; an epoch that reaches the end of the pass stops there, with Keras's
    "ran out of data" warning when it is short of its steps, and the next epoch starts a new pass
    (a new permutation when shuffling).
    """

    def __init__(self, n, batch_size, shuffle, steps_per_epoch=None):
        self.n, self.batch_size, self.shuffle = n, batch_size, shuffle
        self.steps_per_epoch = steps_per_epoch
        self.batches_per_pass = math.ceil(n / batch_size)
        self._pass, self._taken = None, 0

    def _new_pass(self):
        self._pass = iter(batch_indices(self.n, self.batch_size, self.shuffle, backend.rng()))
        self._taken = 0

    def epoch(self):
        """Yield ``(step, row indices)`` for the steps of the next epoch."""
        if self.steps_per_epoch is None:
            self._new_pass()
            yield from enumerate(self._pass)
            return
        if self._pass is None:
            self._new_pass()
        for step in range(self.steps_per_epoch):
            if self._taken >= self.batches_per_pass:
                warn_ran_out_of_data(step, self.steps_per_epoch, "steps_per_epoch")
                break
            self._taken += 1
            yield step, next(self._pass)
        if self._taken >= self.batches_per_pass:
            self._pass = None


def first_steps(batches, steps, argument="steps"):
    """The first ``steps`` batches (all of them for None), with Keras's warning when there are fewer."""
    if steps is None:
        return batches
    if steps > len(batches):
        warn_ran_out_of_data(len(batches), steps, argument)
    return batches[:steps]


def warn_ran_out_of_data(taken, steps, argument):
    """Keras's warning when the data holds fewer batches than the steps asked for."""
    warn_at_caller(
        f"Your input ran out of data; interrupting after {taken} of `{argument}={steps}` steps: "
        "the data has no more batches in this pass. Use fewer steps or more data.", UserWarning)


def take(array, index):
    """Rows ``index`` of ``array`` (None stays None)."""
    return None if array is None else array[index]


def float_targets(y):
    """Float targets in floatx, once checked (a label of 2.9999999 must be refused before float32
    rounds it to 3); integer labels and None as they are."""
    if y is not None and np.issubdtype(y.dtype, np.floating) and y.dtype != backend.floatx():
        return y.astype(backend.floatx())
    return y
