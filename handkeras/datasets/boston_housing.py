"""Boston Housing: 506 districts, 13 features each, and their median house price (in k$), as
``keras.datasets.boston_housing`` (whose documentation warns about the dataset's "B" feature)."""

import numpy as np

from handkeras.datasets import _files, _shuffling

#: SHA-256 of Keras's ``boston_housing.npz``, as given in Keras's source.
NPZ_HASH = "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5"


def load_data(path="boston_housing.npz", test_split=0.2, seed=113):
    """``(x_train, y_train), (x_test, y_test)``: float64 features ``(n, 13)`` and prices ``(n,)``,
    shuffled with ``seed`` as Keras shuffles them, the last ``test_split`` of them for testing
    (404 and 102 rows by default)."""
    if not 0 <= test_split < 1:
        raise ValueError(f"Invalid `test_split` argument: {test_split}. It must be between 0 and 1 "
                         "(exclusive of 1).")
    file = _files.fetch("Boston Housing", path, NPZ_HASH, origin_name="boston_housing.npz")
    arrays = _files.read_npz(file, ("x", "y"))
    x, y = _shuffling.shuffled([arrays["x"], arrays["y"]], np.random.RandomState(seed))
    split = int(len(x) * (1 - test_split))
    return (x[:split], y[:split]), (x[split:], y[split:])
