"""ModelCheckpoint and BackupAndRestore: what is saved, when, under which name, and resuming."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import zipfile

import numpy as np
import pytest

import handkeras as keras
from handkeras import layers
from handkeras.callbacks import BackupAndRestore, Callback, LambdaCallback, ModelCheckpoint
from scripted_callbacks import Scripted, WeightsPerEpoch


def regression(optimizer="adam"):
    rng = np.random.default_rng(5)
    x = rng.random((24, 3)).astype("float32")
    y = x @ np.array([[1.0], [-1.0], [0.5]], dtype="float32")
    model = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(4, activation="tanh"),
                              layers.Dense(1)])
    model.compile(optimizer=optimizer, loss="mse", metrics=["mae"])
    return model, x, y


def loaded_weights(path):
    model, _, _ = regression()
    model.load_weights(path)
    return model.get_weights()


def assert_weights_equal(actual, expected):
    assert len(actual) == len(expected)
    for a, e in zip(actual, expected):
        np.testing.assert_array_equal(a, e)


# ----------------------------------------------------------------------------- ModelCheckpoint
def test_model_checkpoint_defaults_are_keras():
    callback = ModelCheckpoint("m.keras")
    assert (callback.monitor, callback.verbose, callback.save_best_only, callback.save_weights_only,
            callback.mode, callback.save_freq, callback.best) == (
        "val_loss", 0, False, False, "auto", "epoch", None)


@pytest.mark.parametrize("filepath, weights_only", [
    ("w.h5", True), ("w.keras", True), ("w.weights", True), ("model.ckpt", False),
    ("model.weights", False)])
def test_model_checkpoint_suffix_rules(filepath, weights_only):
    with pytest.raises(ValueError, match="must end in"):
        ModelCheckpoint(filepath, save_weights_only=weights_only)


@pytest.mark.parametrize("filepath, weights_only", [
    ("w.weights.h5", True), ("m.keras", False), ("m.h5", False)])
def test_model_checkpoint_accepted_suffixes(filepath, weights_only):
    ModelCheckpoint(filepath, save_weights_only=weights_only)


@pytest.mark.parametrize("save_freq", ["batch", 0, -2, 1.5, True])
def test_model_checkpoint_rejects_bad_save_freq(save_freq):
    with pytest.raises(ValueError, match="save_freq"):
        ModelCheckpoint("m.keras", save_freq=save_freq)


def test_filepath_is_formatted_with_the_epoch_from_1_and_the_logs(tmp_path):
    model, x, y = regression()
    recorder = WeightsPerEpoch()
    history = model.fit(x[:16], y[:16], epochs=3, batch_size=8, verbose=0,
                        validation_data=(x[16:], y[16:]), callbacks=[
                            recorder, ModelCheckpoint(str(tmp_path / "w-{epoch:02d}-{val_loss:.2f}"
                                                                      ".weights.h5"),
                                                      save_weights_only=True)])
    names = [f"w-{epoch + 1:02d}-{val_loss:.2f}.weights.h5"
             for epoch, val_loss in enumerate(history.history["val_loss"])]
    assert sorted(os.listdir(tmp_path)) == sorted(names)
    for name, weights in zip(names, recorder.weights):
        assert_weights_equal(loaded_weights(tmp_path / name), weights)


def test_save_best_only_writes_only_improving_epochs(tmp_path):
    model, x, y = regression()
    model.fit(x, y, epochs=5, batch_size=8, verbose=0, callbacks=[
        Scripted("val_loss", [1.0, 0.5, 0.7, 0.4, 0.4]),
        ModelCheckpoint(str(tmp_path / "best-{epoch}.weights.h5"), save_best_only=True,
                        save_weights_only=True)])
    assert sorted(os.listdir(tmp_path)) == ["best-1.weights.h5", "best-2.weights.h5",
                                            "best-4.weights.h5"]


def test_save_best_only_keeps_the_best_epochs_weights_in_a_fixed_path(tmp_path):
    path = tmp_path / "best.weights.h5"
    model, x, y = regression()
    recorder = WeightsPerEpoch()
    model.fit(x, y, epochs=4, batch_size=8, verbose=0, callbacks=[
        Scripted("val_acc", [0.5, 0.8, 0.7, 0.6]), recorder,
        ModelCheckpoint(path, monitor="val_acc", mode="max", save_best_only=True,
                        save_weights_only=True)])
    assert_weights_equal(loaded_weights(path), recorder.weights[1])


def test_auto_mode_maximises_a_monitored_accuracy(tmp_path):
    x = np.random.default_rng(6).random((16, 2)).astype("float32")
    y = (x[:, 0] > x[:, 1]).astype("int64")
    model = keras.Sequential([keras.Input(shape=(2,)), layers.Dense(2, activation="softmax")])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=3, verbose=0, callbacks=[
        Scripted("val_accuracy", [0.5, 0.9, 0.6]),
        ModelCheckpoint(str(tmp_path / "{epoch}.keras"), monitor="val_accuracy",
                        save_best_only=True)])
    assert sorted(os.listdir(tmp_path)) == ["1.keras", "2.keras"]


def test_initial_value_threshold_is_the_first_best(tmp_path):
    model, x, y = regression()
    model.fit(x, y, epochs=3, batch_size=8, verbose=0, callbacks=[
        Scripted("val_loss", [1.0, 0.7, 0.5]),
        ModelCheckpoint(str(tmp_path / "{epoch}.weights.h5"), save_best_only=True,
                        save_weights_only=True, initial_value_threshold=0.6)])
    assert os.listdir(tmp_path) == ["3.weights.h5"]


def test_save_freq_in_batches_counts_across_epochs(tmp_path):
    model, x, y = regression()
    recorder = []
    model.fit(x, y, epochs=2, batch_size=8, verbose=0, shuffle=False, callbacks=[
        ModelCheckpoint(str(tmp_path / "e{epoch}-b{batch}.weights.h5"), save_freq=2,
                        save_weights_only=True),
        LambdaCallback(on_train_batch_end=lambda batch, logs: recorder.append(
            model.get_weights()))])
    # 3 batches per epoch: saved after the 2nd, 4th and 6th batch of the run.
    assert sorted(os.listdir(tmp_path)) == ["e1-b2.weights.h5", "e2-b1.weights.h5",
                                            "e2-b3.weights.h5"]
    assert_weights_equal(loaded_weights(tmp_path / "e2-b1.weights.h5"), recorder[3])


def test_whole_model_checkpoint_loads_back(tmp_path):
    model, x, y = regression()
    model.fit(x, y, epochs=2, verbose=0, callbacks=[ModelCheckpoint(str(tmp_path / "m.keras"))])
    assert zipfile.is_zipfile(tmp_path / "m.keras")
    restored = keras.models.load_model(tmp_path / "m.keras")
    np.testing.assert_array_equal(restored.predict(x, verbose=0), model.predict(x, verbose=0))


def test_save_best_only_without_the_monitor_warns_once_and_saves_every_epoch(tmp_path):
    model, x, y = regression()
    with pytest.warns(UserWarning, match="`val_loss`.*Available metrics are: loss, mae") as caught:
        model.fit(x, y, epochs=3, verbose=0, callbacks=[
            ModelCheckpoint(str(tmp_path / "{epoch}.weights.h5"), save_best_only=True,
                            save_weights_only=True)])
    assert len(caught) == 1
    assert len(os.listdir(tmp_path)) == 3


def test_unknown_placeholder_names_the_available_keys(tmp_path):
    model, x, y = regression()
    with pytest.raises(KeyError, match="val_accuracy.*available: epoch, loss, mae"):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[
            ModelCheckpoint(str(tmp_path / "{val_accuracy}.keras"))])


def batches_run(model, x, y, callback):
    """Fit for two epochs with ``callback`` and count the batches trained until it raises."""
    batches = []
    with pytest.raises((OSError, ValueError)):
        model.fit(x, y, batch_size=8, epochs=2, verbose=0, callbacks=[
            callback, LambdaCallback(on_train_batch_end=lambda batch, logs: batches.append(batch))])
    return len(batches)


def test_a_fixed_path_that_is_a_directory_fails_before_training(tmp_path):
    model, x, y = regression()
    (tmp_path / "m.keras").mkdir()
    assert batches_run(model, x, y, ModelCheckpoint(tmp_path / "m.keras")) == 0
    # A template is checked once formatted, at the save, as in Keras.
    (tmp_path / "1.keras").mkdir()
    assert batches_run(model, x, y, ModelCheckpoint(tmp_path / "{epoch}.keras")) == 3


@pytest.mark.parametrize("template", ["{epoch.keras", "e}.keras", "{}.keras", "{0:02d}.keras"])
def test_a_template_that_no_logs_can_fill_fails_before_training(tmp_path, template):
    model, x, y = regression()
    assert batches_run(model, x, y, ModelCheckpoint(str(tmp_path / template))) == 0


def test_doubled_braces_are_literal_braces(tmp_path):
    model, x, y = regression()
    model.fit(x, y, epochs=1, verbose=0, callbacks=[ModelCheckpoint(str(tmp_path / "{{a}}.keras"))])
    assert os.listdir(tmp_path) == ["{a}.keras"]


def test_missing_directories_are_created(tmp_path):
    model, x, y = regression()
    model.fit(x, y, epochs=1, verbose=0, callbacks=[
        ModelCheckpoint(str(tmp_path / "a" / "b" / "w.weights.h5"), save_weights_only=True)])
    assert (tmp_path / "a" / "b" / "w.weights.h5").is_file()


def test_model_checkpoint_verbose_messages(tmp_path, capsys):
    model, x, y = regression()
    path = tmp_path / "w.weights.h5"
    model.fit(x, y, epochs=2, verbose=0, callbacks=[
        Scripted("val_loss", [0.5, 0.7]),
        ModelCheckpoint(path, save_best_only=True, save_weights_only=True, verbose=1)])
    err = capsys.readouterr().err
    assert f"Epoch 1: val_loss improved from None to 0.50000, saving model to {path}" in err
    assert f"Epoch 1: finished saving model to {path}" in err
    assert "Epoch 2: val_loss did not improve from 0.50000" in err
    assert "Epoch 2: finished saving" not in err


# ----------------------------------------------------------------------------- BackupAndRestore
def test_backup_and_restore_validates_its_arguments():
    with pytest.raises(ValueError, match="Empty `backup_dir`"):
        BackupAndRestore("")
    with pytest.raises(ValueError, match="save_freq"):
        BackupAndRestore("dir", save_freq="batch")


def test_a_backup_dir_that_is_a_file_fails_before_training(tmp_path):
    model, x, y = regression()
    (tmp_path / "backup").write_text("")
    assert batches_run(model, x, y, BackupAndRestore(tmp_path / "backup")) == 0
    assert (tmp_path / "backup").read_text() == ""


class Crash(Exception):
    pass


class CrashAt(Callback):
    """Raises ``Crash`` at the end of batch ``batch`` of epoch ``epoch``, as a crash would stop fit."""

    def __init__(self, epoch, batch):
        super().__init__()
        self.at, self.epoch = (epoch, batch), None

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if (self.epoch, batch) == self.at:
            raise Crash()


def uninterrupted_weights(epochs):
    keras.utils.set_random_seed(7)
    model, x, y = regression()
    model.fit(x, y, epochs=epochs, batch_size=8, shuffle=False, verbose=0)
    return model.get_weights()


def test_resume_in_process_gives_the_weights_of_an_uninterrupted_run(tmp_path):
    backup = tmp_path / "backup"
    keras.utils.set_random_seed(7)
    model, x, y = regression()
    with pytest.raises(Crash):
        model.fit(x, y, epochs=6, batch_size=8, shuffle=False, verbose=0,
                  callbacks=[BackupAndRestore(backup), CrashAt(epoch=3, batch=1)])
    metadata = json.loads((backup / "training_metadata.json").read_text())
    assert metadata["latest"]["epoch"] == 3

    keras.utils.set_random_seed(7)
    model, x, y = regression()  # a fresh process would start from a fresh model
    history = model.fit(x, y, epochs=6, batch_size=8, shuffle=False, verbose=0,
                        callbacks=[BackupAndRestore(backup)])
    assert history.epoch == [3, 4, 5]
    assert model.optimizer.iterations == 6 * 3
    assert_weights_equal(model.get_weights(), uninterrupted_weights(6))
    assert not backup.exists()  # delete_checkpoint=True


def test_a_crash_while_writing_a_backup_resumes_from_the_previous_one(tmp_path, monkeypatch):
    from handkeras.callbacks import backup_and_restore

    backup = tmp_path / "backup"
    commits = []
    original = backup_and_restore._write_json_atomically

    def commit_twice_then_crash(path, content):
        if len(commits) == 2:
            raise Crash()
        commits.append(content)
        original(path, content)

    monkeypatch.setattr(backup_and_restore, "_write_json_atomically", commit_twice_then_crash)
    keras.utils.set_random_seed(7)
    model, x, y = regression()
    with pytest.raises(Crash):
        model.fit(x, y, epochs=5, batch_size=8, shuffle=False, verbose=0,
                  callbacks=[BackupAndRestore(backup)])
    monkeypatch.setattr(backup_and_restore, "_write_json_atomically", original)

    keras.utils.set_random_seed(7)
    model, x, y = regression()
    history = model.fit(x, y, epochs=5, batch_size=8, shuffle=False, verbose=0,
                        callbacks=[BackupAndRestore(backup)])
    assert history.epoch == [2, 3, 4]
    assert_weights_equal(model.get_weights(), uninterrupted_weights(5))


@pytest.mark.parametrize("double_checkpoint", [True, False])
def test_double_checkpoint_falls_back_to_the_previous_backup(tmp_path, double_checkpoint):
    backup = tmp_path / "backup"
    keras.utils.set_random_seed(7)
    model, x, y = regression()
    with pytest.raises(Crash):
        model.fit(x, y, epochs=5, batch_size=8, shuffle=False, verbose=0, callbacks=[
            BackupAndRestore(backup, double_checkpoint=double_checkpoint),
            CrashAt(epoch=3, batch=0)])
    metadata = json.loads((backup / "training_metadata.json").read_text())
    (backup / metadata["latest"]["weights"]).write_bytes(b"not an HDF5 file")

    keras.utils.set_random_seed(7)
    model, x, y = regression()
    if not double_checkpoint:
        with pytest.raises(OSError):
            model.fit(x, y, epochs=5, batch_size=8, shuffle=False, verbose=0,
                      callbacks=[BackupAndRestore(backup)])
        return
    assert metadata["previous"]["epoch"] == 2
    history = model.fit(x, y, epochs=5, batch_size=8, shuffle=False, verbose=0,
                        callbacks=[BackupAndRestore(backup, double_checkpoint=True)])
    assert history.epoch == [2, 3, 4]
    assert_weights_equal(model.get_weights(), uninterrupted_weights(5))


def test_backup_keeps_only_the_checkpoints_it_names(tmp_path):
    backup = tmp_path / "backup"
    model, x, y = regression()
    model.fit(x, y, epochs=4, verbose=0,
              callbacks=[BackupAndRestore(backup, delete_checkpoint=False, double_checkpoint=True)])
    metadata = json.loads((backup / "training_metadata.json").read_text())
    assert metadata["latest"]["epoch"] == 4 and metadata["previous"]["epoch"] == 3
    assert sorted(os.listdir(backup)) == sorted(
        ["training_metadata.json", metadata["latest"]["weights"], metadata["previous"]["weights"]])
    assert_weights_equal(loaded_weights(backup / metadata["latest"]["weights"]),
                         model.get_weights())


def test_batch_level_backups_resume_at_the_epoch_in_progress(tmp_path):
    backup = tmp_path / "backup"
    keras.utils.set_random_seed(7)
    model, x, y = regression()
    with pytest.raises(Crash):
        model.fit(x, y, epochs=4, batch_size=8, shuffle=False, verbose=0, callbacks=[
            BackupAndRestore(backup, save_freq=2), CrashAt(epoch=2, batch=2)])
    metadata = json.loads((backup / "training_metadata.json").read_text())
    # 3 batches per epoch; backups after run batches 2, 4, 6, 8: the last in epoch 2, batch 2.
    assert (metadata["latest"]["epoch"], metadata["latest"]["batch"]) == (2, 2)
    model, x, y = regression()
    history = model.fit(x, y, epochs=4, batch_size=8, shuffle=False, verbose=0,
                        callbacks=[BackupAndRestore(backup, save_freq=2)])
    assert history.epoch == [2, 3]


def test_a_finished_run_leaves_nothing_to_resume(tmp_path):
    backup = tmp_path / "backup"
    model, x, y = regression()
    callback = BackupAndRestore(backup)
    model.fit(x, y, epochs=2, verbose=0, callbacks=[callback])
    assert model.fit(x, y, epochs=2, verbose=0, callbacks=[callback]).epoch == [0, 1]


RUN_SCRIPT = textwrap.dedent("""
    import os, signal, sys
    import numpy as np
    import handkeras as keras
    from handkeras import layers

    backup, out, crash = sys.argv[1], sys.argv[2], sys.argv[3] == "crash"
    keras.utils.set_random_seed(7)
    rng = np.random.default_rng(5)
    x = rng.random((24, 3)).astype("float32")
    y = x @ np.array([[1.0], [-1.0], [0.5]], dtype="float32")
    model = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(4, activation="tanh"),
                              layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    state = {}

    class Kill(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            state["epoch"] = epoch

        def on_train_batch_end(self, batch, logs=None):
            if crash and (state["epoch"], batch) == (3, 1):
                os.kill(os.getpid(), signal.SIGKILL)

    callbacks = [keras.callbacks.BackupAndRestore(backup), Kill()] if backup != "-" else []
    history = model.fit(x, y, epochs=6, batch_size=8, shuffle=False, verbose=0,
                        callbacks=callbacks)
    np.savez(out, epochs=np.array(history.epoch), *model.get_weights())
""")


def test_a_killed_process_resumes_from_its_last_completed_epoch(tmp_path):
    script = tmp_path / "run.py"
    script.write_text(RUN_SCRIPT)
    backup = str(tmp_path / "backup")

    def run(*args):
        return subprocess.run([sys.executable, str(script), *args], capture_output=True,
                              text=True, timeout=300)

    killed = run(backup, str(tmp_path / "killed.npz"), "crash")
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert json.loads((tmp_path / "backup" / "training_metadata.json").read_text())[
        "latest"]["epoch"] == 3
    resumed = run(backup, str(tmp_path / "resumed.npz"), "no-crash")
    assert resumed.returncode == 0, resumed.stderr
    straight = run("-", str(tmp_path / "straight.npz"), "no-crash")
    assert straight.returncode == 0, straight.stderr

    resumed, straight = np.load(tmp_path / "resumed.npz"), np.load(tmp_path / "straight.npz")
    assert list(resumed["epochs"]) == [3, 4, 5] and list(straight["epochs"]) == list(range(6))
    weights = [key for key in straight.files if key != "epochs"]
    assert len(weights) == 4
    for key in weights:
        np.testing.assert_array_equal(resumed[key], straight[key])
    assert not (tmp_path / "backup").exists()
