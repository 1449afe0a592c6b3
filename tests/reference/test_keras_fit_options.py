"""Every fit / evaluate / predict option and the Model features, against Keras 3.15.1 (torch backend),
in float64.

Keras and handkeras build the same model from the same initial weights and see the same rows in the
same order (``shuffle=False``). For each option the test compares what a user can see: every
``history`` value, the epoch indices, the callbacks' epoch and batch numbers, the final weights (rtol
1e-9), the optimizer's step count, and the return values of evaluate, predict and the ``*_on_batch``
methods. Probabilities stay far from 0 and 1, where handkeras's fused cross-entropy (through the
logits) and Keras's clipped one agree.
"""

import re
import warnings

import numpy as np
import pytest

import handkeras
from parity import assert_close

torch = pytest.importorskip("torch")
keras = pytest.importorskip("keras")

from keras_pair import assert_same_history, assert_same_weights, compile_both, make_models  # noqa: E402


# ------------------------------------------------------------------------------------- helpers
def recorder(library):
    """A callback recording ``(hook, index)`` for epochs, train batches and test batches."""

    class Recorder(library.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.calls = []

        def on_epoch_begin(self, epoch, logs=None):
            self.calls.append(("epoch_begin", epoch))

        def on_epoch_end(self, epoch, logs=None):
            self.calls.append(("epoch_end", epoch, tuple(sorted(logs))))

        def on_train_batch_begin(self, batch, logs=None):
            self.calls.append(("train_batch", batch))

        def on_test_batch_begin(self, batch, logs=None):
            self.calls.append(("test_batch", batch))

    return Recorder()


def fit_both(ours, theirs, x, y, **arguments):
    """Fit both with the same arguments (no shuffling, silent) and compare everything a user sees;
    returns the warnings each library raised."""
    arguments = {"shuffle": False, "verbose": 0, **arguments}
    our_calls, their_calls = recorder(handkeras), recorder(keras)
    with warnings.catch_warnings(record=True) as our_warnings:
        warnings.simplefilter("always")
        our_history = ours.fit(x, y, callbacks=[our_calls], **arguments)
    with warnings.catch_warnings(record=True) as their_warnings:
        warnings.simplefilter("always")
        their_history = theirs.fit(x, y, callbacks=[their_calls], **arguments)
    assert our_calls.calls == their_calls.calls
    assert_same_history(our_history, their_history)
    assert our_history.params == their_history.params
    assert ours.history is our_history
    assert_same_weights(ours, theirs)
    assert ours.optimizer.iterations == int(theirs.optimizer.iterations.numpy())
    return our_warnings, their_warnings


def ran_out_of_data(caught):
    return sum("ran out of data" in str(warning.message) for warning in caught)


def dense_classifier(inputs, hidden, classes, activation="softmax"):
    def build(library):
        return library.Sequential([
            library.Input((inputs,)),
            library.layers.Dense(hidden, activation="tanh"),
            library.layers.Dense(classes, activation=activation),
        ])
    return build


def regressor(inputs=4, hidden=6, outputs=2):
    def build(library):
        return library.Sequential([
            library.Input((inputs,)),
            library.layers.Dense(hidden, activation="tanh"),
            library.layers.Dense(outputs),
        ])
    return build


def regression_data(seed, rows, inputs=4, outputs=2):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(rows, inputs)), rng.normal(size=(rows, outputs))


# ------------------------------------------------------------------------------------- class_weight
CLASS_WEIGHT = {0: 0.5, 2: 3.0}  # class 1 is not listed: it weighs 1


@pytest.mark.parametrize("labels", ["one_hot", "sparse", "sparse_column"])
def test_class_weight_with_one_hot_and_sparse_labels(labels):
    rng = np.random.default_rng(10)
    x = rng.normal(size=(17, 5))
    classes = rng.integers(0, 3, size=17)
    y, loss = {"one_hot": (np.eye(3)[classes], "categorical_crossentropy"),
               "sparse": (classes, "sparse_categorical_crossentropy"),
               "sparse_column": (classes[:, None], "sparse_categorical_crossentropy")}[labels]
    ours, theirs = make_models(dense_classifier(5, 6, 3))
    compile_both(ours, theirs, ("SGD", {"learning_rate": 0.2}), loss=loss,
                 metrics=["accuracy"], weighted_metrics=["accuracy"])
    fit_both(ours, theirs, x, y, batch_size=5, epochs=3, class_weight=CLASS_WEIGHT)


