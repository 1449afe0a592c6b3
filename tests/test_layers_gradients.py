"""Layers and whole models: every hand-written backward against float64 central differences."""

import re

import numpy as np
import pytest

import handkeras as keras
from handkeras import layers
from handkeras.utils.gradient_check import layer_gradients
from gradient_checks import assert_gradients_match, assert_model_gradients_match, data

ACTIVATIONS = ["linear", "relu", "sigmoid", "tanh", "softmax"]


# ------------------------------------------------------------------------------------- layers
@pytest.mark.parametrize("use_bias", [True, False], ids=["bias", "no_bias"])
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_dense_gradients(float64, activation, use_bias):
    layer = layers.Dense(3, activation=activation, use_bias=use_bias,
                         bias_initializer="random_normal")
    results = layer_gradients(layer, data((5, 4)))
    assert set(results) == {"input", "kernel"} | ({"bias"} if use_bias else set())
    assert_gradients_match(results)


@pytest.mark.parametrize("activation", ["linear", "tanh", "softmax"])
def test_dense_on_rank3_input_acts_on_the_last_axis(float64, activation):
    layer = layers.Dense(3, activation=activation, bias_initializer="random_normal")
    x = data((2, 5, 4))
    y = layer(x)
    assert y.shape == (2, 5, 3)
    assert layer.kernel.shape == (4, 3)
    expected = keras.activations.get(activation)(x @ layer.kernel.value + layer.bias.value)
    np.testing.assert_allclose(y, expected, rtol=1e-12)
    assert_gradients_match(layer_gradients(layer, x))


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_activation_layer_gradients(float64, activation):
    layer = layers.Activation(activation)
    x = data((4, 6), scale=2.0)
    np.testing.assert_array_equal(layer(x), keras.activations.get(activation)(x))
    assert_gradients_match(layer_gradients(layer, x))


@pytest.mark.parametrize("shape, axis", [((4, 5), -1), ((3, 4, 5), -1), ((3, 4, 5), 1)])
def test_softmax_layer_gradients(float64, shape, axis):
    layer = layers.Softmax(axis=axis)
    x = data(shape, scale=2.0)
    np.testing.assert_allclose(layer(x).sum(axis=axis), 1.0, rtol=1e-12)
    assert_gradients_match(layer_gradients(layer, x))


def test_dropout_gradients_with_a_seed(float64):
    results = layer_gradients(layers.Dropout(0.4, seed=3), data((6, 5)), training=True)
    assert_gradients_match(results)
    analytic, _ = results["input"]
    assert np.any(analytic == 0), "a training-mode dropout should drop something"


def test_flatten_gradients(float64):
    layer = layers.Flatten()
    x = data((3, 2, 4, 2))
    assert layer(x).shape == (3, 16)
    assert layer.compute_output_shape((None, 2, 4, 2)) == (None, 16)
    assert_gradients_match(layer_gradients(layer, x))


@pytest.mark.parametrize("target_shape, expected", [((4, 3), (4, 3)), ((-1, 2), (6, 2)),
                                                    ((12,), (12,)), ([3, 4], (3, 4)),
                                                    (np.array([2, -1]), (2, 6))])
def test_reshape_gradients(float64, target_shape, expected):
    layer = layers.Reshape(target_shape)
    x = data((2, 3, 4))
    assert layer(x).shape == (2,) + expected
    assert layer.compute_output_shape((None, 3, 4)) == (None,) + expected
    assert_gradients_match(layer_gradients(layer, x))


def test_reshape_rejects_an_impossible_shape():
    with pytest.raises(ValueError, match="reshape"):
        keras.Sequential([keras.Input((3, 4)), layers.Reshape((5, 2))])


# ------------------------------------------------------------------------------------- Dropout
def test_dropout_in_training_zeroes_a_fraction_and_scales_the_rest():
    x = np.ones((200, 50), dtype=np.float32)
    y = layers.Dropout(0.3, seed=1)(x, training=True)
    dropped = np.mean(y == 0)
    assert 0.27 < dropped < 0.33
    np.testing.assert_allclose(y[y != 0], 1 / 0.7, rtol=1e-6)
    assert y.dtype == np.float32


