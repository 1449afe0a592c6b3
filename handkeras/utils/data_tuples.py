"""``pack_x_y_sample_weight`` and ``unpack_x_y_sample_weight``: the tuple forms of a batch that
``fit`` takes from a PyDataset or a generator, built and taken apart as Keras does."""


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    """``x`` alone (wrapped as ``(x,)`` when it is itself a tuple or list), ``(x, y)`` or
    ``(x, y, sample_weight)``; as in Keras, a ``sample_weight`` without ``y`` is dropped."""
    if y is None:
        return (x,) if isinstance(x, (tuple, list)) else x
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)


def unpack_x_y_sample_weight(data):
    """``(x, y, sample_weight)`` from ``x``, ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)``
    (a list counts as a tuple), the missing parts None."""
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return (data, None, None)
    if not 1 <= len(data) <= 3:
        raise ValueError(
            "Data must be `x`, `(x,)`, `(x, y)` or `(x, y, sample_weight)`; received a tuple of "
            f"length {len(data)}: {str(data)[:100]}"
        )
    return data + (None,) * (3 - len(data))
