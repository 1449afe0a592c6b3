"""LearningRateScheduler and CSVLogger."""

import csv

import numpy as np
import pytest

import handkeras as keras
from handkeras import layers
from handkeras.callbacks import (CSVLogger, LambdaCallback, LearningRateScheduler,
                                 ReduceLROnPlateau)


def regression(learning_rate=0.1, metrics=("mae",)):
    rng = np.random.default_rng(2)
    x = rng.random((24, 3)).astype("float32")
    y = x @ np.array([[1.0], [-1.0], [2.0]], dtype="float32")
    model = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=learning_rate), loss="mse",
                  metrics=list(metrics))
    return model, x, y


# ----------------------------------------------------------------------------- LearningRateScheduler
def test_scheduler_with_epoch_and_rate_sets_each_epochs_rate():
    def schedule(epoch, lr):
        return lr if epoch < 2 else lr * 0.5

    model, x, y = regression()
    history = model.fit(x, y, epochs=5, verbose=0, callbacks=[LearningRateScheduler(schedule)])
    np.testing.assert_allclose(history.history["learning_rate"],
                               [0.1, 0.1, 0.05, 0.025, 0.0125], rtol=1e-6)


def test_scheduler_with_epoch_only():
    model, x, y = regression()
    history = model.fit(x, y, epochs=3, verbose=0,
                        callbacks=[LearningRateScheduler(lambda epoch: 0.1 / (epoch + 1))])
    np.testing.assert_allclose(history.history["learning_rate"], [0.1, 0.05, 0.1 / 3], rtol=1e-6)


def test_scheduled_rate_is_the_rate_training_uses():
    # A zero rate on odd epochs freezes the weights during those epochs.
    model, x, y = regression()
    weights = []
    model.fit(x, y, epochs=4, batch_size=8, verbose=0, callbacks=[
        LearningRateScheduler(lambda epoch: 0.0 if epoch % 2 else 0.1),
        LambdaCallback(on_epoch_end=lambda epoch, logs: weights.append(model.get_weights()[0]))])
    np.testing.assert_array_equal(weights[0], weights[1])
    assert not np.array_equal(weights[1], weights[2])
    np.testing.assert_array_equal(weights[2], weights[3])


def test_scheduler_epochs_count_from_initial_epoch():
    seen = []

    def schedule(epoch, lr):
        seen.append(epoch)
        return lr

    model, x, y = regression()
    model.fit(x, y, epochs=4, initial_epoch=2, verbose=0, callbacks=[LearningRateScheduler(schedule)])
    assert seen == [2, 3]


@pytest.mark.parametrize("result", [1, "0.1", None, np.array([0.1])])
def test_scheduler_must_return_a_float(result):
    model, x, y = regression()
    with pytest.raises(ValueError, match="should be a float"):
        model.fit(x, y, epochs=1, verbose=0,
                  callbacks=[LearningRateScheduler(lambda epoch, lr: result)])


def test_scheduler_accepts_numpy_floats():
    model, x, y = regression()
    history = model.fit(x, y, epochs=2, verbose=0,
                        callbacks=[LearningRateScheduler(lambda epoch: np.float32(0.25))])
    np.testing.assert_allclose(history.history["learning_rate"], [0.25, 0.25])


def test_scheduler_rejects_a_non_callable():
    with pytest.raises(TypeError, match="schedule"):
        LearningRateScheduler(0.1)


def test_scheduler_verbose_message(capsys):
    model, x, y = regression()
    model.fit(x, y, epochs=2, verbose=0,
              callbacks=[LearningRateScheduler(lambda epoch: 0.5 ** epoch, verbose=1)])
    err = capsys.readouterr().err
    assert "Epoch 1: LearningRateScheduler setting learning rate to 1.0." in err
    assert "Epoch 2: LearningRateScheduler setting learning rate to 0.5." in err


# ----------------------------------------------------------------------------- CSVLogger
def read_rows(path, delimiter=","):
    with open(path, newline="") as file:
        return list(csv.reader(file, delimiter=delimiter))


