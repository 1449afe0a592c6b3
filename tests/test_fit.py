"""fit, evaluate and predict follow Keras's semantics (see KERAS_FACTS.md, "Model API")."""

import numpy as np
import pytest

import handkeras as keras
from handkeras import layers


class RowRecorder(layers.Layer):
    """Passes its input through and records, per forward, the row ids (column 0) and the mode."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.calls = []

    def forward(self, x, training=False):
        self.calls.append((bool(training), x[:, 0].astype(int).tolist()))
        return x

    def backward(self, dy, input_gradient=True):
        return dy

    def training_batches(self):
        return [ids for training, ids in self.calls if training]

    def inference_batches(self):
        return [ids for training, ids in self.calls if not training]


class BatchLogs(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.batches, self.epochs = [], []

    def on_train_batch_end(self, batch, logs=None):
        self.batches.append(dict(logs))

    def on_epoch_end(self, epoch, logs=None):
        self.epochs.append(dict(logs))


def indexed_rows(n, width=3):
    """Rows whose first column is the row's index, so a recorder can tell which rows it saw."""
    x = np.random.default_rng(0).standard_normal((n, width)).astype(np.float32)
    x[:, 0] = np.arange(n)
    return x


def recorded_model(units=2, lr=0.01):
    recorder = RowRecorder()
    model = keras.Sequential([keras.Input((3,)), recorder, layers.Dense(units)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=lr), loss="mse")
    return model, recorder


# ------------------------------------------------------------------------------------- batching
def test_default_batch_size_is_32_and_the_partial_last_batch_is_kept():
    model, recorder = recorded_model()
    model.fit(indexed_rows(70), np.zeros((70, 2)), epochs=1, verbose=0)
    assert [len(ids) for ids in recorder.training_batches()] == [32, 32, 6]


def test_explicit_batch_size():
    model, recorder = recorded_model()
    model.fit(indexed_rows(10), np.zeros((10, 2)), batch_size=4, epochs=2, verbose=0)
    assert [len(ids) for ids in recorder.training_batches()] == [4, 4, 2] * 2


def test_xor_with_four_rows_trains():
    """Four rows make one partial batch of the default 32: dropping it would train nothing."""
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    y = np.array([[0], [1], [1], [0]], dtype=np.float32)
    model = keras.Sequential([keras.Input((2,)), layers.Dense(8, activation="tanh"),
                              layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.05), loss="binary_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x, y, epochs=300, verbose=0)
    assert history.history["loss"][-1] < 0.1
    assert history.history["accuracy"][-1] == 1.0
    np.testing.assert_array_equal(model.predict(x, verbose=0).round(), y)


# ------------------------------------------------------------------------------------- shuffling
def test_every_epoch_draws_a_fresh_permutation_and_leaves_the_callers_arrays_alone():
    x, y = indexed_rows(40), np.random.default_rng(1).standard_normal((40, 2)).astype(np.float32)
    x_before, y_before = x.copy(), y.copy()
    model, recorder = recorded_model()
    model.fit(x, y, batch_size=8, epochs=4, verbose=0)
    batches = recorder.training_batches()
    epochs = [sum(batches[i:i + 5], []) for i in range(0, 20, 5)]
    for order in epochs:
        assert sorted(order) == list(range(40))
        assert order != list(range(40))
    assert len({tuple(order) for order in epochs}) == 4
    np.testing.assert_array_equal(x, x_before)
    np.testing.assert_array_equal(y, y_before)


def test_shuffle_false_keeps_the_order():
    model, recorder = recorded_model()
    model.fit(indexed_rows(10), np.zeros((10, 2)), batch_size=4, epochs=2, shuffle=False, verbose=0)
    assert recorder.training_batches() == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]] * 2


