"""Callbacks and progress output against Keras 3.15.1 (torch backend), in float64.

Both libraries train the same model from the same weights on the same batches (``shuffle=False``),
with the same callbacks; what the user can see must agree: the hooks called and their order, when
EarlyStopping stops and which weights it restores, the learning rates ReduceLROnPlateau and
LearningRateScheduler set, the CSV file, ModelCheckpoint's file names, and the verbose=2 lines.
Monitored values are scripted (a first callback writes them into the logs) where a rule is tested.
"""

import contextlib
import csv
import io
import os
import re

import numpy as np
import pytest

import handkeras
from parity import assert_close

torch = pytest.importorskip("torch")
keras = pytest.importorskip("keras")

HOOKS = ["on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end",
         "on_train_batch_begin", "on_train_batch_end", "on_test_begin", "on_test_end",
         "on_test_batch_begin", "on_test_batch_end", "on_predict_begin", "on_predict_end",
         "on_predict_batch_begin", "on_predict_batch_end"]


def recorder_class(base):
    """A callback class (of either library) recording ``(hook, index, sorted log keys)``."""

    def make(hook):
        if "batch" in hook or "epoch" in hook:
            def method(self, index, logs=None):
                self.calls.append((hook, index, tuple(sorted(logs or {}))))
        else:
            def method(self, logs=None):
                self.calls.append((hook, None, tuple(sorted(logs or {}))))
        return method

    def __init__(self):
        base.__init__(self)
        self.calls = []

    return type("Recorder", (base,), {"__init__": __init__, **{h: make(h) for h in HOOKS}})


def scripted_class(base):
    """A callback class writing ``values[epoch]`` into ``logs[key]`` at each epoch end."""

    def __init__(self, key, values):
        base.__init__(self)
        self.key, self.values = key, values

    def on_epoch_end(self, epoch, logs=None):
        logs[self.key] = self.values[epoch]

    return type("Scripted", (base,), {"__init__": __init__, "on_epoch_end": on_epoch_end})


class Pair:
    """The same small classifier in both libraries, with the same weights."""

    def __init__(self, learning_rate=0.05, metrics=("accuracy",)):
        rng = np.random.default_rng(11)
        self.x = rng.standard_normal((40, 4))
        self.y = (self.x[:, 0] + self.x[:, 1] > 0).astype("int64")
        self.keras = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="tanh"),
                                       keras.layers.Dense(2, activation="softmax")])
        self.ours = handkeras.Sequential([handkeras.Input((4,)),
                                          handkeras.layers.Dense(3, activation="tanh"),
                                          handkeras.layers.Dense(2, activation="softmax")])
        self.ours.set_weights(self.keras.get_weights())
        for model, library in ((self.keras, keras), (self.ours, handkeras)):
            model.compile(optimizer=library.optimizers.SGD(learning_rate=learning_rate),
                          loss="sparse_categorical_crossentropy", metrics=list(metrics))

    def fit(self, make_callbacks, **kwargs):
        """``make_callbacks(library)`` builds each library's callbacks; returns both histories."""
        kwargs = {"epochs": 4, "batch_size": 8, "shuffle": False, "verbose": 0, **kwargs}
        return (self.keras.fit(self.x, self.y, callbacks=make_callbacks(keras), **kwargs),
                self.ours.fit(self.x, self.y, callbacks=make_callbacks(handkeras), **kwargs))


def test_hooks_and_their_logs_match_keras_in_fit_evaluate_and_predict():
    pair = Pair()
    recorders = {}

    def make(library):
        recorders[library] = recorder_class(library.callbacks.Callback)()
        return [recorders[library]]

    pair.fit(make, epochs=2, batch_size=16, validation_data=(pair.x[:20], pair.y[:20]))
    assert recorders[handkeras].calls == recorders[keras].calls
    for library, model in ((keras, pair.keras), (handkeras, pair.ours)):
        recorders[library].calls.clear()
        model.evaluate(pair.x, pair.y, batch_size=16, verbose=0, callbacks=[recorders[library]])
        model.predict(pair.x, batch_size=16, verbose=0, callbacks=[recorders[library]])
    assert recorders[handkeras].calls == recorders[keras].calls


