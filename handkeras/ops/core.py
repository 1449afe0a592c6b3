"""The core of ``keras.ops``: tensors are numpy arrays, and these convert, inspect and cast them.

``convert_to_tensor`` gives values Keras's dtypes: an array keeps its own, a Python float becomes
floatx, a Python int int32 (int64 beyond 32 bits), a bool bool, and a list the promotion of its
items' types (``[1, 2.5]`` is floatx, not numpy's float64).
"""

import builtins

import numpy as np

from handkeras.ops.dtypes import dtype_of, result_type, standardize_dtype


def _flat_items(value):
    """The leaves of nested lists and tuples."""
    if isinstance(value, (list, tuple)):
        for item in value:
            yield from _flat_items(item)
    else:
        yield value


def _python_int_dtype(value):
    return "int32" if -2**31 <= value < 2**31 else "int64"


def _item_dtype(item):
    """The dtype a list item brings to the list's promotion: its own when it has one (numpy
    scalars included), else the weak type of a Python number."""
    if hasattr(item, "dtype"):
        return standardize_dtype(item.dtype)
    if isinstance(item, int) and not isinstance(item, bool) and not -2**31 <= item < 2**31:
        return "int64"
    return dtype_of(item)


def default_dtype(x):
    """The dtype Keras gives ``x`` when no dtype is asked for: a Python number's default type
    (numpy's float64 scalar is a Python float), an array's own, a list's promoted items'."""
    if isinstance(x, (bool, np.bool_)):
        return "bool"
    if isinstance(x, int):
        return _python_int_dtype(x)
    if isinstance(x, float):
        return result_type(float)
    if hasattr(x, "dtype"):
        return standardize_dtype(x.dtype)
    if isinstance(x, (list, tuple)):
        items = list(_flat_items(x))
        return result_type(*(_item_dtype(item) for item in items))
    return standardize_dtype(np.asarray(x).dtype)


def convert_to_tensor(x, dtype=None, sparse=None, ragged=None):
    """``x`` as a numpy array (the tensor of handkeras), of ``dtype`` or Keras's default dtype."""
    if sparse:
        raise ValueError("`sparse=True` is not supported: handkeras's tensors are dense numpy "
                         "arrays.")
    if ragged:
        raise ValueError("`ragged=True` is not supported: handkeras's tensors are dense numpy "
                         "arrays.")
    target = default_dtype(x) if dtype is None else standardize_dtype(dtype)
    return np.asarray(x, dtype=target)


def convert_to_numpy(x):
    """``x`` as a numpy array (a copy, so that changing it leaves ``x`` alone, as in Keras)."""
    return np.array(x)


def is_tensor(x):
    """Whether ``x`` is a tensor of this backend: a numpy array."""
    return isinstance(x, np.ndarray)


def shape(x):
    """The shape of ``x`` as a tuple of ints (None for the unknown sizes of a ``KerasTensor``)."""
    sizes = x.shape if hasattr(x, "shape") else np.shape(x)
    return tuple(None if n is None else int(n) for n in sizes)


def dtype(x):
    """The dtype of ``x`` as Keras's standardized string (``"float32"``, ``"int32"``, ...)."""
    return standardize_dtype(convert_to_tensor(x).dtype)


def cast(x, dtype):
    """``x`` converted to ``dtype`` (floats to integers truncate toward zero, as numpy does)."""
    return convert_to_tensor(x).astype(standardize_dtype(dtype))


def saturate_cast(x, dtype):
    """``x`` cast to ``dtype``, clipped first to the range ``dtype`` can hold, so values that do
    not fit saturate instead of wrapping around."""
    target = standardize_dtype(dtype)
    x = convert_to_tensor(x)
    if target == "bool" or x.dtype == bool:
        return x.astype(target)
    limits = np.iinfo(target) if np.dtype(target).kind in "iu" else np.finfo(target)
    low, high = limits.min, limits.max
    if x.dtype.kind in "iu":
        info = np.iinfo(x.dtype)
        low, high = max(low, info.min), min(high, info.max)
    return np.clip(x, np.asarray(low).astype(x.dtype), np.asarray(high).astype(x.dtype)
                   ).astype(target)


def stop_gradient(variable):
    """``variable`` itself: handkeras's ops compute values only, they record no gradient."""
    return variable


def unstack(x, num=None, axis=0):
    """The slices of ``x`` along ``axis``, as a list."""
    x = convert_to_tensor(x)
    if num is not None and num != x.shape[axis]:
        raise ValueError(f"`num` must equal the size of `axis`={axis} ({x.shape[axis]}), "
                         f"received num={num}.")
    return list(np.moveaxis(x, axis, 0))


def slice(inputs, start_indices, shape):  # noqa: A001  (Keras's name)
    """The block of ``inputs`` that starts at ``start_indices`` and has ``shape``."""
    inputs = convert_to_tensor(inputs)
    return inputs[tuple(builtins.slice(int(start), int(start) + int(length))
                        for start, length in zip(start_indices, shape))]


def slice_update(inputs, start_indices, updates):
    """A copy of ``inputs`` with the block at ``start_indices`` replaced by ``updates``."""
    inputs = convert_to_tensor(inputs)
    updates = np.asarray(updates)
    outputs = inputs.copy()
    outputs[tuple(builtins.slice(int(start), int(start) + length)
                  for start, length in zip(start_indices, updates.shape))] = updates
    return outputs


def scatter(indices, values, shape):
    """A tensor of zeros of ``shape`` with ``values`` added at ``indices`` (the last axis of
    ``indices`` indexes the leading axes of ``shape``; repeated indices add up)."""
    indices, values = np.asarray(indices), convert_to_tensor(values)
    outputs = np.zeros(shape, values.dtype)
    depth = indices.shape[-1]
    np.add.at(outputs, tuple(indices.reshape(-1, depth).T),
              values.reshape((-1,) + tuple(shape[depth:])))
    return outputs


_SCATTER_REDUCTIONS = {"add": np.add, "max": np.maximum, "min": np.minimum, "mul": np.multiply}


def scatter_update(inputs, indices, updates, reduction=None):
    """A copy of ``inputs`` with ``updates`` written at ``indices`` (rows of coordinates), or
    combined with what is there by ``reduction``: ``"add"``, ``"max"``, ``"min"`` or ``"mul"``."""
    if reduction is not None and reduction not in _SCATTER_REDUCTIONS:
        raise ValueError(f"Unsupported reduction: {reduction!r}. Expected None or one of "
                         f"{sorted(_SCATTER_REDUCTIONS)}.")
    inputs = convert_to_tensor(inputs)
    outputs = inputs.copy()
    where = tuple(np.asarray(indices, np.int64).T)
    updates = np.asarray(updates, inputs.dtype)
    if reduction is None:
        outputs[where] = updates
    else:
        _SCATTER_REDUCTIONS[reduction].at(outputs, where, updates)
    return outputs
