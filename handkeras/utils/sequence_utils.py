"""pad_sequences: ragged sequences to one array, as Keras pads word-index lists for Embedding."""

import numpy as np


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre",
                  value=0.0):
    """``(len(sequences), maxlen, ...)`` array of the sequences, cut and padded to ``maxlen``.

    As Keras: ``maxlen`` defaults to the longest sequence; a longer one loses its start
    (``truncating="pre"``) or its end (``"post"``); a shorter one is filled with ``value`` before
    (``padding="pre"``) or after (``"post"``) its items. The items may be arrays themselves (all of
    one shape). The sequences are placed with one scatter, not one Python assignment per sequence.
    """
    if not hasattr(sequences, "__len__"):
        raise ValueError(f"`sequences` must be iterable, received {type(sequences).__name__}.")
    for argument, given in (("padding", padding), ("truncating", truncating)):
        if given not in ("pre", "post"):
            raise ValueError(f"`{argument}` must be 'pre' or 'post', received {given!r}.")
    text_dtype = np.issubdtype(dtype, np.str_) or np.issubdtype(dtype, np.bytes_)
    if isinstance(value, str) and dtype is not object and not text_dtype:
        raise ValueError(f"`dtype` {dtype} is not compatible with `value`'s type: {type(value)}. "
                         "Set `dtype=object` for variable length strings.")
    arrays = [_as_array(sequence, dtype) for sequence in sequences]
    lengths = np.array([len(array) for array in arrays], dtype=np.intp)
    sample_shape = next((array.shape[1:] for array in arrays if len(array)), ())
    for position, array in enumerate(arrays):
        if len(array) and array.shape[1:] != sample_shape:
            raise ValueError(f"Shape of sample {array.shape[1:]} of sequence at position "
                             f"{position} is different from expected shape {sample_shape}.")
    if maxlen is None:
        if not len(arrays):
            raise ValueError("`sequences` is empty: give `maxlen` to pad no sequences.")
        maxlen = int(lengths.max())
    padded = np.full((len(arrays), maxlen) + sample_shape, value, dtype=dtype)
    kept = np.minimum(lengths, maxlen)
    if not kept.any():
        return padded
    items = np.concatenate([array[len(array) - k:] if truncating == "pre" else array[:k]
                            for array, k in zip(arrays, kept) if k])
    rows = np.repeat(np.arange(len(arrays)), kept)
    columns = np.arange(kept.sum()) - np.repeat(np.cumsum(kept) - kept, kept)
    if padding == "pre":
        columns += np.repeat(maxlen - kept, kept)
    padded[rows, columns] = items
    return padded


def _as_array(sequence, dtype):
    try:
        len(sequence)
    except TypeError:
        raise ValueError(f"`sequences` must be a list of iterables. Found non-iterable: "
                         f"{sequence!r}") from None
    return np.asarray(sequence, dtype=dtype)
