"""Every bad input gets a clear exception naming the culprit, and the model stays exactly as it was.

One test per row of docs/errors.md, in the table's order. Each failing call is made through
``fails_cleanly``, which checks the exception type, that the message names the argument or layer,
what was received and what was expected, and that nothing changed: the weights (bitwise), the
optimizer state (built, iterations, learning rate, slots), ``model.built``, the compilation and the
layer list. Most rows run on two models: one built and trained a step (its optimizer has slots),
and one compiled but never built (the failing call must not build it).
"""

import json
import os
import warnings
import zipfile

import numpy as np
import pytest

import handkeras as keras
from handkeras import layers
from handkeras.trainers import data as data_module
from test_saving import with_layer_config

ROWS, WIDTH, CLASSES = 10, 4, 3


# --------------------------------------------------------------------------------- the harness
def snapshot(model):
    """Everything a failed call must leave alone, as comparable values."""
    optimizer = model.optimizer
    return {
        "built": model.built,
        "layers": [(id(layer), layer.name, layer.built) for layer in model.layers],
        "weights": [(id(w), w.path, w.value.dtype.str, w.value.shape, w.value.tobytes())
                    for w in model.weights],
        "compiled": (model.compiled, id(optimizer), id(model.loss),
                     [id(metric) for metric in model.metrics]),
        "optimizer": None if optimizer is None else (
            optimizer.built, int(optimizer.iterations),
            [(np.asarray(v).dtype.str, np.shape(v), np.asarray(v).tobytes())
             for v in optimizer.variables]),
    }


def fails_cleanly(model, call, error, *fragments):
    """``call()`` raises ``error`` whose message holds each fragment, and ``model`` is unchanged."""
    before = snapshot(model)
    with pytest.raises(error) as info:
        call()
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"
    after = snapshot(model)
    for key in before:
        assert after[key] == before[key], f"a failed call changed the model's {key}: {message}"
    return message


def data(rows=ROWS):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((rows, WIDTH)).astype(np.float32)
    labels = np.arange(rows) % CLASSES
    return x, np.eye(CLASSES, dtype=np.float32)[labels], labels


def classifier(built=True, loss="categorical_crossentropy"):
    """Dense, BatchNormalization, Dropout, softmax: built and trained one step, or never built."""
    stack = [layers.Dense(5, activation="relu"), layers.BatchNormalization(), layers.Dropout(0.5),
             layers.Dense(CLASSES, activation="softmax")]
    model = keras.Sequential(([keras.Input(shape=(WIDTH,))] if built else []) + stack)
    model.compile(optimizer="adam", loss=loss, metrics=["accuracy"])
    if built:
        x, y, labels = data()
        model.fit(x, labels if loss.startswith("sparse") else y, epochs=1, batch_size=ROWS,
                  verbose=0)
        assert model.optimizer.built and model.optimizer.iterations == 1
    return model


@pytest.fixture(params=["built", "unbuilt"])
def model(request):
    return classifier(built=request.param == "built")


@pytest.fixture(params=["built", "unbuilt"])
def sparse_model(request):
    return classifier(built=request.param == "built", loss="sparse_categorical_crossentropy")


# --------------------------------------------------------------------------------- data
def test_x_and_y_row_counts_differ(model):
    x, y, _ = data()
    for call in (lambda: model.fit(x, y[:-1], verbose=0),
                 lambda: model.evaluate(x, y[:-1], verbose=0),
                 lambda: model.train_on_batch(x, y[:-1])):
        fails_cleanly(model, call, ValueError, "`x` and `y`", "same number of rows",
                      f"{ROWS} and {ROWS - 1}")
    fails_cleanly(model, lambda: model.fit(x, y, sample_weight=np.ones(3), verbose=0),
                  ValueError, "`x` and `sample_weight`", f"{ROWS} and 3")
    fails_cleanly(model, lambda: model.fit(x, y, validation_data=(x, y[:4]), verbose=0),
                  ValueError, "`validation_x` and `validation_y`", f"{ROWS} and 4")


def test_feature_width_differs_from_the_models_input():
    model = classifier()
    x, y, _ = data()
    wide = np.zeros((ROWS, WIDTH + 1), np.float32)
    for call, argument in ((lambda: model.fit(wide, y, verbose=0), "x"),
                           (lambda: model.evaluate(wide, y, verbose=0), "x"),
                           (lambda: model.predict(wide, verbose=0), "x"),
                           (lambda: model.predict_on_batch(wide), "x"),
                           (lambda: model.fit(x, y, validation_data=(wide, y), verbose=0),
                            "validation_x")):
        fails_cleanly(model, call, ValueError, f"Sequential '{model.name}'",
                      f"expects input of shape (None, {WIDTH})",
                      f"received {argument} with shape ({ROWS}, {WIDTH + 1})")
    # An extra trailing axis of size 1 is dropped, as in Keras; of any other size, it is refused.
    fails_cleanly(model, lambda: model.predict(np.stack([x, x], axis=-1), verbose=0), ValueError,
                  f"expects input of shape (None, {WIDTH})", f"shape ({ROWS}, {WIDTH}, 2)")


def test_validation_inputs_of_an_unbuilt_model_must_fit_the_training_inputs():
    model = classifier(built=False)
    x, y, _ = data()
    wide = np.zeros((ROWS, WIDTH + 1), np.float32)
    fails_cleanly(model, lambda: model.fit(x, y, validation_data=(wide, y), verbose=0),
                  ValueError, f"expects input of shape (None, {WIDTH})",
                  f"received validation_x with shape ({ROWS}, {WIDTH + 1})")


def test_one_hot_width_differs_from_the_output(model):
    x, _, labels = data()
    four_columns = np.eye(CLASSES + 1)[labels]
    for call in (lambda: model.fit(x, four_columns, verbose=0),
                 lambda: model.evaluate(x, four_columns, verbose=0)):
        fails_cleanly(model, call, ValueError, f"`y` with shape ({ROWS}, {CLASSES + 1})",
                      f"output of shape (None, {CLASSES})", "categorical_crossentropy",
                      "one column per output unit")
    fails_cleanly(model, lambda: model.fit(x, labels, verbose=0), ValueError,
                  f"`y` with shape ({ROWS},)", f"output of shape (None, {CLASSES})")


def test_sparse_labels_out_of_range(sparse_model):
    x, _, labels = data()
    for bad, shown in ((labels + 1, f"[1, {CLASSES}]"), (labels - 1, f"[-1, {CLASSES - 2}]"),
                       (np.full(ROWS, 2**40), "[1099511627776, 1099511627776]"),  # as received
                       (labels + 3.0, f"[3.0, {CLASSES + 2}.0]")):
        fails_cleanly(sparse_model, lambda: sparse_model.fit(x, bad, verbose=0), ValueError,
                      "`y`", f"class indices in {shown}", f"{CLASSES} classes",
                      f"must be in [0, {CLASSES})")
    fails_cleanly(sparse_model, lambda: sparse_model.fit(x, labels, verbose=0,
                                                         validation_data=(x, labels + 5)),
                  ValueError, "`validation_y`", f"must be in [0, {CLASSES})")


def test_sparse_labels_not_integers(sparse_model):
    x, _, labels = data()
    halves = labels + 0.5
    fails_cleanly(sparse_model, lambda: sparse_model.fit(x, halves, verbose=0), ValueError,
                  "`y`", "integer class indices", f"{ROWS} non-integer value(s) such as 0.5")
    fails_cleanly(sparse_model, lambda: sparse_model.evaluate(x, halves, verbose=0), ValueError,
                  "`y`", "integer class indices")
    # Checked as received: float32 would round 2.9999999 to 3, a class index out of range.
    for call in (lambda: sparse_model.fit(x, np.full(ROWS, 2.9999999), verbose=0),
                 lambda: sparse_model.test_on_batch(x, np.full(ROWS, 2.9999999))):
        fails_cleanly(sparse_model, call, ValueError, "`y`", "integer class indices",
                      f"{ROWS} non-integer value(s) such as 2.9999999.")
    fails_cleanly(sparse_model, lambda: sparse_model.fit(x, np.full(ROWS, 0.1, np.float32),
                                                         verbose=0),
                  ValueError, "non-integer value(s) such as 0.1.")


@pytest.mark.parametrize("built", [True, False], ids=["built", "unbuilt"])
def test_ctc_labels_the_time_steps_cannot_produce(built):
    """Three steps hold three labels, or two equal ones with a blank between them: not ``1 1 2``."""
    steps = [keras.Input(shape=(3, WIDTH))] if built else []
    model = keras.Sequential(steps + [layers.Dense(CLASSES)])
    model.compile(optimizer="adam", loss="ctc")
    x = np.random.default_rng(0).standard_normal((ROWS, 3, WIDTH)).astype(np.float32)
    fitting = np.tile([1, 2, 1], (ROWS, 1))
    if built:
        model.fit(x, fitting, epochs=1, verbose=0)
    repeats = fitting.copy()
    repeats[4] = [1, 1, 2]
    for call in (lambda: model.fit(x, repeats, verbose=0),
                 lambda: model.evaluate(x, repeats, verbose=0)):
        fails_cleanly(model, call, ValueError, "`y` holds 1 label sequence(s)",
                      "model's 3 time steps", "sample 4 has 3 labels needing 4 steps")
    fails_cleanly(model, lambda: model.fit(x, fitting + 1, verbose=0), ValueError,
                  "`y` holds labels in [2, 3]", f"the model's output has {CLASSES} classes")