def test_class_weight_with_a_sigmoid_output_rounds_the_targets():
    rng = np.random.default_rng(11)
    x = rng.normal(size=(14, 3))
    y = rng.uniform(size=(14, 1))  # soft targets: their class is round(y)
    ours, theirs = make_models(dense_classifier(3, 4, 1, activation="sigmoid"))
    compile_both(ours, theirs, ("Adam", {"learning_rate": 0.05}), loss="binary_crossentropy",
                 weighted_metrics=["mse"])
    fit_both(ours, theirs, x, y, batch_size=4, epochs=2, class_weight={0: 2.0, 1: 0.25})


def test_class_weight_and_sample_weight_together_are_an_error():
    x, y = regression_data(12, 6, outputs=1)
    labels = (y[:, 0] > 0).astype(int)
    ours, theirs = make_models(dense_classifier(4, 3, 2))
    compile_both(ours, theirs, ("SGD", {}), loss="sparse_categorical_crossentropy")
    before = ours.get_weights()
    for model in (ours, theirs):
        with pytest.raises(ValueError, match="class_weight"):
            model.fit(x, labels, class_weight={0: 2.0}, sample_weight=np.ones(6), verbose=0)
        with pytest.raises(ValueError, match="class_weight"):
            model.train_on_batch(x, labels, class_weight={0: 2.0}, sample_weight=np.ones(6))
    for value, expected in zip(ours.get_weights(), before):
        np.testing.assert_array_equal(value, expected)


# ------------------------------------------------------------------------------------- weights and validation
def test_sample_weight_and_weighted_validation_data():
    x, y = regression_data(20, 19)
    x_val, y_val = regression_data(21, 11)
    rng = np.random.default_rng(22)
    sample_weight, val_weight = rng.uniform(0.1, 3.0, size=19), rng.uniform(0.1, 3.0, size=11)
    ours, theirs = make_models(regressor())
    compile_both(ours, theirs, ("RMSprop", {"learning_rate": 0.01}), loss="mse",
                 metrics=["mae"], weighted_metrics=["mae"])
    fit_both(ours, theirs, x, y, batch_size=4, epochs=3, sample_weight=sample_weight,
             validation_data=(x_val, y_val, val_weight), validation_batch_size=3)


def test_validation_steps_limit_the_validation_batches():
    x, y = regression_data(23, 12)
    x_val, y_val = regression_data(24, 13)
    ours, theirs = make_models(regressor())
    compile_both(ours, theirs, ("SGD", {"learning_rate": 0.05}), loss="mse", metrics=["mae"])
    fit_both(ours, theirs, x, y, batch_size=5, epochs=2, validation_data=(x_val, y_val),
             validation_steps=2, validation_batch_size=4)


@pytest.mark.parametrize("validation_freq", [2, [1, 4, 5]], ids=["every_2", "listed"])
def test_validation_freq(validation_freq):
    x, y = regression_data(25, 10)
    ours, theirs = make_models(regressor())
    compile_both(ours, theirs, ("SGD", {"learning_rate": 0.05}), loss="mse")
    fit_both(ours, theirs, x, y, batch_size=4, epochs=5, validation_split=0.3,
             validation_freq=validation_freq)


# ------------------------------------------------------------------------------------- epochs and steps
def test_initial_epoch_numbers_the_epochs_from_there():
    x, y = regression_data(26, 9)
    ours, theirs = make_models(regressor())
    compile_both(ours, theirs, ("Adam", {"learning_rate": 0.01}), loss="mse")
    fit_both(ours, theirs, x, y, batch_size=4, epochs=5, initial_epoch=2, validation_split=0.25,
             validation_freq=2)


def test_initial_epoch_at_epochs_trains_nothing():
    x, y = regression_data(27, 6)
    ours, theirs = make_models(regressor())
    compile_both(ours, theirs, ("SGD", {}), loss="mse")
    fit_both(ours, theirs, x, y, epochs=3, initial_epoch=3)


@pytest.mark.parametrize("steps_per_epoch,cut_epochs", [(2, 2), (3, 0), (5, 4)],
                         ids=["carries_on", "one_pass", "too_many"])
