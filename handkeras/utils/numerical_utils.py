"""``to_categorical`` (integer labels to one-hot rows) and ``normalize`` (rows to unit norm)."""

import numpy as np


def to_categorical(x, num_classes=None):
    """One-hot encode integer labels; a trailing dimension of 1 is dropped first, as in Keras.

    float64, as Keras returns for arrays (fit casts targets to floatx anyway)."""
    labels = np.asarray(x)
    if labels.size and not np.all(np.equal(np.mod(labels, 1), 0)):
        raise ValueError("to_categorical: labels must be integers, received non-integer values.")
    labels = labels.astype(np.int64)
    if labels.ndim > 1 and labels.shape[-1] == 1:
        labels = labels[..., 0]
    if num_classes is None:
        num_classes = int(labels.max()) + 1 if labels.size else 0
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(
            f"to_categorical: labels must be in [0, {num_classes}), received values in "
            f"[{labels.min()}, {labels.max()}]."
        )
    one_hot = np.zeros(labels.shape + (num_classes,))
    np.put_along_axis(one_hot, labels[..., None], 1, axis=-1)
    return one_hot


def normalize(x, axis=-1, order=2):
    """``x`` divided by its ``order``-norm along ``axis`` (a norm of 0 divides by 1), as Keras does
    for numpy arrays: a new array, float64 for integer input (Keras's numpy arithmetic); with
    ``axis=None``, by the norm of the whole array."""
    x = np.asarray(x)
    if x.dtype.kind not in "biuf":
        raise ValueError(f"normalize: `x` must hold real numbers, received an array of dtype "
                         f"{x.dtype}.")
    if axis is not None and (isinstance(axis, bool) or not isinstance(axis, (int, np.integer))
                             or not -x.ndim <= axis < x.ndim):
        raise ValueError(f"normalize: `axis` must be an axis of `x` (of rank {x.ndim}) or None, "
                         f"received {axis!r}.")
    norm = np.atleast_1d(np.linalg.norm(x, order, axis))
    norm[norm == 0] = 1
    return x / np.expand_dims(norm, -1 if axis is None else axis)