@pytest.mark.parametrize("loss,metric", [
    ("categorical_crossentropy", "sparse_categorical_accuracy"),
    ("categorical_crossentropy", "sparse_top_k_categorical_accuracy"),
    ("sparse_categorical_crossentropy", "top_k_categorical_accuracy"),
    ("sparse_categorical_crossentropy", "auc"),
    ("sparse_categorical_crossentropy", "precision"),
])
@pytest.mark.parametrize("built", [True, False], ids=["built", "unbuilt"])
def test_targets_a_compiled_metric_cannot_take(loss, metric, built):
    """The loss takes the targets, a metric does not: nothing is trained before that shows."""
    model = classifier(built=built, loss=loss)
    model.compile(optimizer=model.optimizer, loss=loss, metrics=["accuracy", metric])
    x, one_hot, labels = data()
    y = labels if loss.startswith("sparse") else one_hot
    for call in (lambda: model.fit(x, y, verbose=0), lambda: model.train_on_batch(x, y),
                 lambda: model.evaluate(x, y, verbose=0), lambda: model.test_on_batch(x, y)):
        fails_cleanly(model, call, ValueError, f"The metric {metric!r}",
                      f"`y` with shape {y.shape}", f"output of shape (None, {CLASSES})")


def needs_two_dimensional_targets(y_true, y_pred):
    if np.ndim(y_true) != 2:
        raise ValueError(f"expected targets of shape (rows, 1), received {np.shape(y_true)}")
    return np.zeros(len(y_true))


def test_validation_targets_a_compiled_metric_cannot_take(sparse_model):
    sparse_model.compile(optimizer=sparse_model.optimizer, loss="sparse_categorical_crossentropy",
                         metrics=[needs_two_dimensional_targets])
    x, _, labels = data()
    message = fails_cleanly(
        sparse_model, lambda: sparse_model.fit(x, labels[:, None], validation_data=(x, labels),
                                               verbose=0),
        ValueError, "The metric 'needs_two_dimensional_targets'",
        f"`validation_y` with shape ({ROWS},)")
    assert "expected targets of shape (rows, 1), received (10,)" in message


def test_metrics_try_each_shape_of_targets_once_per_compile():
    """``train_on_batch`` in a loop pays for the check once: the metrics try the targets at the
    first call (and again after ``compile``), then only take the real batches."""
    calls = []

    def counting(y_true, y_pred):
        calls.append(len(y_true))
        return np.zeros(len(y_true))

    model = classifier()
    x, y, _ = data()
    for _ in range(2):
        model.compile(optimizer=model.optimizer, loss="categorical_crossentropy",
                      metrics=[counting])
        calls.clear()
        for _ in range(3):
            model.train_on_batch(x, y)
        assert calls == [ROWS] * 4
    model.fit(x, y, batch_size=4, verbose=0)
    assert calls == [ROWS] * 4 + [4] + [4, 4, 2]  # a new batch shape: tried once


def test_y_missing_for_a_loss(model):
    x, _, _ = data()
    for method, call in (("fit", lambda: model.fit(x, verbose=0)),
                         ("evaluate", lambda: model.evaluate(x, verbose=0)),
                         ("train_on_batch", lambda: model.train_on_batch(x))):
        fails_cleanly(model, call, ValueError, f"{method}:", "'categorical_crossentropy'",
                      "needs targets", "`y` is None")


def test_x_missing(model):
    _, y, _ = data()
    for call in (lambda: model.fit(y=y, verbose=0), lambda: model.predict(None, verbose=0)):
        fails_cleanly(model, call, ValueError, "`x` is required", "received None",
                      "expected an array")


def test_zero_rows(model):
    empty_x, empty_y = np.zeros((0, WIDTH), np.float32), np.zeros((0, CLASSES), np.float32)
    for call in (lambda: model.fit(empty_x, empty_y, verbose=0),
                 lambda: model.evaluate(empty_x, empty_y, verbose=0),
                 lambda: model.predict(empty_x, verbose=0)):
        fails_cleanly(model, call, ValueError, "`x` is empty", f"received (0, {WIDTH})",
                      "expected at least one row")


def test_non_numeric_or_object_arrays(model):
    x, y, _ = data()
    words = np.full((ROWS, WIDTH), "a")
    objects = np.array([[1.0, 2.0, None, 3.0]] * ROWS, dtype=object)
    for call, argument, dtype in (
            (lambda: model.fit(words, y, verbose=0), "x", "<U1"),
            (lambda: model.predict(objects, verbose=0), "x", "object"),
            (lambda: model.fit(x, y.astype(object), verbose=0), "y", "object"),
            (lambda: model.fit(x, y, sample_weight=np.full(ROWS, "w"), verbose=0), "sample_weight",
             "<U1"),
            (lambda: model.fit({"features": x}, y, verbose=0), "x", "object"),
            (lambda: model.fit(x.astype("timedelta64[s]"), y, verbose=0), "x", "timedelta64[s]"),
            (lambda: model.predict(x.astype("timedelta64[s]"), verbose=0), "x", "timedelta64[s]"),
            (lambda: model.fit(x, y.astype("timedelta64[s]"), verbose=0), "y", "timedelta64[s]"),
            (lambda: model.fit(x.astype("datetime64[s]"), y, verbose=0), "x", "datetime64[s]")):
        fails_cleanly(model, call, ValueError, f"`{argument}` must hold numbers",
                      f"received an array of dtype {dtype}")
    fails_cleanly(model, lambda: model.fit(x + 1j, y, verbose=0), ValueError,
                  "`x` must hold real numbers", "dtype complex")
    fails_cleanly(model, lambda: model.predict(np.float32(1.0), verbose=0), ValueError,
                  "`x` must have a batch dimension", "received a scalar")


def test_ragged_lists(model):
    ragged = [[0.0] * WIDTH, [0.0] * (WIDTH - 1)]
    _, y, _ = data(2)
    fails_cleanly(model, lambda: model.fit(ragged, y, verbose=0), ValueError,
                  "`x` must be a rectangular array", "received a ragged list")
    fails_cleanly(model, lambda: model.fit(np.zeros((2, WIDTH)), [[1, 0, 0], [1, 0]], verbose=0),
                  ValueError, "`y` must be a rectangular array", "received a ragged list")


def test_sample_weight_of_the_wrong_shape(model):
    x, y, _ = data()
    for weights in (np.ones((ROWS, CLASSES)), np.ones((ROWS, 2, 1))):
        fails_cleanly(model, lambda: model.fit(x, y, sample_weight=weights, verbose=0), ValueError,
                      f"`sample_weight` with shape {weights.shape}",
                      f"output of shape (None, {CLASSES})",
                      f"one weight per sample, shape ({ROWS},)")
    model.fit(x, y, sample_weight=np.ones((ROWS, 1)), verbose=0)  # a trailing 1 is fine


def run_counting_warnings(call):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with np.errstate(over="warn", divide="warn", invalid="warn", under="ignore"):  # defaults
            result = call()
    return result, [str(w.message) for w in caught], [w.filename for w in caught]


@pytest.mark.parametrize("loss", ["categorical_crossentropy", "mse", "binary_crossentropy"])
def test_nan_and_inf_in_inputs_are_accepted_with_one_warning_per_call(loss):
    x, y, _ = data(32)
    x[0, 0], x[1, 1], x[2, 2] = np.nan, np.inf, -np.inf
    bad_y = y.copy()
    bad_y[3, 0] = np.nan
    model = keras.Sequential([keras.Input(shape=(WIDTH,)), layers.BatchNormalization(),
                              layers.Dense(5, activation="relu"), layers.Dropout(0.5),
                              layers.Dense(CLASSES, activation="softmax")])
    model.compile(optimizer="adam", loss=loss, metrics=["accuracy"])
    clean_x = data(32)[0]
    for call, expected in (
            (lambda: model.fit(x, y, epochs=2, validation_split=0.25, verbose=0),
             "`x` holds 3 NaN or infinite value(s)."),
            (lambda: model.fit(clean_x, bad_y, epochs=2, verbose=0),
             "`y` holds 1 NaN or infinite value(s)."),
            (lambda: model.evaluate(x, y, verbose=0), "`x` holds 3 NaN or infinite value(s)."),
            (lambda: model.predict(x, verbose=0), "`x` holds 3 NaN or infinite value(s)."),
            (lambda: model.train_on_batch(x, y), "`x` holds 3 NaN or infinite value(s)."),
            (lambda: model.predict_on_batch(x), "`x` holds 3 NaN or infinite value(s).")):
        _, messages, files = run_counting_warnings(call)
        assert messages == [expected]
        assert files == [__file__]  # reported at the caller's line


