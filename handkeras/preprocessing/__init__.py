"""``keras.preprocessing``: the part of it a Sequential script uses, ``sequence.pad_sequences``
(Keras 2's location of ``keras.utils.pad_sequences``, which Keras 3 keeps)."""

from handkeras.preprocessing import sequence

__all__ = ["sequence"]
