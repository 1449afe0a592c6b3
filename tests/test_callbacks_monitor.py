"""EarlyStopping and ReduceLROnPlateau, and how monitored callbacks resolve ``mode``.

Most tests script the monitored value: a callback listed first writes ``logs[monitor]`` at each
epoch end, so that patience, min_delta and baseline are checked against known sequences.
"""

import warnings

import numpy as np
import pytest

import handkeras as keras
from handkeras import layers
from handkeras.callbacks import EarlyStopping, LambdaCallback, ReduceLROnPlateau
from scripted_callbacks import Scripted, WeightsPerEpoch


def regression(n=32, metrics=None, learning_rate=0.05):
    rng = np.random.default_rng(1)
    x = rng.random((n, 3)).astype("float32")
    y = (x @ np.array([[1.0], [-2.0], [0.5]], dtype="float32")) + 0.3
    model = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=learning_rate), loss="mse",
                  metrics=metrics)
    return model, x, y


def fit_scripted(callback, values, key="val_loss", epochs=None, **kwargs):
    model, x, y = regression(**kwargs)
    history = model.fit(x, y, epochs=epochs or len(values), batch_size=8, verbose=0,
                        callbacks=[Scripted(key, values), callback])
    return model, history


# ----------------------------------------------------------------------------- EarlyStopping
def test_early_stopping_defaults_are_keras():
    callback = EarlyStopping()
    assert (callback.monitor, callback.min_delta, callback.patience, callback.verbose,
            callback.mode, callback.baseline, callback.restore_best_weights,
            callback.start_from_epoch) == ("val_loss", 0, 0, 0, "auto", None, False, 0)


def test_patience_counts_epochs_without_improvement():
    # best 0.9 at epoch 1; epochs 2 and 3 do not improve: the wait reaches 2 at epoch 3.
    callback = EarlyStopping(patience=2)
    _, history = fit_scripted(callback, [1.0, 0.9, 0.95, 0.92, 0.5, 0.4])
    assert history.epoch == [0, 1, 2, 3]
    assert callback.stopped_epoch == 3 and callback.best == 0.9


def test_patience_zero_stops_at_the_first_epoch_without_improvement():
    callback = EarlyStopping(patience=0)
    _, history = fit_scripted(callback, [1.0, 0.8, 0.8, 0.1])
    assert history.epoch == [0, 1, 2]  # equal is not better


def test_improvement_restarts_the_wait():
    callback = EarlyStopping(patience=2)
    _, history = fit_scripted(callback, [1.0, 1.1, 0.9, 1.2, 0.8, 1.3, 1.4])
    assert history.epoch == [0, 1, 2, 3, 4, 5, 6]
    assert callback.stopped_epoch == 6


def test_min_delta_requires_a_large_enough_improvement():
    values = [1.0, 0.95, 0.93, 0.5]
    _, history = fit_scripted(EarlyStopping(patience=1, min_delta=0.1), values)
    assert history.epoch == [0, 1]  # 0.95 is within 0.1 of 1.0: no improvement
    _, history = fit_scripted(EarlyStopping(patience=1, min_delta=-0.1), values)
    assert history.epoch == [0, 1]  # the sign of min_delta does not matter, as in Keras
    _, history = fit_scripted(EarlyStopping(patience=1), values)
    assert history.epoch == [0, 1, 2, 3]


def test_mode_max_stops_when_the_value_stops_growing():
    _, history = fit_scripted(EarlyStopping(monitor="val_score", mode="max", patience=1),
                              [0.1, 0.2, 0.3, 0.25, 0.5], key="val_score")
    assert history.epoch == [0, 1, 2, 3]


def test_baseline_keeps_the_wait_counting_until_it_is_beaten():
    values = [0.8, 0.7, 0.75, 0.76, 0.74]
    # Improving on the best but not on the baseline does not reset the wait: it reaches 3 at epoch 2.
    _, history = fit_scripted(EarlyStopping(patience=3, baseline=0.5), values)
    assert history.epoch == [0, 1, 2]
    _, history = fit_scripted(EarlyStopping(patience=3), values)
    assert history.epoch == [0, 1, 2, 3, 4]
    # Beating the baseline resets it.
    _, history = fit_scripted(EarlyStopping(patience=3, baseline=0.75), values)
    assert history.epoch == [0, 1, 2, 3, 4]


def test_start_from_epoch_ignores_the_warm_up_epochs():
    values = [1.0, 2.0, 3.0, 4.0, 5.0]
    _, history = fit_scripted(EarlyStopping(patience=0), values)
    assert history.epoch == [0, 1]
    callback = EarlyStopping(patience=0, start_from_epoch=2)
    _, history = fit_scripted(callback, values)
    assert history.epoch == [0, 1, 2, 3] and callback.best == 3.0


