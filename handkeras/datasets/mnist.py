"""MNIST: 70,000 28x28 grayscale images of handwritten digits, as ``keras.datasets.mnist``."""

import numpy as np

from handkeras.datasets import _files

#: SHA-256 of Keras's ``mnist.npz``, as given in Keras's source.
SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
_SHAPES = {"x_train": (60000, 28, 28), "y_train": (60000,), "x_test": (10000, 28, 28),
           "y_test": (10000,)}


def load_data(path="mnist.npz"):
    """``(x_train, y_train), (x_test, y_test)`` as uint8 arrays, from Keras's ``mnist.npz``.

    ``path`` is the file name, looked for in $HANDKERAS_DATASETS and Keras's cache
    (``~/.keras/datasets``); when absent it is downloaded there and its SHA-256 verified.
    """
    file = _files.fetch("MNIST", path, SHA256, origin_name="mnist.npz")
    loaded = _files.read_npz(file, _SHAPES)
    for key, shape in _SHAPES.items():
        if loaded[key].shape != shape or loaded[key].dtype != np.uint8:
            raise ValueError(
                f"{file}: array {key!r} has shape {loaded[key].shape} and dtype {loaded[key].dtype}, "
                f"expected {shape} uint8."
            )
    return (loaded["x_train"], loaded["y_train"]), (loaded["x_test"], loaded["y_test"])
