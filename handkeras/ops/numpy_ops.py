"""The numpy namespace of ``keras.ops``: one table row per op, with Keras's signature, the numpy
computation and Keras's dtype rules (see :mod:`handkeras.ops.op_table`)."""

import numpy as np

from handkeras import backend
from handkeras.ops.core import convert_to_tensor
from handkeras.ops.dtypes import SIGNED, UNSIGNED, result_type, standardize_dtype
from handkeras.ops.op_table import (accumulate, argument_dtype, boolean, first, float32_or_float,
                                    int32, make_op, no_bool, promote, to_float)

_OPS = {}


def _op(name, parameters, function, compute, result, doc):
    _OPS[name] = make_op(__name__, name, parameters, function, compute, result, doc)


def _on_axis(axis):
    """Keras's ``axis`` may be a list; numpy wants an int or a tuple."""
    return tuple(axis) if isinstance(axis, list) else axis


def _reduce(function):
    """A numpy reduction taking Keras's ``axis`` (int, tuple, list or None) and ``keepdims``."""
    return lambda x, axis=None, keepdims=False, **options: function(
        x, axis=_on_axis(axis), keepdims=keepdims, **options)


def _float_reduce(function):
    """A reduction of floats: integers and bools are computed as float64, then cast."""
    return lambda x, axis=None, keepdims=False: function(
        x if x.dtype.kind == "f" else x.astype(np.float64), axis=_on_axis(axis), keepdims=keepdims)


ELEMENTWISE = "Element-wise"
# --------------------------------------------------------------------- element-wise, float result
for _name, _function in [("sqrt", np.sqrt), ("exp", np.exp), ("exp2", np.exp2),
                         ("expm1", np.expm1), ("log", np.log), ("log2", np.log2),
                         ("log10", np.log10), ("log1p", np.log1p), ("sin", np.sin),
                         ("cos", np.cos), ("tan", np.tan), ("arcsin", np.arcsin),
                         ("arccos", np.arccos), ("arctan", np.arctan), ("sinh", np.sinh),
                         ("cosh", np.cosh), ("tanh", np.tanh), ("arcsinh", np.arcsinh),
                         ("arccosh", np.arccosh), ("arctanh", np.arctanh),
                         ("deg2rad", np.deg2rad), ("rad2deg", np.rad2deg), ("cbrt", np.cbrt),
                         ("reciprocal", np.reciprocal), ("sinc", np.sinc), ("i0", np.i0),
                         ("ceil", np.ceil), ("floor", np.floor), ("fabs", np.fabs)]:
    _op(_name, "x", _function, to_float, to_float, f"{ELEMENTWISE} ``{_name}`` (a float).")

for _name, _function in [("divide", np.divide), ("true_divide", np.true_divide),
                         ("arctan2", np.arctan2), ("hypot", np.hypot),
                         ("logaddexp", np.logaddexp), ("logaddexp2", np.logaddexp2)]:
    _op(_name, "x1, x2", _function, to_float, to_float, f"{ELEMENTWISE} ``{_name}`` (a float).")

# -------------------------------------------------------------------- element-wise, same dtype
for _name, _function in [("abs", np.abs), ("absolute", np.absolute), ("negative", np.negative),
                         ("trunc", np.trunc), ("conj", np.conj),
                         ("conjugate", np.conjugate), ("real", np.real), ("copy", np.copy),
                         ("bitwise_not", np.invert),
                         ("bitwise_invert", np.invert)]:
    _op(_name, "x", _function, first, first, f"{ELEMENTWISE} ``{_name}``, in ``x``'s dtype.")
_op("sign", "x", lambda x: x.copy() if x.dtype == bool else np.sign(x), first, first,
    f"{ELEMENTWISE} sign: -1, 0 or 1 (a bool stays itself).")
_op("square", "x", np.square, no_bool, no_bool, f"{ELEMENTWISE} ``x * x``.")
_op("round", "x, decimals=0", np.round, first, first, "Round to ``decimals`` places, half to even.")
_op("nan_to_num", "x, nan=0.0, posinf=None, neginf=None", np.nan_to_num, first, first,
    "Replace NaN by ``nan`` and infinities by ``posinf`` / ``neginf`` (the extremes by default).")
