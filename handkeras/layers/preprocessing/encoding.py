"""Integer ids encoded as Keras encodes them: one-hot rows, multi-hot rows or counts, shared by
CategoryEncoding and Discretization."""

import numpy as np

#: The output modes that encode ids as rows of ``depth`` values.
ENCODINGS = ("one_hot", "multi_hot", "count")


def encoded_shape(input_shape, output_mode, depth):
    """The output shape for ``input_shape`` (Keras's rules): one-hot appends an axis of
    ``depth``, or takes the place of a last axis of size 1 (rank 2 and up); multi-hot and count
    take the place of the last axis, whose values make one sample (a scalar is one sample)."""
    shape = tuple(input_shape)
    if not shape:
        return (depth,) if output_mode != "one_hot" else (1, depth)
    if output_mode == "one_hot":
        return (shape[:-1] if len(shape) > 1 and shape[-1] == 1 else shape) + (depth,)
    return shape[:-1] + (depth,)


def check_encodable_rank(ndim, output_mode, owner):
    """A ValueError naming ``owner`` when inputs of rank ``ndim`` are more than multi-hot and
    count take: Keras encodes up to rank 2 (the samples of a batch, each a list of ids)."""
    if output_mode in ("multi_hot", "count") and ndim > 2:
        raise ValueError(
            f"{owner}: with `output_mode={output_mode!r}` the inputs must have rank 2 or less "
            f"(a batch of samples, each a list of ids), received inputs of rank {ndim}. Keras "
            "supports up to rank 2 there too.")


def encode(ids, output_mode, depth, dtype, count_weights=None):
    """``ids`` (integers in ``[0, depth)``, rank checked) encoded by ``output_mode`` in
    ``dtype``; ``count_weights`` (the shape of ``ids``) weigh each id in ``"count"`` mode."""
    ids = np.asarray(ids, dtype=np.intp)
    if output_mode == "one_hot":
        if ids.ndim > 1 and ids.shape[-1] == 1:
            ids = ids[..., 0]
        ids = ids.reshape(ids.shape or (1,))
        out = np.zeros(ids.shape + (depth,), dtype)
        np.put_along_axis(out, ids[..., None], 1, axis=-1)
        return out
    samples = ids if ids.ndim == 2 else ids.reshape(1, -1)  # a scalar or a list is one sample
    rows = np.repeat(np.arange(len(samples)), samples.shape[1])
    out = np.zeros((len(samples), depth), dtype)
    if output_mode == "multi_hot":
        out[rows, samples.ravel()] = 1
    else:
        weights = None if count_weights is None else np.ravel(count_weights)
        counts = np.bincount(rows * depth + samples.ravel(), weights, len(samples) * depth)
        out[...] = counts.reshape(out.shape)
    return out.reshape(encoded_shape(ids.shape, output_mode, depth))
