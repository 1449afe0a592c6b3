"""Bias gradients: column sums of tall matrices as BLAS matrix-vector products.

``np.add.reduce(m, axis=0)`` walks a ``(pixels, filters)`` gradient row by row on one core;
``ones @ m`` is a BLAS product, vectorized and threaded, several times faster on the tall matrices of
convolutions and large batches (see docs/performance.md).
"""

import functools

import numpy as np


@functools.lru_cache(maxsize=16)
def _ones(length, dtype):
    ones = np.ones(length, dtype)
    ones.flags.writeable = False
    return ones


def sum_rows(matrix, out):
    """``matrix.sum(axis=0)`` of a 2-D float ``matrix``, written into ``out``."""
    return np.matmul(_ones(matrix.shape[0], matrix.dtype), matrix, out=out)