def test_steps_per_epoch_carries_the_batches_on_across_epochs(steps_per_epoch, cut_epochs):
    # 10 rows in batches of 4 make passes of 3 batches (4, 4, 2). With 2 steps an epoch, epoch 0
    # takes batches 0 and 1, epoch 1 takes batch 2 and stops at the end of the pass ("ran out of
    # data"), epoch 2 starts a new pass. With 5 steps every epoch stops after its 3 batches.
    x, y = regression_data(28, 10)
    ours, theirs = make_models(regressor())
    compile_both(ours, theirs, ("SGD", {"learning_rate": 0.05, "momentum": 0.5}), loss="mse",
                 metrics=["mae"])
    our_warnings, their_warnings = fit_both(
        ours, theirs, x, y, batch_size=4, epochs=4, steps_per_epoch=steps_per_epoch,
        validation_data=regression_data(29, 5))
    assert ran_out_of_data(our_warnings) == ran_out_of_data(their_warnings) == cut_epochs


@pytest.mark.parametrize("steps_per_epoch", [1, 3, 4])
def test_steps_per_epoch_without_batch_size_spreads_the_rows_over_the_steps(steps_per_epoch):
    # 11 rows in 3 steps: batches of ceil(11 / 3) = 4 rows. Validation keeps batches of 32, or
    # spreads its rows over validation_steps.
    x, y = regression_data(37, 11)
    ours, theirs = make_models(regressor())
    compile_both(ours, theirs, ("SGD", {"learning_rate": 0.05}), loss="mse")
    fit_both(ours, theirs, x, y, epochs=3, steps_per_epoch=steps_per_epoch,
             validation_data=regression_data(38, 7), validation_steps=2)


# ------------------------------------------------------------------------------------- evaluate, predict
@pytest.mark.parametrize("steps", [None, 2, 9])
def test_evaluate_with_sample_weight_and_steps(steps):
    x, y = regression_data(30, 11)
    sample_weight = np.random.default_rng(31).uniform(0.2, 2.0, size=11)
    ours, theirs = make_models(regressor())
    compile_both(ours, theirs, ("SGD", {}), loss="mse", metrics=["mae"], weighted_metrics=["mse"])
    for return_dict in (False, True):
        arguments = dict(sample_weight=sample_weight, batch_size=3, steps=steps, verbose=0,
                         return_dict=return_dict)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expected = theirs.evaluate(x, y, **arguments)
            result = ours.evaluate(x, y, **arguments)
        if return_dict:
            assert list(result) == sorted(expected)
            result, expected = list(result.values()), [expected[key] for key in result]
        assert_close(result, expected, f"evaluate(steps={steps}, return_dict={return_dict})")


@pytest.mark.parametrize("steps", [None, 1, 3, 8])
def test_predict_with_steps(steps):
    x, _ = regression_data(32, 11)
    ours, theirs = make_models(regressor())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = theirs.predict(x, batch_size=4, steps=steps, verbose=0)
    assert_close(ours.predict(x, batch_size=4, steps=steps, verbose=0), expected, "predict")


def test_predict_with_steps_and_no_batch_size_spreads_the_rows_over_the_steps():
    x, _ = regression_data(33, 70)
    ours, theirs = make_models(regressor())
    calls = {}
    for name, model, library in (("ours", ours, handkeras), ("theirs", theirs, keras)):
        counter = library.callbacks.LambdaCallback(
            on_predict_batch_end=lambda batch, logs, name=name: calls.setdefault(name, []).append(
                len(logs["outputs"])))
        model.predict(x, steps=3, verbose=0, callbacks=[counter])
    assert calls["ours"] == calls["theirs"]


