"""``to_categorical``: integer labels to one-hot rows."""

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