@pytest.fixture(params=["up front", "batch by batch"])
def check_mode(request, monkeypatch):
    """Both ways evaluate and predict check ``x``: small batches all at once before the first,
    batches of at least ``BATCH_CHECK_BYTES`` one by one as they are read."""
    if request.param == "batch by batch":
        monkeypatch.setattr(data_module, "BATCH_CHECK_BYTES", 1)
    return request.param


@pytest.mark.parametrize("method", ["predict", "evaluate"])
def test_inference_checks_the_rows_it_reads_and_counts_over_all_of_x(check_mode, method):
    """The warning counts every non-finite value of ``x`` once one is met in the rows read; a
    value in rows that ``steps`` leaves unread is not reported."""
    model = classifier()
    x, y, _ = data(40)

    def call(**steps):
        if method == "predict":
            return lambda: model.predict(x, batch_size=10, verbose=0, **steps)
        return lambda: model.evaluate(x, y, batch_size=10, verbose=0, **steps)

    x[35, 0], x[5, 1] = np.nan, np.inf
    _, messages, _ = run_counting_warnings(call())
    assert messages == ["`x` holds 2 NaN or infinite value(s)."]
    x[5, 1] = 0
    _, messages, _ = run_counting_warnings(call(steps=3))
    assert messages == []
    _, messages, _ = run_counting_warnings(call(steps=4))
    assert messages == ["`x` holds 1 NaN or infinite value(s)."]


@pytest.mark.parametrize("method", ["predict", "evaluate"])
def test_small_batches_are_checked_in_one_pass_large_ones_as_they_are_read(
        check_mode, method, monkeypatch):
    model = classifier()
    x, y, _ = data(40)
    checked = []  # the rows of each check of x (y, of another width, is checked up front)
    all_finite = data_module._all_finite

    def recording(rows):
        if rows.shape[1:] == x.shape[1:]:
            checked.append(len(rows))
        return all_finite(rows)

    monkeypatch.setattr(data_module, "_all_finite", recording)
    if method == "predict":
        model.predict(x, batch_size=10, verbose=0)
    else:
        model.evaluate(x, y, batch_size=10, verbose=0)
    assert checked == ([40] if check_mode == "up front" else [10, 10, 10, 10])


def narrow_first_dense(features=12, units=3):
    model = keras.Sequential([keras.Input(shape=(features,)), layers.Dense(units),
                              layers.Dense(CLASSES, activation="softmax")])
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    return model


def run_inference(model, method, x, batch_size=10):
    y = np.eye(CLASSES, dtype=np.float32)[np.arange(len(x)) % CLASSES]
    if method == "predict":
        return run_counting_warnings(lambda: model.predict(x, batch_size=batch_size, verbose=0))
    return run_counting_warnings(lambda: model.evaluate(x, y, batch_size=batch_size, verbose=0))


def recording_checks(monkeypatch):
    """The shapes of the arrays ``_all_finite`` checks, as a list filled as they come."""
    checked, all_finite = [], data_module._all_finite

    def recording(rows):
        checked.append(rows.shape)
        return all_finite(rows)

    monkeypatch.setattr(data_module, "_all_finite", recording)
    return checked


@pytest.mark.parametrize("method", ["predict", "evaluate"])
def test_batches_read_by_a_narrower_first_dense_are_checked_through_its_product(
        monkeypatch, method):
    """A NaN or infinity in a row makes that row of ``x @ kernel`` non-finite, so large batches
    are checked on the product, 3 columns wide, instead of the 12 of the data."""
    monkeypatch.setattr(data_module, "BATCH_CHECK_BYTES", 1)
    model = narrow_first_dense()
    model.layers[0].kernel.assign(np.abs(model.layers[0].kernel.numpy()) + 0.1)  # all positive
    x = np.random.default_rng(0).standard_normal((40, 12)).astype(np.float32)
    checked = recording_checks(monkeypatch)
    _, messages, _ = run_inference(model, method, x)
    assert messages == []
    assert [shape for shape in checked if shape[1:] == (12,)] == []  # the data: never
    assert checked.count((10, 3)) == 4  # each batch's product
    # -inf times positive kernel entries only: a row of -inf, which the check still sees
    x[5, 0], x[17, 3], x[33, 11], x[34, 11] = np.nan, np.inf, -np.inf, -np.inf
    _, messages, _ = run_inference(model, method, x)
    assert messages == ["`x` holds 4 NaN or infinite value(s)."]


@pytest.mark.parametrize("method", ["predict", "evaluate"])
def test_a_product_that_overflows_on_finite_data_is_no_false_alarm(monkeypatch, method):
    monkeypatch.setattr(data_module, "BATCH_CHECK_BYTES", 1)
    model = narrow_first_dense()
    model.layers[0].kernel.assign(np.full((12, 3), 1e30, np.float32))
    x = np.full((20, 12), 1e30, np.float32)  # finite, but x @ kernel overflows float32
    checked = recording_checks(monkeypatch)
    with np.errstate(over="ignore", invalid="ignore"):
        _, messages, _ = run_inference(model, method, x)
    assert [m for m in messages if "NaN or infinite" in m] == []
    assert checked.count((10, 12)) == 2  # each batch itself, once its product was not finite


@pytest.mark.parametrize("method", ["predict", "evaluate"])
@pytest.mark.parametrize("case", ["a kernel row of zeros", "as wide as the data"])
def test_otherwise_the_batches_themselves_are_checked(monkeypatch, method, case):
    """A BLAS may skip zero factors, which would hide a NaN met only by a row of zeros; a product
    as wide as the data is no cheaper to check."""
    monkeypatch.setattr(data_module, "BATCH_CHECK_BYTES", 1)
    model = narrow_first_dense(units=3 if case == "a kernel row of zeros" else 12)
    if case == "a kernel row of zeros":
        kernel = model.layers[0].kernel.numpy()
        kernel[7] = 0
        model.layers[0].kernel.assign(kernel)
    x = np.random.default_rng(1).standard_normal((20, 12)).astype(np.float32)
    x[13, 7] = np.nan  # in the second batch
    checked = recording_checks(monkeypatch)
    _, messages, _ = run_inference(model, method, x)
    assert messages == ["`x` holds 1 NaN or infinite value(s)."]
    assert [shape for shape in checked if shape[1:] == (12,)][:2] == [(10, 12), (10, 12)]


def test_rows_without_nan_keep_finite_predictions():
    model = classifier()
    x, _, _ = data()
    x[0, 0], x[1, 1] = np.nan, np.inf
    with pytest.warns(RuntimeWarning, match="`x` holds 2 NaN or infinite value"):
        outputs = model.predict(x, verbose=0)
    assert np.all(np.isnan(outputs[:2]))
    np.testing.assert_array_equal(outputs[2:], model.predict(x[2:], verbose=0))


# --------------------------------------------------------------------------------- fit arguments
@pytest.mark.parametrize("batch_size", [0, -4, 2.5, "8", True])
def test_batch_size_not_a_positive_integer(model, batch_size):
    x, y, _ = data()
    for argument, call in (
            ("batch_size", lambda: model.fit(x, y, batch_size=batch_size, verbose=0)),
            ("batch_size", lambda: model.evaluate(x, y, batch_size=batch_size, verbose=0)),
            ("batch_size", lambda: model.predict(x, batch_size=batch_size, verbose=0)),
            ("validation_batch_size", lambda: model.fit(
                x, y, validation_split=0.2, validation_batch_size=batch_size, verbose=0))):
        if argument == "validation_batch_size" and not batch_size:
            continue  # Keras's `validation_batch_size or batch_size`: 0 means "as batch_size"
        fails_cleanly(model, call, ValueError, f"`{argument}` must be a positive integer",
                      f"received {batch_size!r}")


@pytest.mark.parametrize("argument,value", [("epochs", -1), ("epochs", 1.5), ("epochs", None),
                                            ("initial_epoch", -2)])
def test_epochs_negative_or_not_an_integer(model, argument, value):
    x, y, _ = data()
    fails_cleanly(model, lambda: model.fit(x, y, verbose=0, **{argument: value}), ValueError,
                  f"`{argument}` must be a non-negative integer", f"received {value!r}")


@pytest.mark.parametrize("split", [-0.1, 1.0, 1.5, "0.2", None])
def test_validation_split_outside_zero_one(model, split):
    x, y, _ = data()
    fails_cleanly(model, lambda: model.fit(x, y, validation_split=split, verbose=0), ValueError,
                  "`validation_split` must be a number in [0, 1)", f"received {split!r}")


@pytest.mark.parametrize("split,cut", [(0.95, 0), (1e-17, ROWS)])
def test_validation_split_leaving_an_empty_part(model, split, cut):
    x, y, _ = data()
    fails_cleanly(model, lambda: model.fit(x, y, validation_split=split, verbose=0), ValueError,
                  f"`validation_split={split}`", "leaves an empty training or validation part",
                  f"of {ROWS} rows (split at row {cut})")


