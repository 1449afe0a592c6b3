"""A kernel's gradient kept as the two factors of its product, for SGD to add in one GEMM.

A Dense kernel's gradient is ``x.T @ dz``, and SGD adds ``-lr`` times it to the kernel (or to its
momentum). Formed first, the gradient is written out, then read back by the update while the
kernel is read and written: on a 784x512 float32 kernel at 32 rows a batch that update costs about
as much as the product itself. BLAS's GEMM computes ``C = alpha A^T B + C``; with the kernel as
``C`` and ``alpha = -lr`` the step happens inside the product (``blas.add_product``).

Whether that is the same step to the bit depends on the GEMM kernel OpenBLAS picks for the CPU and
the shape. Where its blocked kernel sums a block of rows in registers and adds ``alpha`` times the
sum onto ``C`` with one rounding, it matches BLAS's axpy adding ``-lr`` times the formed gradient
with one rounding (an Intel Xeon's kernels, float32 and float64). Its small-matrix kernels round
``alpha`` times the sum before adding it, past a few hundred rows it adds a partial sum per block of
rows, and an AMD EPYC's kernels differ in float64. So each shape is tried once, on random values:
only those whose GEMM gives the formed update's bits take this way; the others are formed.
"""

import functools

import numpy as np

from handkeras import blas


class ProductGradient:
    """The gradient ``left.T @ right``, not yet formed; ``out`` is where it goes when it must be."""

    __slots__ = ("left", "right", "out")

    def __init__(self, left, right, out):
        self.left, self.right, self.out = left, right, out

    def add_to(self, target, scale):
        """``target += scale * gradient`` in one GEMM, rounding as the formed gradient's update
        would; False where it would not, or where BLAS cannot do it (the caller then uses
        ``formed()``)."""
        left, right = self.left, self.right
        return (target.size >= blas.MIN_SIZE
                and gemm_rounds_as_formed(len(left), left.shape[-1], right.shape[-1],
                                          target.dtype)
                and blas.add_product(scale, left, right, target))

    def formed(self):
        """The gradient as an array (written into ``out``)."""
        return np.matmul(self.left.T, self.right, out=self.out)


@functools.lru_cache(maxsize=256)
def gemm_rounds_as_formed(rows, fan_in, fan_out, dtype):
    """Whether, on this machine, one GEMM adding ``scale * left.T @ right`` (``left`` of ``rows`` x
    ``fan_in``, ``right`` of ``rows`` x ``fan_out``) gives the bits of the formed product's update
    (``scaled_add``, which is axpy for a target of ``blas.MIN_SIZE`` entries or more): tried once on
    random values, with a scale that is no power of two (a rounding of ``alpha`` times the sum would
    show on nearly every entry)."""
    rng = np.random.default_rng(0)
    left, right, target = (rng.standard_normal(shape).astype(dtype)
                           for shape in ((rows, fan_in), (rows, fan_out), (fan_in, fan_out)))
    scale = np.dtype(dtype).type(-0.0123)
    fused, formed = target.copy(), target
    return (blas.gemm_add_product(scale, left, right, fused)
            and blas.axpy(scale, left.T @ right, formed) and bool(np.array_equal(fused, formed)))