# ------------------------------------------------------------------------------------- validation
@pytest.mark.parametrize("split, first_validation_row", [(0.2, 8), (0.25, 7), (0.5, 5)])
def test_validation_split_takes_the_last_rows_before_shuffling(split, first_validation_row):
    model, recorder = recorded_model()
    model.fit(indexed_rows(10), np.zeros((10, 2)), batch_size=3, epochs=3,
              validation_split=split, verbose=0)
    training_rows = sum(recorder.training_batches(), [])
    assert sorted(training_rows) == sorted(list(range(first_validation_row)) * 3)
    validation = recorder.inference_batches()
    assert sum(validation, []) == list(range(first_validation_row, 10)) * 3


def test_validation_split_leaving_an_empty_part_is_an_error():
    model, _ = recorded_model()
    with pytest.raises(ValueError, match="validation_split"):
        model.fit(indexed_rows(3), np.zeros((3, 2)), validation_split=0.9, verbose=0)
    with pytest.raises(ValueError, match="validation_split"):
        model.fit(indexed_rows(3), np.zeros((3, 2)), validation_split=1e-17, verbose=0)
    with pytest.raises(ValueError, match="validation_split"):
        model.fit(indexed_rows(3), np.zeros((3, 2)), validation_split=1.0, verbose=0)


def test_validation_data_overrides_validation_split():
    model, recorder = recorded_model()
    x_val = indexed_rows(25)[20:]
    history = model.fit(indexed_rows(10), np.zeros((10, 2)), validation_split=0.5,
                        validation_data=(x_val, np.zeros((5, 2))), verbose=0)
    assert sorted(sum(recorder.training_batches(), [])) == list(range(10))
    assert recorder.inference_batches() == [[20, 21, 22, 23, 24]]
    assert "val_loss" in history.history


def test_validation_runs_in_inference_mode(float64):
    """With Dropout active in training only, val_loss is exactly evaluate()'s loss."""
    x = np.random.default_rng(0).standard_normal((40, 4))
    y = np.random.default_rng(1).standard_normal((40, 3))
    model = keras.Sequential([keras.Input((4,)), layers.Dense(16, activation="relu"),
                              layers.Dropout(0.5), layers.Dense(3)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.0), loss="mse")
    history = model.fit(x[:30], y[:30], validation_data=(x[30:], y[30:]), epochs=2, verbose=0)
    assert history.history["val_loss"][0] == pytest.approx(model.evaluate(x[30:], y[30:], verbose=0),
                                                           rel=1e-12)
    assert history.history["loss"][0] != pytest.approx(model.evaluate(x[:30], y[:30], verbose=0),
                                                       rel=1e-3)


# ------------------------------------------------------------------------------------- logs
def test_logs_are_batch_size_weighted_running_means(float64):
    """With a learning rate of 0 the weights never move, so each batch's loss can be recomputed."""
    x = np.random.default_rng(0).standard_normal((10, 3))
    y = np.random.default_rng(1).standard_normal((10, 2)) * np.arange(1, 11)[:, None]
    model = keras.Sequential([keras.Input((3,)), layers.Dense(2)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.0), loss="mse", metrics=["mae"])
    recorder = BatchLogs()
    history = model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0,
                        callbacks=[recorder])
    pred = model.predict(x, verbose=0)
    sizes = np.array([4, 4, 2])
    bounds = [(0, 4), (4, 8), (8, 10)]
    batch_mse = np.array([np.mean((pred[a:b] - y[a:b]) ** 2) for a, b in bounds])
    batch_mae = np.array([np.mean(np.abs(pred[a:b] - y[a:b])) for a, b in bounds])
    running = np.cumsum(sizes * batch_mse) / np.cumsum(sizes)
    running_mae = np.cumsum(sizes * batch_mae) / np.cumsum(sizes)
    assert [logs["loss"] for logs in recorder.batches] == pytest.approx(list(running) * 2, rel=1e-12)
    assert [logs["mae"] for logs in recorder.batches] == pytest.approx(list(running_mae) * 2,
                                                                       rel=1e-12)
    assert history.history["loss"] == pytest.approx([running[-1]] * 2, rel=1e-12)
    assert running[-1] == pytest.approx(np.mean((pred - y) ** 2), rel=1e-12)
    assert running[-1] != pytest.approx(batch_mse.mean(), rel=1e-3)  # the unweighted mean differs