_op("clip", "x, x_min, x_max", np.clip, no_bool, no_bool,
    "``x`` limited to ``[x_min, x_max]``, promoted with the bounds (an int array clipped to "
    "float bounds gives floats).")

# ---------------------------------------------------------------------- element-wise, promoted
for _name, _function in [("add", np.add), ("subtract", np.subtract), ("multiply", np.multiply),
                         ("maximum", np.maximum), ("minimum", np.minimum), ("fmax", np.fmax),
                         ("fmin", np.fmin), ("mod", np.mod), ("fmod", np.fmod),
                         ("floor_divide", np.floor_divide)]:
    _op(_name, "x1, x2", _function, promote, promote, f"{ELEMENTWISE} ``{_name}``, promoted.")
_op("nextafter", "x1, x2", np.nextafter, to_float, to_float,
    f"{ELEMENTWISE} next float after ``x1`` towards ``x2``.")


def _heaviside_dtype(dtypes):
    """The promotion, with integers as floats (int64 as float64, others as floatx)."""
    dtype = result_type(*dtypes)
    if dtype == "int64":
        return "float64"
    return backend.floatx() if dtype in SIGNED + UNSIGNED else dtype


_op("heaviside", "x1, x2", np.heaviside, _heaviside_dtype, _heaviside_dtype,
    f"{ELEMENTWISE} step: 0 for ``x1 < 0``, ``x2`` at 0, 1 for ``x1 > 0``.")
for _name, _function in [("bitwise_and", np.bitwise_and), ("bitwise_or", np.bitwise_or),
                         ("bitwise_xor", np.bitwise_xor), ("left_shift", np.left_shift),
                         ("right_shift", np.right_shift),
                         ("bitwise_left_shift", np.left_shift),
                         ("bitwise_right_shift", np.right_shift)]:
    _op(_name, "x, y", _function, promote, promote, f"{ELEMENTWISE} ``{_name}`` of integers.")


def _power(x1, x2):
    """``x1 ** x2``; integers to negative integer powers truncate toward zero, as in Keras
    (``2 ** -1`` is 0, ``1 ** -1`` is 1, ``(-1) ** -1`` is -1) where numpy raises."""
    if x1.dtype.kind not in "iu" or x2.dtype.kind not in "iu" or not np.any(x2 < 0):
        return np.power(x1, x2)
    negative = x2 < 0
    powers = np.power(x1, np.where(negative, 0, x2))
    odd = np.abs(x2) % 2 == 1
    reciprocal = np.where(x1 == 1, 1, np.where(x1 == -1, np.where(odd, -1, 1), 0))
    return np.where(negative, reciprocal, powers).astype(powers.dtype)


_op("power", "x1, x2", _power, promote, promote, f"{ELEMENTWISE} ``x1 ** x2``, promoted.")
_op("gcd", "x1, x2", np.gcd, promote, promote, "Element-wise greatest common divisor.")
_op("lcm", "x1, x2", np.lcm, promote, promote, "Element-wise least common multiple.")
_op("ldexp", "x1, x2", lambda x1, x2: x1 * np.exp2(x2).astype(x1.dtype), to_float, to_float,
    "Element-wise ``x1 * 2 ** x2``.")
_op("divide_no_nan", "x1, x2",
    lambda x1, x2: np.where(x2 == 0, 0, np.divide(x1, np.where(x2 == 0, 1, x2))), to_float,
    to_float, "``x1 / x2``, and 0 where ``x2`` is 0.")

# ---------------------------------------------------------------------- comparisons and logic
for _name, _function in [("equal", np.equal), ("not_equal", np.not_equal),
                         ("greater", np.greater), ("greater_equal", np.greater_equal),
                         ("less", np.less), ("less_equal", np.less_equal),
                         ("logical_and", np.logical_and), ("logical_or", np.logical_or),
                         ("logical_xor", np.logical_xor)]:
    _op(_name, "x1, x2", _function, promote, boolean, f"{ELEMENTWISE} ``{_name}`` (bool).")