def test_validation_data_of_the_wrong_form(model):
    x, y, _ = data()
    for value, described in (((x,), "tuple of length 1"), ((x, y, None, None), "tuple of length 4"),
                             (x, "ndarray of length 10"), ({"x": x, "y": y}, "dict of length 2"),
                             (42, "int")):
        fails_cleanly(model, lambda: model.fit(x, y, validation_data=value, verbose=0), ValueError,
                      "`validation_data` must be a tuple (x_val, y_val) or (x_val, y_val, "
                      "val_sample_weight)", f"received {described}")


def test_unknown_keys_in_class_weight(model):
    x, y, _ = data()
    for weights, received in (({0: 1.0, 3: 2.0}, "[3]"), ({-1: 2.0}, "[-1]"),
                              ({"cat": 2.0}, "['cat']"), ({1.5: 2.0}, "[1.5]")):
        fails_cleanly(model, lambda: model.fit(x, y, class_weight=weights, verbose=0), ValueError,
                      "`class_weight` keys must be class indices in [0, 3)", f"received {received}")
    fails_cleanly(model, lambda: model.fit(x, y, class_weight={0: "heavy"}, verbose=0), ValueError,
                  "`class_weight` values must be numbers", "received {0: 'heavy'}")
    fails_cleanly(model, lambda: model.fit(x, y, class_weight=[1.0, 2.0, 3.0], verbose=0),
                  ValueError, "`class_weight` must be a dict", "received list")


@pytest.mark.parametrize("arguments,fragments", [
    ({"shuffle": "yes"}, ["`shuffle` must be True, False or 'batch'", "received 'yes'"]),
    ({"steps_per_epoch": 0}, ["`steps_per_epoch` must be a positive integer or None",
                              "received 0"]),
    ({"validation_freq": 0}, ["`validation_freq` must be a positive integer or a list of epochs",
                              "received 0"]),
    ({"callbacks": [print]}, ["`callbacks` must hold Callback instances", "received <built-in"]),
])
def test_other_fit_arguments(model, arguments, fragments):
    x, y, _ = data()
    error = TypeError if "callbacks" in arguments else ValueError
    fails_cleanly(model, lambda: model.fit(x, y, verbose=0, **arguments), error, *fragments)


def test_checkpoint_paths_that_training_cannot_use(tmp_path):
    """Checked at ``on_train_begin``, before the first batch. Callbacks start on a built model, so
    this runs on a built one only (an unbuilt model would be left built)."""
    model = classifier()
    x, y, _ = data()
    folder, a_file = tmp_path / "folder.keras", tmp_path / "backup"
    folder.mkdir()
    a_file.write_text("")
    for callback, error, fragments in (
            (keras.callbacks.ModelCheckpoint(folder), IsADirectoryError,
             ["non-directory `filepath`", f"existing directory: {folder}"]),
            (keras.callbacks.ModelCheckpoint(tmp_path / "{epoch.keras"), ValueError,
             ["`filepath` is not a valid template", "received", "{epoch.keras'"]),
            (keras.callbacks.ModelCheckpoint(tmp_path / "{}.keras"), ValueError,
             ["`filepath` placeholders must name a key", "received {}"]),
            (keras.callbacks.BackupAndRestore(a_file), NotADirectoryError,
             ["`backup_dir` must be a directory", f"received {str(a_file)!r}, an existing file"])):
        fails_cleanly(model, lambda: model.fit(x, y, epochs=2, verbose=0, callbacks=callback),
                      error, *fragments)


# --------------------------------------------------------------------------------- identifiers
@pytest.mark.parametrize("arguments,kind,bad", [
    ({"loss": "mean_squared_eror"}, "loss", "'mean_squared_eror'"),
    ({"loss": "mse", "optimizer": "adamm"}, "optimizer", "'adamm'"),
    ({"loss": "mse", "metrics": ["accuracy", "acuracy"]}, "metric", "'acuracy'"),
    ({"loss": "mse", "weighted_metrics": ["maee"]}, "metric", "'maee'"),
    ({"loss": 3}, "loss", "3"),
    ({"loss": "mse", "optimizer": 0.1}, "optimizer", "0.1"),
    ({"loss": {"out": "mse"}}, "loss", "{'out': 'mse'}"),
    ({"loss": "mse", "metrics": [{"a": 1}]}, "metric", "{'a': 1}"),
    ({"loss": "mse", "weighted_metrics": [{"class_name": 3}]}, "metric", "{'class_name': 3}"),
    ({"loss": "mse", "optimizer": {"config": {}}}, "optimizer", "{'config': {}}"),
])
def test_unknown_identifiers_fail_at_compile_time(model, arguments, kind, bad):
    """The previous compilation stays in place: a typo never surfaces at the first batch."""
    message = fails_cleanly(model, lambda: model.compile(**arguments), ValueError, kind, bad)
    if bad.startswith("'"):
        assert f"Valid {kind} names are" in message  # lists the names that would have worked
    x, y, _ = data()
    model.fit(x, y, epochs=1, verbose=0)  # still compiled with categorical_crossentropy


@pytest.mark.parametrize("make,kind,bad", [
    (lambda: layers.Dense(3, activation="relux"), "activation", "'relux'"),
    (lambda: layers.Activation("sigmoidd"), "activation", "'sigmoidd'"),
    (lambda: layers.Conv2D(2, 3, activation="rellu"), "activation", "'rellu'"),
    (lambda: layers.Dense(3, kernel_initializer="glorot_unifrm"), "initializer",
     "'glorot_unifrm'"),
    (lambda: layers.Dense(3, bias_initializer="zero_s"), "initializer", "'zero_s'"),
    (lambda: layers.Conv2D(2, 3, kernel_initializer="he"), "initializer", "'he'"),
    (lambda: layers.Dense(3, kernel_regularizer="l3"), "regularizer", "'l3'"),
    (lambda: layers.Dense(3, activity_regularizer="l_2"), "regularizer", "'l_2'"),
    (lambda: layers.Dense(3, activation=7), "activation", "7"),
    (lambda: layers.Dense(3, kernel_initializer={"a": 1}), "initializer", "{'a': 1}"),
    (lambda: layers.BatchNormalization(gamma_initializer={"config": {}}), "initializer",
     "{'config': {}}"),
    (lambda: layers.Dense(3, kernel_regularizer={"a": 1}), "regularizer", "{'a': 1}"),
    (lambda: layers.Dense(3, activation={"a": 1}), "activation", "{'a': 1}"),
    (lambda: layers.Dense(3, activation={"class_name": "LeakyReLU", "config": {"alpha": 0.5}}),
     "activation", "'LeakyReLU'"),
    (lambda: layers.Dense(3, activation={"class_name": "function", "config": None}),
     "activation", "'function'"),
    (lambda: layers.Dense(3, kernel_constraint="maxnorm"), "`kernel_constraint`", "'maxnorm'"),
    (lambda: layers.LSTM(2, recurrent_constraint=3), "`recurrent_constraint`", "3"),
    (lambda: layers.Embedding(4, 2, embeddings_constraint={"a": 1}), "constraint", "{'a': 1}"),
])
def test_unknown_identifiers_fail_at_construction_time(make, kind, bad):
    with pytest.raises(ValueError) as info:
        make()
    assert kind in str(info.value) and bad in str(info.value)


KINDS = {"loss": keras.losses, "metric": keras.metrics, "optimizer": keras.optimizers,
         "initializer": keras.initializers, "regularizer": keras.regularizers,
         "activation": keras.activations, "learning rate schedule": keras.optimizers.schedules,
         "constraint": keras.constraints}


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("config", [{"a": 1}, {"config": {}}, {"class_name": None}, 5, ["Adam"]])
def test_a_value_that_is_no_config_is_named_by_every_deserialize(kind, config):
    """Not a dict, or a dict without a string "class_name": Keras's "Could not interpret"."""
    module = KINDS[kind]
    for read in (module.deserialize, getattr(module, "get", module.deserialize)):
        if read is not module.deserialize and not isinstance(config, dict):
            continue  # each get's own message for a value of another type
        with pytest.raises(ValueError) as info:
            read(config)
        assert f"Could not interpret {kind} identifier: {config!r}" in str(info.value)


@pytest.mark.parametrize("kind,class_name", [
    ("loss", "MeanSquaredError"), ("metric", "Mean"), ("optimizer", "Adam"),
    ("initializer", "Constant"), ("regularizer", "L2"), ("learning rate schedule", "CosineDecay"),
    ("constraint", "MaxNorm")])
def test_config_arguments_that_are_not_a_dict_are_a_type_error(kind, class_name):
    """As in Keras; a missing or None "config" means no arguments, as Keras reads it too."""
    deserialize = KINDS[kind].deserialize
    for arguments in (5, "lr", [1]):
        with pytest.raises(TypeError) as info:
            deserialize({"class_name": class_name, "config": arguments})
        assert f"'config' of the {kind} '{class_name}' must be a dict" in str(info.value)
        assert f"received {type(arguments).__name__}" in str(info.value)
    if kind != "learning rate schedule":  # a schedule has required arguments
        for config in ({"class_name": class_name}, {"class_name": class_name, "config": None}):
            assert type(deserialize(config)).__name__ == class_name