@pytest.mark.parametrize("patience, epochs_run", [(1, [0, 1, 2, 3]), (10, [0, 1, 2, 3, 4, 5])])
def test_restore_best_weights_restores_the_best_epoch_with_or_without_stopping(patience,
                                                                              epochs_run):
    values = [1.0, 0.7, 0.5, 0.9, 0.8, 0.6]
    recorder = WeightsPerEpoch()
    model, x, y = regression()
    history = model.fit(x, y, epochs=len(values), batch_size=8, verbose=0, callbacks=[
        Scripted("val_loss", values), recorder,
        EarlyStopping(patience=patience, restore_best_weights=True)])
    assert history.epoch == epochs_run
    for restored, best in zip(model.get_weights(), recorder.weights[2]):
        np.testing.assert_array_equal(restored, best)
    assert not np.array_equal(recorder.weights[-1][0], recorder.weights[2][0])


def test_without_restore_best_weights_the_last_weights_stay():
    recorder = WeightsPerEpoch()
    model, x, y = regression()
    model.fit(x, y, epochs=4, batch_size=8, verbose=0, callbacks=[
        Scripted("val_loss", [1.0, 0.5, 0.9, 0.9]), recorder, EarlyStopping(patience=1)])
    np.testing.assert_array_equal(model.get_weights()[0], recorder.weights[-1][0])


def test_restore_best_weights_on_real_validation_loss():
    model, x, y = regression(learning_rate=0.5)
    recorder = WeightsPerEpoch()
    history = model.fit(x[:24], y[:24], epochs=8, batch_size=8, verbose=0,
                        validation_data=(x[24:], y[24:]),
                        callbacks=[recorder, EarlyStopping(patience=2, restore_best_weights=True)])
    best = int(np.argmin(history.history["val_loss"]))
    np.testing.assert_array_equal(model.get_weights()[0], recorder.weights[best][0])
    np.testing.assert_allclose(model.evaluate(x[24:], y[24:], verbose=0),
                               history.history["val_loss"][best], rtol=1e-6)


def test_early_stopping_instance_is_reset_by_each_fit():
    callback = EarlyStopping(monitor="loss", patience=0)
    model, x, y = regression()
    script = Scripted("loss", [1.0, 2.0])
    first = model.fit(x, y, epochs=2, batch_size=8, verbose=0, callbacks=[script, callback])
    second = model.fit(x, y, epochs=2, batch_size=8, verbose=0, callbacks=[script, callback])
    assert first.epoch == second.epoch == [0, 1]


def test_early_stopping_verbose_messages(capsys):
    fit_scripted(EarlyStopping(patience=0, verbose=1, restore_best_weights=True), [1.0, 0.5, 0.6])
    err = capsys.readouterr().err
    assert "Epoch 3: early stopping" in err
    assert "Restoring model weights from the end of the best epoch: 2." in err


# ----------------------------------------------------------------------------- missing monitor
def test_missing_monitor_warns_once_naming_the_available_keys_and_training_goes_on():
    model, x, y = regression()
    with pytest.warns(UserWarning) as caught:
        history = model.fit(x, y, epochs=4, batch_size=8, verbose=0,
                            callbacks=[EarlyStopping(patience=0), ReduceLROnPlateau(patience=0)])
    messages = [str(w.message) for w in caught]
    assert len(messages) == 2  # one per callback, not one per epoch
    assert all("`val_loss`" in m and "Available metrics are: loss" in m for m in messages)
    assert history.epoch == [0, 1, 2, 3]


# ----------------------------------------------------------------------------- mode="auto"
@pytest.mark.parametrize("monitor, metrics, values, epochs_run", [
    ("loss", None, [1.0, 0.5, 0.7], [0, 1, 2]),                   # exactly "loss": minimise
    ("val_acc", ["acc"], [0.5, 0.7, 0.6], [0, 1, 2]),             # accuracy: maximise
    ("val_accuracy", ["accuracy"], [0.5, 0.4], [0, 1]),
    ("val_binary_accuracy", ["binary_accuracy"], [0.5, 0.6, 0.4], [0, 1, 2]),
    ("mse", ["mse"], [1.0, 0.5, 0.7], [0, 1, 2]),                 # loss-based metric: minimise
    ("val_mean_absolute_error", ["mean_absolute_error"], [1.0, 1.5], [0, 1]),
])
def test_auto_mode_follows_loss_and_the_metrics_direction(monitor, metrics, values, epochs_run):
    model, x, y = regression(metrics=metrics)
    history = model.fit(x, y, epochs=len(values), batch_size=8, verbose=0,
                        callbacks=[Scripted(monitor, values), EarlyStopping(monitor, patience=0)])
    assert history.epoch == epochs_run