for _name, _function in [("logical_not", np.logical_not), ("isnan", np.isnan),
                         ("isinf", np.isinf), ("isfinite", np.isfinite),
                         ("isneginf", np.isneginf), ("isposinf", np.isposinf),
                         ("isreal", np.isreal), ("signbit", np.signbit)]:
    _op(_name, "x", _function, first, boolean, f"{ELEMENTWISE} ``{_name}`` (bool).")
_op("isclose", "x1, x2, rtol=1e-05, atol=1e-08, equal_nan=False", np.isclose, promote, boolean,
    "Element-wise ``|x1 - x2| <= atol + rtol * |x2|`` (bool).")
_op("allclose", "x1, x2, rtol=1e-05, atol=1e-08, equal_nan=False", np.allclose, promote,
    boolean, "Whether ``isclose`` holds everywhere (a bool scalar).")
_op("isin", "x1, x2, assume_unique=False, invert=False", np.isin, promote, boolean,
    "Element-wise membership of ``x1`` in ``x2`` (bool).")


def _where(condition, x1=None, x2=None):
    if x1 is None and x2 is None:
        return np.nonzero(condition)
    dtype = result_type(*(argument_dtype(x) for x in (x1, x2) if x is not None))
    return np.where(convert_to_tensor(condition, "bool"), convert_to_tensor(x1, dtype),
                    convert_to_tensor(x2, dtype))


def _int32_or_none(dtypes):
    """``where``: int32 indices for a lone condition, else the promoted values as computed."""
    return "int32" if len(dtypes) == 1 else None


_op("where", "condition, x1=None, x2=None", _where, None, _int32_or_none,
    "``x1`` where ``condition`` holds, else ``x2`` (promoted); with ``condition`` alone, the "
    "indices where it holds.")

# ------------------------------------------------------------------------------------ reductions
for _name, _function, _result in [("sum", np.sum, accumulate), ("max", np.max, first),
                                  ("min", np.min, first), ("amax", np.amax, first),
                                  ("amin", np.amin, first), ("all", np.all, boolean),
                                  ("any", np.any, boolean), ("ptp", np.ptp, first),
                                  ("nansum", np.nansum, accumulate),
                                  ("nanmax", np.nanmax, first), ("nanmin", np.nanmin, first),
                                  ("nanprod", np.nanprod, accumulate),
                                  ("argmax", np.argmax, int32), ("argmin", np.argmin, int32),
                                  ("nanargmax", np.nanargmax, int32),
                                  ("nanargmin", np.nanargmin, int32)]:
    _parameters = "x, axis=None, keepdims=False"
    if _name in ("max", "min"):
        _parameters += ", initial=None"
    _op(_name, _parameters, _reduce(_function), None, _result,
        f"The reduction ``{_name}`` over ``axis``.")
for _name, _function, _result in [("mean", np.mean, float32_or_float),
                                  ("median", np.median, float32_or_float),
                                  ("std", np.std, to_float), ("var", np.var, to_float),
                                  ("nanmean", np.nanmean, float32_or_float),
                                  ("nanmedian", np.nanmedian, float32_or_float),
                                  ("nanstd", np.nanstd, to_float),
                                  ("nanvar", np.nanvar, to_float)]:
    _op(_name, "x, axis=None, keepdims=False", _float_reduce(_function), None, _result,
        f"The reduction ``{_name}`` over ``axis`` (a float).")
_op("prod", "x, axis=None, keepdims=False, dtype=None",
    lambda x, axis=None, keepdims=False, dtype=None: np.prod(
        x, axis=_on_axis(axis), keepdims=keepdims,
        dtype=accumulate([x.dtype.name]) if dtype is None else standardize_dtype(dtype)),
    None, None, "The product over ``axis`` (in ``dtype``; narrow integers and bools as int32).")
_op("count_nonzero", "x, axis=None", lambda x, axis=None: np.count_nonzero(x, _on_axis(axis)),
    None, int32, "The number of nonzero entries over ``axis`` (int32).")
