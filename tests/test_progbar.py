"""Progress output of fit, evaluate and predict (verbose 0, 1, 2 and "auto"), on stderr."""

import re

import numpy as np
import pytest

import handkeras as keras
from handkeras import layers
from handkeras.callbacks import LambdaCallback, progbar_logger
from handkeras.callbacks.progbar_logger import format_time_per_step, format_value

TIME_PER_STEP = r"\d+(us|ms|s)/step"


def classifier():
    model = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(3, activation="relu"),
                              layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def data(n=50):
    x = np.random.default_rng(3).random((n, 4)).astype("float32")
    return x, (x.sum(axis=1) > 2).astype("int64")


def final_states(err):
    """The last drawn state of each bar: the text after the last carriage return of each line."""
    return [line.rsplit("\r", 1)[-1] for line in err.split("\n") if line.strip()]


def drawn_values(err, steps):
    """The values part of every state drawn at steps 1 to ``steps`` of a bar of ``steps``."""
    return [re.sub(r".*/step - ", "", state).strip() for state in err.split("\r")
            if re.match(rf"[1-9]\d*/{steps} ", state)]


# ----------------------------------------------------------------------------- formatting
def test_values_print_with_four_decimals_or_scientific_when_tiny():
    assert format_value(0.43125) == "0.4313"
    assert format_value(12.5) == "12.5000"
    assert format_value(0.0001234) == "1.2340e-04"
    assert format_value(-0.5) == "-0.5000"


def test_time_per_step_uses_keras_units():
    assert format_time_per_step(0.012) == "12ms/step"
    assert format_time_per_step(0.00085) == "850us/step"
    assert format_time_per_step(2.4) == "2s/step"


# ----------------------------------------------------------------------------- fit
def test_verbose_1_shows_epoch_lines_and_a_bar_ending_with_validation_values(capsys):
    x, y = data()
    history = classifier().fit(x, y, batch_size=8, epochs=2, verbose=1, validation_split=0.2)
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = final_states(captured.err)
    assert [line for line in lines if line.startswith("Epoch")] == ["Epoch 1/2", "Epoch 2/2"]
    bars = [line for line in lines if not line.startswith("Epoch")]
    assert len(bars) == 2
    for epoch, bar in enumerate(bars):
        assert bar.startswith("5/5 ")
        assert re.search(r"\d\d:\d\d<\d\d:\d\d", bar)  # elapsed < remaining
        assert re.search(TIME_PER_STEP, bar)
        for key in ("accuracy", "loss", "val_accuracy", "val_loss"):
            assert f"{key}: {format_value(history.history[key][epoch])}" in bar


def test_verbose_1_bar_shows_running_values_during_the_epoch(capsys, monkeypatch):
    monkeypatch.setattr(progbar_logger, "LOG_REFRESH_INTERVAL", 0.0)  # redraw at every step
    x, y = data(32)
    running = []
    classifier().fit(x, y, batch_size=8, epochs=1, verbose=1, callbacks=[
        LambdaCallback(on_train_batch_end=lambda batch, logs: running.append(dict(logs)))])
    states = capsys.readouterr().err.split("\r")
    for step, logs in enumerate(running[:-1], start=1):
        state = next(s for s in states if s.startswith(f"{step}/4 "))
        assert f"loss: {format_value(logs['loss'])}" in state
        assert f"accuracy: {format_value(logs['accuracy'])}" in state
        assert re.search(TIME_PER_STEP, state)


def test_without_other_batch_listeners_the_bar_reads_the_same_running_values(capsys,
                                                                           monkeypatch):
    """fit builds batch logs only for callbacks that read them; the bar alone takes the running
    values from the model when it redraws, and draws exactly what it draws from the logs."""
    monkeypatch.setattr(progbar_logger, "LOG_REFRESH_INTERVAL", 0.0)
    x, y = data(32)

    def fit_drawing(callbacks):
        keras.utils.set_random_seed(0)
        classifier().fit(x, y, batch_size=8, epochs=1, verbose=1, callbacks=callbacks)
        return drawn_values(capsys.readouterr().err, 4)

    alone = fit_drawing([])
    with_listener = fit_drawing([LambdaCallback(on_train_batch_end=lambda batch, logs: None)])
    assert len(alone) >= 4 and all("loss: " in state for state in alone)
    assert alone == with_listener