# ------------------------------------------------------------------------------------- single batches
def test_train_test_and_predict_on_batch():
    rng = np.random.default_rng(34)
    x = rng.normal(size=(8, 5))
    classes = rng.integers(0, 3, size=8)
    sample_weight = rng.uniform(0.5, 1.5, size=8)
    ours, theirs = make_models(dense_classifier(5, 4, 3))
    compile_both(ours, theirs, ("Adam", {"learning_rate": 0.05}),
                 loss="sparse_categorical_crossentropy", metrics=["accuracy"],
                 weighted_metrics=["accuracy"])
    calls = [
        ("train_on_batch", dict(x=x[:5], y=classes[:5])),
        ("train_on_batch", dict(x=x[5:], y=classes[5:], sample_weight=sample_weight[5:],
                                return_dict=True)),
        ("train_on_batch", dict(x=x, y=classes, class_weight={1: 4.0})),
        ("test_on_batch", dict(x=x[:6], y=classes[:6], sample_weight=sample_weight[:6])),
        ("test_on_batch", dict(x=x, y=classes, return_dict=True)),
    ]
    for method, arguments in calls:
        expected = getattr(theirs, method)(**arguments)
        result = getattr(ours, method)(**arguments)
        if isinstance(expected, dict):
            assert list(result) == sorted(expected)
            result, expected = list(result.values()), [expected[key] for key in result]
        assert_close(result, expected, f"{method}({sorted(arguments)})")
    assert_close(ours.predict_on_batch(x), theirs.predict_on_batch(x), "predict_on_batch")
    assert_same_weights(ours, theirs)
    assert ours.optimizer.iterations == int(theirs.optimizer.iterations.numpy())


def test_train_on_batch_returns_a_scalar_without_metrics():
    x, y = regression_data(35, 5)
    ours, theirs = make_models(regressor())
    compile_both(ours, theirs, ("SGD", {"learning_rate": 0.1}), loss="mse")
    for _ in range(3):
        expected = theirs.train_on_batch(x, y)
        result = ours.train_on_batch(x, y)
        assert isinstance(result, float)
        assert_close(result, expected, "train_on_batch")
    assert_close(ours.test_on_batch(x, y), theirs.test_on_batch(x, y), "test_on_batch")


# ------------------------------------------------------------------------------------- inputs
def test_lists_and_tuples_as_inputs():
    x, y = regression_data(36, 7)
    x_list, y_tuple = x.tolist(), tuple(map(tuple, y))
    ours, theirs = make_models(regressor())
    compile_both(ours, theirs, ("SGD", {"learning_rate": 0.05}), loss="mse")
    ours.fit(x_list, y_tuple, batch_size=3, epochs=2, shuffle=False, verbose=0)
    theirs.fit(x, y, batch_size=3, epochs=2, shuffle=False, verbose=0)
    assert_same_weights(ours, theirs)
    assert_close(ours.predict(x_list, verbose=0), theirs.predict(x, verbose=0), "predict")


# ------------------------------------------------------------------------------------- Model features
def nested(library):
    inner = library.Sequential([
        library.layers.Dense(5, activation="tanh"),
        library.layers.Dense(4, activation="relu"),
    ], name="inner")
    return library.Sequential([
        library.Input((3,)),
        library.layers.Dense(6, activation="sigmoid"),
        inner,
        library.layers.Dense(2),
    ])


def test_a_sequential_inside_a_sequential_trains_as_in_keras():
    x, y = regression_data(40, 13, inputs=3)
    ours, theirs = make_models(nested)
    assert [w.shape for w in ours.trainable_weights] == [
        tuple(w.shape) for w in theirs.trainable_weights]
    compile_both(ours, theirs, ("Adam", {"learning_rate": 0.02}), loss="mse", metrics=["mae"])
    fit_both(ours, theirs, x, y, batch_size=4, epochs=3, validation_split=0.2)
    assert_close(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), "predict")
    hidden = np.random.default_rng(45).uniform(size=(7, 6))  # what the inner model takes
    assert_close(ours.layers[1].predict(hidden, verbose=0),
                 theirs.layers[1].predict(hidden, verbose=0), "the inner model's own predict")


@pytest.mark.parametrize("optimizer", [
    ("Adam", {"learning_rate": 0.05, "weight_decay": 0.1}),
    ("AdamW", {"learning_rate": 0.05}),
    ("SGD", {"learning_rate": 0.1, "momentum": 0.9, "weight_decay": 0.05}),
], ids=["adam_weight_decay", "adamw", "sgd_momentum_weight_decay"])
def test_frozen_layers_keep_their_weights_bit_for_bit(optimizer):
    x, y = regression_data(41, 12, inputs=3)
    ours, theirs = make_models(nested)
    for model in (ours, theirs):
        model.layers[0].trainable = False
        model.layers[1].layers[1].trainable = False
    frozen = [w.numpy() for w in ours.non_trainable_weights]
    assert len(frozen) == len(theirs.non_trainable_weights) == 4
    assert len(ours.trainable_weights) == len(theirs.trainable_weights) == 4
    compile_both(ours, theirs, optimizer, loss="mse")
    fit_both(ours, theirs, x, y, batch_size=5, epochs=3)
    for value, before in zip(ours.non_trainable_weights, frozen):
        np.testing.assert_array_equal(value.numpy(), before)


