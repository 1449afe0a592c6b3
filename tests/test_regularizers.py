"""Regularizers: Keras's defaults and names, exact gradients, and their place in a model's loss."""

import numpy as np
import pytest

import handkeras as keras
from handkeras import layers, regularizers
from handkeras.utils.gradient_check import model_gradients, numerical_gradient


def weights(shape=(4, 6), seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


# 0.01 and 0.1 rounded to float32, as Keras's L1 and OrthogonalRegularizer store them.
F32_001, F32_01 = 0.009999999776482582, 0.10000000149011612


def test_keras_3_defaults():
    assert regularizers.L1().l1 == F32_001
    assert regularizers.L2().l2 == 0.01
    assert (regularizers.L1L2().l1, regularizers.L1L2().l2) == (0.0, 0.0)
    # In Keras 3, l1_l2 is the L1L2 class itself: both factors 0 unless given.
    assert regularizers.l1_l2 is regularizers.L1L2
    assert regularizers.l1_l2(l1=0.1).get_config() == {"l1": 0.1, "l2": 0.0}
    assert regularizers.L1(None).l1 == F32_001 and regularizers.L2(None).l2 == 0.01
    assert regularizers.OrthogonalRegularizer().get_config() == {"factor": F32_001,
                                                                 "mode": "rows"}


def test_l1_and_orthogonal_factors_are_rounded_to_floatx_as_keras_stores_them():
    """Keras keeps the factor of L1 and OrthogonalRegularizer as a floatx tensor, and that of L2
    and L1L2 as the Python float: whether named, given or read back from a config."""
    assert regularizers.get("l1").get_config() == {"l1": F32_001}
    assert regularizers.L1(0.01).get_config() == {"l1": F32_001}
    assert regularizers.L1(l1=1).get_config() == {"l1": 1.0}
    assert regularizers.L1.from_config({"l1": 0.01}).get_config() == {"l1": F32_001}
    assert regularizers.OrthogonalRegularizer(0.1).get_config() == {"factor": F32_01,
                                                                    "mode": "rows"}
    assert regularizers.get("l2").get_config() == {"l2": 0.01}
    assert regularizers.L2(l2=0.1).get_config() == {"l2": 0.1}
    assert regularizers.L1L2(l1=0.01, l2=0.1).get_config() == {"l1": 0.01, "l2": 0.1}
    for regularizer in (regularizers.L1(0.01), regularizers.OrthogonalRegularizer(0.1),
                        regularizers.L2(0.1), regularizers.L1L2(0.01, 0.1)):
        config = regularizer.get_config()
        assert type(regularizer).from_config(config).get_config() == config
    # the penalty is computed with the rounded factor, as Keras's is
    assert regularizers.L1()(np.ones(3)) == 3 * F32_001


def test_the_rounding_follows_floatx_when_the_regularizer_is_made():
    keras.config.set_floatx("float16")
    assert regularizers.L1().l1 == 0.01000213623046875
    keras.config.set_floatx("float64")
    assert regularizers.L1().l1 == 0.01
    assert regularizers.OrthogonalRegularizer(0.1).factor == 0.1


def test_penalties_match_their_definitions(float64):
    w = weights()
    assert regularizers.L1(0.3)(w) == pytest.approx(0.3 * np.abs(w).sum())
    assert regularizers.L2(0.2)(w) == pytest.approx(0.2 * np.square(w).sum())
    assert regularizers.L1L2(0.3, 0.2)(w) == pytest.approx(0.3 * np.abs(w).sum()
                                                          + 0.2 * np.square(w).sum())
    rows = w / np.linalg.norm(w, axis=1, keepdims=True)
    cosines = rows @ rows.T
    expected = 0.5 * 0.1 * (np.abs(cosines).sum() - np.trace(np.abs(cosines))) / (4 * 3 / 2)
    assert regularizers.OrthogonalRegularizer(0.1)(w) == pytest.approx(expected, rel=1e-12)
    columns = regularizers.OrthogonalRegularizer(0.1, mode="columns")
    assert columns(w) == pytest.approx(regularizers.OrthogonalRegularizer(0.1)(w.T), rel=1e-12)


def test_orthogonal_rows_cost_nothing(float64):
    q, _ = np.linalg.qr(weights((6, 6)))
    assert regularizers.OrthogonalRegularizer(1.0)(q[:3] * 5) == pytest.approx(0, abs=1e-12)


@pytest.mark.parametrize("regularizer", [
    regularizers.L1(0.3), regularizers.L2(0.2), regularizers.L1L2(0.3, 0.2),
    regularizers.OrthogonalRegularizer(0.4), regularizers.OrthogonalRegularizer(0.4, "columns"),
], ids=["l1", "l2", "l1l2", "orthogonal_rows", "orthogonal_columns"])
def test_gradients_equal_central_differences(regularizer, float64):
    w = weights()
    numeric = numerical_gradient(lambda: regularizer(w), w)
    np.testing.assert_allclose(regularizer.gradient(w), numeric, rtol=1e-6, atol=1e-9)


def test_gradients_keep_the_weight_dtype():
    w = weights().astype(np.float32)
    for regularizer in (regularizers.L1L2(0.1, 0.1), regularizers.OrthogonalRegularizer()):
        assert regularizer.gradient(w).dtype == np.float32


@pytest.mark.parametrize("argument", ["l1", "l2"])
@pytest.mark.parametrize("value", [-0.1, float("nan"), float("inf"), "0.1"])
def test_invalid_factors_are_rejected(argument, value):
    with pytest.raises(ValueError, match=argument):
        regularizers.L1L2(**{argument: value})
    with pytest.raises(ValueError, match="mode"):
        regularizers.OrthogonalRegularizer(mode="diagonal")


def test_orthogonal_regularizer_needs_a_matrix():
    with pytest.raises(ValueError, match="2D"):
        regularizers.OrthogonalRegularizer()(np.ones(3))


@pytest.mark.parametrize("identifier, cls", [
    ("l1", regularizers.L1), ("L1", regularizers.L1), ("l2", regularizers.L2),
    ("L2", regularizers.L2), ("l1l2", regularizers.L1L2), ("L1L2", regularizers.L1L2),
    ("orthogonal_regularizer", regularizers.OrthogonalRegularizer),
    ("OrthogonalRegularizer", regularizers.OrthogonalRegularizer),
])
def test_keras_names(identifier, cls):
    assert type(regularizers.get(identifier)) is cls


def test_strings_objects_classes_and_configs_are_interchangeable():
    assert regularizers.get(None) is None
    instance = regularizers.L2(0.5)
    assert regularizers.get(instance) is instance
    assert type(regularizers.get(regularizers.L1)) is regularizers.L1
    restored = regularizers.get(regularizers.serialize(regularizers.L1L2(0.1, 0.2)))
    assert restored.get_config() == {"l1": 0.1, "l2": 0.2}
    assert regularizers.serialize(instance) == {
        "module": "keras.regularizers", "class_name": "L2", "config": {"l2": 0.5},
        "registered_name": None}


def test_unknown_name_lists_the_valid_ones():
    with pytest.raises(ValueError, match="l3") as error:
        regularizers.get("l3")
    assert "l1l2" in str(error.value) and "orthogonal_regularizer" in str(error.value)
    with pytest.raises(ValueError, match="l3"):
        layers.Dense(2, kernel_regularizer="l3")


def test_a_plain_function_has_no_gradient_and_is_refused():
    with pytest.raises(TypeError, match="gradient"):
        regularizers.get(lambda w: 0.0)


# --------------------------------------------------------------------------------------- in a model
def regularized_model(**dense_arguments):
    model = keras.Sequential([keras.Input((3,)), layers.Dense(4, activation="tanh",
                                                              **dense_arguments),
                              layers.Dense(2)])
    model.compile(optimizer="sgd", loss="mse")
    return model


def test_weight_penalties_join_the_reported_loss(float64):
    x, y = weights((8, 3), 1), weights((8, 2), 2)
    model = regularized_model(kernel_regularizer=regularizers.L2(0.1),
                              bias_regularizer=regularizers.L1(0.2),
                              bias_initializer="random_normal")
    plain = regularized_model()
    plain.set_weights(model.get_weights())
    kernel, bias = model.layers[0].kernel.value, model.layers[0].bias.value
    penalty = 0.1 * np.square(kernel).sum() + 0.2 * np.abs(bias).sum()
    assert model.evaluate(x, y, verbose=0) == pytest.approx(plain.evaluate(x, y, verbose=0)
                                                            + penalty, rel=1e-12)
    loss, _ = model.compute_gradients(x, y)
    assert loss == pytest.approx(plain.evaluate(x, y, verbose=0) + penalty, rel=1e-12)


def test_activity_penalty_is_divided_by_the_batch_size_as_in_keras_3(float64):
    x, y = weights((8, 3), 1), weights((8, 2), 2)
    plain = regularized_model()
    model = regularized_model(activity_regularizer=regularizers.L2(0.3))
    model.set_weights(plain.get_weights())
    hidden = np.tanh(x @ model.layers[0].kernel.value + model.layers[0].bias.value)
    penalty = 0.3 * np.square(hidden).sum() / len(x)
    assert model.evaluate(x, y, verbose=0, batch_size=8) == pytest.approx(
        plain.evaluate(x, y, verbose=0, batch_size=8) + penalty, rel=1e-12)


@pytest.mark.parametrize("arguments", [
    {"kernel_regularizer": "l1"}, {"bias_regularizer": regularizers.L2(0.5)},
    {"kernel_regularizer": regularizers.L1L2(0.05, 0.1), "activity_regularizer": "l2"},
    {"kernel_regularizer": regularizers.OrthogonalRegularizer(0.5)},
], ids=["kernel_l1", "bias_l2", "kernel_l1l2_and_activity_l2", "kernel_orthogonal"])
def test_model_gradients_include_the_penalties(arguments, float64):
    model = regularized_model(bias_initializer="random_normal", **arguments)
    x, y = weights((5, 3), 3), weights((5, 2), 4)
    for analytic, numeric in model_gradients(model, x, y):
        np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-9)


