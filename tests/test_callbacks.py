"""Callback base, CallbackList dispatch, hook order, LambdaCallback and TerminateOnNaN."""

import math

import numpy as np
import pytest

import handkeras as keras
from handkeras import layers
from handkeras.callbacks import Callback, CallbackList, History, LambdaCallback, TerminateOnNaN

HOOKS = ["on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end",
         "on_train_batch_begin", "on_train_batch_end", "on_test_begin", "on_test_end",
         "on_test_batch_begin", "on_test_batch_end", "on_predict_begin", "on_predict_end",
         "on_predict_batch_begin", "on_predict_batch_end"]


class Recorder(Callback):
    """Records every hook as ``(hook, index, sorted log keys)``, index being the epoch or batch.

    Every hook must get a dict, as in Keras (``logs.keys()`` in ``on_train_begin`` is the keras.io
    callbacks guide's first example)."""

    def __init__(self):
        super().__init__()
        self.calls = []


def _recording(hook):
    if hook.endswith(("_begin", "_end")) and ("batch" in hook or "epoch" in hook):
        def method(self, index, logs=None):
            assert isinstance(logs, dict), (hook, logs)
            self.calls.append((hook, index, tuple(sorted(logs))))
    else:
        def method(self, logs=None):
            assert isinstance(logs, dict), (hook, logs)
            self.calls.append((hook, None, tuple(sorted(logs))))
    return method


for _hook in HOOKS:
    setattr(Recorder, _hook, _recording(_hook))


def classifier(metrics=("acc",)):
    model = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(2, activation="softmax")])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=list(metrics))
    return model


def classification_data(n=10):
    x = keras.backend.rng().random((n, 4)).astype("float32")
    return x, (x.sum(axis=1) > 2).astype("int64")


# ----------------------------------------------------------------------------- hook order
def expected_fit_calls(epochs, steps, val_steps, train_keys, val_keys):
    """The hook sequence Keras 3 produces in fit with validation data."""
    epoch_keys = tuple(sorted(train_keys + tuple("val_" + k for k in val_keys)))
    calls = [("on_train_begin", None, ())]
    for epoch in range(epochs):
        calls.append(("on_epoch_begin", epoch, ()))
        for step in range(steps):
            calls += [("on_train_batch_begin", step, ()), ("on_train_batch_end", step, train_keys)]
        calls.append(("on_test_begin", None, ()))
        for step in range(val_steps):
            calls += [("on_test_batch_begin", step, ()), ("on_test_batch_end", step, val_keys)]
        calls += [("on_test_end", None, val_keys), ("on_epoch_end", epoch, epoch_keys)]
    calls.append(("on_train_end", None, epoch_keys))
    return calls


def test_fit_calls_every_hook_in_keras_order_with_validation_inside():
    x, y = classification_data(10)
    recorder = Recorder()
    classifier().fit(x, y, batch_size=4, epochs=2, verbose=0, validation_data=(x[:6], y[:6]),
                     callbacks=[recorder])
    assert recorder.calls == expected_fit_calls(2, 3, 2, ("acc", "loss"), ("acc", "loss"))


def test_keys_a_callback_adds_at_epoch_end_reach_history_but_not_on_train_end():
    x, y = classification_data(10)
    recorder = Recorder()
    tagger = LambdaCallback(on_epoch_end=lambda epoch, logs: logs.update(tag=float(epoch)))
    history = classifier().fit(x, y, batch_size=4, epochs=2, verbose=0,
                               callbacks=[tagger, recorder])
    assert history.history["tag"] == [0.0, 1.0]
    assert recorder.calls[-2] == ("on_epoch_end", 1, ("acc", "loss", "tag"))
    assert recorder.calls[-1] == ("on_train_end", None, ("acc", "loss"))


def test_evaluate_and_predict_call_their_hooks_in_order():
    x, y = classification_data(10)
    model = classifier()
    recorder = Recorder()
    model.evaluate(x, y, batch_size=4, verbose=0, callbacks=[recorder])
    assert recorder.calls == (
        [("on_test_begin", None, ())]
        + [call for step in range(3) for call in
           (("on_test_batch_begin", step, ()), ("on_test_batch_end", step, ("acc", "loss")))]
        + [("on_test_end", None, ("acc", "loss"))])
    recorder.calls.clear()
    model.predict(x, batch_size=4, verbose=0, callbacks=[recorder])
    assert recorder.calls == (
        [("on_predict_begin", None, ())]
        + [call for step in range(3) for call in
           (("on_predict_batch_begin", step, ()), ("on_predict_batch_end", step, ("outputs",)))]
        + [("on_predict_end", None, ())])


