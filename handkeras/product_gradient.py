"""A kernel's gradient kept as the two factors of its product, for SGD to add in one GEMM.

A Dense kernel's gradient is ``x.T @ dz``, and SGD adds ``-lr`` times it to the kernel (or to its
momentum). Formed first, the gradient is written out, then read back by the update while the
kernel is read and written: on a 784x512 float32 kernel at 32 rows a batch that update costs about
as much as the product itself. BLAS's GEMM computes ``C = alpha A^T B + C``; with the kernel as
``C`` and ``alpha = -lr`` the step happens inside the product (``blas.add_product``).

It is the same step to the bit, where OpenBLAS runs its blocked kernel: that kernel sums a block of
rows in registers and adds ``alpha`` times the sum onto ``C`` with one rounding, as BLAS's axpy adds
``-lr`` times the formed gradient (the same sum, written out) with one rounding. Products of at most
a million multiply-adds go to OpenBLAS's small-matrix kernels instead, which round ``alpha`` times
the sum before adding it; and past a few hundred rows the blocked kernel adds a partial sum per
block of rows (on the benchmark machine past 384 rows in float64, past 400 in float32). Both
round differently, so only products between those limits take this way; the others are formed.
"""

import numpy as np

from handkeras import blas

SMALL_PRODUCT = 1_000_000  # multiply-adds: at most this many run on the small-matrix kernels
MAX_ROWS = 256


class ProductGradient:
    """The gradient ``left.T @ right``, not yet formed; ``out`` is where it goes when it must be."""

    __slots__ = ("left", "right", "out")

    def __init__(self, left, right, out):
        self.left, self.right, self.out = left, right, out

    def add_to(self, target, scale):
        """``target += scale * gradient`` in one GEMM, rounding as the formed gradient's update
        would; False where BLAS cannot do it (the caller then uses ``formed()``)."""
        rows = len(self.left)
        return (rows <= MAX_ROWS and rows * target.size > SMALL_PRODUCT
                and blas.add_product(scale, self.left, self.right, target))

    def formed(self):
        """The gradient as an array (written into ``out``)."""
        return np.matmul(self.left.T, self.right, out=self.out)
