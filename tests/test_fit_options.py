"""Every option of fit, evaluate and predict, and the single-batch methods, with Keras's semantics.

The reference tests (tests/reference/test_keras_fit_options.py) compare the same options with Keras
itself; these tests state each rule directly, without Keras.
"""

import warnings

import numpy as np
import pytest

import handkeras as keras
from handkeras import layers


# ------------------------------------------------------------------------------------- helpers
class RowRecorder(layers.Layer):
    """Passes its input through and records the row ids (column 0) of each forward, by mode."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.training_rows, self.inference_rows = [], []

    def forward(self, x, training=False):
        (self.training_rows if training else self.inference_rows).append(x[:, 0].astype(int).tolist())
        return x

    def backward(self, dy, input_gradient=True):
        return dy


def indexed_rows(n, width=3, seed=0):
    """Rows whose first column is the row's index, so a RowRecorder can tell which rows it saw."""
    x = np.random.default_rng(seed).standard_normal((n, width))
    x[:, 0] = np.arange(n)
    return x


def recorded_model(outputs=2):
    recorder = RowRecorder()
    model = keras.Sequential([keras.Input((3,)), recorder, layers.Dense(outputs)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.001), loss="mse")
    return model, recorder


class EpochRecorder(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.begun, self.logs, self.batches = [], {}, {}

    def on_epoch_begin(self, epoch, logs=None):
        self.begun.append(epoch)
        self.batches[epoch] = []

    def on_train_batch_begin(self, batch, logs=None):
        self.batches[self.begun[-1]].append(batch)

    def on_epoch_end(self, epoch, logs=None):
        self.logs[epoch] = dict(logs)


def classifier(inputs=4, classes=3, activation="softmax", seed=0):
    keras.utils.set_random_seed(seed)
    return keras.Sequential([keras.Input((inputs,)), layers.Dense(5, activation="tanh"),
                             layers.Dense(classes, activation=activation)])


def same_weights(a, b):
    return all(np.array_equal(u, v) for u, v in zip(a.get_weights(), b.get_weights()))


def ran_out_of_data(caught):
    return [w for w in caught if "ran out of data" in str(w.message)]


# ------------------------------------------------------------------------------------- class_weight
CLASSES = np.array([0, 1, 2, 2, 1, 0, 2, 2, 1, 0, 2])
CLASS_WEIGHT = {0: 0.5, 2: 4.0}           # class 1 is not listed: it weighs 1
AS_SAMPLE_WEIGHT = np.array([0.5, 1.0, 4.0])[CLASSES]


@pytest.mark.parametrize("targets,loss", [
    (np.eye(3)[CLASSES], "categorical_crossentropy"),
    (CLASSES, "sparse_categorical_crossentropy"),
    (CLASSES[:, None], "sparse_categorical_crossentropy"),
    (CLASSES.astype(float), "sparse_categorical_crossentropy"),
], ids=["one_hot", "sparse", "sparse_column", "sparse_float"])
def test_class_weight_weighs_each_sample_by_its_class(float64, targets, loss):
    x = np.random.default_rng(1).normal(size=(11, 4))
    by_class, by_sample = classifier(), classifier()
    for model in (by_class, by_sample):
        model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.3), loss=loss)
    by_class.fit(x, targets, batch_size=4, epochs=2, shuffle=False, verbose=0,
                 class_weight=CLASS_WEIGHT)
    by_sample.fit(x, targets, batch_size=4, epochs=2, shuffle=False, verbose=0,
                  sample_weight=AS_SAMPLE_WEIGHT)
    assert same_weights(by_class, by_sample)