def test_compile_with_config_arguments_that_are_not_a_dict(model):
    fails_cleanly(model, lambda: model.compile(loss={"class_name": "MeanSquaredError",
                                                     "config": 5}),
                  TypeError, "'config' of the loss 'MeanSquaredError'", "received int")
    fails_cleanly(model, lambda: model.compile("sgd", loss="mse", metrics=[
        {"class_name": "Mean", "config": "m"}]), TypeError, "'config' of the metric 'Mean'",
                  "received str")
    model.compile(optimizer={"class_name": "Adam", "config": None}, loss="mse")
    assert isinstance(model.optimizer, keras.optimizers.Adam)


# --------------------------------------------------------------------------------- layers
@pytest.mark.parametrize("make,fragments", [
    (lambda: layers.Dense(0), ["Dense 'dense", "`units` must be a positive integer", "received 0"]),
    (lambda: layers.Dense(-3), ["`units` must be a positive integer", "received -3"]),
    (lambda: layers.Dense(2.5), ["`units` must be a positive integer", "received 2.5"]),
    (lambda: layers.Dense(2.0), ["`units` must be a positive integer", "received 2.0"]),
    (lambda: layers.Dense(units=-1), ["`units` must be a positive integer", "received -1"]),
    (lambda: layers.Dense(None), ["`units` must be a positive integer", "received None"]),
    (lambda: layers.Dense("8"), ["`units` must be a positive integer", "received '8'"]),
    (lambda: layers.Dropout(1.5), ["Dropout 'dropout", "`rate` must be a number in [0, 1]",
                                   "received 1.5"]),
    (lambda: layers.Dropout(-0.1), ["`rate` must be a number in [0, 1]", "received -0.1"]),
    (lambda: layers.Dropout(float("nan")), ["`rate` must be a number in [0, 1]", "received nan"]),
    (lambda: layers.Conv2D(0, 3), ["Conv2D 'conv2d", "`filters` must be a positive integer",
                                   "received 0"]),
    (lambda: layers.Conv2D(4, 0), ["'conv2d", "`kernel_size` must be 2 integer(s) >= 1",
                                   "received 0"]),
    (lambda: layers.Conv2D(4, (3,)), ["`kernel_size` must be 2 integer(s) >= 1", "received (3,)"]),
    (lambda: layers.Conv2D(4, (3, 3, 3)), ["`kernel_size` must be 2 integer(s)",
                                           "received (3, 3, 3)"]),
    (lambda: layers.Conv2D(4, (2.5, 3)), ["`kernel_size` must be an int or a tuple of 2 ints",
                                          "received (2.5, 3)"]),
    (lambda: layers.Conv2D(4, 3, strides=0), ["`strides` must be 2 integer(s) >= 1",
                                              "received 0"]),
    (lambda: layers.Conv2D(4, 3, padding="full"), ["`padding` must be one of ['valid', 'same']",
                                                   "received 'full'"]),
    (lambda: layers.Conv1D(4, -1), ["'conv1d", "`kernel_size` must be 1 integer(s) >= 1",
                                    "received -1"]),
    (lambda: layers.MaxPooling2D(0), ["'max_pooling2d", "`pool_size` must be 2 integer(s) >= 1",
                                      "received 0"]),
    (lambda: layers.AveragePooling2D((2, 2, 2)), ["`pool_size` must be 2 integer(s)",
                                                  "received (2, 2, 2)"]),
    (lambda: layers.MaxPooling1D(2, strides=0), ["`strides` must be 1 integer(s) >= 1",
                                                 "received 0"]),
    (lambda: layers.Embedding(0, 4), ["Embedding 'embedding", "`input_dim` must be a positive",
                                      "received 0"]),
    (lambda: layers.Reshape((0, 2)), ["Reshape 'reshape", "`target_shape`", "received (0, 2)"]),
    (lambda: keras.Input(shape=(0,)), ["`shape` must hold positive integers", "received (0,)"]),
    (lambda: layers.Reshape("ab"), ["Reshape 'reshape", "`target_shape` must be a tuple",
                                    "received 'ab'"]),
    (lambda: layers.Reshape(3), ["`target_shape` must be a tuple", "received 3"]),
    (lambda: layers.Reshape((2.5, 2)), ["`target_shape` must be a tuple", "received (2.5, 2)"]),
    (lambda: layers.Reshape((-1, -1)), ["at most one -1", "received (-1, -1)"]),
    (lambda: layers.Dense(3, dtype="foo"), ["Dense 'dense", "`dtype` must be one of ['float16', "
                                            "'float32', 'float64']", "received 'foo'"]),
    (lambda: layers.Dense(3, dtype="complex64"), ["`dtype` must be one of", "received 'complex64'"]),
    (lambda: layers.Dense(3, dtype="int32"), ["`dtype` must be one of", "received 'int32'"]),
    (lambda: layers.Dense(3, dtype=np.int64), ["`dtype` must be one of", "received 'int64'"]),
    (lambda: layers.Dense(3, dtype=5), ["`dtype` must be one of", "received 5"]),
    (lambda: layers.Conv2D(2, 3, dtype="mixed_float16"), ["Conv2D 'conv2d", "`dtype` must be one of",
                                                          "received 'mixed_float16'"]),
    (lambda: layers.Dense.from_config({"units": 2, "dtype": {
        "class_name": "DTypePolicy", "config": {"name": "bfloat16"}}}),
     ["`dtype` must be one of", "received 'bfloat16'"]),
    (lambda: keras.Input(shape=(3,), dtype="foo"), ["InputLayer 'input_layer", "`dtype` must be a "
                                                    "type of real numbers", "received 'foo'"]),
    (lambda: keras.Input(shape=(3,), dtype="complex64"), ["`dtype` must be a type of real numbers",
                                                          "received 'complex64'"]),
    (lambda: keras.Input(shape=(3,), dtype=[("a", "i4"), ("a", "i4")]),
     ["`dtype` must be a type of real numbers", "received [('a', 'i4'), ('a', 'i4')]"]),
    (lambda: keras.initializers.Constant("a"), ["Constant: `value` must be a real number",
                                                "received 'a'"]),
    (lambda: keras.initializers.Constant(None), ["`value` must be a real number", "received None"]),
    (lambda: layers.Dense(3, kernel_initializer=keras.initializers.Constant([[1], [2, 3]])),
     ["`value` must be a real number", "received [[1], [2, 3]]"]),
    (lambda: layers.Rescaling("a"), ["Rescaling 'rescaling", "`scale` must be a real number",
                                     "received 'a'"]),
    (lambda: layers.Rescaling(1.0, offset=float("nan")), ["`offset` must be finite",
                                                          "received nan"]),
    (lambda: layers.Resizing(0, 3), ["Resizing 'resizing", "`height` must be a positive integer",
                                     "received 0"]),
    (lambda: layers.CenterCrop(3, -1), ["CenterCrop 'center_crop", "`width` must be a positive",
                                        "received -1"]),
    (lambda: layers.Resizing(3, 3, interpolation="area"), ["`interpolation` must be one of",
                                                           "received interpolation='area'"]),
    (lambda: layers.Resizing(3, 3, fill_mode="wrap"), ["`fill_mode` must be 'constant'",
                                                       "received fill_mode='wrap'"]),
])
def test_invalid_layer_arguments(make, fragments):
    with pytest.raises(ValueError) as info:
        make()
    for fragment in fragments:
        assert fragment in str(info.value)


@pytest.mark.parametrize("make,argument", [
    (lambda value: layers.Dense(value), "units"),
    (lambda value: layers.Embedding(value, 4), "input_dim"),
    (lambda value: layers.Embedding(4, value), "output_dim"),
    (lambda value: layers.Conv1D(value, 3), "filters"),
    (lambda value: layers.Conv2DTranspose(value, 3), "filters"),
    (lambda value: layers.RepeatVector(value), "n"),
    (lambda value: layers.UpSampling1D(value), "size"),
    (lambda value: layers.RandomCrop(value, 3), "height"),
    (lambda value: layers.RandomCrop(3, value), "width"),
])
@pytest.mark.parametrize("value", [0, -2])
def test_a_count_that_is_not_positive_is_refused_in_the_same_words_by_every_layer(
        make, argument, value):
    with pytest.raises(ValueError, match=rf"^[A-Za-z0-9]+ '[a-z0-9_]+': `{argument}` must be a "
                                         rf"positive integer, received {value}\.$"):
        make(value)


@pytest.mark.parametrize("shape", [(2.5,), (3.0, 2), ("3",), (np.float32(4),), ("a", 2)])
def test_a_shape_holding_a_float_or_a_string_is_refused_not_truncated(shape):
    # As in Keras 3.15.1 ("Cannot convert ... to a shape"): 2.5 is not read as 2, nor "3" as 3.
    with pytest.raises(ValueError, match=r"`shape` must be a tuple of integers, received"):
        keras.Input(shape=shape)
    with pytest.raises(ValueError, match=r"`input_shape` must be a tuple of integers, received"):
        layers.Dense(2, input_shape=shape)