def test_bars_redraw_at_most_once_per_interval_and_format_nothing_in_between(capsys,
                                                                             monkeypatch):
    monkeypatch.setattr(progbar_logger, "LOG_REFRESH_INTERVAL", 1e9)
    calls = []
    original = progbar_logger.format_logs
    monkeypatch.setattr(progbar_logger, "format_logs",
                        lambda logs: calls.append(1) or original(logs))
    x, y = data(400)
    classifier().fit(x, y, batch_size=8, epochs=1, verbose=1)
    err = capsys.readouterr().err
    assert len(calls) == 1  # the final state only, not 50 steps
    assert "25/50" not in err and "50/50" in err


def test_verbose_2_prints_one_line_per_epoch(capsys):
    x, y = data()
    history = classifier().fit(x, y, batch_size=8, epochs=3, verbose=2,
                               validation_data=(x[:10], y[:10]))
    err = capsys.readouterr().err
    assert "\r" not in err
    lines = err.splitlines()
    assert lines[0::2] == ["Epoch 1/3", "Epoch 2/3", "Epoch 3/3"]
    for epoch, line in enumerate(lines[1::2]):
        values = " - ".join(f"{key}: {format_value(history.history[key][epoch])}"
                            for key in ("accuracy", "loss", "val_accuracy", "val_loss"))
        assert re.fullmatch(rf"7/7 - \d+s - {TIME_PER_STEP} - " + re.escape(values), line), line


@pytest.mark.parametrize("verbose", [0, 1, 2])
def test_a_single_epoch_prints_no_epoch_line(capsys, verbose):
    x, y = data()
    classifier().fit(x, y, epochs=1, verbose=verbose)
    assert "Epoch" not in capsys.readouterr().err


def test_verbose_0_is_silent(capsys):
    x, y = data()
    model = classifier()
    model.fit(x, y, epochs=2, verbose=0, validation_split=0.2)
    model.evaluate(x, y, verbose=0)
    model.predict(x, verbose=0)
    assert capsys.readouterr() == ("", "")


def test_verbose_auto_is_1(capsys):
    x, y = data()
    classifier().fit(x, y, batch_size=10, epochs=2)
    lines = final_states(capsys.readouterr().err)
    assert lines[0] == "Epoch 1/2" and lines[1].startswith("5/5 ") and "loss: " in lines[1]


def test_validation_inside_fit_draws_no_bar(capsys):
    x, y = data()
    classifier().fit(x, y, batch_size=8, epochs=3, verbose=1, validation_data=(x[:16], y[:16]))
    err = capsys.readouterr().err
    assert "7/7" in err and "2/2" not in err


# ----------------------------------------------------------------------------- evaluate, predict
def test_evaluate_shows_a_bar_with_the_loss_and_metrics(capsys):
    x, y = data()
    result = classifier().evaluate(x, y, batch_size=10, verbose=1, return_dict=True)
    (bar,) = final_states(capsys.readouterr().err)
    assert bar.startswith("5/5 ") and re.search(TIME_PER_STEP, bar)
    assert f"accuracy: {format_value(result['accuracy'])} - loss: {format_value(result['loss'])}" \
        in bar


def test_evaluate_bar_alone_reads_the_same_running_values(capsys, monkeypatch):
    """evaluate, like fit, builds batch logs only for callbacks that read them; its bar alone
    computes the running values when it redraws, and draws what it draws from the logs."""
    monkeypatch.setattr(progbar_logger, "LOG_REFRESH_INTERVAL", 0.0)
    x, y = data(40)
    model = classifier()

    def evaluate_drawing(callbacks):
        model.evaluate(x, y, batch_size=10, verbose=1, callbacks=callbacks)
        return drawn_values(capsys.readouterr().err, 4)

    seen = []
    alone = evaluate_drawing([])
    with_listener = evaluate_drawing([LambdaCallback(
        on_test_batch_end=lambda batch, logs: seen.append(dict(logs)))])
    assert len(alone) >= 4 and all("loss: " in state for state in alone)
    assert alone == with_listener
    assert [f"loss: {format_value(logs['loss'])}" in state
            for logs, state in zip(seen, with_listener)] == [True] * 4


