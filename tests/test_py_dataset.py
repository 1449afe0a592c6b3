"""PyDataset (alias Sequence) and Python generators as the data of fit, evaluate and predict.

The reference tests (tests/reference/test_keras_py_dataset.py) compare these with Keras itself;
these state the rules directly: the same training as arrays, the epoch hooks, the steps, the
refused arguments and the checks of every batch.
"""

import warnings

import numpy as np
import pytest

import handkeras as keras
from handkeras import layers

pytestmark = pytest.mark.usefixtures("float64")

ROWS, BATCH = 10, 4
RNG = np.random.default_rng(5)
X = RNG.normal(size=(ROWS, 3))
Y = RNG.normal(size=(ROWS, 2))


class Rows(keras.utils.PyDataset):
    """Batches of BATCH rows of X and Y, recording the epoch hooks and the indices asked for."""

    def __init__(self, x=X, y=Y, weights=None, **kwargs):
        super().__init__(**kwargs)
        self.x, self.y, self.weights, self.calls = x, y, weights, []

    def __len__(self):
        return -(-len(self.x) // BATCH)

    def __getitem__(self, index):
        self.calls.append(index)
        rows = slice(index * BATCH, (index + 1) * BATCH)
        if self.weights is not None:
            return self.x[rows], self.y[rows], self.weights[rows]
        return self.x[rows], self.y[rows]

    def on_epoch_begin(self):
        self.calls.append("begin")

    def on_epoch_end(self):
        self.calls.append("end")


def batches(count=3, x=X, y=Y):
    for index in range(count):
        rows = slice(index * BATCH % ROWS, index * BATCH % ROWS + BATCH)
        yield x[rows], y[rows]


def model(seed=1):
    keras.utils.set_random_seed(seed)
    network = keras.Sequential([keras.Input((3,)), layers.Dense(4, activation="tanh"),
                                layers.Dense(2)])
    network.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse", metrics=["mae"])
    return network


class Steps(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.params_seen, self.steps = None, []

    def on_train_begin(self, logs=None):
        self.params_seen = dict(self.params)

    def on_train_batch_begin(self, batch, logs=None):
        self.steps.append(batch)

    def on_epoch_end(self, epoch, logs=None):
        self.steps.append(f"end {epoch}")


def fit_quietly(network, data, **arguments):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = network.fit(data, verbose=0, **arguments)
    return history, [str(w.message) for w in caught]


# ------------------------------------------------------------------------------------- the class
def test_py_dataset_keeps_its_options_and_counts_its_batches():
    rows = Rows(workers=4, use_multiprocessing=True, max_queue_size=3)
    assert (rows.workers, rows.use_multiprocessing, rows.max_queue_size) == (4, True, 3)
    assert keras.utils.Sequence is keras.utils.PyDataset
    assert rows.num_batches == 3
    assert [len(b[0]) for b in rows] == [4, 4, 2]


def test_a_subclass_without_super_init_gets_the_defaults_with_a_warning():
    class NoInit(keras.utils.PyDataset):
        def __init__(self):
            pass

    with pytest.warns(UserWarning, match="super\\(\\).__init__"):
        assert NoInit().workers == 1


def test_num_batches_needs_len_or_an_override():
    with pytest.raises(NotImplementedError, match="num_batches"):
        keras.utils.PyDataset().num_batches


def test_pack_and_unpack():
    assert keras.utils.pack_x_y_sample_weight(X) is X
    assert keras.utils.pack_x_y_sample_weight(X, Y) == (X, Y)
    assert keras.utils.pack_x_y_sample_weight(X, None, Y) is X  # no y: the weights are dropped
    assert keras.utils.unpack_x_y_sample_weight([X, Y]) == (X, Y, None)
    assert keras.utils.unpack_x_y_sample_weight(X) == (X, None, None)
    with pytest.raises(ValueError, match="length 4"):
        keras.utils.unpack_x_y_sample_weight((X, Y, X, Y))


# ------------------------------------------------------------------------------------- training
@pytest.mark.parametrize("make", [Rows, lambda: batches(3)], ids=["py_dataset", "generator"])
def test_one_epoch_trains_as_the_arrays_do(make):
    on_arrays, on_batches = model(), model()
    expected = on_arrays.fit(X, Y, batch_size=BATCH, shuffle=False, verbose=0)
    history, _ = fit_quietly(on_batches, make(), shuffle=False)
    assert history.history == expected.history
    for value, reference in zip(on_batches.get_weights(), on_arrays.get_weights()):
        np.testing.assert_array_equal(value, reference)
    np.testing.assert_array_equal(on_batches.predict(make(), verbose=0),
                                  on_arrays.predict(X, verbose=0))
    assert on_batches.evaluate(make(), verbose=0) == on_arrays.evaluate(X, Y, batch_size=BATCH,
                                                                        verbose=0)


def test_sample_weights_and_class_weight_in_a_py_dataset_train_as_with_arrays():
    weights = RNG.uniform(0.5, 2, size=ROWS)
    on_arrays, on_batches = model(), model()
    on_arrays.fit(X, Y, sample_weight=weights, batch_size=BATCH, shuffle=False, verbose=0)
    fit_quietly(on_batches, Rows(weights=weights), shuffle=False)
    for value, reference in zip(on_batches.get_weights(), on_arrays.get_weights()):
        np.testing.assert_array_equal(value, reference)
    labels = (Y[:, 0] > 0).astype(int)
    on_arrays, on_batches = model(), model()
    for network in (on_arrays, on_batches):
        network.compile(loss="sparse_categorical_crossentropy", optimizer="sgd")
    on_arrays.fit(X, labels, class_weight={1: 3.0}, batch_size=BATCH, shuffle=False, verbose=0)
    fit_quietly(on_batches, Rows(y=labels), class_weight={1: 3.0}, shuffle=False)
    for value, reference in zip(on_batches.get_weights(), on_arrays.get_weights()):
        np.testing.assert_array_equal(value, reference)


def test_epoch_hooks_and_the_first_batch_read_ahead_for_a_fresh_model():
    rows, network = Rows(), model()
    fit_quietly(network, rows, epochs=2, shuffle=False)
    assert rows.calls == ["begin", 0, "end", "begin", 0, 1, 2, "end", "begin", 0, 1, 2, "end"]
    rows = Rows()
    fit_quietly(network, rows, shuffle=False)  # built and trained: nothing read ahead
    assert rows.calls == ["end", "begin", 0, 1, 2, "end"]
    rows = Rows()
    network.predict(rows, verbose=0)
    assert rows.calls == ["begin", 0, 1, 2, "end"]


def test_shuffle_permutes_the_batch_order_every_epoch():
    rows = Rows(x=np.repeat(X, 4, axis=0), y=np.repeat(Y, 4, axis=0))  # 10 batches
    fit_quietly(model(), rows, epochs=4)
    epochs = "-".join(map(str, rows.calls)).split("begin")[2:]
    orders = [[int(i) for i in epoch.strip("-").split("-")[:-1]] for epoch in epochs]
    assert all(sorted(order) == list(range(10)) for order in orders)
    assert len({tuple(order) for order in orders}) > 1


def test_params_steps_and_steps_per_epoch_carrying_on_across_epochs():
    steps = Steps()
    fit_quietly(model(), Rows(), epochs=3, steps_per_epoch=2, callbacks=[steps])
    assert steps.params_seen["steps"] == 2
    # batches 0 and 1, then 2 and the end of the pass, then a new pass
    assert steps.steps == [0, 1, "end 0", 0, "end 1", 0, 1, "end 2"]
    steps = Steps()
    fit_quietly(model(), batches(3), callbacks=[steps])
    assert steps.params_seen["steps"] is None


def test_a_generator_that_runs_out_warns_and_restarts_from_the_batches_read_ahead():
    steps = Steps()
    _, messages = fit_quietly(model(), batches(3), epochs=3, callbacks=[steps], shuffle=False)
    assert steps.steps == [0, 1, 2, "end 0", 0, 1, "end 1", 0, 1, "end 2"]
    assert sum("ran out of data" in message for message in messages) == 3


def test_shuffle_is_ignored_with_a_warning_for_a_generator():
    _, messages = fit_quietly(model(), batches(3), steps_per_epoch=3)
    assert sum("`shuffle=True` is ignored" in message for message in messages) == 1
    _, messages = fit_quietly(model(), batches(3), steps_per_epoch=3, shuffle=False)
    assert messages == []


def test_validation_data_as_a_py_dataset_matches_arrays():
    on_arrays, on_batches = model(), model()
    expected = on_arrays.fit(X, Y, batch_size=BATCH, epochs=2, shuffle=False, verbose=0,
                             validation_data=(X, Y))
    history = on_batches.fit(X, Y, batch_size=BATCH, epochs=2, shuffle=False, verbose=0,
                             validation_data=Rows())
    assert history.history == expected.history


# ------------------------------------------------------------------------------------- errors
@pytest.mark.parametrize("arguments, match", [
    ({"y": Y}, "`y` must not be passed"),
    ({"sample_weight": np.ones(ROWS)}, "`sample_weight` must not be passed"),
    ({"validation_split": 0.2}, "`validation_split` is only supported for arrays"),
])
def test_arguments_that_belong_in_the_batches_are_refused(arguments, match):
    for data in (Rows(), batches()):
        network = model()
        with pytest.raises(ValueError, match=match):
            network.fit(data, verbose=0, **arguments)
        assert not network.optimizer.built


def test_class_weight_is_refused_for_a_generator_and_with_batch_weights():
    with pytest.raises(ValueError, match="`class_weight` is not supported for a generator"):
        model().fit(batches(), class_weight={0: 1.0}, verbose=0)
    with pytest.raises(ValueError, match="Batch \\d of the PyDataset.*cannot be given together"):
        model().fit(Rows(weights=np.ones(ROWS)), class_weight={0: 1.0}, verbose=0)


def test_batches_that_are_not_batches_are_refused():
    with pytest.raises(ValueError, match="`x` is an empty generator"):
        model().predict((b for b in ()), verbose=0)
    with pytest.raises(ValueError, match="must yield tuples.*first batch is ndarray"):
        model().predict((X for _ in range(2)), verbose=0)
    with pytest.raises(ValueError, match="empty PyDataset"):
        model().fit(Rows(x=X[:0]), verbose=0)
    with pytest.raises(ValueError, match="must hold numbers"):
        model().predict(iter([(X,)]), verbose=0)  # Keras takes generators, no other iterator


def test_a_batch_that_does_not_fit_names_the_batch_before_anything_changes():
    network = model()
    before = network.get_weights()
    wide = np.hstack([X, X])
    with pytest.raises(ValueError, match="Batch 0 of the generator given as `x`: .*shape"):
        fit_quietly(network, batches(x=wide))
    assert not network.optimizer.built
    for value, reference in zip(network.get_weights(), before):
        np.testing.assert_array_equal(value, reference)
    unbuilt = keras.Sequential([layers.Dense(2)])
    unbuilt.compile(loss="mse")
    with pytest.raises(ValueError, match="Batch 0 of the generator"):
        fit_quietly(unbuilt, batches(y=np.ones((ROWS, 3))))
    assert not unbuilt.built
    network = model()
    network.fit(X, Y, verbose=0)

    def late_mistake():
        yield X[:4], Y[:4]
        yield X[:4], Y[:4]
        yield wide[:4], Y[:4]

    with pytest.raises(ValueError, match="Batch 2 of the generator"):
        fit_quietly(network, late_mistake())


def test_non_finite_values_warn_once_per_call_with_their_count():
    dirty = X.copy()
    dirty[1, 0] = dirty[6, 2] = np.nan
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model().predict(Rows(x=dirty), verbose=0)
    messages = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]
    assert messages == ["`x` holds 2 NaN or infinite value(s)."]


def test_the_progress_bar_of_a_generator_shows_an_unknown_total_until_the_first_epoch_ends(
        capsys):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model().fit(batches(3), epochs=2, verbose=1, shuffle=False)
    first, second = capsys.readouterr().err.split("Epoch 2/2")
    assert "/Unknown" in first and "3/3" in first  # the last state has the total it found
    assert "/Unknown" not in second and "2/3" in second


def test_validation_data_as_a_py_dataset_takes_no_targets_beside_it():
    with pytest.raises(ValueError, match="`y` must not be passed when `validation_data` is a"):
        model().fit(X, Y, validation_data=(Rows(), Y), verbose=0)
    history = model().fit(X, Y, validation_data=(Rows(),), verbose=0)
    assert "val_loss" in history.history
