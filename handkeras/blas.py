"""Routines of the BLAS numpy already runs on, for updates numpy has no single function for.

numpy hands matrix products to OpenBLAS but keeps its vector routines to itself, and those do in one
fused pass, on every core, what a numpy expression does in several passes on one. On the benchmark
machine, ``w += a * g`` on a 784x512 float32 matrix takes 113 us in numpy (even in cache-sized
blocks) and 22 us as BLAS's axpy; adding a bias to each of 1024 rows of 512 takes 82 us in numpy and
22 us as the rank-1 update ``ones ⊗ bias`` (ger).

SGD's update of a dense kernel goes further: ``w -= lr * x.T @ dz`` is one GEMM accumulating
onto ``w`` (``add_product``), so the gradient is never written out and read back.

The routines are looked up by name, through ctypes, in the scipy-openblas library of numpy's wheels
(64-bit integer interface). Each function returns whether it did the work: False for another BLAS,
for dtypes other than float32 and float64, for arrays not laid out in one C-contiguous block, and
for arrays so small that the call would cost more than numpy's loop; callers then use numpy.
"""

import ctypes
import functools
import glob
import os

import numpy as np

from handkeras.reductions import ones

# Below this many elements numpy's own loop beats a ctypes call (about 3 us).
MIN_SIZE = 1 << 15
_ROW_MAJOR, _NO_TRANS, _TRANS = 101, 111, 112  # CblasRowMajor, CblasNoTrans, CblasTrans
# ILP64 builds (64-bit integers), the only ones whose integer width the name tells: numpy >= 2.0's
# wheels ship scipy-openblas64 ("scipy_" prefix), numpy 1.x's wheels openblas64.
_NAME_FORMS = ("scipy_cblas_{}64_", "cblas_{}64_")


def _libraries():
    """numpy's multiarray extension (symbol lookup through it reaches the BLAS it links), then any
    OpenBLAS library shipped in numpy's wheel directories (where that lookup does not reach)."""
    package = os.path.dirname(np.__file__)
    for pattern in ("_core/_multiarray_umath*", "core/_multiarray_umath*",
                    "../numpy.libs/*openblas*", ".dylibs/*openblas*"):
        for path in glob.glob(os.path.join(package, pattern)):
            try:
                yield ctypes.CDLL(path)
            except OSError:
                continue


@functools.lru_cache(maxsize=None)
def _routine(name, dtype):
    """The C routine ``cblas_s<name>`` (float32) or ``cblas_d<name>`` (float64) of numpy's BLAS,
    its argument types set; None where there is none."""
    letter, scalar = {np.float32: ("s", ctypes.c_float), np.float64: ("d", ctypes.c_double)}.get(
        dtype, (None, None))
    if letter is None:
        return None
    for library in _libraries():
        for form in _NAME_FORMS:
            routine = getattr(library, form.format(letter + name), None)
            if routine is not None:
                I, P = ctypes.c_int64, ctypes.c_void_p
                routine.restype = None
                enum = ctypes.c_int
                routine.argtypes = {"axpy": [I, scalar, P, I, P, I],
                                    "ger": [enum, I, I, scalar, P, I, P, I, P, I],
                                    "gemm": [enum, enum, enum, I, I, I, scalar, P, I, P, I, scalar,
                                             P, I]}[name]
                return routine
    return None


def _address(array):
    """The address of a C-contiguous array's first element: through ctypes's ``from_buffer`` where
    the array is writable and not empty (1 us on the benchmark machine), else numpy's
    ``ctypes.data`` (3 us, which on a small network is 1% of a training step)."""
    if array.flags.writeable and array.size:
        return ctypes.addressof(ctypes.c_char.from_buffer(array))
    return array.ctypes.data


@functools.lru_cache(maxsize=16)
def _ones_and_address(length, dtype):
    """``ones(length, dtype)``, a read-only vector, and its address, looked up once (the vector is
    kept with it, so the address stays valid)."""
    vector = ones(length, dtype)
    return vector, vector.ctypes.data


def _usable(target, *arrays):
    return (target.flags.c_contiguous and target.flags.writeable
            and all(a.dtype == target.dtype and a.flags.c_contiguous for a in arrays))


def axpy(alpha, x, y):
    """``y += alpha * x`` in place, for ``x`` and ``y`` of the same size that do not overlap, with
    one rounding (fused)."""
    if y.size < MIN_SIZE:
        return False
    routine = _routine("axpy", y.dtype.type)
    if routine is None or x.size != y.size or not _usable(y, x):
        return False
    routine(y.size, alpha, _address(x), 1, _address(y), 1)
    return True


def add_to_rows(array, row):
    """``array += row`` for a ``row`` as long as the array's last axis, as the rank-1 update
    ``array += ones ⊗ row`` of its rows: the same sums as numpy's broadcast, on every core."""
    if array.size < MIN_SIZE:
        return False
    routine = _routine("ger", array.dtype.type)
    if (routine is None or array.ndim < 2 or row.shape != array.shape[-1:]
            or not _usable(array, row)):
        return False
    width = array.shape[-1]
    rows = array.size // width
    routine(_ROW_MAJOR, rows, width, 1.0, _ones_and_address(rows, array.dtype)[1], 1, _address(row), 1,
            _address(array), width)
    return True


def add_product(alpha, left, right, target):
    """``target += alpha * left.T @ right`` in place, as one GEMM (``C = alpha A^T B + C``): the
    product is added onto ``target`` as it is computed, never written out on its own."""
    if target.size < MIN_SIZE:
        return False
    if (left.ndim != 2 or right.ndim != 2 or len(left) != len(right)
            or target.shape != (left.shape[1], right.shape[1]) or not _usable(target, left, right)):
        return False
    return gemm_add_product(alpha, left, right, target)


def gemm_add_product(alpha, left, right, target):
    """``add_product``'s GEMM without its checks, for arrays known to fit; False where numpy's BLAS
    has no GEMM for the dtype."""
    routine = _routine("gemm", target.dtype.type)
    if routine is None:
        return False
    rows, columns = target.shape
    routine(_ROW_MAJOR, _TRANS, _NO_TRANS, rows, columns, len(left), alpha, _address(left), rows,
            _address(right), columns, 1.0, _address(target), columns)
    return True
