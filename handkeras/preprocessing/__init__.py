"""``keras.preprocessing``: the part of it a Sequential script uses, ``sequence.pad_sequences``
and ``image``'s file functions (Keras 2's locations of ``keras.utils.pad_sequences``,
``load_img``, ``img_to_array``, ``array_to_img`` and ``save_img``, which Keras 3 keeps)."""

from handkeras.preprocessing import image, sequence

__all__ = ["image", "sequence"]