def test_class_weight_rounds_a_single_output_to_its_class(float64):
    """With one output unit a sample's class is its target rounded (0.4 -> 0, 0.6 -> 1, 0.5 -> 0,
    as numpy rounds half to even)."""
    x = np.random.default_rng(2).normal(size=(6, 4))
    y = np.array([[0.4], [0.6], [0.5], [1.0], [0.0], [0.9]])
    by_class, by_sample = classifier(classes=1, activation="sigmoid"), classifier(
        classes=1, activation="sigmoid")
    for model in (by_class, by_sample):
        model.compile(optimizer="sgd", loss="binary_crossentropy")
    by_class.fit(x, y, shuffle=False, verbose=0, class_weight={0: 3.0, 1: 0.5})
    by_sample.fit(x, y, shuffle=False, verbose=0, sample_weight=np.array([3, .5, 3, .5, 3, .5]))
    assert same_weights(by_class, by_sample)


def test_class_weight_takes_any_integer_label_of_a_single_output():
    """Hinge losses use -1 / 1 labels; the -1 key weighs those samples, as in Keras."""
    x = np.random.default_rng(3).normal(size=(6, 4))
    y = np.array([-1, 1, 1, -1, 1, 1])
    by_class, by_sample = classifier(classes=1, activation="tanh"), classifier(
        classes=1, activation="tanh")
    for model in (by_class, by_sample):
        model.compile(optimizer="sgd", loss="hinge")
    by_class.fit(x, y, shuffle=False, verbose=0, class_weight={-1: 2.0})
    by_sample.fit(x, y, shuffle=False, verbose=0, sample_weight=np.where(y < 0, 2.0, 1.0))
    assert same_weights(by_class, by_sample)


def test_class_weight_reaches_weighted_metrics_only():
    x = np.random.default_rng(4).normal(size=(11, 4))
    model = classifier()
    model.compile(loss="sparse_categorical_crossentropy", metrics=["accuracy"],
                  weighted_metrics=["accuracy"])
    correct = model.predict(x, verbose=0).argmax(axis=1) == CLASSES
    # One batch: the metrics see the predictions made before the step.
    history = model.fit(x, CLASSES, batch_size=11, epochs=1, verbose=0,
                        class_weight={0: 0.0, 1: 0.0})
    # Keras's names: the weighted twin of a metric already named "accuracy" is "weighted_accuracy".
    assert sorted(history.history) == ["accuracy", "loss", "weighted_accuracy"]
    assert history.history["accuracy"] == [pytest.approx(np.mean(correct))]
    assert history.history["weighted_accuracy"] == [pytest.approx(np.mean(correct[CLASSES == 2]))]


def test_class_weight_with_sample_weight_is_an_error_as_in_keras():
    x = np.random.default_rng(5).normal(size=(11, 4))
    model = classifier()
    model.compile(loss="sparse_categorical_crossentropy")
    before = model.get_weights()
    for call in (lambda: model.fit(x, CLASSES, class_weight={0: 2.0}, sample_weight=np.ones(11),
                                   verbose=0),
                 lambda: model.train_on_batch(x, CLASSES, class_weight={0: 2.0},
                                              sample_weight=np.ones(11))):
        with pytest.raises(ValueError, match="`class_weight` and `sample_weight` cannot be given"):
            call()
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))
    assert model.optimizer.iterations == 0


