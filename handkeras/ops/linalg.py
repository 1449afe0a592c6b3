"""``keras.ops.linalg``: decompositions and solvers of matrices (the last two axes of a tensor),
computed by numpy's LAPACK routines, with Keras's return conventions.

Integers and bools are computed as floatx (Keras's torch backend refuses them), float16 as
float32 (numpy's LAPACK has no float16); float32 and float64 are computed in their own precision.
``eig`` returns complex arrays (complex64 for float32 inputs, complex128 for float64), as Keras
does.
"""

import numpy as np

from handkeras.ops.core import convert_to_tensor
from handkeras.ops.op_table import make_op, to_float

_OPS = {}


def _op(name, parameters, function, doc, result=None):
    _OPS[name] = make_op(__name__, name, parameters, function, to_float, result, doc)


def _norm(x, ord=None, axis=None, keepdims=False):  # noqa: A002  (Keras's name)
    axis = tuple(axis) if isinstance(axis, list) else axis
    if axis is None and ord is None:
        return np.sqrt(np.sum(np.square(x), keepdims=keepdims))
    return np.linalg.norm(x, ord=ord, axis=axis, keepdims=keepdims)


_op("norm", "x, ord=None, axis=None, keepdims=False", _norm,
    "The vector or matrix norm of ``x`` (over every entry when ``ord`` and ``axis`` are None).",
    to_float)
_op("det", "x", np.linalg.det, "The determinant of square matrices.", to_float)
_op("inv", "x", np.linalg.inv, "The inverse of square matrices.", to_float)
_op("solve", "a, b", lambda a, b: np.linalg.solve(a, convert_to_tensor(b, a.dtype)),
    "The ``x`` with ``a @ x = b``.", to_float)


def _matrices(x, square=True):
    """``x`` checked to be a (stack of) matrices, square if asked, with Keras's messages."""
    if x.ndim < 2:
        raise ValueError(f"Expected input to have rank >= 2. Received input with shape {x.shape}.")
    if square and x.shape[-2] != x.shape[-1]:
        raise ValueError(f"Expected a square matrix. Received non-square input with shape "
                         f"{x.shape}")
    return x.astype(np.float32) if x.dtype == np.float16 else x


def _system(a, b):
    """``a`` (square matrices) and ``b`` (a matrix or a vector per matrix) checked to match."""
    a = _matrices(a)
    b = b.astype(a.dtype)
    if b.ndim not in (a.ndim, a.ndim - 1) or b.shape[:-2 if b.ndim == a.ndim else -1] != \
            a.shape[:-2] or b.shape[-2 if b.ndim == a.ndim else -1] != a.shape[-1]:
        raise ValueError(f"Incompatible shapes between `a` and `b`. Received: a.shape={a.shape}, "
                         f"b.shape={b.shape}")
    return a, b


def _cholesky(x, upper=False):
    try:
        lower = np.linalg.cholesky(_matrices(x))
    except np.linalg.LinAlgError as error:
        raise ValueError(f"Cholesky decomposition failed: the input is not positive definite "
                         f"({error}).") from None
    return np.swapaxes(lower, -1, -2) if upper else lower


def _cholesky_inverse(x, upper=False):
    factor = _matrices(x)
    lower = np.swapaxes(factor, -1, -2) if upper else factor
    inverse = _solve_triangular(lower, np.broadcast_to(np.eye(x.shape[-1], dtype=lower.dtype),
                                                       lower.shape), lower=True)
    return np.swapaxes(inverse, -1, -2) @ inverse


def _eig(x):
    values, vectors = np.linalg.eig(_matrices(x))
    complex_type = np.complex64 if values.dtype in (np.float32, np.complex64) else np.complex128
    return values.astype(complex_type), vectors.astype(complex_type)


def _eigh(x):
    return tuple(np.linalg.eigh(_matrices(x)))


def _lu_factor(x):
    """LU with partial pivoting, LAPACK's ``getrf`` layout: L (unit diagonal, not stored) and U in
    one matrix, and ``pivots[i]`` the row swapped with row ``i`` at step ``i`` (0-based, int32)."""
    x = _matrices(x, square=False)
    rows, columns = x.shape[-2:]
    steps = min(rows, columns)
    lu = x.reshape((-1, rows, columns)).copy()
    pivots = np.zeros((lu.shape[0], steps), np.int32)
    for matrix, swaps in zip(lu, pivots):
        for k in range(steps):
            pivot = k + int(np.argmax(np.abs(matrix[k:, k])))
            swaps[k] = pivot
            matrix[[k, pivot]] = matrix[[pivot, k]]
            if matrix[k, k] != 0:
                matrix[k + 1:, k] /= matrix[k, k]
            matrix[k + 1:, k + 1:] -= np.outer(matrix[k + 1:, k], matrix[k, k + 1:])
    return lu.reshape(x.shape), pivots.reshape(x.shape[:-2] + (steps,))