def test_params_match_keras():
    pair = Pair()
    seen = {}

    def make(library):
        def grab(logs):
            seen[library] = dict(probe.params)
        probe = library.callbacks.LambdaCallback(on_train_begin=grab)
        return [probe]

    pair.fit(make, epochs=3, batch_size=16, verbose=0)
    assert seen[handkeras] == seen[keras]


def test_params_before_training_are_keras_s():
    for library in (keras, handkeras):
        callback = library.callbacks.Callback()
        assert callback.params is None and callback.model is None
        assert library.callbacks.CallbackList([callback]).params == {}
        assert callback.params is None


EARLY_STOPPING_CASES = [
    ("val_loss", [1.0, 0.9, 0.95, 0.92, 0.5, 0.4], dict(patience=2)),
    ("val_loss", [1.0, 0.95, 0.93, 0.5], dict(patience=1, min_delta=0.1)),
    ("val_loss", [0.8, 0.7, 0.75, 0.76, 0.74], dict(patience=3, baseline=0.5)),
    ("val_loss", [0.8, 0.7, 0.75, 0.76, 0.74], dict(patience=3, baseline=0.75)),
    ("val_loss", [1.0, 2.0, 3.0, 4.0, 5.0], dict(patience=0, start_from_epoch=2)),
    ("val_accuracy", [0.5, 0.7, 0.6, 0.65, 0.8], dict(patience=1)),
    ("val_score", [0.1, 0.3, 0.2, 0.25, 0.2], dict(patience=1, mode="max")),
    ("val_loss", [1.0, 0.7, 0.5, 0.9, 0.8, 0.6], dict(patience=1, restore_best_weights=True)),
    ("val_loss", [1.0, 0.7, 0.5, 0.9, 0.8, 0.6], dict(patience=9, restore_best_weights=True)),
]


@pytest.mark.parametrize("monitor, values, options", EARLY_STOPPING_CASES)
def test_early_stopping_matches_keras(monitor, values, options):
    pair = Pair()
    stoppers = {}

    def make(library):
        stoppers[library] = library.callbacks.EarlyStopping(monitor=monitor, **options)
        return [scripted_class(library.callbacks.Callback)(monitor, values), stoppers[library]]

    history_keras, history_ours = pair.fit(make, epochs=len(values))
    assert history_ours.epoch == history_keras.epoch
    assert stoppers[handkeras].stopped_epoch == stoppers[keras].stopped_epoch
    assert stoppers[handkeras].best == stoppers[keras].best
    assert stoppers[handkeras].wait == stoppers[keras].wait
    for ours, theirs in zip(pair.ours.get_weights(), pair.keras.get_weights()):
        assert_close(ours, theirs)


REDUCE_LR_CASES = [
    ([1.0, 1.0, 1.0, 0.5, 0.5, 0.5], dict(patience=1, factor=0.5)),
    ([1.0, 0.99995, 0.99991, 0.5, 0.6], dict(patience=2, factor=0.5)),
    ([1.0] * 6, dict(patience=1, factor=0.5, cooldown=2)),
    ([1.0] * 5, dict(patience=1, factor=0.1, min_lr=0.002)),
    ([0.5, 0.4, 0.3, 0.6], dict(monitor="val_acc", mode="max", patience=1, factor=0.5)),
]


@pytest.mark.parametrize("values, options", REDUCE_LR_CASES)
def test_reduce_lr_on_plateau_matches_keras(values, options):
    pair = Pair(learning_rate=0.1)
    monitor = options.get("monitor", "val_loss")

    def make(library):
        return [scripted_class(library.callbacks.Callback)(monitor, values),
                library.callbacks.ReduceLROnPlateau(**options)]

    history_keras, history_ours = pair.fit(make, epochs=len(values))
    np.testing.assert_allclose(history_ours.history["learning_rate"],
                               history_keras.history["learning_rate"], rtol=1e-7)
    for ours, theirs in zip(pair.ours.get_weights(), pair.keras.get_weights()):
        assert_close(ours, theirs)


