"""fit, evaluate and predict on a PyDataset and on a Python generator, against Keras 3.15.1 (torch
backend), in float64.

Both libraries get the same model, the same initial weights and the same batches, each from its
own ``PyDataset`` subclass or its own generator. Compared: every ``history`` value and key, the
callbacks' batch numbers and ``params``, the dataset's own record of the epoch hooks and the
indices it was asked for, the final weights, the returns of evaluate and predict, and which
warnings and errors each library gives.
"""

import warnings

import numpy as np
import pytest

import handkeras
from parity import assert_close

torch = pytest.importorskip("torch")
keras = pytest.importorskip("keras")

from keras_pair import assert_same_history, assert_same_weights, compile_both, make_models  # noqa: E402

ROWS, BATCH = 14, 4  # four batches, the last of two rows
RNG = np.random.default_rng(31)
X = RNG.normal(size=(ROWS, 3))
Y = RNG.normal(size=(ROWS, 2))
LABELS = RNG.integers(0, 3, size=ROWS)
WEIGHTS = RNG.uniform(0.5, 2.0, size=ROWS)


def batch(index, y=Y, weights=False):
    rows = slice(index * BATCH, (index + 1) * BATCH)
    return (X[rows], y[rows], WEIGHTS[rows]) if weights else (X[rows], y[rows])