_op("average", "x, axis=None, weights=None", np.average, to_float, to_float,
    "The mean over ``axis``, weighted by ``weights`` when given.")

# ------------------------------------------------------------------------------------- shapes
_op("reshape", "x, newshape", lambda x, newshape: np.reshape(x, newshape), None, None,
    "``x`` with the shape ``newshape`` (one entry may be -1).")
_op("transpose", "x, axes=None", np.transpose, None, None, "``x`` with its axes permuted.")
_op("expand_dims", "x, axis", np.expand_dims, None, None, "``x`` with a new axis of size 1.")
_op("squeeze", "x, axis=None", np.squeeze, None, None, "``x`` without its axes of size 1.")
_op("ravel", "x", np.ravel, None, None, "``x`` flattened to one axis.")
_op("flip", "x, axis=None", np.flip, None, None, "``x`` reversed along ``axis`` (all if None).")
_op("fliplr", "x", np.fliplr, None, None, "``x`` reversed along its second axis.")
_op("flipud", "x", np.flipud, None, None, "``x`` reversed along its first axis.")
_op("rot90", "array, k=1, axes=(0, 1)", np.rot90, None, None,
    "``array`` rotated by 90 degrees ``k`` times in the plane of ``axes``.")
_op("moveaxis", "x, source, destination", np.moveaxis, None, None,
    "``x`` with the axes ``source`` moved to ``destination``.")
_op("swapaxes", "x, axis1, axis2", np.swapaxes, None, None, "``x`` with two axes swapped.")
_op("broadcast_to", "x, shape", lambda x, shape: np.broadcast_to(x, shape).copy(), None, None,
    "``x`` broadcast to ``shape`` (a new, writable array, not numpy's read-only view).")
_op("tile", "x, repeats", lambda x, repeats: np.tile(x, repeats), None, None,
    "``x`` repeated ``repeats`` times along each axis.")
_op("repeat", "x, repeats, axis=None", np.repeat, None, None,
    "Each element of ``x`` repeated ``repeats`` times along ``axis``.")
_op("roll", "x, shift, axis=None", np.roll, None, None, "``x`` shifted cyclically along ``axis``.")
_op("pad", "x, pad_width, mode='constant', constant_values=None",
    lambda x, pad_width, mode="constant", constant_values=None: np.pad(
        x, pad_width, mode=mode, **({} if constant_values is None
                                    else {"constant_values": constant_values})), None, None,
    "``x`` padded by ``pad_width`` (``mode``: constant, reflect, symmetric, ...).")
_op("tril", "x, k=0", np.tril, None, None, "``x`` with the entries above diagonal ``k`` zeroed.")
_op("triu", "x, k=0", np.triu, None, None, "``x`` with the entries below diagonal ``k`` zeroed.")
_op("diag", "x, k=0", np.diag, None, None,
    "The ``k``-th diagonal of a matrix, or the matrix with a vector on it.")
_op("diagflat", "x, k=0", np.diagflat, None, None, "A matrix with flattened ``x`` on diagonal k.")
_op("diagonal", "x, offset=0, axis1=0, axis2=1", np.diagonal, None, None,
    "The diagonal of ``x`` in the plane of ``axis1`` and ``axis2``.")
_op("trace", "x, offset=0, axis1=0, axis2=1", np.trace, None, accumulate,
    "The sum of the diagonal of ``x`` in the plane of ``axis1`` and ``axis2``.")

# ------------------------------------------------------------------------ joining and splitting
_op("concatenate", "xs, axis=0", np.concatenate, promote, None,
    "The tensors ``xs`` joined along ``axis``.")
_op("stack", "x, axis=0", lambda x, axis=0: np.stack(list(x), axis=axis), None, None,
    "The tensors ``x`` stacked along a new ``axis``.")
