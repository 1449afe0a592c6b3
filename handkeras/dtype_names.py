"""``keras.backend.standardize_dtype`` (also in ``keras.utils``): any way of naming a dtype, to
Keras's one name for it.

Layers, variables and ``keras.ops`` speak of dtypes as strings (``"float32"``); a script may hold
a numpy dtype, a numpy scalar type, a Python type or a torch dtype instead."""

from handkeras import backend

#: The dtype names Keras knows.
ALLOWED_DTYPES = ("float16", "float32", "float64", "uint8", "uint16", "uint32", "uint64", "int8",
                  "int16", "int32", "int64", "bfloat16", "bool", "string", "float8_e4m3fn",
                  "float8_e5m2", "complex64", "complex128")

# Python's types (and the string "int") as Keras's numpy and torch backends name them.
_PYTHON_DTYPES = {bool: "bool", int: "int32", float: "float32", str: "string", "int": "int32",
                  complex: "complex64"}


def standardize_dtype(dtype):
    """The name of ``dtype`` among ``ALLOWED_DTYPES``: None is ``floatx()``; ``int``, ``float``,
    ``bool``, ``str`` and ``complex`` are ``"int32"``, ``"float32"``, ``"bool"``, ``"string"`` and
    ``"complex64"``; a numpy dtype or scalar type, or a torch dtype, is its name. Anything else
    (``"float"`` included, as in Keras) raises ``ValueError``."""
    if dtype is None:
        return backend.floatx()
    dtype = _PYTHON_DTYPES.get(dtype, dtype)
    if hasattr(dtype, "name"):
        dtype = dtype.name
    elif hasattr(dtype, "__name__"):
        dtype = dtype.__name__
    elif "torch" in str(dtype) or "jax.numpy" in str(dtype):
        dtype = str(dtype).split(".")[-1]
    if dtype not in ALLOWED_DTYPES:
        raise ValueError(f"Invalid dtype: {dtype}")
    return dtype