def test_dropout_in_inference_is_the_identity():
    x = data((4, 5)).astype(np.float32)
    layer = layers.Dropout(0.5)
    assert layer(x) is not None
    np.testing.assert_array_equal(layer(x, training=False), x)


def test_dropout_with_a_seed_repeats_its_masks_and_without_follows_the_global_seed():
    x = np.ones((8, 8), dtype=np.float32)
    first = layers.Dropout(0.5, seed=42)(x, training=True)
    second = layers.Dropout(0.5, seed=42)(x, training=True)
    np.testing.assert_array_equal(first, second)
    keras.utils.set_random_seed(5)
    a = layers.Dropout(0.5)(x, training=True)
    keras.utils.set_random_seed(5)
    b = layers.Dropout(0.5)(x, training=True)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, layers.Dropout(0.5)(x, training=True))


def test_dropout_rejects_a_rate_outside_0_1():
    for rate in (-0.1, 1.0001, 1.5):
        with pytest.raises(ValueError, match="rate"):
            layers.Dropout(rate)


@pytest.mark.parametrize("rate", ["0.5", None, [0.5], True], ids=repr)
def test_dropout_rate_that_is_not_a_number_is_a_type_error_when_made(rate):
    """As in Keras, whose check of the range fails comparing it (a bool is refused here)."""
    for cls in (layers.Dropout, layers.SpatialDropout1D, layers.SpatialDropout2D):
        with pytest.raises(TypeError, match=rf"{cls.__name__} '.*': `rate` must be a number in "
                                            rf"\[0, 1\], received {re.escape(repr(rate))}"):
            cls(rate)


def test_dropout_keeps_its_rate_as_given_as_keras_does():
    for rate in (1, 0, 0.5, 1.0):
        for layer in (layers.Dropout(rate), layers.SpatialDropout1D(rate)):
            assert repr(layer.get_config()["rate"]) == repr(rate)
    model = keras.Sequential([keras.Input((3,)), layers.Dropout(1)])
    assert '"rate": 1,' in model.to_json()
    assert repr(keras.models.model_from_json(model.to_json()).layers[0].rate) == "1"


@pytest.mark.parametrize("noise_shape", ["ab", 5, (None, 0), (2, -1), (1.5, 1), (None, "a")],
                         ids=repr)
def test_dropout_noise_shape_entries_are_checked_when_made(noise_shape):
    with pytest.raises(ValueError, match=r"Dropout '.*': `noise_shape` must be a tuple of "
                                         r"positive ints or None, received "):
        layers.Dropout(0.5, noise_shape=noise_shape)


@pytest.mark.parametrize("noise_shape", [(None, 1), (2, 1, 4, 1), (None, 5, None), (3, 1, 1)],
                         ids=str)
def test_a_noise_shape_that_does_not_fit_fails_at_the_training_call_as_in_keras(noise_shape):
    """Keras makes, builds and predicts with such a layer, and fails when it draws its mask (on
    torch, a RuntimeError): here a ValueError that is a RuntimeError too, naming the layer."""
    x = np.ones((2, 3, 4), "float32")
    model = keras.Sequential([keras.Input((3, 4)), layers.Dropout(0.5, noise_shape=noise_shape,
                                                                  name="drop")])
    np.testing.assert_array_equal(model.predict(x, verbose=0), x)
    model.compile(loss="mse")
    for error in (ValueError, RuntimeError):
        with pytest.raises(error) as info:
            model.fit(x, x, verbose=0)
        assert (f"Dropout 'drop': `noise_shape` {noise_shape} does not fit the input of shape "
                f"(2, 3, 4)") in str(info.value)


def test_a_shorter_noise_shape_meets_the_last_axes_as_in_keras(float64):
    """Keras broadcasts the mask against the input from its last axis: ``(1, 4)`` on
    ``(batch, 3, 4)`` draws one mask of 4 entries, shared by every sample and step."""
    x = data((5, 3, 4))
    layer = layers.Dropout(0.5, noise_shape=(1, 4), seed=2)
    dropped = layer(x, training=True) == 0
    assert np.all(dropped == dropped[:1, :1]) and dropped.any() and not dropped.all()
    assert_gradients_match(layer_gradients(layer, x, training=True))