_op("hstack", "xs", np.hstack, promote, None, "The tensors ``xs`` joined column-wise.")
_op("vstack", "xs", np.vstack, promote, None, "The tensors ``xs`` joined row-wise.")
_op("dstack", "xs", np.dstack, promote, None, "The tensors ``xs`` joined along the third axis.")
_op("append", "x1, x2, axis=None", np.append, promote, None,
    "``x2`` appended to ``x1`` along ``axis`` (both flattened if None).")
_op("split", "x, indices_or_sections, axis=0", np.split, None, None,
    "``x`` split into equal sections or at the given indices, as a list.")
_op("array_split", "x, indices_or_sections, axis=0", np.array_split, None, None,
    "``x`` split into nearly equal sections, as a list.")
_op("hsplit", "x, indices_or_sections", np.hsplit, None, None, "``x`` split column-wise.")
_op("vsplit", "x, indices_or_sections", np.vsplit, None, None, "``x`` split row-wise.")
_op("dsplit", "x, indices_or_sections", np.dsplit, None, None, "``x`` split along axis 2.")

# ---------------------------------------------------------------------- indexing and searching
_op("take", "x, indices, axis=None", np.take, None, None,
    "The entries of ``x`` at ``indices`` along ``axis`` (of flattened ``x`` if None).")
_op("take_along_axis", "x, indices, axis=None", np.take_along_axis, None, None,
    "The entries of ``x`` at ``indices``, matched along ``axis``.")
_op("sort", "x, axis=-1", np.sort, None, None, "``x`` sorted along ``axis``.")
_op("argsort", "x, axis=-1", lambda x, axis=-1: np.argsort(x, axis=axis, stable=True), None,
    int32, "The indices that sort ``x`` along ``axis`` (int32, stable).")
_op("argpartition", "x, kth, axis=-1", np.argpartition, None, int32,
    "Indices that put ``x``'s ``kth`` element in its sorted place (int32).")
_op("nonzero", "x", np.nonzero, None, int32, "The indices of ``x``'s nonzero entries, per axis.")
_op("searchsorted", "sorted_sequence, values, side='left'", np.searchsorted, None, int32,
    "Where ``values`` would go in the 1-d ``sorted_sequence`` to keep it sorted (int32).")
_op("digitize", "x, bins", np.digitize, None, int32, "The index of the bin of each entry (int32).")
_op("unravel_index", "indices, shape", np.unravel_index, None, int32,
    "The coordinates of flat ``indices`` in an array of ``shape``.")
_op("diff", "a, n=1, axis=-1", np.diff, None, None, "The ``n``-th difference along ``axis``.")


def _cumulative(function):
    """``cumsum`` / ``cumprod`` in ``dtype`` (default: ``x``'s, bools as int32)."""
    def accumulate_along(x, axis=None, dtype=None):
        dtype = x.dtype.name if dtype is None else standardize_dtype(dtype)
        return function(x, axis=axis, dtype="int32" if dtype == "bool" else dtype)
    return accumulate_along


for _name, _function in [("cumsum", np.cumsum), ("cumprod", np.cumprod),
                         ("nancumsum", np.nancumsum), ("nancumprod", np.nancumprod)]:
    _op(_name, "x, axis=None, dtype=None", _cumulative(_function), None, None,
        f"The cumulative ``{_name}`` along ``axis`` (of flattened ``x`` if None).")

# ------------------------------------------------------------------------- linear algebra, lite
_op("matmul", "x1, x2", np.matmul, promote, None, "The matrix product of ``x1`` and ``x2``.")
_op("dot", "x1, x2", np.dot, promote, None, "The dot product of ``x1`` and ``x2``.")
_op("tensordot", "x1, x2, axes=2", np.tensordot, promote, None,
    "The sum of products over ``axes`` of ``x1`` and ``x2``.")
_op("inner", "x1, x2", np.inner, promote, None, "The inner product over the last axes.")
_op("outer", "x1, x2", np.outer, promote, None, "The outer product of the flattened inputs.")
_op("vdot", "x1, x2", np.vdot, promote, None, "The dot product of the flattened inputs.")
_op("kron", "x1, x2", np.kron, promote, None, "The Kronecker product.")
_op("cross", "x1, x2, axisa=-1, axisb=-1, axisc=-1, axis=None", np.cross, promote, None,
    "The cross product of 3-vectors (or 2-vectors) along the given axes.")