def test_class_weight_keys_must_be_classes_the_output_can_have():
    x = np.random.default_rng(6).normal(size=(11, 4))
    model = classifier()
    model.compile(loss="sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match=r"keys must be class indices in \[0, 3\), received \[3\]"):
        model.fit(x, CLASSES, class_weight={1: 2.0, 3: 1.0}, verbose=0)


# ------------------------------------------------------------------------------------- sample_weight
def test_zero_sample_weights_remove_rows_from_training(float64):
    x = np.random.default_rng(7).normal(size=(10, 4))
    y = np.random.default_rng(8).normal(size=(10, 3))
    weights = np.array([1, 0, 1, 1, 0, 1, 1, 1, 0, 1], dtype=float)
    noisy = y.copy()
    noisy[weights == 0] = 1e6  # targets of rows that weigh nothing do not matter
    a, b = classifier(activation=None), classifier(activation=None)
    for model, targets in ((a, y), (b, noisy)):
        model.compile(optimizer="adam", loss="mse")
        model.fit(x, targets, batch_size=3, epochs=2, shuffle=False, verbose=0,
                  sample_weight=weights)
    assert same_weights(a, b)


def test_sample_weight_scales_the_loss_not_its_normalization(float64):
    """Keras divides the weighted sum by the number of samples, so weights of 2 double the
    gradient (plain SGD then moves as with twice the learning rate)."""
    x = np.random.default_rng(9).normal(size=(8, 4))
    y = np.random.default_rng(10).normal(size=(8, 3))
    doubled, fast = classifier(activation=None), classifier(activation=None)
    doubled.compile(optimizer=keras.optimizers.SGD(learning_rate=0.05), loss="mse")
    fast.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse")
    history = doubled.fit(x, y, batch_size=3, shuffle=False, verbose=0,
                          sample_weight=np.full(8, 2.0))
    fast_history = fast.fit(x, y, batch_size=3, shuffle=False, verbose=0)
    for a, b in zip(doubled.get_weights(), fast.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-12)
    np.testing.assert_allclose(history.history["loss"], 2 * np.array(fast_history.history["loss"]),
                               rtol=1e-12)


# ------------------------------------------------------------------------------------- initial_epoch
def test_initial_epoch_numbers_the_epochs_and_runs_up_to_epochs():
    model, _ = recorded_model()
    epochs = EpochRecorder()
    history = model.fit(indexed_rows(6), np.zeros((6, 2)), epochs=5, initial_epoch=2, verbose=0,
                        callbacks=[epochs])
    assert epochs.begun == [2, 3, 4]
    assert history.epoch == [2, 3, 4]
    assert len(history.history["loss"]) == 3
    assert history.params["epochs"] == 5
    assert model.optimizer.iterations == 3


def test_initial_epoch_at_or_past_epochs_trains_nothing():
    model, _ = recorded_model()
    before = model.get_weights()
    history = model.fit(indexed_rows(6), np.zeros((6, 2)), epochs=3, initial_epoch=3, verbose=0)
    assert history.history == {} and history.epoch == []
    assert same_weights_as(model, before)


def same_weights_as(model, values):
    return all(np.array_equal(a, b) for a, b in zip(model.get_weights(), values))


# ------------------------------------------------------------------------------------- steps_per_epoch
def test_steps_per_epoch_carries_the_pass_on_and_an_epoch_stops_at_its_end():
    """10 rows in batches of 4 are a pass of 3 batches. With 2 steps an epoch, epoch 1 takes the
    pass's last batch and stops there with Keras's warning; epoch 2 starts a new pass."""
    model, recorder = recorded_model()
    epochs = EpochRecorder()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = model.fit(indexed_rows(10), np.zeros((10, 2)), batch_size=4, epochs=4,
                            steps_per_epoch=2, shuffle=False, verbose=0, callbacks=[epochs])
    first, second, last = list(range(4)), list(range(4, 8)), [8, 9]
    assert recorder.training_rows == [first, second, last, first, second, last]
    assert epochs.batches == {0: [0, 1], 1: [0], 2: [0, 1], 3: [0]}
    assert history.params["steps"] == 2
    assert len(ran_out_of_data(caught)) == 2
    assert ran_out_of_data(caught)[0].filename == __file__  # points at the fit call


def test_steps_per_epoch_beyond_a_pass_stops_every_epoch_at_the_pass_end():
    model, recorder = recorded_model()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(indexed_rows(10), np.zeros((10, 2)), batch_size=4, epochs=2, steps_per_epoch=5,
                  shuffle=False, verbose=0)
    assert len(recorder.training_rows) == 6
    assert len(ran_out_of_data(caught)) == 2


def test_steps_per_epoch_with_shuffling_draws_a_new_permutation_per_pass():
    model, recorder = recorded_model()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(indexed_rows(10), np.zeros((10, 2)), batch_size=4, epochs=6, steps_per_epoch=2,
                  verbose=0)
    batches = recorder.training_rows
    passes = [sum(batches[i:i + 3], []) for i in range(0, 9, 3)]
    assert [sorted(rows) for rows in passes] == [list(range(10))] * 3  # every row once per pass
    assert len({tuple(rows) for rows in passes}) == 3


def test_steps_per_epoch_without_batch_size_spreads_the_rows_over_the_steps():
    model, recorder = recorded_model()
    model.fit(indexed_rows(70), np.zeros((70, 2)), epochs=1, steps_per_epoch=3, verbose=0)
    assert [len(rows) for rows in recorder.training_rows] == [24, 24, 22]  # ceil(70 / 3) = 24


# ------------------------------------------------------------------------------------- shuffle="batch"
def test_shuffle_batch_keeps_the_batches_in_order_and_shuffles_rows_inside_each():
    """Keras's ``shuffle="batch"``: batch i holds rows [i * b, (i + 1) * b) in a random order."""
    model, recorder = recorded_model()
    model.fit(indexed_rows(10), np.zeros((10, 2)), batch_size=4, epochs=5, shuffle="batch",
              verbose=0)
    blocks = [list(range(4)), list(range(4, 8)), [8, 9]]
    batches = recorder.training_rows
    assert [sorted(rows) for rows in batches] == blocks * 5
    assert any(rows != sorted(rows) for rows in batches)


def test_shuffle_batch_is_reproducible_with_a_seed():
    orders = []
    for _ in range(2):
        keras.utils.set_random_seed(5)
        model, recorder = recorded_model()
        model.fit(indexed_rows(10), np.zeros((10, 2)), batch_size=4, epochs=3, shuffle="batch",
                  verbose=0)
        orders.append(recorder.training_rows)
    assert orders[0] == orders[1]


# ------------------------------------------------------------------------------------- validation
def test_validation_data_with_sample_weights_is_a_weighted_evaluation():
    model, _ = recorded_model()
    x_val, y_val = indexed_rows(7, seed=1), np.random.default_rng(2).normal(size=(7, 2))
    weights = np.random.default_rng(3).uniform(0, 2, size=7)
    history = model.fit(indexed_rows(9), np.zeros((9, 2)), epochs=1, verbose=0,
                        validation_data=(x_val, y_val, weights))
    expected = model.evaluate(x_val, y_val, sample_weight=weights, verbose=0)
    unweighted = model.evaluate(x_val, y_val, verbose=0)
    assert history.history["val_loss"] == [pytest.approx(expected, rel=1e-6)]
    assert expected != pytest.approx(unweighted, rel=1e-3)


def test_validation_batch_size_and_validation_steps():
    model, recorder = recorded_model()
    model.fit(indexed_rows(8), np.zeros((8, 2)), batch_size=4, epochs=1, verbose=0,
              validation_data=(indexed_rows(11), np.zeros((11, 2))), validation_batch_size=3)
    assert recorder.inference_rows == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9, 10]]
    recorder.inference_rows.clear()
    model.fit(indexed_rows(8), np.zeros((8, 2)), batch_size=4, epochs=2, verbose=0,
              validation_data=(indexed_rows(11), np.zeros((11, 2))), validation_steps=2)
    # validation_batch_size defaults to batch_size; every validation starts from the first batch
    assert recorder.inference_rows == [[0, 1, 2, 3], [4, 5, 6, 7]] * 2
    recorder.inference_rows.clear()
    model.fit(indexed_rows(8), np.zeros((8, 2)), epochs=1, verbose=0,
              validation_data=(indexed_rows(11), np.zeros((11, 2))), validation_steps=2)
    # no batch size at all: the validation rows are spread over validation_steps batches
    assert recorder.inference_rows == [list(range(6)), list(range(6, 11))]