def test_predict_batch_logs_hold_that_batchs_outputs():
    x, _ = classification_data(10)
    model = classifier()
    outputs = []
    model.predict(x, batch_size=4, verbose=0, callbacks=[
        LambdaCallback(on_predict_batch_end=lambda batch, logs: outputs.append(logs["outputs"]))])
    np.testing.assert_array_equal(np.concatenate(outputs), model.predict(x, verbose=0))


def test_set_model_and_set_params_before_training_begins():
    x, y = classification_data(10)
    model = classifier()
    seen = {}

    class Inspector(Callback):
        def on_train_begin(self, logs=None):
            seen["model"], seen["params"] = self.model, dict(self.params)

        def on_test_begin(self, logs=None):
            seen.setdefault("test_params", dict(self.params))

        def on_predict_begin(self, logs=None):
            seen["predict_params"] = dict(self.params)

    model.fit(x, y, batch_size=4, epochs=3, verbose=0, callbacks=[Inspector()])
    assert seen["model"] is model
    assert seen["params"] == {"verbose": 0, "epochs": 3, "steps": 3}
    model.fit(x, y, batch_size=5, epochs=1, steps_per_epoch=7, verbose=2, callbacks=[Inspector()])
    assert seen["params"] == {"verbose": 2, "epochs": 1, "steps": 7}
    model.evaluate(x, y, batch_size=3, verbose=0, callbacks=[Inspector()])
    assert seen["test_params"] == {"verbose": 0, "epochs": 1, "steps": 4}
    model.predict(x, batch_size=10, verbose=0, callbacks=[Inspector()])
    assert seen["predict_params"] == {"verbose": 0, "epochs": 1, "steps": 1}


def test_a_callback_has_no_params_and_no_model_until_a_call_sets_them():
    callback = Callback()
    assert callback.params is None and callback.model is None
    assert CallbackList([callback]).params == {}
    assert callback.params is None  # a list without parameters leaves its callbacks' own
    classifier().fit(*classification_data(4), epochs=1, verbose=0, callbacks=[callback])
    assert callback.params == {"verbose": 0, "epochs": 1, "steps": 1}


def test_default_verbose_reaches_callbacks_as_auto(capsys):
    x, y = classification_data(8)
    params = {}
    probe = LambdaCallback(on_train_begin=lambda logs: params.update(probe.params))
    classifier().fit(x, y, epochs=1, callbacks=[probe])
    assert params["verbose"] == "auto"
    assert "1/1" in capsys.readouterr().err  # "auto" shows the bar, as verbose=1


def test_history_and_progbar_come_after_user_callbacks():
    model = classifier()
    user = Recorder()
    callbacks = CallbackList([user], add_history=True, add_progbar=True, model=model,
                             verbose=0, epochs=1, steps=1)
    kinds = [type(c).__name__ for c in callbacks.callbacks]
    assert kinds == ["Recorder", "History", "ProgbarLogger"]
    assert model.history is callbacks.history


def test_user_history_is_reused_not_duplicated():
    x, y = classification_data(8)
    history = History()
    returned = classifier().fit(x, y, epochs=2, verbose=0, callbacks=[history])
    assert returned is history and history.epoch == [0, 1]


def test_a_single_callback_needs_no_list():
    x, y = classification_data(8)
    model = classifier()
    history = History()
    assert model.fit(x, y, epochs=2, verbose=0, callbacks=history) is history
    recorder = Recorder()
    model.evaluate(x, y, batch_size=4, verbose=0, callbacks=recorder)
    model.predict(x, batch_size=4, verbose=0, callbacks=recorder)
    assert [call[0] for call in recorder.calls].count("on_test_batch_end") == 2
    assert [call[0] for call in recorder.calls].count("on_predict_batch_end") == 2


def test_nested_callbacks_are_flattened_as_keras_flattens_them():
    """Lists, tuples and dicts nest; a dict's callbacks come in the order of its sorted keys."""
    a, b, c, d = Recorder(), Recorder(), Recorder(), Recorder()
    callbacks = CallbackList([a, (b, [c])], add_history=True)
    assert callbacks.callbacks[:3] == [a, b, c] and len(callbacks.callbacks) == 4
    assert CallbackList({"z": a, "b": [b, c], "m": d}).callbacks == [b, c, d, a]
    assert CallbackList([]).callbacks == [] and CallbackList(None).callbacks == []


def test_callbacks_must_be_callback_instances():
    with pytest.raises(TypeError, match="Callback instances"):
        CallbackList([lambda epoch, logs: None])
    with pytest.raises(TypeError, match="Callback instances"):
        CallbackList(print)