@pytest.mark.parametrize("schedule", [lambda epoch, lr: lr if epoch < 2 else lr * 0.5,
                                      lambda epoch: 0.2 / (epoch + 1)])
def test_learning_rate_scheduler_matches_keras(schedule):
    pair = Pair()
    history_keras, history_ours = pair.fit(
        lambda library: [library.callbacks.LearningRateScheduler(schedule)], epochs=4)
    np.testing.assert_allclose(history_ours.history["learning_rate"],
                               history_keras.history["learning_rate"], rtol=1e-7)
    for ours, theirs in zip(pair.ours.get_weights(), pair.keras.get_weights()):
        assert_close(ours, theirs)


@pytest.mark.parametrize("validation", [True, False])
def test_csv_logger_matches_keras(tmp_path, validation):
    pair = Pair()
    paths = {keras: tmp_path / "keras.csv", handkeras: tmp_path / "ours.csv"}
    kwargs = {"validation_split": 0.25} if validation else {}
    pair.fit(lambda library: [library.callbacks.LearningRateScheduler(lambda e: 0.05),
                              library.callbacks.CSVLogger(paths[library], separator=";")],
             epochs=3, **kwargs)
    with open(paths[keras], newline="") as theirs, open(paths[handkeras], newline="") as ours:
        theirs, ours = list(csv.reader(theirs, delimiter=";")), list(csv.reader(ours, delimiter=";"))
    assert ours[0] == theirs[0]
    assert len(ours) == len(theirs) == 4
    for row_ours, row_theirs in zip(ours[1:], theirs[1:]):
        for cell_ours, cell_theirs in zip(row_ours, row_theirs):
            if cell_theirs in ("NA", "0", "1", "2"):
                assert cell_ours == cell_theirs
            else:
                assert_close(float(cell_ours), float(cell_theirs))
    assert paths[handkeras].read_bytes().count(b"\r\n") == paths[keras].read_bytes().count(b"\r\n")


@pytest.mark.parametrize("options", [
    dict(filepath="{epoch:02d}-b{batch}.weights.h5", save_freq=3, save_weights_only=True),
    dict(filepath="best-{epoch}-{val_loss:.3f}.weights.h5", save_best_only=True,
         save_weights_only=True),
    dict(filepath="acc-{epoch}.weights.h5", monitor="val_accuracy", save_best_only=True,
         save_weights_only=True, initial_value_threshold=0.55),
])
def test_model_checkpoint_file_names_match_keras(tmp_path, options):
    pair = Pair()
    values = {"val_loss": [0.9, 0.8, 0.85, 0.7], "val_accuracy": [0.5, 0.6, 0.55, 0.7]}
    folders = {keras: tmp_path / "keras", handkeras: tmp_path / "ours"}

    def make(library):
        script = scripted_class(library.callbacks.Callback)
        options_here = dict(options, filepath=str(folders[library] / options["filepath"]))
        return [script("val_loss", values["val_loss"]),
                script("val_accuracy", values["val_accuracy"]),
                library.callbacks.ModelCheckpoint(**options_here)]

    pair.fit(make, epochs=4, batch_size=16)
    assert sorted(os.listdir(folders[handkeras])) == sorted(os.listdir(folders[keras]))


def normalised_lines(text):
    """verbose=2 lines with the timings (which differ by nature) replaced by placeholders."""
    text = re.sub(r" - \d+s - ", " - Ts - ", text)
    return re.sub(r"\d+(us|ms|s)/step", "T/step", text).splitlines()


def test_verbose_2_lines_match_keras(capsys):
    pair = Pair()
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):  # Keras prints to stdout, handkeras to stderr
        pair.keras.fit(pair.x, pair.y, epochs=3, batch_size=8, shuffle=False, verbose=2,
                       validation_split=0.25)
        pair.keras.evaluate(pair.x, pair.y, batch_size=8, verbose=2)
    capsys.readouterr()
    pair.ours.fit(pair.x, pair.y, epochs=3, batch_size=8, shuffle=False, verbose=2,
                  validation_split=0.25)
    pair.ours.evaluate(pair.x, pair.y, batch_size=8, verbose=2)
    assert normalised_lines(capsys.readouterr().err) == normalised_lines(stdout.getvalue())