def test_validation_steps_beyond_the_validation_batches_warn():
    model, recorder = recorded_model()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(indexed_rows(8), np.zeros((8, 2)), batch_size=4, epochs=1, verbose=0,
                  validation_data=(indexed_rows(6), np.zeros((6, 2))), validation_steps=5)
    assert recorder.inference_rows == [[0, 1, 2, 3], [4, 5]]
    assert len(ran_out_of_data(caught)) == 1


@pytest.mark.parametrize("validation_freq,validated", [
    (1, [0, 1, 2, 3, 4]), (2, [1, 3]), (3, [2]), ([1, 4, 5], [0, 3, 4]), ([2], [1]),
])
def test_validation_freq_counts_epochs_from_one(validation_freq, validated):
    model, _ = recorded_model()
    epochs = EpochRecorder()
    history = model.fit(indexed_rows(10), np.zeros((10, 2)), epochs=5, verbose=0,
                        validation_split=0.3, validation_freq=validation_freq, callbacks=[epochs])
    assert [epoch for epoch, logs in epochs.logs.items() if "val_loss" in logs] == validated
    assert len(history.history["val_loss"]) == len(validated)
    assert len(history.history["loss"]) == 5


def test_validation_freq_with_initial_epoch_uses_the_epoch_numbers():
    model, _ = recorded_model()
    epochs = EpochRecorder()
    model.fit(indexed_rows(10), np.zeros((10, 2)), epochs=6, initial_epoch=3, verbose=0,
              validation_split=0.3, validation_freq=2, callbacks=[epochs])
    assert [epoch for epoch, logs in epochs.logs.items() if "val_loss" in logs] == [3, 5]


