"""Callback machinery: Keras's hook order in fit, evaluate and predict; params; History last."""

import numpy as np
import pytest

import handkeras as keras
from handkeras import layers


class Recorder(keras.callbacks.Callback):
    """Records every hook it hears, with its batch or epoch index."""

    def __init__(self):
        super().__init__()
        self.events = []
        self.logs = {}

    def _record(self, hook, index=None, logs=None):
        self.events.append(hook if index is None else f"{hook}({index})")
        self.logs.setdefault(hook, []).append(None if logs is None else dict(logs))


def _make_hook(hook, indexed):
    if indexed:
        def method(self, index, logs=None):
            self._record(hook, index, logs)
    else:
        def method(self, logs=None):
            self._record(hook, None, logs)
    return method


for _hook in ("on_train_begin", "on_train_end", "on_test_begin", "on_test_end",
              "on_predict_begin", "on_predict_end"):
    setattr(Recorder, _hook, _make_hook(_hook, indexed=False))
for _hook in ("on_epoch_begin", "on_epoch_end", "on_train_batch_begin", "on_train_batch_end",
              "on_test_batch_begin", "on_test_batch_end", "on_predict_batch_begin",
              "on_predict_batch_end"):
    setattr(Recorder, _hook, _make_hook(_hook, indexed=True))


def model():
    net = keras.Sequential([keras.Input((3,)), layers.Dense(2, activation="softmax")])
    net.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=["accuracy"])
    return net


X = np.random.default_rng(0).standard_normal((6, 3)).astype(np.float32)
Y = np.eye(2)[[0, 1, 1, 0, 1, 0]]


def test_fit_calls_the_hooks_in_keras_order_with_validation_inside_each_epoch():
    recorder = Recorder()
    model().fit(X, Y, batch_size=3, epochs=2, validation_data=(X[:2], Y[:2]), verbose=0,
                callbacks=[recorder])
    epoch = lambda e: [f"on_epoch_begin({e})",
                       "on_train_batch_begin(0)", "on_train_batch_end(0)",
                       "on_train_batch_begin(1)", "on_train_batch_end(1)",
                       "on_test_begin", "on_test_batch_begin(0)", "on_test_batch_end(0)",
                       "on_test_end",
                       f"on_epoch_end({e})"]
    assert recorder.events == ["on_train_begin"] + epoch(0) + epoch(1) + ["on_train_end"]


def test_fit_without_validation_calls_no_test_hooks():
    recorder = Recorder()
    model().fit(X, Y, batch_size=4, epochs=1, verbose=0, callbacks=[recorder])
    assert recorder.events == ["on_train_begin", "on_epoch_begin(0)",
                               "on_train_batch_begin(0)", "on_train_batch_end(0)",
                               "on_train_batch_begin(1)", "on_train_batch_end(1)",
                               "on_epoch_end(0)", "on_train_end"]


def test_fit_logs_seen_by_callbacks():
    recorder = Recorder()
    model().fit(X, Y, batch_size=3, epochs=2, validation_split=0.5, verbose=0,
                callbacks=[recorder])
    batch_logs = recorder.logs["on_train_batch_end"]
    assert all(set(logs) == {"loss", "accuracy"} for logs in batch_logs)
    epoch_logs = recorder.logs["on_epoch_end"]
    assert all(list(logs) == ["accuracy", "loss", "val_accuracy", "val_loss"]
               for logs in epoch_logs)
    assert recorder.logs["on_train_end"][0] == epoch_logs[-1]
    assert set(recorder.logs["on_test_end"][0]) == {"loss", "accuracy"}


