"""Reductions that numpy runs slowly along the axis the math needs, written the fast way.

- Column sums of tall matrices (bias gradients): ``np.add.reduce(m, axis=0)`` walks a
  ``(pixels, filters)`` gradient row by row on one core; ``ones @ m`` is a BLAS product, vectorized
  and threaded, several times faster on the tall matrices of convolutions and large batches.
- Maxima and sums of narrow rows (softmax and cross-entropy over a few classes): reducing a
  ``(1024, 10)`` matrix along its last axis costs numpy about 50 ns a row, ten times more than
  copying it transposed and reducing the copy along its first axis, which runs as vectorized
  element-wise passes (measurements in docs/performance.md).
"""

import functools

import numpy as np

# Widest rows whose maximum (sum) is faster through the transposed copy (measured on 32 to 1024
# rows), and the fewest elements for which the copy pays for its extra calls.
NARROW_MAX = 32
NARROW_SUM = 16
FEWEST = 256


@functools.lru_cache(maxsize=16)
def ones(length, dtype):
    """A read-only vector of ``length`` ones, made once (BLAS sums and rank-1 updates use it)."""
    vector = np.ones(length, dtype)
    vector.flags.writeable = False
    return vector


def sum_rows(matrix, out):
    """``matrix.sum(axis=0)`` of a 2-D float ``matrix``, written into ``out``."""
    return np.matmul(ones(matrix.shape[0], matrix.dtype), matrix, out=out)


def max_last(x, keepdims=False):
    """``np.max(x, axis=-1, keepdims=keepdims)`` (NaN propagates as there)."""
    return _along_last(np.maximum, NARROW_MAX, x, keepdims)


def sum_last(x, keepdims=False):
    """``np.sum(x, axis=-1, keepdims=keepdims)``, summed in another order for narrow rows."""
    return _along_last(np.add, NARROW_SUM, x, keepdims)


def narrow_rows(x, widest=NARROW_SUM):
    """Whether reductions along the last axis of ``x`` run faster on its transposed copy."""
    return x.size >= FEWEST and x.ndim >= 2 and 1 < x.shape[-1] <= widest


def _along_last(ufunc, widest, x, keepdims):
    if not narrow_rows(x, widest):
        return ufunc.reduce(x, axis=-1, keepdims=keepdims)
    columns = np.ascontiguousarray(x.reshape(-1, x.shape[-1]).T)
    reduced = ufunc.reduce(columns, axis=0).reshape(x.shape[:-1])
    return reduced[..., None] if keepdims else reduced