_op("einsum", "subscripts, *operands, **kwargs",
    lambda subscripts, *operands, **kwargs: np.einsum(
        subscripts, *[convert_to_tensor(x, result_type(*[np.asarray(o).dtype for o in operands]))
                      for x in operands], **kwargs), None, None,
    "Einstein summation of ``operands`` as ``subscripts`` says.")


# ------------------------------------------------------------------------------------- creation
# The dtype of a created tensor is floatx unless one is given (standardize_dtype(None) is floatx).
def _creation(function):
    return lambda shape, dtype=None: function(shape, dtype=standardize_dtype(dtype))


def _like(function):
    return lambda x, dtype=None: function(
        x, dtype=None if dtype is None else standardize_dtype(dtype))


_op("zeros", "shape, dtype=None", _creation(np.zeros), None, None, "A tensor of zeros.")
_op("ones", "shape, dtype=None", _creation(np.ones), None, None, "A tensor of ones.")
_op("empty", "shape, dtype=None", _creation(np.zeros), None, None,
    "A tensor of ``shape`` (zero-filled: numpy's uninitialized memory is never handed out).")
_op("zeros_like", "x, dtype=None", _like(np.zeros_like), None, None, "Zeros shaped like ``x``.")
_op("ones_like", "x, dtype=None", _like(np.ones_like), None, None, "Ones shaped like ``x``.")
_op("empty_like", "x, dtype=None", _like(np.zeros_like), None, None,
    "A tensor shaped like ``x`` (zero-filled).")
_op("full", "shape, fill_value, dtype=None",
    lambda shape, fill_value, dtype=None: np.full(
        shape, fill_value, dtype=standardize_dtype(dtype)), None, None,
    "A tensor of ``shape`` filled with ``fill_value`` (floatx unless ``dtype`` says).")
_op("full_like", "x, fill_value, dtype=None",
    lambda x, fill_value, dtype=None: np.full_like(
        x, fill_value, dtype=None if dtype is None else standardize_dtype(dtype)), None, None,
    "A tensor shaped like ``x`` filled with ``fill_value``.")
_op("eye", "N, M=None, k=0, dtype=None",
    lambda N, M=None, k=0, dtype=None: np.eye(N, M, k, dtype=standardize_dtype(dtype)), None, None,
    "A matrix with ones on diagonal ``k`` and zeros elsewhere.")
_op("identity", "n, dtype=None",
    lambda n, dtype=None: np.identity(n, dtype=standardize_dtype(dtype)),
    None, None, "The ``n`` by ``n`` identity matrix.")
_op("tri", "N, M=None, k=0, dtype=None",
    lambda N, M=None, k=0, dtype=None: np.tri(N, M, k, dtype=standardize_dtype(dtype)), None, None,
    "A matrix with ones at and below diagonal ``k``.")
_op("arange", "start, stop=None, step=None, dtype=None",
    lambda start, stop=None, step=None, dtype=None: np.arange(
        start, stop, step, dtype=result_type(*(type(v) if isinstance(v, (int, float)) else v
                                               for v in (start, stop, step) if v is not None))
        if dtype is None else standardize_dtype(dtype)), None, None,
    "Evenly spaced values in ``[start, stop)``, ``step`` apart.")
_op("linspace", "start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0",
    lambda start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0: np.linspace(
        start, stop, num, endpoint=endpoint, retstep=retstep, axis=axis,
        dtype=standardize_dtype(dtype)), None, None,
    "``num`` evenly spaced values from start to stop.")
_op("logspace", "start, stop, num=50, endpoint=True, base=10, dtype=None, axis=0",
    lambda start, stop, num=50, endpoint=True, base=10, dtype=None, axis=0: np.logspace(
        start, stop, num, endpoint=endpoint, base=base, axis=axis, dtype=standardize_dtype(dtype)),
    None, None, "``num`` values evenly spaced on a log scale, ``base ** start`` to stop.")