# ------------------------------------------------------------------------------------- array-likes
class ArrayLike:
    """Any object numpy can turn into an array (``__array__``), as a data-frame or tensor is."""

    def __init__(self, array):
        self.array = array

    def __array__(self, dtype=None, copy=None):
        return self.array if dtype is None else self.array.astype(dtype)

    def __len__(self):
        return len(self.array)


@pytest.mark.parametrize("convert", [
    lambda a: a.tolist(),
    lambda a: tuple(map(tuple, a)),
    lambda a: [np.asarray(row) for row in a],
    ArrayLike,
], ids=["lists_of_lists", "tuples", "list_of_rows", "array_interface"])
def test_array_likes_train_and_predict_as_their_arrays(convert):
    x = np.random.default_rng(11).normal(size=(9, 4))
    y = np.random.default_rng(12).normal(size=(9, 3))
    as_arrays, as_likes = classifier(activation=None), classifier(activation=None)
    for model in (as_arrays, as_likes):
        model.compile(optimizer="sgd", loss="mse")
    sample_weight = np.linspace(0.5, 1.5, 9)
    as_arrays.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0,
                  sample_weight=sample_weight, validation_data=(x, y))
    history = as_likes.fit(convert(x), convert(y), batch_size=4, epochs=2, shuffle=False,
                           verbose=0, sample_weight=list(sample_weight),
                           validation_data=(convert(x), convert(y)))
    assert same_weights(as_arrays, as_likes)
    assert "val_loss" in history.history
    np.testing.assert_array_equal(as_likes.predict(convert(x), verbose=0),
                                  as_arrays.predict(x, verbose=0))
    assert as_likes.evaluate(convert(x), convert(y), verbose=0) == as_arrays.evaluate(
        x, y, verbose=0)


def test_integer_label_lists_for_sparse_losses():
    x = np.random.default_rng(13).normal(size=(11, 4))
    model = classifier()
    model.compile(loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x.tolist(), CLASSES.tolist(), epochs=1, verbose=0)
    assert sorted(history.history) == ["accuracy", "loss"]