def test_legacy_on_batch_end_hears_training_batches():
    x, y = classification_data(10)
    batches = []

    class Legacy(Callback):
        def on_batch_begin(self, batch, logs=None):
            batches.append(("begin", batch))

        def on_batch_end(self, batch, logs=None):
            batches.append(("end", batch))

    classifier().fit(x, y, batch_size=5, epochs=1, verbose=0, callbacks=[Legacy()])
    assert batches == [("begin", 0), ("end", 0), ("begin", 1), ("end", 1)]


def test_user_callback_writes_into_logs_seen_by_history():
    x, y = classification_data(8)

    class Writer(Callback):
        def on_epoch_end(self, epoch, logs=None):
            logs["custom"] = 10.0 * epoch

    history = classifier().fit(x, y, epochs=3, verbose=0, callbacks=[Writer()])
    assert history.history["custom"] == [0.0, 10.0, 20.0]


# ----------------------------------------------------------------------------- LambdaCallback
def test_lambda_callback_calls_each_given_function_with_the_hooks_arguments():
    x, y = classification_data(10)
    calls = []
    callback = LambdaCallback(
        on_train_begin=lambda logs: calls.append(("train_begin",)),
        on_train_end=lambda logs: calls.append(("train_end", sorted(logs))),
        on_epoch_begin=lambda epoch, logs: calls.append(("epoch_begin", epoch)),
        on_epoch_end=lambda epoch, logs: calls.append(("epoch_end", epoch, sorted(logs))),
        on_train_batch_begin=lambda batch, logs: calls.append(("batch_begin", batch)),
        on_train_batch_end=lambda batch, logs: calls.append(("batch_end", batch, sorted(logs))),
        on_test_end=lambda logs: calls.append(("test_end", sorted(logs))),
    )
    classifier().fit(x, y, batch_size=5, epochs=2, verbose=0, validation_split=0.2,
                     callbacks=[callback])
    keys = ["acc", "loss"]
    epoch_keys = ["acc", "loss", "val_acc", "val_loss"]
    expected = [("train_begin",)]
    for epoch in range(2):
        expected += [("epoch_begin", epoch), ("batch_begin", 0), ("batch_end", 0, keys),
                     ("batch_begin", 1), ("batch_end", 1, keys), ("test_end", keys),
                     ("epoch_end", epoch, epoch_keys)]
    expected.append(("train_end", epoch_keys))
    assert calls == expected


def test_lambda_callback_with_one_function_is_dispatched():
    x, y = classification_data(12)
    ends = []
    classifier().fit(x, y, batch_size=4, epochs=2, verbose=0,
                     callbacks=[LambdaCallback(on_train_batch_end=lambda b, logs: ends.append(b))])
    assert ends == [0, 1, 2, 0, 1, 2]


def test_lambda_callback_rejects_unknown_hooks_and_non_callables():
    with pytest.raises(TypeError, match="on_epoch_finish"):
        LambdaCallback(on_epoch_finish=print)
    with pytest.raises(TypeError, match="on_epoch_end"):
        LambdaCallback(on_epoch_end="print")


# ----------------------------------------------------------------------------- TerminateOnNaN
def regression_with_bad_target(bad_row, value, n=16):
    rng = np.random.default_rng(0)
    x = rng.random((n, 3)).astype("float32")
    y = x.sum(axis=1, keepdims=True)
    y[bad_row] = value
    model = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    return model, x, y


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # inf - inf in backward
@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_terminate_on_nan_stops_right_after_the_first_bad_batch(value, capsys):
    model, x, y = regression_with_bad_target(bad_row=9, value=value)  # row 9 is in batch 2
    batches = []
    with pytest.warns(RuntimeWarning, match="NaN or infinite"):
        history = model.fit(x, y, batch_size=4, epochs=5, shuffle=False, verbose=0, callbacks=[
            TerminateOnNaN(), LambdaCallback(on_train_batch_end=lambda b, logs: batches.append(b))])
    assert batches == [0, 1, 2]
    assert history.epoch == [0]
    assert not math.isfinite(history.history["loss"][0])
    assert "Batch 2: Invalid loss, terminating training" in capsys.readouterr().err


def test_terminate_on_nan_with_raise_error_raises_at_the_bad_batch():
    model, x, y = regression_with_bad_target(bad_row=5, value=np.nan)
    with pytest.warns(RuntimeWarning, match="NaN or infinite"):
        with pytest.raises(RuntimeError, match="NaN or Inf loss encountered at batch 1"):
            model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0,
                      callbacks=[TerminateOnNaN(raise_error=True)])


def test_terminate_on_nan_lets_finite_training_run():
    model, x, y = regression_with_bad_target(bad_row=0, value=1.0)
    history = model.fit(x, y, batch_size=4, epochs=3, verbose=0, callbacks=[TerminateOnNaN()])
    assert history.epoch == [0, 1, 2]