def dataset(library, y=Y, weights=False, endless=False):
    """A PyDataset of ``library`` over the rows, recording the epoch hooks and indices asked for."""

    class Rows(library.utils.PyDataset):
        def __init__(self):
            super().__init__()
            self.calls = []

        def __len__(self):
            return -(-ROWS // BATCH)

        @property
        def num_batches(self):
            return None if endless else len(self)

        def __getitem__(self, index):
            self.calls.append(index)
            return batch(index % len(self), y, weights)

        def on_epoch_begin(self):
            self.calls.append("begin")

        def on_epoch_end(self):
            self.calls.append("end")

    return Rows()


def generator(batches=4, y=Y, record=None):
    for index in range(batches):
        if record is not None:
            record.append(index)
        yield batch(index % 4, y)


def recorder(library):
    class Recorder(library.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.calls = []

        def on_train_begin(self, logs=None):
            self.calls.append(("params", dict(self.params)))

        def on_train_batch_begin(self, batch, logs=None):
            self.calls.append(("train_batch", batch))

        def on_test_batch_begin(self, batch, logs=None):
            self.calls.append(("test_batch", batch))

        def on_epoch_end(self, epoch, logs=None):
            self.calls.append(("epoch_end", epoch, tuple(sorted(logs))))

    return Recorder()


def regressor(library):
    return library.Sequential([library.Input((3,)), library.layers.Dense(5, activation="tanh"),
                               library.layers.Dense(2)])


def classifier(library):
    return library.Sequential([library.Input((3,)), library.layers.Dense(5, activation="tanh"),
                               library.layers.Dense(3, activation="softmax")])


def pair(build=regressor, loss="mse", metrics=("mae",)):
    ours, theirs = make_models(build)
    compile_both(ours, theirs, ("SGD", {"learning_rate": 0.1}), loss=loss, metrics=list(metrics))
    return ours, theirs


def call_both(ours, theirs, method, data, **arguments):
    """``method`` of both models on ``data(library)``; returns each side's
    ``(result, callback calls, warnings, data)``."""
    results = []
    for model, library in ((ours, handkeras), (theirs, keras)):
        given, calls = data(library), recorder(library)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = getattr(model, method)(given, callbacks=[calls], verbose=0, **arguments)
        messages = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
        results.append((result, calls.calls, messages, given))
    return results


def ran_out(messages):
    return sum("ran out of data" in message for message in messages)


def shuffle_ignored(messages):
    return sum("shuffle" in message for message in messages)


def assert_same_fit(ours, theirs, data, **arguments):
    (our_history, our_calls, our_warnings, ours_given), (their_history, their_calls,
                                                          their_warnings, theirs_given) = \
        call_both(ours, theirs, "fit", data, **arguments)
    assert our_calls == their_calls
    assert_same_history(our_history, their_history)
    assert_same_weights(ours, theirs)
    assert ours.optimizer.iterations == int(theirs.optimizer.iterations.numpy())
    assert ran_out(our_warnings) == ran_out(their_warnings)
    assert shuffle_ignored(our_warnings) == shuffle_ignored(their_warnings)
    return ours_given, theirs_given


# ------------------------------------------------------------------------------------- fit
@pytest.mark.parametrize("epochs", [1, 3])
def test_fit_on_a_py_dataset(epochs):
    ours, theirs = pair()
    ours_given, theirs_given = assert_same_fit(ours, theirs, dataset, epochs=epochs,
                                               shuffle=False)
    # the first batch read ahead for the fresh model, then every epoch's hooks and batches
    assert ours_given.calls == theirs_given.calls


def test_a_second_fit_reads_no_batch_ahead_and_ends_an_epoch_first():
    ours, theirs = pair()
    assert_same_fit(ours, theirs, dataset, shuffle=False)
    ours_given, theirs_given = assert_same_fit(ours, theirs, dataset, epochs=2, shuffle=False)
    assert ours_given.calls == theirs_given.calls


@pytest.mark.parametrize("steps_per_epoch", [3, 6])
def test_py_dataset_steps_per_epoch_carry_on_or_run_out(steps_per_epoch):
    ours, theirs = pair()
    ours_given, theirs_given = assert_same_fit(ours, theirs, dataset, epochs=4, shuffle=False,
                                               steps_per_epoch=steps_per_epoch)
    assert ours_given.calls == theirs_given.calls


def test_endless_py_dataset_with_steps_per_epoch():
    ours, theirs = pair()
    ours_given, theirs_given = assert_same_fit(
        ours, theirs, lambda library: dataset(library, endless=True), epochs=3, steps_per_epoch=3)
    assert ours_given.calls == theirs_given.calls


def test_py_dataset_with_sample_weights_and_class_weight():
    ours, theirs = pair()
    assert_same_fit(ours, theirs, lambda library: dataset(library, weights=True), epochs=2,
                    shuffle=False)
    ours, theirs = pair(classifier, "sparse_categorical_crossentropy", ["accuracy"])
    assert_same_fit(ours, theirs, lambda library: dataset(library, y=LABELS), epochs=2,
                    shuffle=False, class_weight={0: 0.5, 2: 3.0})


@pytest.mark.parametrize("epochs, steps_per_epoch", [(1, None), (3, None), (3, 3), (3, 6)])
def test_fit_on_a_generator(epochs, steps_per_epoch):
    """Keras reads a generator's first two batches ahead and starts every new pass with them: an
    exhausted generator gives later epochs those two batches again."""
    ours, theirs = pair()
    assert_same_fit(ours, theirs, lambda library: generator(), epochs=epochs,
                    steps_per_epoch=steps_per_epoch)


def test_generator_with_more_batches_than_steps_carries_on():
    ours, theirs = pair()
    records = {}
    assert_same_fit(ours, theirs,
                    lambda library: generator(9, record=records.setdefault(library, [])),
                    epochs=3, steps_per_epoch=2, shuffle=False)
    assert records[handkeras] == records[keras]


@pytest.mark.parametrize("kind", ["py_dataset", "generator"])
def test_validation_data_as_a_py_dataset_or_a_generator(kind):
    ours, theirs = pair()
    source = {"py_dataset": dataset, "generator": lambda library: generator()}[kind]
    results = []
    for model, library in ((ours, handkeras), (theirs, keras)):
        calls, validation = recorder(library), source(library)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            history = model.fit(X, Y, batch_size=BATCH, epochs=3, shuffle=False, verbose=0,
                                validation_data=validation, callbacks=[calls])
        results.append((history, calls.calls, validation))
    (our_history, our_calls, ours_given), (their_history, their_calls, theirs_given) = results
    assert our_calls == their_calls
    assert_same_history(our_history, their_history)
    assert_same_weights(ours, theirs)
    if kind == "py_dataset":
        assert ours_given.calls == theirs_given.calls


# ----------------------------------------------------------------------------- evaluate, predict
@pytest.mark.parametrize("kind, steps", [("py_dataset", None), ("py_dataset", 2),
                                         ("generator", None), ("generator", 2),
                                         ("generator", 6)])
def test_evaluate_and_predict(kind, steps):
    ours, theirs = pair()
    source = {"py_dataset": dataset, "generator": lambda library: generator()}[kind]
    for method in ("evaluate", "predict"):
        (our_result, _, our_warnings, ours_given), (their_result, _, their_warnings,
                                                    theirs_given) = \
            call_both(ours, theirs, method, source, steps=steps)
        assert_close(np.asarray(our_result), np.asarray(their_result), method)
        assert ran_out(our_warnings) == ran_out(their_warnings)
        if kind == "py_dataset":
            assert ours_given.calls == theirs_given.calls


def test_predict_uses_only_the_inputs_of_each_batch():
    ours, theirs = pair()
    for batches in (lambda library: ((x,) for x, _ in generator()),
                    lambda library: generator()):
        (our_result, *_), (their_result, *_) = call_both(ours, theirs, "predict", batches)
        assert_close(our_result, their_result, "predict")


# ------------------------------------------------------------------------------------- misuse
MISUSE = {
    "y with a PyDataset": (dataset, {"y": Y}),
    "sample_weight with a PyDataset": (dataset, {"sample_weight": np.ones(ROWS)}),
    "validation_split with a PyDataset": (dataset, {"validation_split": 0.2}),
    "y with a generator": (lambda library: generator(), {"y": Y}),
    "sample_weight with a generator": (lambda library: generator(),
                                       {"sample_weight": np.ones(ROWS)}),
    "validation_split with a generator": (lambda library: generator(), {"validation_split": 0.2}),
    "class_weight with a generator": (lambda library: generator(), {"class_weight": {0: 2.0}}),
    "class_weight with sample weights in the batches": (
        lambda library: dataset(library, weights=True), {"class_weight": {0: 2.0}}),
    "an empty generator": (lambda library: (b for b in ()), {}),
    "a generator of arrays, not tuples": (lambda library: (X[:4] for _ in range(2)), {}),
}


@pytest.mark.parametrize("case", sorted(MISUSE))
def test_misuse_is_a_value_error_in_both(case):
    make, arguments = MISUSE[case]
    ours, theirs = pair()
    before = ours.get_weights()
    for model, library in ((ours, handkeras), (theirs, keras)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises(ValueError):
                model.fit(make(library), verbose=0, **arguments)
    for value, expected in zip(ours.get_weights(), before):
        np.testing.assert_array_equal(value, expected)


def test_class_weight_with_a_py_dataset_is_accepted_and_shuffle_warns_for_generators():
    ours, theirs = pair()
    (_, _, our_warnings, _), (_, _, their_warnings, _) = call_both(
        ours, theirs, "fit", lambda library: generator(), shuffle=True)
    assert shuffle_ignored(our_warnings) == shuffle_ignored(their_warnings) == 1
    (_, _, our_warnings, _), (_, _, their_warnings, _) = call_both(
        ours, theirs, "fit", lambda library: dataset(library, endless=True), shuffle=True,
        steps_per_epoch=2)
    assert shuffle_ignored(our_warnings) == shuffle_ignored(their_warnings) == 1


def test_pack_and_unpack_x_y_sample_weight_match_keras():
    for arguments in ((X,), (X, Y), (X, None, WEIGHTS), (X, Y, WEIGHTS), ([X, X],)):
        ours = handkeras.utils.pack_x_y_sample_weight(*arguments)
        theirs = keras.utils.pack_x_y_sample_weight(*arguments)
        assert type(ours) is type(theirs)
        if isinstance(theirs, tuple):
            assert [part is other for part, other in zip(ours, theirs)] == [True] * len(theirs)
        else:
            assert ours is theirs
    for data in ((X,), [X, Y], (X, Y, WEIGHTS), X):
        ours = handkeras.utils.unpack_x_y_sample_weight(data)
        theirs = keras.utils.unpack_x_y_sample_weight(data)
        assert [part is other for part, other in zip(ours, theirs)] == [True] * 3
    for library in (handkeras, keras):
        with pytest.raises(ValueError):
            library.utils.unpack_x_y_sample_weight((X, Y, WEIGHTS, WEIGHTS))
