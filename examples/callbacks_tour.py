"""A tour of the built-in callbacks, each printing what it did.

1. One run with EarlyStopping (restore_best_weights), ModelCheckpoint (file names formatted from the
   epoch and the validation loss), ReduceLROnPlateau, CSVLogger and a LambdaCallback.
2. LearningRateScheduler: a learning rate chosen per epoch by a function.
3. TerminateOnNaN: a diverging run stopped at its first infinite loss.

Uses Fashion-MNIST when available, otherwise a synthetic task. HANDKERAS_EXAMPLES_FAST=1 cuts rows
and epochs. Writes its checkpoints, ``callbacks_tour_log.csv`` and ``callbacks_tour_curves.png`` into
the current directory.
"""

import glob
import math
import os

import numpy as np

import handkeras as keras
from handkeras import layers

FAST = os.environ.get("HANDKERAS_EXAMPLES_FAST") == "1"
ROWS = 1200 if FAST else 6000
EPOCHS = 4 if FAST else 30


def load_data():
    """Fashion-MNIST's first training rows scaled to [0, 1], or a synthetic 10-class task."""
    try:
        (x, y), _ = keras.datasets.fashion_mnist.load_data()
        print("Data: Fashion-MNIST")
    except OSError as error:  # not installed and no network: the error says where it looked
        print(f"{error}\nData: a synthetic task instead of Fashion-MNIST")
        rng = np.random.default_rng(0)
        centers = rng.uniform(0, 255, size=(10, 28, 28))
        y = rng.integers(0, 10, size=ROWS)
        x = np.clip(centers[y] + rng.normal(scale=60, size=(ROWS, 28, 28)), 0, 255)
    return x[:ROWS] / 255.0, y[:ROWS]


def classifier(optimizer="adam"):
    model = keras.Sequential([
        keras.Input(shape=(28, 28)),
        layers.Flatten(),
        layers.Dense(256, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def tour_of_the_monitoring_callbacks(x, y):
    print("\n=== 1. EarlyStopping, ModelCheckpoint, ReduceLROnPlateau, CSVLogger, LambdaCallback")
    # An epoch counts as an improvement when val_loss drops by more than min_delta.
    early_stopping = keras.callbacks.EarlyStopping(monitor="val_loss", min_delta=0.005, patience=3,
                                                   restore_best_weights=True, verbose=1)
    checkpoint = keras.callbacks.ModelCheckpoint(
        "callbacks_tour_epoch{epoch:02d}_val_loss{val_loss:.3f}.weights.h5",
        monitor="val_loss", save_best_only=True, save_weights_only=True)
    reduce_lr = keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=1,
                                                  min_lr=1e-5, verbose=1)
    csv_logger = keras.callbacks.CSVLogger("callbacks_tour_log.csv")
    gaps = []
    record_gap = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: gaps.append(logs["val_loss"] - logs["loss"]))

    model = classifier()
    history = model.fit(x, y, epochs=EPOCHS, batch_size=64, validation_split=0.2, verbose=2,
                        callbacks=[early_stopping, checkpoint, reduce_lr, csv_logger, record_gap])

    val_losses = history.history["val_loss"]
    print("\nWhat each callback did:")
    if early_stopping.stopped_epoch:
        print(f"- EarlyStopping stopped training after epoch {early_stopping.stopped_epoch + 1} of "
              f"{EPOCHS}: val_loss had not improved by {early_stopping.min_delta} for "
              f"{early_stopping.patience} epochs.")
    else:
        print(f"- EarlyStopping let all {EPOCHS} epochs run (val_loss kept improving enough).")
    x_val, y_val = x[int(len(x) * 0.8):], y[int(len(y) * 0.8):]
    restored_loss = model.evaluate(x_val, y_val, verbose=0)[0]
    print(f"  It restored the weights of epoch {early_stopping.best_epoch + 1}, its last improvement "
          f"by more than min_delta: val_loss {restored_loss:.4f} now, "
          f"{val_losses[early_stopping.best_epoch]:.4f} at the end of that epoch.")
    saved = sorted(glob.glob("callbacks_tour_epoch*.weights.h5"))
    print(f"- ModelCheckpoint saved the weights each time val_loss improved, {len(saved)} file(s):")
    for path in saved if len(saved) <= 6 else saved[:2] + ["..."] + saved[-2:]:
        print(f"    {path}")
    rates = history.history["learning_rate"]
    print("- ReduceLROnPlateau: learning rate per epoch "
          + ", ".join(f"{rate:.2g}" for rate in rates)
          + f" ({sum(b < a for a, b in zip(rates, rates[1:]))} reduction(s)).")
    with open("callbacks_tour_log.csv") as log:
        lines = log.read().splitlines()
    print(f"- CSVLogger wrote callbacks_tour_log.csv, a header and {len(lines) - 1} rows:")
    for line in lines[:3]:
        print(f"    {line}")
    print("- LambdaCallback recorded val_loss - loss per epoch: "
          + ", ".join(f"{gap:+.3f}" for gap in gaps))

    keras.utils.plot_history(history, path="callbacks_tour_curves.png")
    print("Curves saved to callbacks_tour_curves.png")


def tour_of_the_learning_rate_scheduler(x, y):
    print("\n=== 2. LearningRateScheduler")

    def schedule(epoch, learning_rate):
        """Keep the first two epochs' rate, then divide it by e every epoch."""
        return learning_rate if epoch < 2 else learning_rate * math.exp(-1.0)

    scheduler = keras.callbacks.LearningRateScheduler(schedule, verbose=1)
    model = classifier(keras.optimizers.Adam(learning_rate=0.002))
    history = model.fit(x, y, epochs=3 if FAST else 5, batch_size=64, verbose=0,
                        callbacks=[scheduler])
    print("The learning rates the schedule set, per epoch: "
          + ", ".join(f"{rate:.3g}" for rate in history.history["learning_rate"]))


def tour_of_terminate_on_nan(x, y):
    print("\n=== 3. TerminateOnNaN")
    # A linear regression with a learning rate far too large: the loss grows at every step until it
    # overflows to inf.
    model = keras.Sequential([keras.Input(shape=(28, 28)), layers.Flatten(), layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=1.0), loss="mse")
    batches = []
    count_batches = keras.callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs: batches.append(logs["loss"]))
    with np.errstate(over="ignore", invalid="ignore"):
        history = model.fit(x, y.astype("float32"), epochs=5, batch_size=32, verbose=0,
                            callbacks=[keras.callbacks.TerminateOnNaN(), count_batches])
    steps = math.ceil(len(x) / 32)
    print(f"The loss went {batches[0]:.3g}, {batches[1]:.3g}, {batches[2]:.3g}, ... "
          f"{batches[-1]:.3g}: TerminateOnNaN stopped training after batch {len(batches)} of "
          f"epoch {len(history.epoch)} (an epoch has {steps} batches; 5 epochs were asked for).")


def main():
    keras.utils.set_random_seed(0)
    x, y = load_data()
    tour_of_the_monitoring_callbacks(x, y)
    tour_of_the_learning_rate_scheduler(x, y)
    tour_of_terminate_on_nan(x, y)


if __name__ == "__main__":
    main()