def test_a_frozen_inner_model():
    x, y = regression_data(42, 10, inputs=3)
    ours, theirs = make_models(nested)
    for model in (ours, theirs):
        model.layers[1].trainable = False
    compile_both(ours, theirs, ("RMSprop", {"learning_rate": 0.01}), loss="mse")
    fit_both(ours, theirs, x, y, batch_size=3, epochs=2)


def test_pop_then_train_a_new_head():
    x, y = regression_data(43, 9, inputs=3, outputs=3)
    ours, theirs = make_models(nested)
    for model, library in ((ours, handkeras), (theirs, keras)):
        last = model.layers[-1]
        assert model.pop() is last
        assert last.weights[0] not in model.weights
        assert model.output_shape == (None, 4)
        model.add(library.layers.Dense(3, name="head", kernel_initializer="zeros"))
        assert model.output_shape == (None, 3)
    assert len(ours.weights) == len(theirs.weights) == 8
    compile_both(ours, theirs, ("SGD", {"learning_rate": 0.1}), loss="mse")
    fit_both(ours, theirs, x, y, batch_size=4, epochs=2)


def nested_with_frozen_and_moving_weights(library):
    """A nested model whose inner first layer is frozen, then BatchNormalization's moving stats."""
    model = nested(library)
    model.add(library.layers.BatchNormalization())
    model.layers[1].layers[0].trainable = False
    return model


def summary_totals(model):
    lines = []
    model.summary(print_fn=lambda line, *args, **kwargs: lines.append(line))
    text = "\n".join(lines)
    return {label: (int(count.replace(",", "")), size) for label, count, size in re.findall(
        r"(Total|Trainable|Non-trainable|Optimizer) params: ([\d,]+) \(([\d.]+ \w+)\)", text)}


def test_summary_totals_match_keras():
    x, y = regression_data(44, 8, inputs=3)

    ours, theirs = make_models(nested_with_frozen_and_moving_weights)
    assert summary_totals(ours) == summary_totals(theirs)
    compile_both(ours, theirs, ("Adam", {"learning_rate": 0.01}), loss="mse")
    assert summary_totals(ours) == summary_totals(theirs)
    ours.fit(x, y, verbose=0)
    theirs.fit(x, y, verbose=0)
    totals = summary_totals(ours)
    assert "Optimizer" in totals
    assert totals == summary_totals(theirs)


def test_losses_list_the_regularization_penalties_as_in_keras():
    """Weight penalties of the trainable weights from their current values; after a training-mode
    call, the activity penalties of that call first."""
    def build(library):
        regularizers, layers = library.regularizers, library.layers
        inner = library.Sequential([layers.Dense(3, bias_initializer="ones",
                                                  bias_regularizer=regularizers.L2(0.5))])
        return library.Sequential([
            library.Input((4,)),
            layers.Dense(5, activation="tanh", kernel_regularizer=regularizers.L1(0.1),
                         activity_regularizer=regularizers.L2(0.3)),
            inner,
            layers.Dense(2, kernel_regularizer=regularizers.L1L2(0.01, 0.02),
                         activity_regularizer=regularizers.L1(0.2)),
        ])

    def assert_same_losses():
        assert_close(ours.losses, [float(loss) for loss in theirs.losses], "model.losses")
        for mine, reference in zip(ours.layers, theirs.layers):
            assert_close(mine.losses, [float(loss) for loss in reference.losses], mine.name)

    ours, theirs = make_models(build)
    assert_same_losses()
    x = regression_data(45, 6)[0]
    ours(x, training=True)
    theirs(x, training=True)
    assert len(ours.losses) == 5
    assert_same_losses()
    for model in (ours, theirs):
        model.layers[0].trainable = False
    assert_same_losses()