@pytest.mark.parametrize("monitor", ["val_los", "val_custom", "learning_rate"])
def test_auto_mode_without_a_known_direction_asks_for_mode(monitor):
    def custom(y_true, y_pred):
        return np.abs(y_true - y_pred).mean(axis=-1)

    model, x, y = regression(metrics=[custom])
    for callback in (EarlyStopping(monitor), ReduceLROnPlateau(monitor)):
        with pytest.raises(ValueError, match="Pass `mode='max'`.*`mode='min'`"):
            model.fit(x, y, epochs=1, verbose=0, callbacks=[callback])
    history = model.fit(x, y, epochs=3, batch_size=8, verbose=0, callbacks=[
        Scripted(monitor, [1.0, 0.5, 0.7]), EarlyStopping(monitor, mode="min")])
    assert history.epoch == [0, 1, 2]


def test_unknown_mode_is_rejected_at_construction():
    with pytest.raises(ValueError, match="`mode` must be one of"):
        EarlyStopping(mode="minimum")


# ----------------------------------------------------------------------------- ReduceLROnPlateau
def learning_rates(values, **kwargs):
    callback = ReduceLROnPlateau(**kwargs)
    model, history = fit_scripted(callback, values, key=callback.monitor, learning_rate=0.1)
    return model, history.history["learning_rate"]


def test_reduce_lr_on_plateau_defaults_are_keras():
    callback = ReduceLROnPlateau()
    assert (callback.monitor, callback.factor, callback.patience, callback.verbose, callback.mode,
            callback.min_delta, callback.cooldown, callback.min_lr) == (
        "val_loss", 0.1, 10, 0, "auto", 1e-4, 0, 0.0)


def test_reduce_lr_on_plateau_multiplies_by_factor_after_patience():
    # The logged rate is the one the epoch trained with; a reduction applies from the next epoch.
    model, rates = learning_rates([1.0, 1.0, 1.0, 0.5, 0.5, 0.5], patience=1, factor=0.5)
    np.testing.assert_allclose(rates, [0.1, 0.1, 0.05, 0.025, 0.025, 0.0125], rtol=1e-6)
    np.testing.assert_allclose(model.optimizer.learning_rate, 0.00625, rtol=1e-6)


def test_reduce_lr_on_plateau_min_delta():
    values = [1.0, 0.99995, 0.99991, 0.5]
    # Within min_delta=1e-4 of the best, epochs 1 and 2 are a plateau: reduced after epoch 2.
    _, rates = learning_rates(values, patience=2, factor=0.5)
    np.testing.assert_allclose(rates, [0.1, 0.1, 0.1, 0.05], rtol=1e-6)
    _, rates = learning_rates(values, patience=2, factor=0.5, min_delta=0)
    np.testing.assert_allclose(rates, [0.1, 0.1, 0.1, 0.1], rtol=1e-6)


def test_reduce_lr_on_plateau_cooldown_pauses_the_wait():
    _, rates = learning_rates([1.0] * 6, patience=1, factor=0.5, cooldown=2)
    np.testing.assert_allclose(rates, [0.1, 0.1, 0.05, 0.05, 0.025, 0.025], rtol=1e-6)


def test_reduce_lr_on_plateau_never_goes_below_min_lr():
    model, rates = learning_rates([1.0] * 5, patience=1, factor=0.1, min_lr=0.002)
    np.testing.assert_allclose(rates, [0.1, 0.1, 0.01, 0.002, 0.002], rtol=1e-6)
    np.testing.assert_allclose(model.optimizer.learning_rate, 0.002, rtol=1e-6)


def test_reduce_lr_on_plateau_mode_max():
    _, rates = learning_rates([0.5, 0.4, 0.3], monitor="val_acc", mode="max", patience=1,
                              factor=0.5)
    np.testing.assert_allclose(rates, [0.1, 0.1, 0.05], rtol=1e-6)


def test_reduced_rate_is_the_rate_training_uses():
    # After the reduction to 0, SGD no longer moves the weights.
    model, x, y = regression(learning_rate=0.1)
    weights = []
    model.fit(x, y, epochs=4, batch_size=8, verbose=0, callbacks=[
        Scripted("val_loss", [1.0, 1.0, 1.0, 1.0]),
        ReduceLROnPlateau(patience=1, factor=0.0),
        LambdaCallback(on_epoch_end=lambda epoch, logs: weights.append(model.get_weights()[0]))])
    assert not np.array_equal(weights[0], weights[1])
    np.testing.assert_array_equal(weights[1], weights[2])
    np.testing.assert_array_equal(weights[2], weights[3])


def test_reduce_lr_on_plateau_rejects_factor_of_one_or_more():
    with pytest.raises(ValueError, match="factor >= 1.0"):
        ReduceLROnPlateau(factor=1.0)


def test_reduce_lr_on_plateau_verbose_message(capsys):
    learning_rates([1.0, 1.0], patience=1, factor=0.5, verbose=1)
    assert "Epoch 2: ReduceLROnPlateau reducing learning rate to 0.05" in capsys.readouterr().err


def test_no_warning_when_the_monitor_is_present():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit_scripted(EarlyStopping(patience=5), [1.0, 0.9, 0.8])
