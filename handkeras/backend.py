"""Global settings: the float type, epsilon, the image data format, the random generator, name
counters and name scopes.

Keras keeps these in ``keras.config`` and ``keras.backend``; handkeras keeps them here, in one place,
so that ``set_floatx("float64")`` or ``set_random_seed(0)`` reaches every module at once.
"""

import contextlib
import gc
import re

import numpy as np

_FLOATX = "float32"
_EPSILON = 1e-7
FLOAT_TYPES = ("float16", "float32", "float64")  # what floatx and layers compute in

_rng = np.random.default_rng()
_name_counters = {}
_name_scopes = []  # the models building their layers, outermost first


def floatx():
    """The default float type, as a string (``"float32"`` unless changed)."""
    return _FLOATX


def set_floatx(value):
    """Set the default float type: ``"float16"``, ``"float32"`` or ``"float64"``."""
    global _FLOATX
    if value not in FLOAT_TYPES:
        raise ValueError(f"Unknown `floatx` value: {value!r}. Expected one of {list(FLOAT_TYPES)}.")
    _FLOATX = str(value)


def epsilon():
    """The fuzz factor used to keep divisions and logarithms finite (``1e-7``)."""
    return _EPSILON


def set_epsilon(value):
    """Set the fuzz factor returned by :func:`epsilon`."""
    global _EPSILON
    _EPSILON = float(value)


def backend():
    """The name of the backend computing: ``"numpy"``, the name Keras 3 gives its own numpy backend
    (a script that branches on ``"tensorflow"``, ``"torch"`` or ``"jax"`` takes its other way)."""
    return "numpy"


def image_data_format():
    """Where images keep their channels: always ``"channels_last"`` (batch, height, width, channels),
    the only layout handkeras's image layers compute in."""
    return "channels_last"


def set_image_data_format(data_format):
    """Accept ``"channels_last"``, the only layout handkeras supports; anything else is refused,
    ``"channels_first"`` included, since no layer would follow it."""
    if data_format != "channels_last":
        raise ValueError("Only `data_format='channels_last'` is supported (images as batch, height, "
                         f"width, channels), received data_format={data_format!r}.")


def rng():
    """The process-wide random generator behind initializers, shuffling and dropout."""
    return _rng


def set_random_seed(seed):
    """Seed the generator behind initializers, shuffling and dropout (and numpy's global one).

    After ``set_random_seed(n)``, building and fitting the same model on the same data is bitwise
    reproducible.
    """
    global _rng
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"`seed` must be a non-negative integer, received {seed!r}.")
    _rng = np.random.default_rng(int(seed))
    np.random.seed(int(seed) % 2**32)


def seed_generator(seed):
    """A generator for a ``seed=`` argument: a fresh one seeded by it, or the global one for None."""
    if seed is None:
        return _rng
    return np.random.default_rng(seed)


def snake_case(name):
    """``"BatchNormalization"`` -> ``"batch_normalization"``, ``"Conv2D"`` -> ``"conv2d"``, as Keras
    names layers and file keys."""
    name = re.sub(r"\W+", "", name)
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def get_uid(prefix=""):
    """The next count of ``prefix``: 1, 2, ... until :func:`clear_session`, on the counters that
    name layers (after a first ``Dense``, ``get_uid("dense")`` is 2, as in Keras)."""
    _name_counters[prefix] = _name_counters.get(prefix, 0) + 1
    return _name_counters[prefix]


def unique_name(prefix):
    """``dense``, then ``dense_1``, ``dense_2``... counted per process until :func:`clear_session`."""
    count = get_uid(prefix) - 1
    return prefix if count == 0 else f"{prefix}_{count}"


@contextlib.contextmanager
def name_scope(name):
    """Prefix the paths of the weights created inside with ``name/``, as a Keras model does for the
    layers it builds (``sequential/dense/kernel``)."""
    _name_scopes.append(name)
    try:
        yield
    finally:
        _name_scopes.pop()


def scoped_path(path):
    """``path`` under the open name scopes."""
    return "/".join(_name_scopes + [path])


def clear_session(free_memory=True):
    """Reset the layer-name counters, as ``keras.backend.clear_session()`` does; with
    ``free_memory``, also collect garbage (Keras's default), so that models no longer referenced
    give their memory back now."""
    _name_counters.clear()
    if free_memory:
        gc.collect()


def cast_to_floatx(x):
    """``x`` as a numpy array of floatx, copying only when the dtype differs."""
    return np.asarray(x, dtype=_FLOATX)


def is_float_dtype(dtype):
    """Whether ``dtype`` (any name :func:`standardize_dtype` reads) is a float type."""
    return standardize_dtype(dtype).startswith(("float", "bfloat"))


def is_int_dtype(dtype):
    """Whether ``dtype`` (any name :func:`standardize_dtype` reads) is a signed or unsigned integer
    type (``bool`` is not)."""
    return standardize_dtype(dtype).startswith(("int", "uint"))


def result_type(*dtypes):
    """The dtype Keras's promotion rules give values of ``dtypes`` (see ``keras.ops``)."""
    from handkeras.ops import dtypes as promotion  # imported here: keras.ops reads these settings
    return promotion.result_type(*dtypes)


# Keras keeps these in ``keras.backend`` too; their modules read the settings above, so they are
# imported once those exist.
from handkeras.dtype_names import standardize_dtype  # noqa: E402
from handkeras.keras_tensor import is_keras_tensor  # noqa: E402

__all__ = ["backend", "clear_session", "epsilon", "floatx", "get_uid", "image_data_format",
           "is_float_dtype", "is_int_dtype", "is_keras_tensor", "result_type", "set_epsilon",
           "set_floatx", "set_image_data_format", "standardize_dtype"]