def test_dropout_at_rate_1_zeroes_everything_in_training_and_nothing_in_inference():
    layer = layers.Dropout(1.0)
    x = np.ones((4, 3), "float32")
    y = layer.forward(x, training=True)
    np.testing.assert_array_equal(y, np.zeros_like(x))
    np.testing.assert_array_equal(layer.backward(np.ones_like(x)), np.zeros_like(x))
    np.testing.assert_array_equal(layer(x), x)


# ------------------------------------------------------------------------------------- state
@pytest.mark.parametrize("make_layer", [
    lambda: layers.Dense(3, activation="relu"), lambda: layers.Activation("tanh"),
    lambda: layers.Dropout(0.5), lambda: layers.Flatten(), lambda: layers.Reshape((-1,)),
    lambda: layers.Softmax(), lambda: layers.Rescaling([0.5, 2.0, 4.0], offset=1.0),
], ids=["Dense", "Activation", "Dropout", "Flatten", "Reshape", "Softmax", "Rescaling"])
def test_inference_writes_nothing_to_the_layer(make_layer):
    layer = make_layer()
    x = data((4, 2, 3)).astype(np.float32)
    layer(x)  # builds
    before = dict(vars(layer))
    layer.forward(x, training=False)
    assert vars(layer).keys() == before.keys()
    assert all(vars(layer)[key] is value for key, value in before.items())


# ------------------------------------------------------------------------------------- models
def classifier(activation, loss, classes=3, **compile_args):
    model = keras.Sequential([
        keras.Input((4,)),
        layers.Dense(5, activation="tanh", bias_initializer="random_normal"),
        layers.Dense(classes, activation=activation, bias_initializer="random_normal"),
    ])
    model.compile(optimizer="sgd", loss=loss, **compile_args)
    return model


LABELS = np.array([0, 2, 1, 1, 0, 2])
X = data((6, 4), seed=1)


def test_softmax_with_categorical_crossentropy(float64):
    model = classifier("softmax", "categorical_crossentropy")
    assert_model_gradients_match(model, X, np.eye(3)[LABELS])


def test_softmax_with_sparse_categorical_crossentropy(float64):
    model = classifier("softmax", "sparse_categorical_crossentropy")
    assert_model_gradients_match(model, X, LABELS)


def test_separate_softmax_layer_with_categorical_crossentropy(float64):
    model = keras.Sequential([keras.Input((4,)), layers.Dense(3), layers.Softmax()])
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    assert_model_gradients_match(model, X, np.eye(3)[LABELS])


def test_separate_sigmoid_activation_with_binary_crossentropy(float64):
    model = keras.Sequential([keras.Input((4,)), layers.Dense(3), layers.Activation("sigmoid")])
    model.compile(optimizer="sgd", loss="binary_crossentropy")
    y = np.random.default_rng(2).integers(0, 2, (6, 3)).astype(float)
    assert_model_gradients_match(model, X, y)


@pytest.mark.parametrize("loss", ["categorical_crossentropy", "sparse_categorical_crossentropy",
                                  "mse"])
def test_sequence_outputs_of_rank3(float64, loss):
    model = keras.Sequential([keras.Input((5, 4)), layers.Dense(6, activation="tanh"),
                              layers.Dense(3, activation="softmax")])
    model.compile(optimizer="sgd", loss=loss)
    labels = np.random.default_rng(2).integers(0, 3, (2, 5))
    y = labels if loss.startswith("sparse") else np.eye(3)[labels]
    assert_model_gradients_match(model, data((2, 5, 4), seed=4), y)


def test_sigmoid_with_binary_crossentropy(float64):
    y = np.random.default_rng(2).integers(0, 2, (6, 2)).astype(float)
    model = classifier("sigmoid", "binary_crossentropy", classes=2)
    assert_model_gradients_match(model, X, y)


def test_logits_with_from_logits_losses(float64):
    model = classifier("linear", keras.losses.CategoricalCrossentropy(from_logits=True))
    assert_model_gradients_match(model, X, np.eye(3)[LABELS])
    y = np.random.default_rng(2).integers(0, 2, (6, 3)).astype(float)
    model = classifier("linear", keras.losses.BinaryCrossentropy(from_logits=True))
    assert_model_gradients_match(model, X, y)