def test_a_key_added_to_a_batch_logs_stays_out_of_the_epoch_logs_as_in_keras():
    """Keras 3.15.1 (torch backend) gives {'accuracy': [...], 'loss': [...]} for this script."""
    class Tagger(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            logs["tag"] = float(batch)

    history = model().fit(X, Y, batch_size=4, epochs=2, verbose=0, callbacks=[Tagger()])
    assert set(history.history) == {"loss", "accuracy"}


def test_epoch_logs_come_from_the_metrics_when_no_callback_reads_batches():
    net = model()
    history = net.fit(X, Y, batch_size=4, epochs=1, verbose=0)
    assert history.history["loss"] == [pytest.approx(float(net.metrics[0].result()))]
    assert list(history.history) == ["accuracy", "loss"]


def test_evaluate_calls_the_test_hooks():
    recorder = Recorder()
    model().evaluate(X, Y, batch_size=4, verbose=0, callbacks=[recorder])
    assert recorder.events == ["on_test_begin", "on_test_batch_begin(0)", "on_test_batch_end(0)",
                               "on_test_batch_begin(1)", "on_test_batch_end(1)", "on_test_end"]


def test_predict_calls_the_predict_hooks_with_the_batch_outputs():
    recorder = Recorder()
    net = model()
    out = net.predict(X, batch_size=4, verbose=0, callbacks=[recorder])
    assert recorder.events == ["on_predict_begin", "on_predict_batch_begin(0)",
                               "on_predict_batch_end(0)", "on_predict_batch_begin(1)",
                               "on_predict_batch_end(1)", "on_predict_end"]
    batches = [logs["outputs"] for logs in recorder.logs["on_predict_batch_end"]]
    np.testing.assert_array_equal(np.concatenate(batches), out)


def test_params_and_model_are_set():
    recorder = Recorder()
    net = model()
    net.fit(X, Y, batch_size=4, epochs=3, verbose=0, callbacks=[recorder])
    assert recorder.model is net
    assert {key: recorder.params[key] for key in ("verbose", "epochs", "steps")} == {
        "verbose": 0, "epochs": 3, "steps": 2}
    net.evaluate(X, Y, batch_size=1, verbose=0, callbacks=[recorder])
    assert recorder.params["steps"] == 6


def test_verbose_auto_is_reported_as_given_as_keras_does(capsys):
    recorder = Recorder()
    model().fit(X, Y, epochs=2, callbacks=[recorder])
    assert recorder.params["verbose"] == "auto"
    assert "Epoch 1/2" in capsys.readouterr().err


class WritesLearningRate(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        logs["learning_rate"] = float(self.model.optimizer.learning_rate)


def test_history_and_progress_bar_come_after_user_callbacks(capsys):
    net = model()
    history = net.fit(X, Y, epochs=2, verbose=2, callbacks=[WritesLearningRate()])
    assert history.history["learning_rate"] == pytest.approx([0.01, 0.01])
    assert "learning_rate" in capsys.readouterr().err


def test_legacy_on_batch_hooks_hear_training_batches():
    class Legacy(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.batches = []

        def on_batch_end(self, batch, logs=None):
            self.batches.append(batch)

    legacy = Legacy()
    model().fit(X, Y, batch_size=2, epochs=2, verbose=0, callbacks=[legacy])
    assert legacy.batches == [0, 1, 2, 0, 1, 2]


def test_callbacks_must_be_callback_instances():
    with pytest.raises(TypeError, match="Callback"):
        model().fit(X, Y, verbose=0, callbacks=[lambda: None])


def test_the_base_callback_has_every_keras_hook():
    callback = keras.callbacks.Callback()
    for hook in ("on_train_begin", "on_train_end", "on_test_begin", "on_test_end",
                 "on_predict_begin", "on_predict_end"):
        getattr(callback, hook)(logs={})
    for hook in ("on_epoch_begin", "on_epoch_end", "on_train_batch_begin", "on_train_batch_end",
                 "on_test_batch_begin", "on_test_batch_end", "on_predict_batch_begin",
                 "on_predict_batch_end", "on_batch_begin", "on_batch_end"):
        getattr(callback, hook)(0, logs={})