@pytest.mark.parametrize("make,received", [
    (lambda: layers.Softmax(axis="a"), "'a'"),
    (lambda: layers.Softmax(axis=True), "True"),
    (lambda: layers.Softmax(axis=[1, 1.5]), "[1, 1.5]"),
    (lambda: layers.Normalization(axis="a"), "'a'"),
    (lambda: layers.Normalization(axis=1.5), "1.5"),
    (lambda: layers.LayerNormalization(axis=["a"]), "['a']"),
])
def test_an_axis_that_is_not_an_int_is_a_type_error(make, received):
    """As Keras's LayerNormalization says it, when the layer is created."""
    with pytest.raises(TypeError) as info:
        make()
    assert "`axis` must be an int or a list of ints" in str(info.value)
    assert f"received {received}." in str(info.value)


@pytest.mark.parametrize("make,argument,received", [
    (lambda: layers.Dropout("half"), "rate", "'half'"),
    (lambda: layers.SpatialDropout1D(None), "rate", "None"),
    (lambda: layers.GaussianNoise("0.1"), "stddev", "'0.1'"),
])
def test_a_rate_that_is_not_a_number_is_a_type_error(make, argument, received):
    """As in Keras, whose check of the range fails comparing it, when the layer is made."""
    with pytest.raises(TypeError) as info:
        make()
    assert f"`{argument}` must be a number in [0, 1], received {received}." in str(info.value)


def test_a_noise_shape_that_does_not_fit_the_input_fails_at_the_first_training_step():
    """As in Keras, which builds and predicts with it; the error is a ValueError and, as Keras's
    on torch, a RuntimeError."""
    x, y, _ = data()
    bad = keras.Sequential([keras.Input(shape=(WIDTH,)), layers.Dense(CLASSES),
                            layers.Dropout(0.5, noise_shape=(None, 1, 1), name="drop")])
    bad.compile(optimizer="sgd", loss="mse")
    assert bad.predict(x, verbose=0).shape == (len(x), CLASSES)
    for error in (ValueError, RuntimeError):
        fails_cleanly(bad, lambda: bad.fit(x, y, verbose=0), error,
                      "Dropout 'drop': `noise_shape` (None, 1, 1) does not fit the input of shape "
                      f"({len(x)}, {CLASSES})")


def test_layer_dtypes_are_the_float_types_and_input_dtypes_any_real_type():
    for dtype in ("float16", "float32", "float64", np.float64, np.dtype("float32")):
        assert layers.Dense(3, dtype=dtype).dtype == np.dtype(dtype).name
    model = keras.Sequential([keras.Input(shape=(4,), dtype="int32"), layers.Embedding(10, 2),
                              layers.Softmax(axis=[1, 2])])
    assert model.predict(np.ones((2, 4), int), verbose=0).shape == (2, 4, 2)
    for dtype in ("bool", "uint8", "int64", "float64"):
        assert keras.Input(shape=(4,), dtype=dtype).dtype == dtype


@pytest.mark.parametrize("make,fragments", [
    (lambda: layers.Conv2D(2, 5), ["Conv2D 'conv2d", "input of shape (None, 4, 4, 2)",
                                   "smaller than the kernel (5, 5)"]),
    (lambda: layers.MaxPooling2D(5), ["MaxPooling2D 'max_pooling2d",
                                      "input of shape (None, 4, 4, 2)",
                                      "smaller than the pool (5, 5)"]),
    (lambda: layers.Softmax(axis=4), ["Softmax 'softmax", "`axis=4` is out of range",
                                      "inputs with shape (None, 4, 4, 2)"]),
    (lambda: layers.Rescaling([1.0, 2.0, 3.0]), ["Rescaling 'rescaling", "`scale` of shape (3,)",
                                                 "inputs of shape (None, 4, 4, 2)"]),
])
def test_a_layer_that_does_not_fit_the_model_is_not_added(make, fragments):
    model = keras.Sequential([keras.Input(shape=(4, 4, 1)), layers.Conv2D(2, 1)])
    model.compile(optimizer="sgd", loss="mse")
    layer = make()
    fails_cleanly(model, lambda: model.add(layer), ValueError, *fragments)
    assert not layer.built and layer.weights == []


def test_a_first_layer_with_an_input_shape_it_refuses_is_not_added():
    model = keras.Sequential()
    layer = layers.Conv2D(2, 5, input_shape=(4, 4, 1), name="conv")
    fails_cleanly(model, lambda: model.add(layer), ValueError, "Conv2D 'conv'",
                  "input of shape (None, 4, 4, 1)", "smaller than the kernel (5, 5)")
    model.add(layers.Dense(2))  # the refused layer's input shape did not stay behind
    assert not model.built


def test_a_failed_build_leaves_the_layer_without_weights():
    """A build that raises leaves no weights behind, so the next build makes exactly one kernel and
    one bias: Keras's parameter count, and files that load."""
    conv = layers.Conv2D(2, 5, name="conv")
    for build in (conv.build, conv.build_once):
        with pytest.raises(ValueError, match=r"Conv2D 'conv': input of shape \(None, 4, 4, 2\) is "
                                             r"smaller than the kernel \(5, 5\)"):
            build((None, 4, 4, 2))
        assert not conv.built and conv.weights == []
    model = keras.Sequential([keras.Input(shape=(8, 8, 2)), conv], name="net")
    assert [w.path for w in model.weights] == ["net/conv/kernel", "net/conv/bias"]
    assert model.count_params() == 5 * 5 * 2 * 2 + 2


def test_a_build_that_raises_halfway_leaves_the_layer_as_it_was():
    """Any layer, a user's included: the weights and attributes made before the error go away."""

    class Halfway(layers.Layer):
        def build(self, input_shape):
            self.first = self.add_weight((input_shape[-1],), "zeros", name="first")
            if input_shape[-1] > 3:
                raise ValueError(f"Halfway '{self.name}' takes at most 3 features, received "
                                 f"{input_shape}.")
            self.second = self.add_weight((input_shape[-1],), "zeros", name="second")

        def forward(self, x, training=False):
            return x * self.first.value + self.second.value

    layer = Halfway(name="halfway")
    for build in (layer.build, layer.build_once):
        with pytest.raises(ValueError, match=r"Halfway 'halfway' takes at most 3 features"):
            build((None, 4))
        assert not layer.built and layer.weights == [] and not hasattr(layer, "first")
    layer.build((None, 3))
    assert layer.built and [w.name for w in layer.weights] == ["first", "second"]


def test_a_failed_build_leaves_the_model_and_every_layer_unbuilt():
    """A later layer refusing its shape does not leave the earlier ones built for that input."""
    inner = keras.Sequential([layers.Dense(5)])  # a nested model is put back too
    model = keras.Sequential([layers.Dense(3), inner, layers.Conv2D(2, 3, name="conv")])
    model.compile(optimizer="sgd", loss="mse")
    fails_cleanly(model, lambda: model.build((None, WIDTH)), ValueError, "Conv2D 'conv'",
                  "expects inputs of rank 4", "received shape (None, 5)")
    assert not inner.built and not inner.layers[0].built and model.weights == []
    model.build((None, 8, 8, 1))
    assert [w.shape for w in model.weights] == [(1, 3), (3,), (3, 5), (5,), (3, 3, 5, 2), (2,)]


def test_a_first_call_refused_by_a_layer_leaves_the_model_unbuilt():
    model = keras.Sequential([layers.Dense(3), layers.Conv2D(2, 3, name="conv")])
    fails_cleanly(model, lambda: model.predict(np.zeros((2, WIDTH)), verbose=0), ValueError,
                  "Conv2D 'conv'", "expects inputs of rank 4", "received shape (None, 3)")
    assert model.predict(np.zeros((2, 8, 8, 1)), verbose=0).shape == (2, 6, 6, 2)


class NonNegative(layers.Layer):
    """Passes its input on, refusing negative values as its batch runs (with no check before)."""

    def forward(self, x, training=False):
        if x.min() < 0:
            raise ValueError(f"NonNegative '{self.name}' takes values >= 0, received {x.min():g}.")
        return x

    def backward(self, dy, input_gradient=True):
        return dy if input_gradient else None


@pytest.mark.parametrize("method", ["fit", "evaluate", "predict", "train_on_batch",
                                    "test_on_batch", "predict_on_batch", "__call__",
                                    "compute_gradients"])