def test_evaluate_verbose_2_prints_one_line(capsys):
    x, y = data()
    result = classifier().evaluate(x, y, batch_size=10, verbose=2, return_dict=True)
    assert re.fullmatch(rf"5/5 - \d+s - {TIME_PER_STEP} - accuracy: "
                        rf"{format_value(result['accuracy'])} - loss: {format_value(result['loss'])}\n",
                        capsys.readouterr().err)


def test_predict_shows_a_bar_without_values(capsys):
    x, _ = data()
    classifier().predict(x, batch_size=20, verbose=1)
    (bar,) = final_states(capsys.readouterr().err)
    assert bar.startswith("3/3 ") and re.search(TIME_PER_STEP, bar) and "loss" not in bar


def test_predict_verbose_2_prints_one_line(capsys):
    x, _ = data()
    classifier().predict(x, batch_size=20, verbose=2)
    assert re.fullmatch(rf"3/3 - \d+s - {TIME_PER_STEP}\n", capsys.readouterr().err)


def test_callback_messages_do_not_break_the_bar(capsys):
    x, y = data()
    history = classifier().fit(x, y, batch_size=10, epochs=2, verbose=1, callbacks=[
        keras.callbacks.ReduceLROnPlateau(monitor="loss", patience=0, min_delta=10, verbose=1)])
    lines = final_states(capsys.readouterr().err)
    message = next(line for line in lines if "ReduceLROnPlateau" in line)
    assert message.startswith("Epoch 2: ReduceLROnPlateau reducing learning rate to")
    rate = format_value(history.history["learning_rate"][1])
    assert lines[-1].startswith("5/5 ") and f"learning_rate: {rate}" in lines[-1]


def test_a_run_interrupted_mid_epoch_does_not_shift_the_next_bars(capsys):
    x, y = data()
    model = classifier()

    def interrupt(batch, logs):
        if batch == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        model.fit(x, y, batch_size=10, epochs=2, verbose=1,
                  callbacks=[LambdaCallback(on_train_batch_end=interrupt)])
    capsys.readouterr()
    model.fit(x, y, batch_size=10, epochs=2, verbose=1, callbacks=[
        keras.callbacks.ReduceLROnPlateau(monitor="loss", patience=0, min_delta=10, verbose=1)])
    err = capsys.readouterr().err
    assert "\x1b[" not in err  # no cursor movement: the bars stay on their own lines
    assert len([line for line in final_states(err) if line.startswith("5/5 ")]) == 2


class Interrupted(Exception):
    pass


@pytest.mark.parametrize("error", [Interrupted, KeyboardInterrupt])
@pytest.mark.parametrize("method", ["fit", "evaluate", "predict"])
def test_a_loop_ended_by_an_exception_closes_its_bar(capsys, method, error):
    """The bar keeps the steps done and ends its line, so what is printed next starts on its own."""
    x, y = data()
    model = classifier()

    def interrupt(batch, logs):
        if batch == 2:
            raise error

    hook = {"fit": "on_train_batch_end", "evaluate": "on_test_batch_end",
            "predict": "on_predict_batch_end"}[method]
    callbacks = [LambdaCallback(**{hook: interrupt})]
    with pytest.raises(error):
        if method == "predict":
            model.predict(x, batch_size=10, verbose=1, callbacks=callbacks)
        else:
            getattr(model, method)(x, y, batch_size=10, verbose=1, callbacks=callbacks)
    err = capsys.readouterr().err
    assert err.endswith("\n")
    assert final_states(err)[-1].startswith("2/5 ")  # the user's callback ran before the bar's


def test_terminals_redraw_more_often_than_logs(monkeypatch):
    assert progbar_logger.REFRESH_INTERVAL < progbar_logger.LOG_REFRESH_INTERVAL
    assert progbar_logger._refresh_interval() == progbar_logger.LOG_REFRESH_INTERVAL  # captured

    class Terminal:
        def isatty(self):
            return True

    monkeypatch.setattr("sys.stderr", Terminal())
    assert progbar_logger._refresh_interval() == progbar_logger.REFRESH_INTERVAL