def test_unfused_output_activation(float64):
    """softmax + MSE and sigmoid + MAE go through the activation's own Jacobian."""
    model = classifier("softmax", "mse")
    assert_model_gradients_match(model, X, np.eye(3)[LABELS])
    model = classifier("sigmoid", "mae")
    assert_model_gradients_match(model, X, np.eye(3)[LABELS] * 0.8 + 0.1)


@pytest.mark.parametrize("loss", ["categorical_crossentropy", "sparse_categorical_crossentropy"])
def test_sample_weight_reaches_the_gradient(float64, loss):
    model = classifier("softmax", loss)
    y = LABELS if loss.startswith("sparse") else np.eye(3)[LABELS]
    weights = np.array([1.0, 0.0, 2.0, 0.5, 1.0, 3.0])
    assert_model_gradients_match(model, X, y, sample_weight=weights)
    _, weighted = model.compute_gradients(X, y, weights)
    weighted = [g.copy() for g in weighted]
    _, plain = model.compute_gradients(X, y)
    assert not np.allclose(weighted[0], plain[0])


def test_a_saturated_softmax_still_learns_through_its_logits(float64):
    """Fused with its cross-entropy, a softmax that is confidently wrong (p < epsilon) gets the full
    gradient (p - y) / N at its logits, instead of the zero that clipping p would give."""
    model = keras.Sequential([keras.Input((1,)),
                              layers.Dense(2, activation="softmax", kernel_initializer="zeros")])
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    model.layers[0].bias.assign([40.0, 0.0])  # p = [1, 4e-18]
    _, (_, bias_grad) = model.compute_gradients(np.ones((2, 1)), [[0, 1], [0, 1]])
    np.testing.assert_allclose(bias_grad, [1.0, -1.0], rtol=1e-12)


def test_a_saturated_sigmoid_still_learns_through_its_logits(float64):
    model = keras.Sequential([keras.Input((1,)),
                              layers.Dense(1, activation="sigmoid", kernel_initializer="zeros")])
    model.compile(optimizer="sgd", loss="binary_crossentropy")
    model.layers[0].bias.assign([-50.0])
    _, (_, bias_grad) = model.compute_gradients(np.ones((4, 1)), np.ones((4, 1)))
    np.testing.assert_allclose(bias_grad, [-1.0], rtol=1e-12)


def test_fused_loss_value_equals_the_loss_of_the_probabilities(float64):
    model = classifier("softmax", "categorical_crossentropy")
    y = np.eye(3)[LABELS]
    loss, _ = model.compute_gradients(X, y)
    assert loss == pytest.approx(model.evaluate(X, y, verbose=0), rel=1e-12)


@pytest.mark.parametrize("loss, activation, units, y", [
    ("categorical_crossentropy", "softmax", 2, [[0, 1], [0, 1]]),
    ("sparse_categorical_crossentropy", "softmax", 2, [1, 1]),
    ("binary_crossentropy", "sigmoid", 1, [[1], [1]]),
], ids=["categorical", "sparse", "binary"])
def test_a_saturated_output_reports_the_clipped_loss_and_learns_through_its_logits(
        float64, loss, activation, units, y):
    """A confidently wrong output (p = 4e-18 for the label): the reported loss is the clipped
    probabilities' -log(eps), as evaluate and Keras report it, not the exact 40 of the logits,
    while the gradient stays the exact (p - y) / N of the logits."""
    model = keras.Sequential([keras.Input((1,)), layers.Dense(units, activation=activation,
                                                              kernel_initializer="zeros")])
    model.compile(optimizer="sgd", loss=loss)
    model.layers[0].bias.assign([40.0, 0.0][:units] if units == 2 else [-40.0])
    value, (_, bias_grad) = model.compute_gradients(np.ones((2, 1)), np.array(y))
    assert value == pytest.approx(-np.log(keras.backend.epsilon()), rel=1e-12)
    assert value == pytest.approx(model.evaluate(np.ones((2, 1)), np.array(y), verbose=0),
                                  rel=1e-12)
    np.testing.assert_allclose(bias_grad, [1.0, -1.0][:units] if units == 2 else [-1.0],
                               rtol=1e-12)