def test_a_failed_first_call_leaves_the_model_unbuilt(method):
    """A first call that fails after building the model (in a layer's forward) undoes the build:
    the next data may have another width."""
    model = keras.Sequential([NonNegative(name="non_negative"), layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    x, y = np.array([[0.0, 1.0, -7.0]]), np.zeros((1, 1))
    call = {"fit": lambda: model.fit(x, y, verbose=0),
            "evaluate": lambda: model.evaluate(x, y, verbose=0),
            "predict": lambda: model.predict(x, verbose=0),
            "train_on_batch": lambda: model.train_on_batch(x, y),
            "test_on_batch": lambda: model.test_on_batch(x, y),
            "predict_on_batch": lambda: model.predict_on_batch(x),
            "__call__": lambda: model(x),
            "compute_gradients": lambda: model.compute_gradients(x, y)}[method]
    fails_cleanly(model, call, ValueError, "NonNegative 'non_negative'", "takes values >= 0",
                  "received -7")
    assert model.predict(np.ones((1, 4)), verbose=0).shape == (1, 1)
    assert model.input_shape == (None, 4)


def embedding_model():
    """Ids -> Embedding(5) -> Flatten -> Dense: its input width is fixed by the first data."""
    model = keras.Sequential([layers.Embedding(5, 2, name="embedding"), layers.Flatten(),
                              layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    return model


def failing_at(hook):
    """A callback that raises a RuntimeError in ``hook``."""
    def fail(*args):
        raise RuntimeError("stopped by a callback")
    return keras.callbacks.LambdaCallback(**{hook: fail})


def test_a_first_fit_failing_before_its_first_update_leaves_the_model_unbuilt():
    model = embedding_model()
    ids, y = np.array([[0, 1, 2]]), np.zeros((1, 1))
    fails_cleanly(model, lambda: model.fit(ids, y, verbose=0,
                                           callbacks=[failing_at("on_train_batch_begin")]),
                  RuntimeError, "stopped by a callback")


def test_a_first_fit_failing_after_training_keeps_what_it_learned():
    """As on a built model: the weights a fit has trained stay, with the optimizer's state."""
    model = embedding_model()
    ids, y = np.array([[0, 1, 2]]), np.zeros((1, 1))
    with pytest.raises(RuntimeError, match="stopped by a callback"):
        model.fit(ids, y, verbose=0, callbacks=[failing_at("on_epoch_end")])
    assert model.built and model.optimizer.iterations == 1
    assert len(model.optimizer.variables) == 2 + 2 * len(model.trainable_weights)


@pytest.mark.parametrize("built", [True, False], ids=["built", "unbuilt"])
def test_ids_out_of_range_in_a_late_batch_change_nothing(built):
    """Embedding's ids are checked on the whole input before the first batch: a bad id in the last
    batch does not leave the earlier batches trained."""
    model = embedding_model()
    ids, y = np.array([[0, 1, 2], [1, 2, 3], [0, 1, 9]]), np.zeros((3, 1))
    if built:
        model.fit(ids[:2], y[:2], verbose=0)
    for call in (lambda: model.fit(ids, y, batch_size=1, shuffle=False, verbose=0),
                 lambda: model.fit(ids[:2], y[:2], validation_data=(ids, y), verbose=0),
                 lambda: model.evaluate(ids, y, batch_size=1, verbose=0),
                 lambda: model.predict(ids, batch_size=1, verbose=0),
                 lambda: model(ids.astype(np.float32))):
        fails_cleanly(model, call, ValueError, "Embedding 'embedding'", "ids must be in [0, 5)",
                      "received values in [0, 9]")


def test_a_built_layer_whose_input_differs_is_not_added():
    """Its weights were made for another input (Keras refuses it too)."""
    dense = keras.Sequential([keras.Input(shape=(WIDTH,)), layers.Dense(3, name="dense")]).layers[0]
    model = keras.Sequential([keras.Input(shape=(7,))])
    model.compile(optimizer="sgd", loss="mse")
    fails_cleanly(model, lambda: model.add(dense), ValueError, "Dense 'dense'",
                  f"built for input of shape (None, {WIDTH})", "input of shape (None, 7)")
    assert dense.built and dense.kernel.shape == (WIDTH, 3)


def test_a_model_built_with_a_built_layer_whose_input_differs_stays_unbuilt():
    dense = layers.Dense(3, name="dense")
    dense.build((None, WIDTH))
    for stack in ([dense], [layers.Dense(2, name="first"), dense]):
        model = keras.Sequential(stack)
        model.compile(optimizer="sgd", loss="mse")
        received = 7 if len(stack) == 1 else 2
        for call in (lambda: model.build((None, 7)),
                     lambda: model.predict(np.zeros((2, 7)), verbose=0),
                     lambda: model.fit(np.zeros((2, 7)), np.zeros((2, 3)), verbose=0)):
            fails_cleanly(model, call, ValueError, "Dense 'dense'",
                          f"built for input of shape (None, {WIDTH})",
                          f"input of shape (None, {received})")
    assert dense.kernel.shape == (WIDTH, 3)
    model = keras.Sequential([dense])
    assert model.predict(np.zeros((2, WIDTH)), verbose=0).shape == (2, 3)


def test_fit_before_compile():
    model = keras.Sequential([keras.Input(shape=(WIDTH,)), layers.Dense(CLASSES)])
    x, y, _ = data()
    for method, call in (("fit", lambda: model.fit(x, y, verbose=0)),
                         ("evaluate", lambda: model.evaluate(x, y, verbose=0)),
                         ("train_on_batch", lambda: model.train_on_batch(x, y)),
                         ("test_on_batch", lambda: model.test_on_batch(x, y))):
        fails_cleanly(model, call, ValueError, f"compile(optimizer, loss)` before `{method}`")
    model.compile(optimizer="sgd")  # compiled without a loss
    fails_cleanly(model, lambda: model.fit(x, y, verbose=0), ValueError,
                  "before `fit`", "compiled without a `loss`")
    assert model.predict(x, verbose=0).shape == (ROWS, CLASSES)  # predict needs no compile


def test_a_model_without_layers():
    """Named as such by every method, not as a `y` that does not fit the output it lacks."""
    model = keras.Sequential()
    model.compile(optimizer="adam", loss="mse")
    x = np.zeros((ROWS, WIDTH), np.float32)
    for call in (lambda: model.fit(x, x, verbose=0), lambda: model.evaluate(x, x, verbose=0),
                 lambda: model.train_on_batch(x, x), lambda: model.test_on_batch(x, x),
                 lambda: model.predict(x, verbose=0), lambda: model.predict_on_batch(x)):
        fails_cleanly(model, call, ValueError, f"Sequential '{model.name}' has no layers",
                      "add some before using it")


# --------------------------------------------------------------------------------- weights
def test_set_weights_with_the_wrong_count_or_shapes():
    model = classifier()
    weights = model.get_weights()
    fails_cleanly(model, lambda: model.set_weights(weights[:-1]), ValueError,
                  f"Sequential '{model.name}'", f"expects {len(weights)} weight arrays",
                  f"received {len(weights) - 1}")
    fails_cleanly(model, lambda: model.set_weights(weights + [weights[0]]), ValueError,
                  f"expects {len(weights)} weight arrays", f"received {len(weights) + 1}")
    # Every array but the last is right: none may be assigned before the last is checked.
    changed = [w + 1 for w in weights[:-1]] + [np.zeros(weights[-1].shape + (1,))]
    fails_cleanly(model, lambda: model.set_weights(changed), ValueError,
                  f"weight '{model.weights[-1].path}' has shape {weights[-1].shape}",
                  f"received an array of shape {weights[-1].shape + (1,)}")
    text = [w + 1 for w in weights[:-1]] + [np.full(weights[-1].shape, "x")]
    fails_cleanly(model, lambda: model.set_weights(text), ValueError,
                  f"weight '{model.weights[-1].path}' needs real numbers",
                  "received an array of dtype <U1")
    layer = model.layers[0]
    fails_cleanly(model, lambda: layer.set_weights([weights[0]]), ValueError,
                  f"Dense '{layer.name}' expects 2 weight arrays", "received 1")
    ragged = [w + 1 for w in weights[:-1]] + [[[0.0]] * (len(weights[-1]) - 1) + [[0.0, 1.0]]]
    fails_cleanly(model, lambda: model.set_weights(ragged), ValueError,
                  f"weight '{model.weights[-1].path}' has shape {weights[-1].shape}",
                  "received a ragged nested list")


@pytest.mark.parametrize("weights,received", [(None, "None"), (3, "int"), ("w", "str"),
                                              ({"kernel": 1}, "dict")])
def test_set_weights_with_no_list_of_arrays(weights, received):
    model = classifier()
    fails_cleanly(model, lambda: model.set_weights(weights), TypeError,
                  f"Sequential '{model.name}'", "`weights` must be a list of arrays",
                  f"received {received}.")
    layer = model.layers[0]
    fails_cleanly(model, lambda: layer.set_weights(weights), TypeError,
                  f"Dense '{layer.name}'", "`weights` must be a list of arrays")


@pytest.fixture
def saved(tmp_path):
    """A trained classifier saved in every format, with the paths."""
    model = classifier()
    paths = {"weights": tmp_path / "model.weights.h5", "legacy": tmp_path / "legacy.h5",
             "keras": tmp_path / "model.keras"}
    model.save_weights(paths["weights"])
    model.save_weights(paths["legacy"])
    model.save(paths["keras"])
    return paths


def other_classifier(units=5, extra_layer=False):
    model = keras.Sequential([keras.Input(shape=(WIDTH,)), layers.Dense(units, activation="relu"),
                              layers.BatchNormalization(), layers.Dropout(0.5)]
                             + ([layers.Dense(CLASSES, activation="relu")] if extra_layer else [])
                             + [layers.Dense(CLASSES, activation="softmax")])
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    x, y, _ = data()
    model.fit(x, y, epochs=1, batch_size=ROWS, verbose=0)
    return model


@pytest.mark.parametrize("kind", ["weights", "legacy", "keras"])
def test_load_weights_with_the_wrong_layer_count(saved, kind):
    model = other_classifier(extra_layer=True)
    fails_cleanly(model, lambda: model.load_weights(saved[kind]), ValueError,
                  "Layer count mismatch", f"'{model.name}'")


@pytest.mark.parametrize("kind", ["weights", "legacy", "keras"])
def test_load_weights_with_the_wrong_shapes(saved, kind):
    model = other_classifier(units=6)
    first = model.layers[0]
    fails_cleanly(model, lambda: model.load_weights(saved[kind]), ValueError,
                  f"Layer '{first.name}' (Dense) weight 'kernel' has shape ({WIDTH}, 6)",
                  f"has shape ({WIDTH}, 5)")


def test_load_model_whose_layer_was_built_for_another_input(tmp_path):
    """A file whose InputLayer gives 5 features to a Dense built for 4 does not load as a model
    that fails at its first batch."""
    model = keras.Sequential([keras.Input(shape=(WIDTH,)), layers.Dense(3, name="dense")])
    model.save(tmp_path / "model.keras")
    with zipfile.ZipFile(tmp_path / "model.keras") as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    config = json.loads(members["config.json"])
    config["config"]["layers"][0]["config"]["batch_shape"] = [None, WIDTH + 1]
    members["config.json"] = json.dumps(config).encode()
    with zipfile.ZipFile(tmp_path / "other_input.keras", "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    with pytest.raises(ValueError) as info:
        keras.models.load_model(tmp_path / "other_input.keras")
    for fragment in ("Dense 'dense'", f"built for input of shape (None, {WIDTH})",
                     f"input of shape (None, {WIDTH + 1})"):
        assert fragment in str(info.value)


@pytest.mark.parametrize("name", ["missing.weights.h5", "missing.h5", "missing.keras"])
def test_load_weights_from_a_missing_file(tmp_path, name):
    model = classifier()
    path = tmp_path / name
    message = fails_cleanly(model, lambda: model.load_weights(path), FileNotFoundError,
                            str(path))
    assert "No such file" in message
    fails_cleanly(model, lambda: keras.models.load_model(tmp_path / "missing.keras"),
                  FileNotFoundError, "missing.keras")


def test_load_model_of_a_missing_keras_file_is_also_keras_s_value_error(tmp_path):
    """Keras raises ValueError there: a ported ``except ValueError`` still catches it."""
    with pytest.raises(ValueError, match="File not found: filepath=.*missing.keras"):
        keras.models.load_model(tmp_path / "missing.keras")


@pytest.mark.parametrize("name,content,fragments", [
    ("text.weights.h5", b"not an HDF5 file at all", ["is not an HDF5 file", "HDF5 signature"]),
    ("empty.h5", b"", ["is not an HDF5 file", "it is empty"]),
    ("text.keras", b"not a zip archive", ["is not a .keras archive"]),
])
def test_load_weights_from_a_file_that_is_not_hdf5(tmp_path, name, content, fragments):
    model = classifier()
    path = tmp_path / name
    path.write_bytes(content)
    fails_cleanly(model, lambda: model.load_weights(path), OSError, str(path), *fragments)
    if not name.endswith(".weights.h5"):
        with pytest.raises(OSError, match="is not"):
            keras.models.load_model(path)


def test_load_weights_from_a_folder_or_an_unknown_extension(tmp_path):
    model = classifier()
    fails_cleanly(model, lambda: model.load_weights(tmp_path / "weights.txt"), ValueError,
                  "File format not supported", "weights.txt", "`.keras`", "`.weights.h5`")
    folder = tmp_path / "folder.h5"
    os.mkdir(folder)
    fails_cleanly(model, lambda: model.load_weights(folder), IsADirectoryError, str(folder))
    fails_cleanly(model, lambda: model.save_weights(tmp_path / "weights.txt"), ValueError,
                  "must end in `.weights.h5`", "weights.txt")


@pytest.mark.parametrize("filepath", [None, 5])
def test_a_filepath_that_is_no_path(filepath):
    model = classifier()
    for call in (lambda: model.load_weights(filepath), lambda: model.save(filepath),
                 lambda: model.save_weights(filepath),
                 lambda: keras.models.load_model(filepath)):
        fails_cleanly(model, call, TypeError, "`filepath` must be a str or a path-like object",
                      f"received {filepath!r}.")


def test_load_model_whose_config_asks_for_more_than_its_weights(tmp_path):
    """The row's example: 10**7 units after a 784-wide input, refused before the 31 GB kernel
    exists (tests/test_saving_budget.py checks the memory, other layers and the legacy .h5)."""
    model = keras.Sequential([keras.Input(shape=(784,)), layers.Dense(8, name="dense")])
    path = with_layer_config(tmp_path, lambda layer: layer["config"].update(units=10 ** 7), model)
    with pytest.raises(ValueError) as info:
        keras.models.load_model(path)
    for fragment in (f"The model file '{path}' describes a model too large to build",
                     "Dense 'dense' would create the weight 'kernel' of shape (784, 10000000)",
                     "the file's weights hold 6,280 values in all, stored in the shapes (784, 8), "
                     "(8,)."):
        assert fragment in str(info.value)


@pytest.mark.parametrize("text, error, fragments", [
    ("{not json", ValueError, ("`json_string` is not valid JSON",)),
    ('{"module": "keras.layers", "class_name": "Dense", "config": {"units": 2}}', ValueError,
     ("`json_string` does not describe a model", "Dense")),
    ('{"module": "keras.layers", "class_name": "NoSuchLayer", "config": {}}', ValueError,
     ("`json_string`", "Unknown layer 'NoSuchLayer'", "custom_objects")),
    (None, TypeError, ("`json_string` must be the JSON text of a model config", "received NoneType")),
])
def test_model_from_json_of_text_that_is_no_model(text, error, fragments):
    with pytest.raises(error) as info:
        keras.models.model_from_json(text)
    for fragment in fragments:
        assert fragment in str(info.value)


def test_get_file_that_cannot_fetch_its_origin(tmp_path):
    cached = tmp_path / "datasets" / "a.txt"
    cached.parent.mkdir()
    cached.write_bytes(b"cached before")
    missing = (tmp_path / "missing.txt").as_uri()
    with pytest.raises(OSError, match=f"URL fetch failure on {missing}: None -- "):
        keras.utils.get_file("a.txt", missing, cache_dir=tmp_path, force_download=True)
    assert sorted(os.listdir(cached.parent)) == ["a.txt"]
    assert cached.read_bytes() == b"cached before"


def test_get_file_whose_download_does_not_match_its_hash(tmp_path):
    source = tmp_path / "a.txt"
    source.write_bytes(b"test")
    wrong = "0" * 64
    with pytest.raises(ValueError, match="Incomplete or corrupted file detected. The auto file "
                                         f"hash does not match the provided value of {wrong}."):
        keras.utils.get_file(origin=source.as_uri(), cache_dir=tmp_path, file_hash=wrong)
    with pytest.raises(ValueError, match="`hash_algorithm` must be one of"):
        keras.utils.get_file(origin=source.as_uri(), cache_dir=tmp_path, file_hash=wrong,
                             hash_algorithm="sha512")
    assert os.listdir(tmp_path / "datasets") == []


def test_image_file_functions_given_a_bad_argument(tmp_path):
    path = tmp_path / "a.png"
    keras.utils.save_img(path, np.ones((2, 2, 3)))
    with pytest.raises(ValueError, match="Invalid interpolation method cubic specified. Supported "
                                         "methods are nearest, bilinear, bicubic, hamming, box, "
                                         "lanczos"):
        keras.utils.load_img(path, target_size=(3, 3), interpolation="cubic")
    with pytest.raises(ValueError, match='color_mode must be "grayscale", "rgb", or "rgba"'):
        keras.utils.load_img(path, color_mode="cmyk")
    with pytest.raises(TypeError, match="path should be path-like or io.BytesIO, not "):
        keras.utils.load_img(None)
    for bad, message in ((np.ones((2, 2)), "rank 3"), (np.ones((2, 2, 2)), "channel number: 2")):
        with pytest.raises(ValueError, match=message):
            keras.utils.save_img(tmp_path / "b.png", bad)
    with pytest.raises(ValueError, match="must be one of {'channels_first', 'channels_last'}"):
        keras.utils.save_img(tmp_path / "b.png", np.ones((2, 2, 3)), data_format="last")
    assert sorted(os.listdir(tmp_path)) == ["a.png"]
