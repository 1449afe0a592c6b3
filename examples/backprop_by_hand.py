"""Backprop by hand, through handkeras: the three demos of the article handkeras grew from.

1. One sigmoid neuron learns a random target from a random input, with ``compile(loss="mse", lr=0.3)``.
2. A 1-3-1 network of sigmoids learns the target 0.1.
3. A 4-16-8-3 network (relu, relu, sigmoid) learns [0.1, 0.1, 0.6] from the input [1, 2, 3, 4].

Each demo prints its loss every 100 epochs and its final prediction, and the three loss curves are
saved to ``backprop_by_hand_curves.png``. A last step checks the hand-derived gradients of a
2-4-8-2 network against central differences, as the article checked its own against TensorFlow.
docs/backprop_by_hand.md derives every forward and backward pass used here.

Set HANDKERAS_EXAMPLES_FAST=1 for a short run.
"""

import os

import numpy as np
from matplotlib.figure import Figure

import handkeras as keras
from handkeras import initializers, layers
from handkeras.utils import gradient_check

FAST = os.environ.get("HANDKERAS_EXAMPLES_FAST") == "1"
EPOCHS = 200 if FAST else 520
PRINT_EVERY = 100
PLOT_PATH = "backprop_by_hand_curves.png"


class PrintLoss(keras.callbacks.Callback):
    """Prints the epoch's loss every ``every`` epochs, and after the last epoch."""

    def __init__(self, every):
        super().__init__()
        self.every = every

    def on_epoch_end(self, epoch, logs=None):
        if epoch % self.every == 0 or epoch + 1 == self.params["epochs"]:
            print(f"  epoch {epoch + 1:4d}  loss {logs['loss']:.3e}")


def uniform_0_1():
    """The article's initialization: weights and biases drawn uniformly from [0, 1)."""
    return initializers.RandomUniform(minval=0.0, maxval=1.0)


def train(title, model, x, target, lr):
    """Fit ``model`` to one sample with plain SGD at ``lr`` and MSE; return the loss per epoch."""
    print(title)
    model.compile(loss="mse", lr=lr)
    layer_count = len(model.layers)
    history = model.fit(x, target, epochs=EPOCHS, verbose=0, callbacks=[PrintLoss(PRINT_EVERY)])
    prediction = model.predict(x, verbose=0)
    print(f"  target     {np.array2string(target.ravel(), precision=4)}")
    print(f"  prediction {np.array2string(prediction.ravel(), precision=4)}")
    losses = history.history["loss"]
    if len(model.layers) != layer_count or not losses[-1] < losses[0] / 10:
        raise SystemExit(f"{title}: the loss did not fall ({losses[0]:.3e} -> {losses[-1]:.3e}).")
    return losses


def one_neuron(rng):
    """A single sigmoid unit: p = sigmoid(w x + b), learning a random target."""
    x, target = rng.random((1, 1)), rng.random((1, 1))
    model = keras.Sequential([
        keras.Input(shape=(1,)),
        layers.Dense(1, activation="sigmoid", kernel_initializer=uniform_0_1(),
                     bias_initializer=uniform_0_1()),
    ])
    return train(f"1. One sigmoid neuron, x = {x[0, 0]:.4f}", model, x, target, lr=0.3)


def one_three_one(rng):
    """A hidden layer of three sigmoids, then one sigmoid output, learning 0.1."""
    x, target = rng.random((1, 1)), np.array([[0.1]])
    model = keras.Sequential([
        keras.Input(shape=(1,)),
        layers.Dense(3, activation="sigmoid", kernel_initializer=uniform_0_1(),
                     bias_initializer=uniform_0_1()),
        layers.Dense(1, activation="sigmoid", kernel_initializer=uniform_0_1(),
                     bias_initializer=uniform_0_1()),
    ])
    return train(f"2. A 1-3-1 sigmoid network, x = {x[0, 0]:.4f}", model, x, target, lr=0.1)


def four_sixteen_eight_three():
    """relu, relu, sigmoid: 4 inputs, 3 outputs (input and output widths differ on purpose)."""
    x, target = np.array([[1.0, 2.0, 3.0, 4.0]]), np.array([[0.1, 0.1, 0.6]])
    model = keras.Sequential([
        keras.Input(shape=(4,)),
        layers.Dense(16, activation="relu"),
        layers.Dense(8, activation="relu"),
        layers.Dense(3, activation="sigmoid"),
    ])
    return train("3. A 4-16-8-3 network (relu, relu, sigmoid)", model, x, target, lr=0.1)


def check_gradients(rng):
    """The article's final check, on a batch of 3 rows: dLoss/dW for every weight, by two methods."""
    print("4. Gradients of a 2-4-8-2 network (relu, sigmoid, sigmoid) on 3 rows, float64")
    keras.config.set_floatx("float64")
    try:
        model = keras.Sequential([
            keras.Input(shape=(2,)),
            layers.Dense(4, activation="relu", kernel_initializer=uniform_0_1(),
                         bias_initializer=uniform_0_1(), name="layer_1"),
            layers.Dense(8, activation="sigmoid", kernel_initializer=uniform_0_1(),
                         bias_initializer=uniform_0_1(), name="layer_2"),
            layers.Dense(2, activation="sigmoid", kernel_initializer=uniform_0_1(),
                         bias_initializer=uniform_0_1(), name="layer_3"),
        ])
        model.compile(loss="mse")
        x, y = rng.random((3, 2)), rng.random((3, 2))
        pairs = gradient_check.model_gradients(model, x, y)
    finally:
        keras.config.set_floatx("float32")
    print("  dLoss/dW1 (layer_1/kernel) by hand, from compute_gradients:")
    print("  " + np.array2string(pairs[0][0], precision=8, prefix="  "))
    worst = 0.0
    for weight, (analytic, numeric) in zip(model.trainable_weights, pairs):
        error = np.max(np.abs(analytic - numeric) / (np.abs(numeric) + 1e-12))
        worst = max(worst, float(error))
        print(f"  {weight.path:16s} max relative difference from central differences {error:.1e}")
    if worst > 1e-5:
        raise SystemExit(f"Gradient check failed: relative difference {worst:.1e}.")


def plot(curves):
    """The three loss curves side by side, on a log scale, saved as one PNG."""
    figure = Figure(figsize=(13, 3.6))
    for axis, (title, losses) in zip(figure.subplots(1, len(curves)), curves.items()):
        axis.semilogy(range(1, len(losses) + 1), losses)
        axis.set_title(title)
        axis.set_xlabel("epoch")
        axis.set_ylabel("mse")
    figure.tight_layout()
    figure.savefig(PLOT_PATH)
    print(f"Loss curves saved to {PLOT_PATH}")


def main():
    keras.utils.set_random_seed(2024)
    rng = np.random.default_rng(2024)
    curves = {
        "one sigmoid neuron": one_neuron(rng),
        "1-3-1 sigmoid network": one_three_one(rng),
        "4-16-8-3 relu/relu/sigmoid": four_sixteen_eight_three(),
    }
    check_gradients(rng)
    plot(curves)


if __name__ == "__main__":
    main()