@pytest.mark.parametrize("loss, activation, units, y", [
    ("categorical_crossentropy", "softmax", 2, [[1, 0], [1, 0]]),
    ("sparse_categorical_crossentropy", "softmax", 2, [0, 0]),
    ("binary_crossentropy", "sigmoid", 1, [[1], [1]]),
], ids=["categorical", "sparse", "binary"])
def test_a_certain_output_reports_the_clipped_loss(float64, loss, activation, units, y):
    """A certainly right output (p = 1 - 4e-18 for the label): the reported loss is the clipped
    probabilities' -log(1 - eps), as evaluate and Keras report it, not the exact 4e-18."""
    model = keras.Sequential([keras.Input((1,)), layers.Dense(units, activation=activation,
                                                              kernel_initializer="zeros")])
    model.compile(optimizer="sgd", loss=loss)
    model.layers[0].bias.assign([40.0, 0.0][:units])
    value, _ = model.compute_gradients(np.ones((2, 1)), np.array(y))
    assert value == pytest.approx(-np.log(1 - keras.backend.epsilon()), rel=1e-12)
    assert value == pytest.approx(model.evaluate(np.ones((2, 1)), np.array(y), verbose=0),
                                  rel=1e-12)


@pytest.mark.parametrize("rows", [[0, 1, 2, 3], [1, 2, 3]], ids=["mixed", "certain"])
@pytest.mark.parametrize("sample_weight", [None, [1.0, 0.5, 2.0, 0.0]], ids=["unweighted",
                                                                            "weighted"])