# ------------------------------------------------------------------------------------- evaluate
def test_evaluate_with_sample_weight_is_the_weighted_sum_over_the_sample_count(float64):
    x = np.random.default_rng(14).normal(size=(11, 4))
    y = np.random.default_rng(15).normal(size=(11, 3))
    weights = np.random.default_rng(16).uniform(0, 3, size=11)
    model = classifier(activation=None)
    model.compile(loss="mse")
    per_sample = np.mean((model.predict(x, verbose=0) - y) ** 2, axis=1)
    for batch_size in (1, 4, 32):
        loss = model.evaluate(x, y, sample_weight=weights, batch_size=batch_size, verbose=0)
        np.testing.assert_allclose(loss, np.sum(weights * per_sample) / 11, rtol=1e-12)


def test_evaluate_steps_takes_the_first_batches(float64):
    x = np.random.default_rng(17).normal(size=(11, 4))
    y = np.random.default_rng(18).normal(size=(11, 3))
    model = classifier(activation=None)
    model.compile(loss="mse")
    np.testing.assert_allclose(model.evaluate(x, y, batch_size=3, steps=2, verbose=0),
                               model.evaluate(x[:6], y[:6], verbose=0), rtol=1e-12)
    # no batch size: the rows are spread over the steps (ceil(11 / 2) = 6 rows a batch)
    np.testing.assert_allclose(model.evaluate(x, y, steps=2, verbose=0),
                               model.evaluate(x, y, verbose=0), rtol=1e-12)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        everything = model.evaluate(x, y, batch_size=3, steps=9, verbose=0)
    assert len(ran_out_of_data(caught)) == 1
    np.testing.assert_allclose(everything, model.evaluate(x, y, verbose=0), rtol=1e-12)


# ------------------------------------------------------------------------------------- predict
def test_predict_steps_takes_the_first_batches():
    x = np.random.default_rng(19).normal(size=(11, 4))
    model = classifier()
    full = model.predict(x, verbose=0)
    np.testing.assert_array_equal(model.predict(x, batch_size=3, steps=2, verbose=0), full[:6])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        np.testing.assert_array_equal(model.predict(x, batch_size=3, steps=7, verbose=0), full)
    assert len(ran_out_of_data(caught)) == 1


def test_predict_steps_without_batch_size_spreads_the_rows_over_the_steps():
    model, recorder = recorded_model()
    seen = {}
    probe = keras.callbacks.LambdaCallback(on_predict_begin=lambda logs: seen.update(probe.params))
    model.predict(indexed_rows(70), steps=3, verbose=0, callbacks=[probe])
    assert [len(rows) for rows in recorder.inference_rows] == [24, 24, 22]
    assert seen["steps"] == 3


@pytest.mark.parametrize("arguments,message", [
    ({"steps": 0}, "`steps` must be a positive integer or None, received 0"),
    ({"steps": 1.5}, "`steps` must be a positive integer or None, received 1.5"),
])
def test_steps_are_checked(arguments, message):
    model = classifier()
    model.compile(loss="mse")
    x, y = np.zeros((4, 4)), np.zeros((4, 3))
    with pytest.raises(ValueError, match=message):
        model.predict(x, verbose=0, **arguments)
    with pytest.raises(ValueError, match=message):
        model.evaluate(x, y, verbose=0, **arguments)
    with pytest.raises(ValueError, match="`validation_steps` must be a positive integer"):
        model.fit(x, y, validation_split=0.5, validation_steps=arguments["steps"], verbose=0)
    assert model.optimizer.iterations == 0


# ------------------------------------------------------------------------------------- single batches
def test_train_on_batch_takes_one_step_and_reports_that_batch_alone(float64):
    x = np.random.default_rng(20).normal(size=(8, 4))
    model = classifier()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    twin = classifier()
    twin.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    labels = CLASSES[:8]
    for step in range(1, 4):
        rows = slice(2 * step, 2 * step + 3)
        expected = twin.evaluate(x[rows], labels[rows], verbose=0)  # before the step: the same
        loss, accuracy = model.train_on_batch(x[rows], labels[rows])
        twin.fit(x[rows], labels[rows], batch_size=3, epochs=1, shuffle=False, verbose=0)
        assert model.optimizer.iterations == step
        assert same_weights(model, twin)
        assert accuracy == expected[1]  # metrics are reset for every call: this batch only
        assert loss == pytest.approx(expected[0], rel=1e-12)