def test_csv_logger_writes_a_header_then_one_row_per_epoch(tmp_path):
    path = tmp_path / "log.csv"
    model, x, y = regression()
    history = model.fit(x[:16], y[:16], epochs=3, verbose=0, validation_data=(x[16:], y[16:]),
                        callbacks=[CSVLogger(path)])
    header, *rows = read_rows(path)
    assert header == ["epoch", "loss", "mae", "val_loss", "val_mae"]
    assert [row[0] for row in rows] == ["0", "1", "2"]
    for epoch, row in enumerate(rows):
        for key, cell in zip(header[1:], row[1:]):
            assert float(cell) == history.history[key][epoch]  # full precision, as Keras writes


def test_csv_logger_lines_end_like_keras(tmp_path):
    path = tmp_path / "log.csv"
    model, x, y = regression(metrics=())
    model.fit(x, y, epochs=1, verbose=0, callbacks=[CSVLogger(path)])
    assert path.read_bytes().startswith(b"epoch,loss,val_loss\r\n0,")


def test_csv_logger_without_validation_adds_val_columns_marked_na(tmp_path):
    path = tmp_path / "log.csv"
    model, x, y = regression()
    model.fit(x, y, epochs=2, verbose=0, callbacks=[CSVLogger(path)])
    header, *rows = read_rows(path)
    assert header == ["epoch", "loss", "mae", "val_loss", "val_mae"]
    assert [row[3:] for row in rows] == [["NA", "NA"], ["NA", "NA"]]


def test_csv_logger_separator(tmp_path):
    path = tmp_path / "log.csv"
    model, x, y = regression()
    model.fit(x, y, epochs=2, verbose=0, callbacks=[CSVLogger(path, separator=";")])
    lines = path.read_text().splitlines()
    assert lines[0] == "epoch;loss;mae;val_loss;val_mae"
    assert lines[2].startswith("1;") and lines[2].count(";") == 4


def test_csv_logger_append_continues_the_file_with_one_header(tmp_path):
    path = tmp_path / "log.csv"
    model, x, y = regression()
    model.fit(x, y, epochs=2, verbose=0, callbacks=[CSVLogger(path, append=True)])
    model.fit(x, y, epochs=3, verbose=0, callbacks=[CSVLogger(path, append=True)])
    header, *rows = read_rows(path)
    assert header[0] == "epoch" and [row[0] for row in rows] == ["0", "1", "0", "1", "2"]


def test_csv_logger_without_append_overwrites(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("old content\n")
    model, x, y = regression()
    model.fit(x, y, epochs=1, verbose=0, callbacks=[CSVLogger(path)])
    header, *rows = read_rows(path)
    assert header[0] == "epoch" and len(rows) == 1


def test_csv_logger_records_learning_rate_written_by_an_earlier_callback(tmp_path):
    path = tmp_path / "log.csv"
    model, x, y = regression()
    model.fit(x, y, epochs=3, verbose=0, callbacks=[
        LearningRateScheduler(lambda epoch: 0.1 * 0.5 ** epoch), CSVLogger(path)])
    header, *rows = read_rows(path)
    column = header.index("learning_rate")
    np.testing.assert_allclose([float(row[column]) for row in rows], [0.1, 0.05, 0.025],
                               rtol=1e-6)


def test_reduce_lr_on_plateau_rate_reaches_history_and_csv(tmp_path):
    path = tmp_path / "log.csv"
    model, x, y = regression()
    history = model.fit(x, y, epochs=2, verbose=0, callbacks=[
        ReduceLROnPlateau(monitor="loss"), CSVLogger(path)])
    header, *rows = read_rows(path)
    assert "learning_rate" in header
    rates = [float(row[header.index("learning_rate")]) for row in rows]
    assert rates == history.history["learning_rate"]


def test_csv_rows_are_on_disk_as_soon_as_the_epoch_ends(tmp_path):
    path = tmp_path / "log.csv"
    counts = []
    model, x, y = regression()
    model.fit(x, y, epochs=3, verbose=0, callbacks=[
        CSVLogger(path),
        LambdaCallback(on_epoch_end=lambda epoch, logs: counts.append(len(read_rows(path))))])
    assert counts == [2, 3, 4]