def test_fused_sparse_loss_clips_each_label_s_probability_as_keras_reports_it(float64, rows,
                                                                              sample_weight):
    """Softmax and sparse cross-entropy: each sample's loss is -log of its label's probability
    clipped to [eps, 1 - eps], what evaluate and Keras report, in batches with a confidently
    wrong row (p = 4e-18), a certain one (p = 1 - 8e-18, whose -log(1 - eps) Keras reports
    rather than 8e-18) and ordinary ones; the gradient stays the exact (p - onehot) w / N of the
    logits."""
    model = keras.Sequential([keras.Input((3,)), layers.Dense(3, activation="softmax",
                                                              kernel_initializer="identity")])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    logits = np.array([[40.0, 0.0, 0.0], [40.0, 0.0, 0.0], [1.0, 2.0, 0.5], [0.0, 0.0, 0.0]])[rows]
    labels = np.array([1, 0, 2, 1])[rows]
    weights = np.ones(4) if sample_weight is None else np.array(sample_weight)
    weights = weights[:len(rows)]
    eps = keras.backend.epsilon()
    probabilities = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    picked = probabilities[np.arange(len(rows)), labels]
    expected = np.dot(weights, -np.log(np.clip(picked, eps, 1 - eps))) / len(rows)

    value, (kernel_grad, bias_grad) = model.compute_gradients(logits, labels, weights)
    assert value == pytest.approx(expected, rel=1e-12)
    assert value == pytest.approx(
        model.evaluate(logits, labels, sample_weight=weights, verbose=0), rel=1e-12)
    dz = (probabilities - np.eye(3)[labels]) * weights[:, None] / len(rows)
    np.testing.assert_allclose(bias_grad, dz.sum(axis=0), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(kernel_grad, logits.T @ dz, rtol=1e-12, atol=1e-15)


def test_deep_model_with_every_layer_kind(float64):
    model = keras.Sequential([
        keras.Input((2, 3, 2)),
        layers.Flatten(),
        layers.Dense(5, activation="relu", bias_initializer="random_normal"),
        layers.Dropout(0.3, seed=1),
        layers.Reshape((5, 1)),
        layers.Dense(4, activation="sigmoid"),
        layers.Flatten(),
        layers.Activation("tanh"),
        layers.Dense(3, use_bias=False),
        layers.Softmax(),
    ])
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    x = data((6, 2, 3, 2), seed=3)
    assert_model_gradients_match(model, x, np.eye(3)[LABELS])


# ------------------------------------------------------------------------------------- regularizers
def regularized_model(**dense_args):
    model = keras.Sequential([
        keras.Input((4,)),
        layers.Dense(5, activation="tanh", bias_initializer="random_normal", **dense_args),
        layers.Dense(2, activation="sigmoid", bias_initializer="random_normal"),
    ])
    model.compile(optimizer="sgd", loss="binary_crossentropy")
    return model


def test_weight_regularizers_add_their_penalty_and_its_gradient(float64):
    y = np.random.default_rng(2).integers(0, 2, (6, 2)).astype(float)
    plain = regularized_model()
    regularized = regularized_model(kernel_regularizer=keras.regularizers.L2(0.03),
                                    bias_regularizer=keras.regularizers.L1(0.02))
    regularized.set_weights(plain.get_weights())
    kernel, bias = regularized.layers[0].kernel.value, regularized.layers[0].bias.value
    penalty = 0.03 * np.sum(kernel ** 2) + 0.02 * np.sum(np.abs(bias))
    loss, grads = regularized.compute_gradients(X, y)
    plain_loss, plain_grads = plain.compute_gradients(X, y)
    assert loss == pytest.approx(plain_loss + penalty, rel=1e-12)
    np.testing.assert_allclose(grads[0], plain_grads[0] + 0.06 * kernel, rtol=1e-12)
    np.testing.assert_allclose(grads[1], plain_grads[1] + 0.02 * np.sign(bias), rtol=1e-12)
    assert_model_gradients_match(regularized, X, y)
    assert regularized.evaluate(X, y, verbose=0) == pytest.approx(
        plain.evaluate(X, y, verbose=0) + penalty, rel=1e-12)


def test_activity_regularizer_is_averaged_over_the_batch_as_in_keras(float64):
    """Keras 3 divides an activity penalty by the batch size (layer.py, "Normalize by batch size")."""
    y = np.random.default_rng(2).integers(0, 2, (6, 2)).astype(float)
    plain = regularized_model()
    regularized = regularized_model(activity_regularizer=keras.regularizers.L1L2(l1=0.01, l2=0.05))
    regularized.set_weights(plain.get_weights())
    hidden = np.tanh(X @ plain.layers[0].kernel.value + plain.layers[0].bias.value)
    penalty = (0.01 * np.sum(np.abs(hidden)) + 0.05 * np.sum(hidden ** 2)) / len(X)
    loss, _ = regularized.compute_gradients(X, y)
    assert loss == pytest.approx(plain.compute_gradients(X, y)[0] + penalty, rel=1e-12)
    assert regularized.evaluate(X, y, verbose=0) == pytest.approx(
        plain.evaluate(X, y, verbose=0) + penalty, rel=1e-12)
    assert_model_gradients_match(regularized, X, y)


def test_activity_regularizer_on_the_output_layer(float64):
    model = keras.Sequential([
        keras.Input((4,)),
        layers.Dense(3, activation="softmax", activity_regularizer=keras.regularizers.L2(0.1)),
    ])
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    assert_model_gradients_match(model, X, np.eye(3)[LABELS])


def test_reading_the_gradients_twice_does_not_add_the_penalty_twice(float64):
    model = regularized_model(kernel_regularizer=keras.regularizers.L2(0.5))
    y = np.ones((6, 2))
    _, grads = model.compute_gradients(X, y)
    first = [g.copy() for g in grads]
    for again in (model.gradients, model.gradients):
        for a, b in zip(first, again):
            np.testing.assert_array_equal(a, b)


# ------------------------------------------------------------------------------------- the seed article
def test_seed_article_network_gradient_on_a_batch_of_three(float64):
    """2-4-8-2 (relu, sigmoid, sigmoid) with MSE on three rows: a missing 2 / (N * D) factor shows,
    since N * D = 6 here (with one row N * D = 2 would hide it)."""
    model = keras.Sequential([
        keras.Input((2,)),
        layers.Dense(4, activation="relu", bias_initializer="random_normal"),
        layers.Dense(8, activation="sigmoid", bias_initializer="random_normal"),
        layers.Dense(2, activation="sigmoid", bias_initializer="random_normal"),
    ])
    model.compile(loss="mse", lr=0.1)
    x = np.array([[0.5, -1.0], [1.5, 0.25], [-0.75, 2.0]])
    y = np.array([[0.1, 0.9], [0.6, 0.4], [0.3, 0.2]])
    assert_model_gradients_match(model, x, y)
    loss, _ = model.compute_gradients(x, y)
    assert loss == pytest.approx(np.mean((model.predict(x, verbose=0) - y) ** 2), rel=1e-12)