def test_single_batch_methods_return_a_scalar_a_list_or_a_dict():
    x, y = np.random.default_rng(21).normal(size=(5, 4)), np.zeros((5, 3))
    model = classifier(activation=None)
    model.compile(loss="mse")
    assert isinstance(model.train_on_batch(x, y), float)
    assert isinstance(model.test_on_batch(x, y), float)
    assert list(model.train_on_batch(x, y, return_dict=True)) == ["loss"]
    model.compile(loss="mse", metrics=["mae"], weighted_metrics=["mae", "mse"])
    result = model.test_on_batch(x, y, sample_weight=np.arange(5.0))
    logs = model.test_on_batch(x, y, sample_weight=np.arange(5.0), return_dict=True)
    assert list(logs) == ["loss", "mae", "mse", "weighted_mae"]
    # Keras's flat form: the loss and each compiled metric by its own name, then the other keys
    assert result == [logs["loss"], logs["mae"], logs["mae"], logs["mse"], logs["weighted_mae"]]


def test_repeated_metric_names_get_numbered_keys():
    x, y = np.random.default_rng(22).normal(size=(5, 4)), np.zeros((5, 3))
    model = classifier(activation=None)
    model.compile(loss="mse", metrics=["mae", "mae"], weighted_metrics=["mae", "mae"])
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    assert list(logs) == ["loss", "mae", "mae_1", "weighted_mae", "weighted_mae_1"]


def test_train_on_batch_with_class_weight_equals_the_sample_weights(float64):
    x = np.random.default_rng(23).normal(size=(11, 4))
    by_class, by_sample = classifier(), classifier()
    for model in (by_class, by_sample):
        model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy")
    loss = by_class.train_on_batch(x, CLASSES, class_weight=CLASS_WEIGHT)
    assert loss == by_sample.train_on_batch(x, CLASSES, sample_weight=AS_SAMPLE_WEIGHT)
    assert same_weights(by_class, by_sample)


def test_test_on_batch_and_predict_on_batch_change_nothing():
    x, y = np.random.default_rng(24).normal(size=(5, 4)), np.zeros((5, 3))
    model = classifier(activation=None)
    model.compile(optimizer="adam", loss="mse")
    before = model.get_weights()
    model.test_on_batch(x, y)
    np.testing.assert_array_equal(model.predict_on_batch(x), model.predict(x, verbose=0))
    assert same_weights_as(model, before)
    assert model.optimizer.iterations == 0


# ------------------------------------------------------------------------------------- attributes
def test_model_history_is_the_last_fits_history():
    model, _ = recorded_model()
    first = model.fit(indexed_rows(4), np.zeros((4, 2)), epochs=2, verbose=0)
    assert model.history is first and first.epoch == [0, 1]
    second = model.fit(indexed_rows(4), np.zeros((4, 2)), epochs=1, verbose=0)
    assert model.history is second and second is not first
    assert len(first.history["loss"]) == 2 and len(second.history["loss"]) == 1


def test_model_optimizer_is_the_compiled_optimizer_and_counts_the_steps():
    model = classifier(activation=None)
    assert model.optimizer is None
    optimizer = keras.optimizers.Adam(learning_rate=0.01)
    model.compile(optimizer=optimizer, loss="mse")
    assert model.optimizer is optimizer
    model.fit(np.zeros((10, 4)), np.zeros((10, 3)), batch_size=4, epochs=2, verbose=0)
    assert model.optimizer.iterations == 6
    model.compile(optimizer="sgd", loss="mse")
    assert isinstance(model.optimizer, keras.optimizers.SGD)