def test_variable_lists_and_reset_metrics_match_keras():
    x, y = regression_data(46, 8, inputs=3)

    ours, theirs = make_models(nested_with_frozen_and_moving_weights)
    for attribute in ("variables", "trainable_variables", "non_trainable_variables"):
        assert [(v.name, v.shape) for v in getattr(ours, attribute)] == [
            (v.name, tuple(v.shape)) for v in getattr(theirs, attribute)], attribute
    compile_both(ours, theirs, ("SGD", {"learning_rate": 0.01}), loss="mse", metrics=["mae"])
    for model in (ours, theirs):
        model.fit(x, y, epochs=1, verbose=0)
        model.reset_metrics()
    assert {metric.name: float(metric.result()) for metric in ours.metrics} == {
        name: float(value) for name, value in theirs.get_metrics_result().items()} == {
        "loss": 0.0, "mae": 0.0}


# ------------------------------------------------------------------------------------- input rank
def test_a_missing_or_extra_trailing_axis_of_size_1_is_adjusted_as_keras_adjusts_it():
    def images(library):
        return library.Sequential([library.Input((4, 4, 1)), library.layers.Conv2D(2, 3),
                                   library.layers.Flatten(), library.layers.Dense(2)])

    ours, theirs = make_models(images)
    x = np.random.default_rng(40).normal(size=(5, 4, 4))
    assert_close(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), "predict")

    ours, theirs = make_models(regressor(inputs=1, outputs=1))
    compile_both(ours, theirs, ("SGD", {"learning_rate": 0.1}), loss="mse")
    column = np.random.default_rng(41).normal(size=(8, 1))
    fit_both(ours, theirs, column[:, 0], column * 2, batch_size=4, epochs=2,
             validation_data=(column[:, 0], column))


# ------------------------------------------------------------------------------------- summary
def summary_text(model, **options):
    texts = []
    model.summary(print_fn=texts.append, **options)
    return "".join(texts)


def named_model(library):
    """Names given, so that both libraries print the same ones."""
    L = library.layers
    inner = library.Sequential([L.Dense(5, name="inner_dense"),
                                L.Dense(4, name="a_rather_long_inner_layer_name_to_cut")],
                               name="inner")
    model = library.Sequential([library.Input((3,)), L.Dense(1200, name="wide"), inner,
                                L.BatchNormalization(name="batch_normalization_of_a_long_name"),
                                L.Dropout(0.5, name="drop"), L.Dense(2, name="out")],
                               name="summarized")
    model.layers[0].trainable = False
    return model


@pytest.mark.parametrize("options", [
    {}, {"line_length": 60}, {"line_length": 120, "positions": [0.3, 0.5, 1.0]},
    {"expand_nested": True, "show_trainable": True}, {"layer_range": ["inner", "batch"]},
], ids=["default", "narrow", "positions", "nested_trainable", "range"])
def test_summary_prints_keras_s_text(options):
    ours, theirs = make_models(named_model)
    assert summary_text(ours, **options) == summary_text(theirs, **options)


def test_summary_of_an_unbuilt_model_and_after_training_prints_keras_s_text():
    def unbuilt(library):
        return library.Sequential([library.layers.Dense(3, name="first"),
                                   library.layers.Flatten(name="flat")], name="later")

    assert summary_text(unbuilt(handkeras)) == summary_text(unbuilt(keras))
    ours, theirs = make_models(named_model)
    compile_both(ours, theirs, ("Adam", {"learning_rate": 0.01}), loss="mse")
    x, y = regression_data(45, 8, inputs=3)
    ours.fit(x, y, verbose=0)
    theirs.fit(x, y, verbose=0)
    assert "Optimizer params" in summary_text(ours)
    assert summary_text(ours) == summary_text(theirs)


def test_summary_of_an_unbuilt_model_with_layers_built_on_their_own_prints_keras_s_text():
    """Layers built before the model (by hand, as ``adapt`` or a direct call builds them) show
    their output shapes and count in the totals; the nested ones too."""
    def partly_built(library):
        L = library.layers
        first, frozen = L.Dense(3, name="first"), L.BatchNormalization(name="frozen")
        first.build((None, 5))
        frozen.build((None, 3))
        frozen.trainable = False
        inner_first = L.Dense(2, name="inner_first")
        inner_first.build((None, 4))
        inner = library.Sequential([inner_first, L.Dense(2, name="inner_last")], name="inner")
        return library.Sequential([first, L.Dense(4, name="second"), frozen, inner],
                                  name="partly_built")

    for options in ({}, {"expand_nested": True, "show_trainable": True}):
        assert (summary_text(partly_built(handkeras), **options)
                == summary_text(partly_built(keras), **options))