_op("geomspace", "start, stop, num=50, endpoint=True, dtype=None, axis=0",
    lambda start, stop, num=50, endpoint=True, dtype=None, axis=0: np.geomspace(
        start, stop, num, endpoint=endpoint, axis=axis, dtype=standardize_dtype(dtype)), None, None,
    "``num`` values in geometric progression from start to stop.")
_op("array", "x, dtype=None", lambda x, dtype=None: convert_to_tensor(x, dtype), None, None,
    "``x`` as a tensor (a numpy array) of ``dtype``.")
_op("size", "x", lambda x: np.size(x), None, None, "The number of entries of ``x``.")
_op("ndim", "x", lambda x: np.ndim(x), None, None, "The number of axes of ``x``.")


# --------------------------------------------------------------------------- statistics and more
def _quantile(scale, function):
    def quantile(x, q, axis=None, method="linear", keepdims=False):
        x = x if x.dtype.kind == "f" else x.astype(np.float64)
        return function(x, np.asarray(q, np.float64) * scale, axis=_on_axis(axis),
                        method=method, keepdims=keepdims)
    return quantile


for _name, _scale, _function in [("quantile", 1, np.quantile), ("percentile", 1, np.percentile),
                                 ("nanquantile", 1, np.nanquantile),
                                 ("nanpercentile", 1, np.nanpercentile)]:
    _op(_name, "x, q, axis=None, method='linear', keepdims=False", _quantile(_scale, _function),
        None, to_float, f"The ``{_name}`` ``q`` of ``x`` over ``axis`` (a float).")
_op("select", "condlist, choicelist, default=0",
    lambda condlist, choicelist, default=0: np.select(
        [convert_to_tensor(c, "bool") for c in condlist],
        [convert_to_tensor(c) for c in choicelist], default), None, None,
    "From the first condition in ``condlist`` that holds, the entry of its choice, else default.")
_op("meshgrid", "*x, indexing='xy'",
    lambda *x, indexing="xy": np.meshgrid(*[convert_to_tensor(v) for v in x], indexing=indexing),
    None, None, "Coordinate matrices from coordinate vectors, as a list.")
_op("bincount", "x, weights=None, minlength=0, sparse=False",
    lambda x, weights=None, minlength=0, sparse=False: np.bincount(
        x, weights, minlength) if x.ndim == 1 else np.stack(
        [np.bincount(row, None if weights is None else w, minlength) for row, w in
         zip(x, weights if weights is not None else x)]), None,
    lambda dtypes: "int32" if len(dtypes) == 1 else result_type(*dtypes),
    "How often each non-negative integer occurs in ``x`` (per row for 2-d ``x``), weighted.")
_op("vander", "x, N=None, increasing=False", np.vander, None, first,
    "The Vandermonde matrix of the powers of ``x``.")
_op("trapezoid", "y, x=None, dx=1.0, axis=-1", np.trapezoid, to_float, None,
    "The integral of ``y`` by the trapezoidal rule, along ``axis``.")
_op("corrcoef", "x", np.corrcoef, to_float, to_float, "The correlation matrix of ``x``'s rows.")
_op("correlate", "x1, x2, mode='valid'", np.correlate, to_float, None,
    "The cross-correlation of two 1-d tensors.")
_op("angle", "x", np.angle, to_float, to_float, "Element-wise argument (0 or pi for reals).")
_op("get_item", "x, key", lambda x, key: x[key], None, None, "``x[key]``.")
_op("slogdet", "x", lambda x: tuple(np.linalg.slogdet(x)), to_float, None,
    "The sign and the log of the absolute value of the determinant.")
for _name, _function in [("bartlett", np.bartlett), ("blackman", np.blackman),
                         ("hamming", np.hamming), ("hanning", np.hanning)]:
    _op(_name, "x", _function, None, lambda dtypes: backend.floatx(),
        f"The ``{_name}`` window of ``x`` points.")
_op("kaiser", "x, beta", np.kaiser, None, lambda dtypes: backend.floatx(),
    "The Kaiser window of ``x`` points with shape ``beta``.")


