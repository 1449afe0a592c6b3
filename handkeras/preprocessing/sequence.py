"""``keras.preprocessing.sequence``: ``pad_sequences``, the same function as in ``keras.utils``."""

from handkeras.utils.sequence_utils import pad_sequences

__all__ = ["pad_sequences"]
