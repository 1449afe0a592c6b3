"""fit, evaluate and predict against Keras 3.15.1 (torch backend), in float64.

Keras and handkeras build the same model from the same initial weights and train on the same rows in
the same order (``shuffle=False``), with batch sizes that leave a partial last batch. Every ``history``
value (running, batch-size-weighted means; validation in inference mode), the final weights and
the optimizer's step count must agree, then ``evaluate`` and ``predict``. The data keeps every
probability far from 0 and 1, where handkeras's fused softmax/sigmoid cross-entropy (through the
logits) and Keras's clipped one on the torch backend agree.
"""

import numpy as np
import pytest

from parity import assert_close

torch = pytest.importorskip("torch")
keras = pytest.importorskip("keras")

from keras_pair import assert_same_history, assert_same_weights, compile_both, make_models  # noqa: E402


def fit_both(ours, theirs, x, y, **fit_arguments):
    arguments = dict(shuffle=False, verbose=0, **fit_arguments)
    our_history = ours.fit(x, y, **arguments)
    their_history = theirs.fit(x, y, **arguments)
    assert_same_history(our_history, their_history)
    assert_same_weights(ours, theirs)
    assert ours.optimizer.iterations == int(theirs.optimizer.iterations.numpy())


def evaluate_and_predict_both(ours, theirs, x, y, sample_weight=None, batch_size=7):
    expected = theirs.evaluate(x, y, sample_weight=sample_weight, batch_size=batch_size, verbose=0)
    assert_close(ours.evaluate(x, y, sample_weight=sample_weight, batch_size=batch_size,
                               verbose=0), expected, "evaluate")
    expected = theirs.evaluate(x, y, sample_weight=sample_weight, batch_size=batch_size, verbose=0,
                               return_dict=True)
    result = ours.evaluate(x, y, sample_weight=sample_weight, batch_size=batch_size, verbose=0,
                           return_dict=True)
    assert sorted(result) == sorted(expected)
    for key in expected:
        assert_close(result[key], expected[key], f"evaluate()[{key!r}]")
    prediction = ours.predict(x, batch_size=5, verbose=0)
    assert prediction.dtype == np.float64
    assert_close(prediction, theirs.predict(x, batch_size=5, verbose=0), "predict")


@pytest.mark.parametrize("optimizer", [
    ("SGD", {"learning_rate": 0.1}),
    ("Adam", {"learning_rate": 0.02}),
    ("RMSprop", {"learning_rate": 0.01, "momentum": 0.5}),
], ids=lambda optimizer: optimizer[0])
def test_softmax_classifier_with_categorical_crossentropy(optimizer):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(22, 5))
    y = np.eye(3)[rng.integers(0, 3, size=22)]

    def build(library):
        return library.Sequential([
            library.Input((5,)),
            library.layers.Dense(8, activation="relu"),
            library.layers.Dense(3, activation="softmax"),
        ])

    ours, theirs = make_models(build)
    compile_both(ours, theirs, optimizer, loss="categorical_crossentropy", metrics=["accuracy"])
    # 22 rows, 17 for training in batches of 5, 5, 5, 2; the last 5 for validation.
    fit_both(ours, theirs, x, y, batch_size=5, epochs=3, validation_split=0.2)
    evaluate_and_predict_both(ours, theirs, x, y)


@pytest.mark.parametrize("optimizer", [
    ("SGD", {"learning_rate": 0.05, "momentum": 0.9}),
    ("SGD", {"learning_rate": 0.05, "momentum": 0.9, "nesterov": True}),
    ("Adam", {"learning_rate": 0.01, "amsgrad": True}),
], ids=["momentum", "nesterov", "adam_amsgrad"])
def test_regression_with_mean_squared_error(optimizer):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(19, 4))
    y = rng.normal(size=(19, 2))
    x_val, y_val = rng.normal(size=(6, 4)), rng.normal(size=(6, 2))

    def build(library):
        return library.Sequential([
            library.Input((4,)),
            library.layers.Dense(6, activation="tanh"),
            library.layers.Dense(2),
        ])

    ours, theirs = make_models(build)
    compile_both(ours, theirs, optimizer, loss="mse", metrics=["mae"])
    fit_both(ours, theirs, x, y, batch_size=4, epochs=3, validation_data=(x_val, y_val))
    evaluate_and_predict_both(ours, theirs, x_val, y_val, batch_size=4)


def test_sparse_labels_softmax_layer_and_sample_weights():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(13, 6))
    labels = rng.integers(0, 4, size=13)
    sample_weight = rng.uniform(0.2, 2.0, size=13)

    def build(library):
        return library.Sequential([
            library.Input((6,)),
            library.layers.Dense(5, activation="sigmoid"),
            library.layers.Dense(4),
            library.layers.Softmax(),
        ])

    ours, theirs = make_models(build)
    compile_both(ours, theirs, ("RMSprop", {"learning_rate": 0.02}),
                 loss="sparse_categorical_crossentropy",
                 metrics=["sparse_categorical_accuracy"], weighted_metrics=["mse"])
    fit_both(ours, theirs, x, labels[:, None], batch_size=4, epochs=3,
             sample_weight=sample_weight)
    evaluate_and_predict_both(ours, theirs, x, labels[:, None], sample_weight=sample_weight)


def test_sigmoid_output_with_binary_crossentropy():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(15, 3))
    y = (rng.uniform(size=(15, 1)) > 0.5).astype(np.float64)

    def build(library):
        return library.Sequential([
            library.Input((3,)),
            library.layers.Dense(4, activation="relu"),
            library.layers.Dense(1, activation="sigmoid"),
        ])

    ours, theirs = make_models(build)
    compile_both(ours, theirs, ("Adam", {"learning_rate": 0.05}), loss="binary_crossentropy",
                 metrics=["accuracy"])
    fit_both(ours, theirs, x, y, batch_size=6, epochs=4, validation_split=0.3)
    evaluate_and_predict_both(ours, theirs, x, y)