# ------------------------------------------------------------------------------ counting values
def _unique(x, sorted=True, return_index=False, return_inverse=False,  # noqa: A002
            return_counts=False, axis=None, size=None, fill_value=None):
    """numpy's ``unique`` with Keras's extras: the inverse indices keep ``x``'s shape, and
    ``size`` cuts or pads the results to a fixed length (values with ``fill_value``, 0 by
    default; counts with 0; first indices with 1, as Keras's torch backend pads them)."""
    values, first, inverse, counts = np.unique(x, return_index=True, return_inverse=True,
                                               return_counts=True, axis=axis)
    inverse = inverse.reshape(x.shape) if axis is None else inverse.reshape(-1)
    if size is not None:
        axis_of_values = 0 if axis is None else axis % x.ndim
        values = _fit(values, size, axis_of_values, 0 if fill_value is None else fill_value)
        first, counts = _fit(first, size, 0, 1), _fit(counts, size, 0, 0)
    results = [values] + [r for r, wanted in [(first, return_index), (inverse, return_inverse),
                                              (counts, return_counts)] if wanted]
    return results[0] if len(results) == 1 else tuple(results)


def _fit(x, size, axis, fill):
    """``x`` cut to ``size`` entries along ``axis``, or padded with ``fill``."""
    if x.shape[axis] >= size:
        return np.take(x, np.arange(size), axis=axis)
    pad = [(0, 0)] * x.ndim
    pad[axis] = (0, size - x.shape[axis])
    return np.pad(x, pad, constant_values=fill)


_op("unique", "x, sorted=True, return_index=False, return_inverse=False, return_counts=False, "
    "axis=None, size=None, fill_value=None", _unique, None, None,
    "The sorted distinct values of ``x`` (or slices along ``axis``), with the index of each "
    "one's first occurrence, the inverse indices and the counts when asked (int64).")


def histogram(x, bins=10, range=None):  # noqa: A002  (Keras's name)
    """The counts of ``x`` in ``bins`` equal bins over ``range`` (its extremes by default), and
    the bins' edges, both floats."""
    if not isinstance(bins, int) or isinstance(bins, bool):
        raise TypeError(f"Argument `bins` must be of type `int`. Received: bins={bins}")
    if bins < 0:
        raise ValueError(f"Argument `bins` should be a non-negative integer. Received: "
                         f"bins={bins}")
    if range:
        if not isinstance(range, tuple) or len(range) < 2:
            raise ValueError(f"Argument `range` must be a tuple of two elements. Received: "
                             f"range={range}")
        if range[1] < range[0]:
            raise ValueError("The second element of `range` must be greater than the first. "
                             f"Received: range={range}")
    x = convert_to_tensor(x)
    x = x.astype(result_type(x.dtype, float), copy=False)
    counts, edges = np.histogram(x, bins=bins, range=range or None)
    return counts.astype(x.dtype), edges.astype(x.dtype)


_op("view", "x, dtype=None", lambda x, dtype=None: x.view(standardize_dtype(dtype)), None,
    None, "``x``'s bytes read as ``dtype`` (floatx if None, as in Keras); the last axis grows "
    "or shrinks with the item size.")


def vectorize(pyfunc, *, excluded=None, signature=None):
    """``pyfunc`` made to map over the leading axes of its tensor arguments (over every element,
    or over the core dimensions of ``signature``, numpy's notation such as ``"(n)->()"``)."""
    mapped = np.vectorize(pyfunc, excluded=excluded or set(), signature=signature)

    def vectorized(*args, **kwargs):
        with np.errstate(all="ignore"):
            outputs = mapped(*args, **kwargs)
        return tuple(np.asarray(o) for o in outputs) if isinstance(outputs, tuple) \
            else np.asarray(outputs)

    vectorized.__name__ = getattr(pyfunc, "__name__", "vectorized")
    vectorized.__doc__ = pyfunc.__doc__
    return vectorized


globals().update(_OPS)
__all__ = sorted([*_OPS, "histogram", "vectorize"])
