"""Quickstart: train a small network with a progress bar, evaluate it, save it to a .keras file and
load it back, and plot its loss curves.

Uses Fashion-MNIST when its files are found or can be downloaded (``sudo apt-get install
dataset-fashion-mnist`` installs them), otherwise a synthetic task of the same shape. Set
HANDKERAS_EXAMPLES_FAST=1 to cut rows and epochs. Writes ``quickstart.keras`` and
``quickstart_curves.png`` into the current directory.
"""

import os

import numpy as np

import handkeras as keras
from handkeras import layers

FAST = os.environ.get("HANDKERAS_EXAMPLES_FAST") == "1"


def synthetic_data():
    """A 10-class task shaped like Fashion-MNIST: very noisy copies of 10 random 28x28 templates."""
    rng = np.random.default_rng(0)
    centers = 128 + rng.normal(scale=10, size=(10, 28, 28))
    y = rng.integers(0, 10, size=12000).astype("uint8")
    x = np.clip(centers[y] + rng.normal(scale=60, size=(len(y), 28, 28)), 0, 255).astype("uint8")
    return (x[:10000], y[:10000]), (x[10000:], y[10000:])


def load_data():
    try:
        data = keras.datasets.fashion_mnist.load_data()
        print("Data: Fashion-MNIST")
    except OSError as error:  # not installed and no network: the error says where it looked
        print(f"{error}\nData: a synthetic task instead of Fashion-MNIST")
        data = synthetic_data()
    return data


def main():
    keras.utils.set_random_seed(42)
    (x_train, y_train), (x_test, y_test) = load_data()
    if FAST:
        x_train, y_train, x_test, y_test = x_train[:2000], y_train[:2000], x_test[:500], y_test[:500]
    x_train, x_test = x_train / 255.0, x_test / 255.0

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

    # The .keras archive holds the architecture, the weights, the compile arguments and the
    # optimizer's state: the loaded model predicts the same and could train on.
    model.save("quickstart.keras")
    loaded = keras.models.load_model("quickstart.keras")
    same = np.array_equal(loaded.predict(x_test, verbose=0), model.predict(x_test, verbose=0))
    print(f"Saved to quickstart.keras and loaded back: identical predictions: {same}")
    if not same:
        raise SystemExit("The loaded model predicts differently from the saved one.")

    keras.utils.plot_history(history, path="quickstart_curves.png")
    print("Loss curves saved to quickstart_curves.png")


if __name__ == "__main__":
    main()