# --------------------------------------------------------------------------------------- losses
def test_layer_losses_are_its_weight_penalties_from_the_current_weights(float64):
    layer = regularized_model(kernel_regularizer=regularizers.L2(0.1),
                              bias_regularizer=regularizers.L1(0.2),
                              bias_initializer="random_normal").layers[0]
    kernel, bias = layer.kernel.value, layer.bias.value
    assert layer.losses == pytest.approx([0.1 * np.square(kernel).sum(), 0.2 * np.abs(bias).sum()],
                                         rel=1e-12)
    kernel *= 2
    assert layer.losses[0] == pytest.approx(0.4 * np.square(kernel / 2).sum(), rel=1e-12)
    assert regularized_model().layers[0].losses == []


def test_model_losses_list_every_trainable_weight_penalty_in_weight_order(float64):
    inner = keras.Sequential([layers.Dense(2, bias_regularizer=regularizers.L2(0.5),
                                           bias_initializer="ones")])
    model = keras.Sequential([keras.Input((3,)),
                              layers.Dense(4, kernel_regularizer=regularizers.L1(0.1)),
                              layers.Dense(3), inner])
    l1_kernel = 0.1 * np.abs(model.layers[0].kernel.value).sum()
    assert model.losses == pytest.approx([l1_kernel, 0.5 * 2], rel=1e-12)
    model.layers[0].trainable = False  # as in Keras, frozen weights add no penalty
    assert model.losses == pytest.approx([1.0]) and model.layers[0].losses == []


