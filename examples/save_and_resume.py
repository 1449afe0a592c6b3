"""Save a model mid-training, load it back and carry on: the result is the uninterrupted run's.

Three ways to stop and resume, each checked against one uninterrupted run of N + M epochs
(``shuffle=False``, so both see the batches in the same order):

1. ``model.save("model.keras")`` after N epochs, ``keras.models.load_model`` and M more epochs: the
   archive holds the architecture, the weights, the compile arguments and the optimizer's state.
2. ``model.save_weights("model.weights.h5")`` into a freshly built and compiled model: the weights file
   of a compiled model carries the optimizer's state too.
3. ``BackupAndRestore``: a run that crashes in epoch N + 1 and is simply started again resumes from
   its last backup.

Uses Fashion-MNIST when available, otherwise a synthetic task. HANDKERAS_EXAMPLES_FAST=1 cuts rows
and epochs. Writes its files and ``save_and_resume_curves.png`` into the current directory.
"""

import os

import numpy as np
from matplotlib.figure import Figure

import handkeras as keras
from handkeras import layers

FAST = os.environ.get("HANDKERAS_EXAMPLES_FAST") == "1"
N, M = (1, 1) if FAST else (3, 2)
ROWS = 1000 if FAST else 12000


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


def build_model():
    model = keras.Sequential([
        keras.Input(shape=(28, 28)),
        layers.Flatten(),
        layers.Dense(64, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def fresh_model():
    """The same initial weights every time, as a re-run script with a fixed seed would have."""
    keras.utils.set_random_seed(0)
    return build_model()


def check_same_weights(model, reference):
    """Bit for bit, or the script fails."""
    same = all(np.array_equal(u, v) for u, v in zip(model.get_weights(), reference.get_weights()))
    print("Final weights equal the uninterrupted run's, bit for bit:", same)
    if not same:
        raise SystemExit("The resumed run's weights differ from the uninterrupted run's.")


class SimulatedCrash(Exception):
    """Stands for a killed process, a power cut, a preempted machine..."""


def crash_in_epoch(epoch):
    def on_epoch_begin(current, logs=None):
        if current == epoch:
            raise SimulatedCrash(f"crash at the start of epoch {epoch + 1}")
    return keras.callbacks.LambdaCallback(on_epoch_begin=on_epoch_begin)


def main():
    x, y = load_data()
    fit_options = dict(batch_size=64, shuffle=False, validation_split=0.2, verbose=2)

    print(f"\n--- Reference: {N + M} epochs in one go")
    reference = fresh_model()
    reference_history = reference.fit(x, y, epochs=N + M, **fit_options)

    print(f"\n--- 1. {N} epochs, model.save('model.keras'), load_model, {M} more epochs")
    model = fresh_model()
    first_part = model.fit(x, y, epochs=N, **fit_options)
    model.save("model.keras")
    restored = keras.models.load_model("model.keras")
    print(f"Loaded: {len(restored.layers)} layers, optimizer {type(restored.optimizer).__name__} "
          f"after {int(restored.optimizer.iterations)} steps")
    second_part = restored.fit(x, y, epochs=N + M, initial_epoch=N, **fit_options)
    check_same_weights(restored, reference)

    print(f"\n--- 2. model.save_weights('model.weights.h5') into a new compiled model, {M} more epochs")
    model = fresh_model()
    model.fit(x, y, epochs=N, **fit_options)
    model.save_weights("model.weights.h5")
    other = build_model()
    other.load_weights("model.weights.h5")
    other.fit(x, y, epochs=N + M, initial_epoch=N, **fit_options)
    check_same_weights(other, reference)

    print(f"\n--- 3. BackupAndRestore: a run of {N + M} epochs crashes in epoch {N + 1}")
    backup = keras.callbacks.BackupAndRestore(backup_dir="backup")
    try:
        fresh_model().fit(x, y, epochs=N + M, callbacks=[backup, crash_in_epoch(N)],
                          **fit_options)
    except SimulatedCrash as crash:
        print(f"Training stopped: {crash}. Backups on disk: {sorted(os.listdir('backup'))}")
    # Run the same code again, as after restarting the script.
    resumed_model = fresh_model()
    resumed = resumed_model.fit(x, y, epochs=N + M, callbacks=[backup], **fit_options)
    print(f"Resumed at epoch {resumed.epoch[0] + 1}; ran epochs {[e + 1 for e in resumed.epoch]}")
    check_same_weights(resumed_model, reference)
    print("Backup folder removed after the successful run:", not os.path.exists("backup"))

    figure = Figure(figsize=(7, 4), layout="constrained")
    axes = figure.subplots()
    epochs = np.arange(1, N + M + 1)
    axes.plot(epochs, reference_history.history["loss"], "o-", label="uninterrupted: loss")
    axes.plot(epochs, reference_history.history["val_loss"], "o-", label="uninterrupted: val_loss")
    resumed_epochs = np.array(first_part.epoch + second_part.epoch) + 1
    axes.plot(resumed_epochs, first_part.history["loss"] + second_part.history["loss"], "x--",
              markersize=10, label="saved after epoch %d and resumed: loss" % N)
    axes.plot(resumed_epochs, first_part.history["val_loss"] + second_part.history["val_loss"],
              "x--", markersize=10, label="saved after epoch %d and resumed: val_loss" % N)
    axes.axvline(N + 0.5, color="grey", linestyle=":")
    axes.set(xlabel="epoch", ylabel="sparse categorical cross-entropy", xticks=epochs,
             title="Saving and resuming changes nothing")
    axes.legend()
    figure.savefig("save_and_resume_curves.png", dpi=100)
    print("\nLoss curves saved to save_and_resume_curves.png")


if __name__ == "__main__":
    main()