def _qr(x, mode="reduced"):
    if mode not in ("reduced", "complete"):
        raise ValueError("`mode` argument value not supported. Expected one of {'reduced', "
                         f"'complete'}}. Received: mode={mode}")
    return tuple(np.linalg.qr(_matrices(x, square=False), mode=mode))


def _solve_triangular(a, b, lower=False):
    """Forward (``lower``) or back substitution, reading only that triangle of ``a``."""
    a, b = _system(a, b)
    vector = b.ndim == a.ndim - 1
    b = b[..., None] if vector else b
    size = a.shape[-1]
    x = np.zeros(np.broadcast_shapes(a.shape[:-2], b.shape[:-2]) + b.shape[-2:], a.dtype)
    for i in (range(size) if lower else range(size - 1, -1, -1)):
        known = slice(0, i) if lower else slice(i + 1, size)
        done = np.einsum("...j,...jk->...k", a[..., i, known], x[..., known, :])
        x[..., i, :] = (b[..., i, :] - done) / a[..., i, i, None]
    return x[..., 0] if vector else x


def _svd(x, full_matrices=True, compute_uv=True):
    x = _matrices(x, square=False)
    if not compute_uv:
        return np.linalg.svd(x, compute_uv=False)
    return tuple(np.linalg.svd(x, full_matrices=full_matrices))


def _lstsq(a, b, rcond=None):
    if a.ndim != 2:
        raise ValueError(f"Expected a to have rank 2. Received: a.shape={a.shape}")
    if b.ndim not in (1, 2) or b.shape[0] != a.shape[0]:
        raise ValueError(f"Expected b of rank 1 or 2 with b.shape[0] equal to a.shape[0]. "
                         f"Received: a.shape={a.shape}, b.shape={b.shape}")
    a = _matrices(a, square=False)
    return np.linalg.lstsq(a, b.astype(a.dtype), rcond=rcond)[0]


def _matrix_rank(x, tol=None):
    return np.linalg.matrix_rank(_matrices(x, square=False), tol=tol).astype(np.int32)


def _pinv(x, rcond=None):
    x = _matrices(x, square=False)
    return np.linalg.pinv(x) if rcond is None else np.linalg.pinv(x, rtol=rcond)


_op("cholesky", "x, upper=False", _cholesky,
    "The Cholesky factor of positive-definite matrices: lower ``L`` with ``x = L @ L.T`` (or "
    "upper ``U = L.T`` if ``upper``).")
_op("cholesky_inverse", "x, upper=False", _cholesky_inverse,
    "The inverse of ``L @ L.T`` from its Cholesky factor ``L`` (``U.T @ U`` from ``U`` if "
    "``upper``).")
_op("eig", "x", _eig, "The eigenvalues and eigenvectors (columns) of square matrices, complex.")
_op("eigh", "x", _eigh, "The eigenvalues (ascending) and eigenvectors of symmetric matrices, "
    "read from their lower triangle.")
_op("lu_factor", "x", _lu_factor,
    "The LU factorization with partial pivoting: the packed ``L\\U`` matrix and the (int32, "
    "0-based) pivots.")
_op("qr", "x, mode='reduced'", _qr, "The QR decomposition ``(q, r)`` (``mode``: 'reduced' or "
    "'complete').")
_op("solve_triangular", "a, b, lower=False", _solve_triangular,
    "The ``x`` with ``a @ x = b`` for triangular ``a`` (upper unless ``lower``).")
_op("svd", "x, full_matrices=True, compute_uv=True", _svd,
    "The singular value decomposition ``(u, s, vh)``, or the singular values ``s`` alone.")
_op("lstsq", "a, b, rcond=None", _lstsq,
    "The least-squares solution ``x`` of ``a @ x = b`` (of least norm when there are several).")
_op("matrix_rank", "x, tol=None", _matrix_rank,
    "The rank of matrices: their singular values above ``tol`` (int32).")
_op("pinv", "x, rcond=None", _pinv,
    "The Moore-Penrose pseudo-inverse; singular values below ``rcond`` times the largest are "
    "dropped.")

globals().update(_OPS)
__all__ = sorted(_OPS)