def test_activity_losses_come_from_the_last_training_forward_and_come_first(float64):
    x = weights((8, 3), 1)
    model = regularized_model(activity_regularizer=regularizers.L2(0.3),
                              kernel_regularizer=regularizers.L1(0.1))
    weight_penalty = 0.1 * np.abs(model.layers[0].kernel.value).sum()
    assert model.losses == pytest.approx([weight_penalty])  # no training forward yet
    model(x, training=True)
    hidden = np.tanh(x @ model.layers[0].kernel.value + model.layers[0].bias.value)
    expected = [0.3 * np.square(hidden).sum() / len(x), weight_penalty]
    assert model.losses == pytest.approx(expected, rel=1e-12)
    assert model.layers[0].losses == pytest.approx(expected, rel=1e-12)
    model.predict(x[:3], verbose=0)  # inference records nothing
    assert model.losses == pytest.approx(expected, rel=1e-12)


def test_a_layer_called_directly_records_the_activity_penalty_of_that_call_as_keras_does():
    """Keras's L1 docstring example: the penalties of ``layer(tensor)``, any mode, listed first."""
    layer = layers.Dense(5, kernel_initializer="ones", kernel_regularizer=regularizers.L1(0.01),
                         activity_regularizer=regularizers.L2(0.01))
    assert layer.losses == []
    layer(np.ones((5, 5)) * 2.0)
    assert layer.losses == pytest.approx([5.0, 0.25])  # 0.01 * 25 * 10^2 / 5, then 0.01 * 25
    layer(np.ones((2, 5)), training=True)
    assert layer.losses == pytest.approx([0.01 * 10 * 5 ** 2 / 2, 0.25])
    model = keras.Sequential([layer])
    model.predict(np.ones((4, 5)), verbose=0)  # a model's inference still records nothing
    assert layer.losses == pytest.approx([0.01 * 10 * 5 ** 2 / 2, 0.25])


def test_layer_configs_carry_their_regularizers():
    layer = layers.Dense(2, kernel_regularizer="l1", activity_regularizer=regularizers.L1L2(l2=0.3))
    config = layer.get_config()
    assert config["kernel_regularizer"] == {"module": "keras.regularizers", "class_name": "L1",
                                            "config": {"l1": F32_001}, "registered_name": None}
    assert config["activity_regularizer"]["config"] == {"l1": 0.0, "l2": 0.3}
    clone = layers.Dense.from_config(config)
    assert clone.kernel_regularizer.get_config() == {"l1": F32_001}
    assert clone.activity_regularizer.get_config() == {"l1": 0.0, "l2": 0.3}