def test_epoch_loss_is_the_running_mean_not_a_re_evaluation():
    x = np.random.default_rng(0).standard_normal((64, 3)).astype(np.float32)
    y = x @ np.array([[1.0], [-2.0], [0.5]], dtype=np.float32)
    model = keras.Sequential([keras.Input((3,)), layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse")
    recorder = BatchLogs()
    history = model.fit(x, y, batch_size=8, epochs=1, verbose=0, callbacks=[recorder])
    assert history.history["loss"][0] == recorder.batches[-1]["loss"]
    assert history.history["loss"][0] > model.evaluate(x, y, verbose=0)


# ------------------------------------------------------------------------------------- History
def test_history_keys_are_sorted_and_keep_the_users_metric_names():
    x = np.random.default_rng(0).standard_normal((20, 3)).astype(np.float32)
    y = (x[:, :1] > 0).astype(np.float32)
    model = keras.Sequential([keras.Input((3,)), layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["acc"])
    history = model.fit(x, y, epochs=3, validation_split=0.25, verbose=0)
    assert list(history.history) == ["acc", "loss", "val_acc", "val_loss"]
    assert history.epoch == [0, 1, 2]
    assert model.history is history
    for values in history.history.values():
        assert len(values) == 3 and all(isinstance(v, float) for v in values)
    assert all(0 <= v <= 1 for v in history.history["acc"])


def test_history_records_each_epochs_logs():
    model, _ = recorded_model()
    recorder = BatchLogs()
    history = model.fit(indexed_rows(10), np.ones((10, 2)), epochs=3, verbose=0,
                        callbacks=[recorder])
    assert history.history["loss"] == [logs["loss"] for logs in recorder.epochs]
    assert list(history.history) == ["loss"]


# ------------------------------------------------------------------------------------- stopping
class StopAt(keras.callbacks.Callback):
    def __init__(self, epoch=None, batch=None):
        super().__init__()
        self.epoch, self.batch, self.batches_seen = epoch, batch, 0

    def on_train_batch_end(self, batch, logs=None):
        self.batches_seen += 1
        if batch == self.batch:
            self.model.stop_training = True

    def on_epoch_end(self, epoch, logs=None):
        if epoch == self.epoch:
            self.model.stop_training = True


def test_stop_training_at_an_epoch_end_stops_after_that_epoch():
    model, _ = recorded_model()
    history = model.fit(indexed_rows(10), np.ones((10, 2)), batch_size=5, epochs=10, verbose=0,
                        callbacks=[StopAt(epoch=1)])
    assert history.epoch == [0, 1] and len(history.history["loss"]) == 2


def test_stop_training_at_a_batch_end_ends_the_epoch_there():
    model, _ = recorded_model()
    stopper = StopAt(batch=1)
    history = model.fit(indexed_rows(20), np.ones((20, 2)), batch_size=5, epochs=10, verbose=0,
                        callbacks=[stopper])
    assert stopper.batches_seen == 2 and history.epoch == [0]


def test_a_new_fit_clears_stop_training():
    model, _ = recorded_model()
    model.fit(indexed_rows(10), np.ones((10, 2)), epochs=5, verbose=0, callbacks=[StopAt(epoch=0)])
    assert model.fit(indexed_rows(10), np.ones((10, 2)), epochs=3, verbose=0).epoch == [0, 1, 2]


# ------------------------------------------------------------------------------------- verbose
def fit_quietly(verbose, epochs=2):
    model, _ = recorded_model()
    model.fit(indexed_rows(10), np.ones((10, 2)), batch_size=4, epochs=epochs, verbose=verbose)
    return model


def test_verbose_0_prints_nothing(capsys):
    model = fit_quietly(0)
    model.evaluate(indexed_rows(4), np.ones((4, 2)), verbose=0)
    model.predict(indexed_rows(4), verbose=0)
    assert capsys.readouterr() == ("", "")


def test_verbose_2_prints_one_line_per_epoch(capsys):
    fit_quietly(2, epochs=3)
    out, err = capsys.readouterr()
    assert out == ""
    lines = err.splitlines()
    for epoch in (1, 2, 3):
        assert f"Epoch {epoch}/3" in lines
    assert len([line for line in lines if "loss:" in line]) == 3


@pytest.mark.parametrize("verbose", [1, "auto"])
def test_verbose_1_draws_a_progress_bar(capsys, verbose):
    fit_quietly(verbose)
    out, err = capsys.readouterr()
    assert out == ""
    assert "Epoch 1/2" in err and "Epoch 2/2" in err
    assert "3/3" in err and "loss" in err


# ------------------------------------------------------------------------------------- evaluate, predict
def compiled_classifier(metrics=None):
    model = keras.Sequential([keras.Input((3,)), layers.Dense(4, activation="softmax")])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=metrics)
    return model


X = np.random.default_rng(0).standard_normal((13, 3)).astype(np.float32)
LABELS = np.random.default_rng(1).integers(0, 4, 13)


def test_evaluate_returns_a_scalar_without_metrics():
    model = compiled_classifier()
    loss = model.evaluate(X, LABELS, batch_size=5, verbose=0)
    assert isinstance(loss, float)
    probs = model.predict(X, verbose=0).astype(np.float64)
    assert loss == pytest.approx(-np.mean(np.log(probs[np.arange(13), LABELS])), rel=1e-5)


def test_evaluate_returns_a_list_with_metrics_and_a_dict_on_request():
    model = compiled_classifier(metrics=["accuracy"])
    loss, accuracy = model.evaluate(X, LABELS, batch_size=5, verbose=0)
    probs = model.predict(X, verbose=0)
    assert accuracy == pytest.approx(np.mean(probs.argmax(-1) == LABELS))
    assert model.evaluate(X, LABELS, verbose=0, return_dict=True) == pytest.approx(
        {"loss": loss, "accuracy": accuracy}, rel=1e-6)
    assert model.metrics_names == ["loss", "accuracy"]


@pytest.mark.parametrize("floatx, logged", [("float32", 0.4625000059604645), ("float64", 0.4625)])
def test_logged_values_are_rounded_to_the_metrics_dtype_as_keras_logs_them(floatx, logged):
    """37 of 80 right: Keras's float32 accuracy variable holds 0.4625 as 0.4625000059604645."""
    keras.config.set_floatx(floatx)
    model = keras.Sequential([keras.Input((2,)), layers.Dense(2, kernel_initializer="zeros")])
    model.set_weights([np.zeros((2, 2)), np.array([1.0, 0.0])])  # always class 0
    model.compile(loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    labels = (np.arange(80) >= 37).astype("int64")
    _, accuracy = model.evaluate(np.zeros((80, 2)), labels, verbose=0)
    assert accuracy == logged


def test_predict_returns_one_array_of_floatx_whatever_the_batch_size():
    model = compiled_classifier()
    out = model.predict(X, verbose=0)
    assert isinstance(out, np.ndarray) and out.shape == (13, 4) and out.dtype == np.float32
    np.testing.assert_allclose(model.predict(X, batch_size=3, verbose=0), out, rtol=1e-6)
    np.testing.assert_allclose(model.predict(X.tolist(), batch_size=1, verbose=0), out, rtol=1e-6)
    np.testing.assert_allclose(model(X), out, rtol=1e-6)


def test_fit_evaluate_and_predict_check_their_arguments():
    model = compiled_classifier()
    with pytest.raises(ValueError, match="batch_size"):
        model.fit(X, LABELS, batch_size=0, verbose=0)
    with pytest.raises(ValueError, match="rows"):
        model.fit(X, LABELS[:5], verbose=0)
    with pytest.raises(ValueError, match="shape"):
        model.predict(np.ones((2, 5)), verbose=0)
    with pytest.raises(ValueError, match="compile"):
        keras.Sequential([keras.Input((3,)), layers.Dense(1)]).fit(X, LABELS, verbose=0)


# ------------------------------------------------------------------------------------- compile
def fresh_model():
    return keras.Sequential([keras.Input((2,)), layers.Dense(1)])


def test_compile_with_lr_and_no_optimizer_is_sgd_at_that_rate():
    model = fresh_model()
    model.compile(loss="mse", lr=0.3)
    assert isinstance(model.optimizer, keras.optimizers.SGD)
    assert model.optimizer.learning_rate == pytest.approx(0.3)
    assert model.optimizer.momentum == 0


def test_compile_with_lr_and_an_optimizer_name():
    model = fresh_model()
    model.compile(optimizer="adam", loss="mse", lr=0.1)
    assert isinstance(model.optimizer, keras.optimizers.Adam)
    assert model.optimizer.learning_rate == pytest.approx(0.1)


def test_compile_with_lr_and_an_optimizer_object_is_an_error():
    model = fresh_model()
    with pytest.raises(ValueError, match="lr"):
        model.compile(optimizer=keras.optimizers.SGD(), loss="mse", lr=0.1)
    assert not model.compiled


def test_compile_defaults_to_rmsprop():
    model = fresh_model()
    model.compile(loss="mse")
    assert isinstance(model.optimizer, keras.optimizers.RMSprop)
    assert model.optimizer.learning_rate == pytest.approx(0.001)


@pytest.mark.parametrize("arguments, bad", [
    ({"optimizer": "adamm", "loss": "mse"}, "adamm"),
    ({"optimizer": "sgd", "loss": "mean_squared_errror"}, "mean_squared_errror"),
    ({"optimizer": "sgd", "loss": "mse", "metrics": ["acuracy"]}, "acuracy"),
])
def test_unknown_names_fail_at_compile_time_listing_the_valid_ones(arguments, bad):
    model = fresh_model()
    with pytest.raises(ValueError, match=bad) as error:
        model.compile(**arguments)
    assert "Valid" in str(error.value) or "valid" in str(error.value)
    assert not model.compiled


def test_a_failed_compile_leaves_the_previous_compilation_in_place():
    model = fresh_model()
    model.compile(optimizer="adam", loss="mae", metrics=["mse"])
    optimizer, loss = model.optimizer, model.loss
    for arguments in ({"optimizer": "nope", "loss": "mse"}, {"loss": "nope"},
                      {"loss": "mse", "metrics": ["nope"]}):
        with pytest.raises(ValueError, match="nope"):
            model.compile(**arguments)
        assert model.optimizer is optimizer and model.loss is loss
        assert model.metrics_names == ["loss", "mse"]


def test_unknown_names_fail_when_a_layer_is_constructed():
    with pytest.raises(ValueError, match="relu"):
        layers.Dense(2, activation="reluu")
    with pytest.raises(ValueError, match="glorot_uniform"):
        layers.Dense(2, kernel_initializer="glorot_uniformm")


# ------------------------------------------------------------------------------------- floatx and seeds
def test_set_floatx_float64_runs_everything_in_float64(float64):
    x = np.random.default_rng(0).standard_normal((12, 3)).astype(np.float32)
    y = np.random.default_rng(1).standard_normal((12, 2)).astype(np.float32)
    model = keras.Sequential([keras.Input((3,)), layers.Dense(4, activation="tanh"),
                              layers.Dropout(0.2), layers.Dense(2)])
    model.compile(optimizer="adam", loss="mse")
    assert all(w.dtype == np.float64 for w in model.weights)
    model.fit(x, y, epochs=2, verbose=0)
    assert all(w.dtype == np.float64 for w in model.weights)
    assert model.predict(x, verbose=0).dtype == np.float64
    assert model(x).dtype == np.float64
    _, grads = model.compute_gradients(x, y)
    assert all(g.dtype == np.float64 for g in grads)


def seeded_run(seed):
    keras.utils.set_random_seed(seed)
    x = np.random.default_rng(0).standard_normal((50, 4)).astype(np.float32)
    y = np.random.default_rng(1).integers(0, 3, 50)
    model = keras.Sequential([keras.Input((4,)), layers.Dense(8, activation="relu"),
                              layers.Dropout(0.3), layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, batch_size=8, epochs=3, validation_split=0.2, verbose=0)
    return model.get_weights(), history.history


def test_set_random_seed_makes_a_whole_fit_bitwise_reproducible():
    weights_a, history_a = seeded_run(3)
    weights_b, history_b = seeded_run(3)
    for a, b in zip(weights_a, weights_b):
        np.testing.assert_array_equal(a, b)
    assert history_a == history_b
    weights_c, history_c = seeded_run(4)
    assert not np.array_equal(weights_a[0], weights_c[0])
    assert history_a != history_c


def test_set_random_seed_fixes_initialization_shuffling_and_dropout_separately():
    def init():
        keras.utils.set_random_seed(9)
        return keras.Sequential([keras.Input((3,)), layers.Dense(5)]).get_weights()[0]

    np.testing.assert_array_equal(init(), init())

    def shuffled():
        keras.utils.set_random_seed(9)
        model, recorder = recorded_model()
        model.fit(indexed_rows(12), np.zeros((12, 2)), batch_size=4, verbose=0)
        return recorder.training_batches()

    assert shuffled() == shuffled()

    def dropped():
        keras.utils.set_random_seed(9)
        return layers.Dropout(0.5)(np.ones((4, 6)), training=True)

    np.testing.assert_array_equal(dropped(), dropped())


def dense_10(loss="mse"):
    model = keras.Sequential([keras.Input((20,)), layers.Dense(10)])
    model.compile(keras.optimizers.SGD(), loss=loss)
    return model


def test_a_target_per_row_serves_every_unit_in_batches_of_one_row(float64):
    # Keras's losses broadcast y of shape (1,) against outputs (1, 10): EarlyStopping's docstring
    # fits np.zeros(5) to a Dense(10) with batch_size=1.
    x = np.random.default_rng(0).normal(size=(5, 20))
    y = np.arange(5.0)
    broadcast, repeated = dense_10(), dense_10()
    repeated.set_weights(broadcast.get_weights())
    h1 = broadcast.fit(x, y, batch_size=1, epochs=2, shuffle=False, verbose=0)
    h2 = repeated.fit(x, np.repeat(y[:, None], 10, axis=1), batch_size=1, epochs=2,
                      shuffle=False, verbose=0)
    np.testing.assert_allclose(h1.history["loss"], h2.history["loss"], rtol=1e-12)
    for ours, expected in zip(broadcast.get_weights(), repeated.get_weights()):
        np.testing.assert_allclose(ours, expected, rtol=1e-12)
    assert broadcast.evaluate(x, y, batch_size=1, verbose=0) == pytest.approx(
        repeated.evaluate(x, np.repeat(y[:, None], 10, axis=1), verbose=0), rel=1e-12)
    assert np.isfinite(broadcast.train_on_batch(x[:1], y[:1]))


def test_a_target_per_row_is_refused_in_larger_batches_and_by_cross_entropies():
    x, y = np.zeros((5, 20)), np.zeros(5)
    model = dense_10()
    weights = [w.copy() for w in model.get_weights()]
    for call in (lambda: model.fit(x, y, batch_size=2, verbose=0),
                 lambda: model.fit(x, y, verbose=0),
                 lambda: model.evaluate(x, y, verbose=0),
                 lambda: model.train_on_batch(x, y)):
        with pytest.raises(ValueError, match=r"`y` with shape \(5,\).*only in batches of one row"):
            call()
    for loss in ("categorical_crossentropy", "binary_crossentropy", "categorical_hinge", "dice"):
        with pytest.raises(ValueError, match=r"`y` with shape \(5,\) does not fit"):
            dense_10(loss).fit(x, y, batch_size=1, verbose=0)
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), weights))
