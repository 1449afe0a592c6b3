"""Quickstart: train a small network with a progress bar, evaluate it, save and reload its weights,
and plot its loss curves.

Uses Fashion-MNIST when its files are installed (``apt-get install dataset-fashion-mnist``), otherwise
a synthetic task of the same kind. Set HANDKERAS_EXAMPLES_FAST=1 to cut rows and epochs.
"""

import gzip
import os
import pathlib

import numpy as np

import handkeras as keras
from handkeras import layers

FAST = os.environ.get("HANDKERAS_EXAMPLES_FAST") == "1"
FASHION_DIR = pathlib.Path("/usr/share/datasets/fashion-mnist")


def _read_idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    dims = raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(dims))
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def load_data():
    """Fashion-MNIST if installed, else a synthetic 10-class task with 784 features."""
    if (FASHION_DIR / "train-images-idx3-ubyte.gz").exists():
        x_train = _read_idx(FASHION_DIR / "train-images-idx3-ubyte.gz")
        y_train = _read_idx(FASHION_DIR / "train-labels-idx1-ubyte.gz")
        x_test = _read_idx(FASHION_DIR / "t10k-images-idx3-ubyte.gz")
        y_test = _read_idx(FASHION_DIR / "t10k-labels-idx1-ubyte.gz")
        print("Data: Fashion-MNIST")
        return (x_train / 255.0, y_train), (x_test / 255.0, y_test)
    print("Data: synthetic (install dataset-fashion-mnist for the real thing)")
    rng = np.random.default_rng(0)
    centers = rng.normal(size=(10, 28, 28))
    y = rng.integers(0, 10, size=12000)
    x = centers[y] + rng.normal(scale=2.0, size=(len(y), 28, 28))
    return (x[:10000], y[:10000]), (x[10000:], y[10000:])


def main():
    keras.utils.set_random_seed(42)
    (x_train, y_train), (x_test, y_test) = load_data()
    if FAST:
        x_train, y_train, x_test, y_test = x_train[:2000], y_train[:2000], x_test[:500], y_test[:500]

    model = keras.Sequential([
        keras.Input(shape=(28, 28)),
        layers.Flatten(),
        layers.Dense(128, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.summary()
    history = model.fit(x_train, y_train, epochs=1 if FAST else 5, batch_size=64,
                        validation_split=0.1)

    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    print(f"Test accuracy: {accuracy:.4f} (loss {loss:.4f})")

    weights = model.get_weights()
    clone = keras.Sequential([keras.Input(shape=(28, 28)), layers.Flatten(),
                              layers.Dense(128, activation="relu"),
                              layers.Dense(10, activation="softmax")])
    clone.set_weights(weights)
    assert np.array_equal(clone.predict(x_test[:100], verbose=0), model.predict(x_test[:100], verbose=0))
    print("Weights copied into a fresh model: identical predictions.")

    keras.utils.plot_history(history, path="quickstart_curves.png")
    print("Loss curves saved to quickstart_curves.png")


if __name__ == "__main__":
    main()
