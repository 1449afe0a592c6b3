"""Keras's type promotion, on numpy dtypes: what dtype an op returns for the dtypes it receives.

Keras does not follow numpy here. Its rules (``keras.backend.result_type``, adapted from JAX) are:

- Python numbers are *weak*: they take the other operand's type when they can (``int8 array + 3``
  is int8, ``float16 array + 0.5`` is float16), and become floatx / int32 only on their own or
  when the other operand is of a lower kind (``int32 array + 0.5`` is float32 under floatx
  float32, not float64 as in numpy).
- Among arrays, the kinds rank bool < integers < floats. Two integers of one signedness give the
  wider one; unsigned with signed gives the signed integer wide enough for both (``uint8 + int8``
  is int16), and ``uint64`` with a signed integer leaves the integers for floatx. A float never
  widens because of an integer (``int64 + float16`` is float16); two floats give the wider one.

float64 stays float64 and int64 stays int64, as on Keras's TensorFlow backend (Keras's torch and
JAX backends demote some 64-bit results to 32 bits, to match JAX's default).
"""

import numpy as np

from handkeras import backend
from handkeras.dtype_names import standardize_dtype as keras_dtype_name

BOOL = "bool"
SIGNED = ("int8", "int16", "int32", "int64")
UNSIGNED = ("uint8", "uint16", "uint32", "uint64")
FLOATS = ("float16", "float32", "float64")
ALLOWED = (BOOL,) + SIGNED + UNSIGNED + FLOATS

# A Python number's type: "weak", it yields to the array it meets.
WEAK_INT, WEAK_FLOAT = "int", "float"


def standardize_dtype(dtype):
    """A dtype's Keras name (``"float32"``, ``"int32"``, ...), as ``keras.utils.standardize_dtype``
    gives it (None is floatx, the Python type ``float`` float32), among the dtypes numpy computes."""
    name = keras_dtype_name(dtype)
    if name not in ALLOWED:
        raise ValueError(f"Invalid dtype: {dtype!r}. handkeras.ops supports the dtypes "
                         f"{list(ALLOWED)}.")
    return name


def dtype_of(value):
    """The Keras dtype of an op's argument: an array's own, or the weak type of a Python number
    (``True`` is a strong bool, as in Keras)."""
    if isinstance(value, (bool, np.bool_)):
        return BOOL
    if isinstance(value, int):
        return WEAK_INT
    if isinstance(value, float):
        return WEAK_FLOAT
    if hasattr(value, "dtype"):
        return standardize_dtype(value.dtype)
    return standardize_dtype(np.asarray(value).dtype)


def _kind(dtype):
    """0 for bool, 1 for integers, 2 for floats."""
    if dtype == BOOL:
        return 0
    return 2 if dtype in FLOATS or dtype == WEAK_FLOAT else 1


def _bits(dtype):
    return int(dtype.lstrip("uintfloat"))


def _join_integers(dtypes):
    """The integer type holding every integer in ``dtypes``, or None when there is none (a
    ``uint64`` with a signed integer)."""
    signed = max((_bits(d) for d in dtypes if d in SIGNED), default=0)
    unsigned = max((_bits(d) for d in dtypes if d in UNSIGNED), default=0)
    if not signed:
        return f"uint{unsigned}"
    if not unsigned:
        return f"int{signed}"
    bits = max(signed, 2 * unsigned)
    return f"int{bits}" if bits <= 64 else None


def _floatx_int():
    """What a lone Python int becomes: the integer of floatx's width, at most 32 bits."""
    return f"int{min(_bits(backend.floatx()), 32)}"


def _weak_name(dtype):
    """``"int"`` / ``"float"`` for a weak type, else None. Compared by identity: a numpy dtype
    compares equal to ``float`` (``np.dtype("float64") == float``) and to ``"int"``."""
    if dtype is int or (isinstance(dtype, str) and dtype == WEAK_INT):
        return WEAK_INT
    if dtype is float or (isinstance(dtype, str) and dtype == WEAK_FLOAT):
        return WEAK_FLOAT
    return None


def result_type(*dtypes):
    """The dtype Keras gives the result of an op on values of these dtypes.

    Each argument is a dtype (anything :func:`standardize_dtype` reads; None is floatx) or one of
    the weak types ``int`` / ``float`` (or the strings ``"int"`` / ``"float"``) standing for a
    Python number. No argument at all gives floatx.
    """
    if not dtypes:
        return backend.floatx()
    names = [_weak_name(d) or standardize_dtype(d) for d in dtypes]
    strong = [d for d in names if d not in (WEAK_INT, WEAK_FLOAT)]
    top_kind = max(_kind(d) for d in names)
    if not strong or top_kind > max(_kind(d) for d in strong):
        # Only Python numbers decide the kind: a lone number's default type.
        return backend.floatx() if top_kind == 2 else _floatx_int() if top_kind == 1 else BOOL
    if top_kind == 2:
        return max((d for d in strong if d in FLOATS), key=_bits)
    if top_kind == 1:
        joined = _join_integers([d for d in strong if d != BOOL])
        return backend.floatx() if joined is None else joined
    return BOOL
