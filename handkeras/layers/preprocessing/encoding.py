"""Integer ids encoded as Keras encodes them: one-hot rows, multi-hot rows or counts, shared by
CategoryEncoding and Discretization."""

import numpy as np

#: The output modes that encode ids as rows of ``depth`` values.
ENCODINGS = ("one_hot", "multi_hot", "count")


def encoded_shape(input_shape, output_mode, depth):
    """The output shape for ``input_shape``, by Keras's rules: one-hot appends an axis of
    ``depth``, or takes the place of a last axis of size 1 (rank 2 and up); multi-hot and count
    take the samples along axis 1 (the whole input when it has rank 1 or 0) and put an axis of
    ``depth`` last instead."""
    shape = tuple(input_shape)
    if output_mode == "one_hot":
        if len(shape) > 1 and shape[-1] == 1:
            shape = shape[:-1]
        return (shape or (1,)) + (depth,)
    return shape[:1] + shape[2:] + (depth,) if len(shape) > 1 else (depth,)


def encode(ids, output_mode, depth, dtype, count_weights=None):
    """``ids`` (integers in ``[0, depth)``) encoded by ``output_mode`` in ``dtype``;
    ``count_weights`` (the shape of ``ids``) weigh each id in ``"count"`` mode."""
    ids = np.asarray(ids, dtype=np.intp)
    if output_mode == "one_hot":
        out = np.zeros(encoded_shape(ids.shape, output_mode, depth), dtype)
        np.put_along_axis(out, ids.reshape(out.shape[:-1] + (1,)), 1, axis=-1)
        return out
    samples = _samples_last(ids)
    rows = np.repeat(np.arange(len(samples)), samples.shape[1])
    out = np.zeros((len(samples), depth), dtype)
    if output_mode == "multi_hot":
        out[rows, samples.ravel()] = 1
    else:
        weights = None if count_weights is None else _samples_last(count_weights).ravel()
        counts = np.bincount(rows * depth + samples.ravel(), weights, len(samples) * depth)
        out[...] = counts.reshape(out.shape)
    return out.reshape(encoded_shape(ids.shape, output_mode, depth))


def _samples_last(values):
    """``values`` as a matrix with one sample per row: the values along axis 1 make a sample (a
    scalar or a rank-1 array is one), in the order of ``encoded_shape``'s output rows."""
    if values.ndim < 2:
        return values.reshape(1, -1)
    moved = np.moveaxis(values, 1, -1)
    return moved.reshape(-1, moved.shape[-1])
