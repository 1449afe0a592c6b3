"""``max(x, 0)`` and ``min(x, 0)`` the fast way: against an array of zeros, not the number 0.

numpy's ``maximum`` and ``minimum`` have vectorized loops for two arrays but not for an array and a
scalar: on a ``(128, 512)`` float32 matrix ``np.maximum(x, 0)`` takes 67 us and
``np.maximum(x, zeros)`` 12 us, with the same results (NaN kept, ``-0.0`` made ``0.0`` in both).
ReLU, the ReLU family's two-term forms and softplus go through here.

The zeros are one read-only vector per dtype, at most ``BLOCK`` long; a larger contiguous array is
clamped block by block, so the vector costs no more than 4 MiB and stays in the cache.
"""

import numpy as np

BLOCK = 1 << 20
_zeros = {}  # dtype -> the read-only zeros vector, as long as the largest array asked for so far


def max_zero(x, out=None):
    """``np.maximum(x, 0, out=out)``, in ``x``'s dtype."""
    return _against_zeros(np.maximum, x, out)


def min_zero(x, out=None):
    """``np.minimum(x, 0, out=out)``, in ``x``'s dtype."""
    return _against_zeros(np.minimum, x, out)


def _against_zeros(ufunc, x, out):
    x = np.asarray(x)
    if x.size <= BLOCK:
        return ufunc(x, _zeros_vector(x.size, x.dtype).reshape(x.shape), out=out)
    if out is None:
        out = np.empty_like(x, order="C")
    if not (x.flags.c_contiguous and out.flags.c_contiguous):
        return ufunc(x, np.zeros((), x.dtype), out=out)
    zeros = _zeros_vector(BLOCK, x.dtype)
    flat_x, flat_out = x.reshape(-1), out.reshape(-1)
    for start in range(0, x.size, BLOCK):
        stop = min(start + BLOCK, x.size)
        ufunc(flat_x[start:stop], zeros[:stop - start], out=flat_out[start:stop])
    return out


def _zeros_vector(size, dtype):
    vector = _zeros.get(dtype)
    if vector is None or vector.size < size:
        vector = np.zeros(size, dtype)
        vector.flags.writeable = False
        _zeros[dtype] = vector
    return vector[:size]
