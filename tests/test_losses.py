"""Losses: Keras's values, reductions and sample weights, and gradients equal to central differences."""

import numpy as np
import pytest

import handkeras as keras
from handkeras import losses
from handkeras.utils.gradient_check import numerical_gradient

N, D = 5, 4
EPS = 1e-7


def rng(seed=0):
    return np.random.default_rng(seed)


def one_hot(labels, classes=D):
    return np.eye(classes)[labels]


LABELS = np.array([0, 3, 1, 1, 2])
SAMPLE_WEIGHT = np.array([1.0, 2.0, 0.5, 0.0, 1.5])


# Each case: (loss, y_true, y_pred) with y_pred away from every clip and kink.
def regression_targets():
    y_true = rng(1).standard_normal((N, D))
    offset = rng(2).uniform(0.2, 1.0, (N, D)) * rng(3).choice([-1, 1], (N, D))
    return y_true, y_true + offset


def probabilities():
    return rng(4).uniform(0.05, 1.0, (N, D))  # deliberately not normalized: Keras divides by the sum


def binary_probabilities():
    return rng(5).uniform(0.05, 0.95, (N, D))


def logits():
    return rng(6).standard_normal((N, D)) * 2


def soft_labels():
    p = rng(7).uniform(0.0, 1.0, (N, D))
    return p / p.sum(axis=-1, keepdims=True)


def binary_labels():
    return rng(8).integers(0, 2, (N, D)).astype(np.float64)


CASES = {
    "mse": lambda: (losses.MeanSquaredError(), *regression_targets()),
    "mae": lambda: (losses.MeanAbsoluteError(), *regression_targets()),
    "cce_probs": lambda: (losses.CategoricalCrossentropy(), one_hot(LABELS), probabilities()),
    "cce_soft_labels": lambda: (losses.CategoricalCrossentropy(), soft_labels(), probabilities()),
    "cce_logits": lambda: (losses.CategoricalCrossentropy(from_logits=True), one_hot(LABELS), logits()),
    "cce_smoothing": lambda: (losses.CategoricalCrossentropy(label_smoothing=0.2), one_hot(LABELS),
                              probabilities()),
    "cce_logits_smoothing": lambda: (losses.CategoricalCrossentropy(from_logits=True,
                                                                    label_smoothing=0.1),
                                     one_hot(LABELS), logits()),
    "scce_probs": lambda: (losses.SparseCategoricalCrossentropy(), LABELS, probabilities()),
    "scce_labels_n1": lambda: (losses.SparseCategoricalCrossentropy(), LABELS[:, None],
                               probabilities()),
    "scce_logits": lambda: (losses.SparseCategoricalCrossentropy(from_logits=True), LABELS, logits()),
    "bce_probs": lambda: (losses.BinaryCrossentropy(), binary_labels(), binary_probabilities()),
    "bce_logits": lambda: (losses.BinaryCrossentropy(from_logits=True), binary_labels(), logits()),
    "bce_smoothing": lambda: (losses.BinaryCrossentropy(label_smoothing=0.2), binary_labels(),
                              binary_probabilities()),
    "bce_logits_smoothing": lambda: (losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.1),
                                     binary_labels(), logits()),
}


def expected_per_sample(name, y_true, y_pred):
    """The per-sample losses written out from Keras's definitions."""
    if name == "mse":
        return np.mean((y_true - y_pred) ** 2, axis=-1)
    if name == "mae":
        return np.mean(np.abs(y_true - y_pred), axis=-1)
    if name.startswith("scce"):
        name, y_true = "cce" + name[4:], one_hot(np.ravel(y_true))
    if name.startswith("cce"):
        if "smoothing" in name:
            smoothing = 0.1 if "logits" in name else 0.2
            y_true = y_true * (1 - smoothing) + smoothing / D
        if "logits" in name:
            p = np.exp(y_pred) / np.exp(y_pred).sum(-1, keepdims=True)
        else:
            p = y_pred / y_pred.sum(-1, keepdims=True)
        return -np.sum(y_true * np.log(p), axis=-1)
    if "smoothing" in name:
        smoothing = 0.1 if "logits" in name else 0.2
        y_true = y_true * (1 - smoothing) + 0.5 * smoothing
    p = 1 / (1 + np.exp(-y_pred)) if "logits" in name else y_pred
    return -np.mean(y_true * np.log(p) + (1 - y_true) * np.log(1 - p), axis=-1)


@pytest.fixture(params=sorted(CASES))
def case(request, float64):
    return (request.param, *CASES[request.param]())


def test_per_sample_values_match_the_definitions(case):
    name, loss, y_true, y_pred = case
    loss.reduction = None
    np.testing.assert_allclose(loss(y_true, y_pred), expected_per_sample(name, y_true, y_pred),
                               rtol=1e-12)


@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", "mean_with_sample_weight"])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "sample_weight"])
def test_gradient_equals_central_differences(case, reduction, weighted):
    _, loss, y_true, y_pred = case
    loss.reduction = reduction
    sample_weight = SAMPLE_WEIGHT if weighted else None
    value, analytic = loss.value_and_gradient(y_true, y_pred.copy(), sample_weight)
    assert value == pytest.approx(loss(y_true, y_pred, sample_weight), rel=1e-12)
    numeric = numerical_gradient(lambda: loss(y_true, y_pred, sample_weight), y_pred)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-9)
    if weighted:
        assert np.all(analytic[SAMPLE_WEIGHT == 0] == 0)


def test_reductions_follow_keras(case):
    name, loss, y_true, y_pred = case
    per_sample = expected_per_sample(name, y_true, y_pred)
    loss.reduction = "sum_over_batch_size"
    assert loss(y_true, y_pred) == pytest.approx(per_sample.mean(), rel=1e-12)
    assert loss(y_true, y_pred, SAMPLE_WEIGHT) == pytest.approx(
        np.sum(per_sample * SAMPLE_WEIGHT) / N, rel=1e-12)
    loss.reduction = "mean"
    assert loss(y_true, y_pred) == pytest.approx(per_sample.mean(), rel=1e-12)
    loss.reduction = "sum"
    assert loss(y_true, y_pred, SAMPLE_WEIGHT) == pytest.approx(
        np.sum(per_sample * SAMPLE_WEIGHT), rel=1e-12)
    loss.reduction = "mean_with_sample_weight"
    assert loss(y_true, y_pred, SAMPLE_WEIGHT) == pytest.approx(
        np.sum(per_sample * SAMPLE_WEIGHT) / SAMPLE_WEIGHT.sum(), rel=1e-12)
    loss.reduction = "none"
    np.testing.assert_allclose(loss(y_true, y_pred, SAMPLE_WEIGHT), per_sample * SAMPLE_WEIGHT,
                               rtol=1e-12)


def test_mse_gradient_carries_two_over_n_times_d(float64):
    y_true, y_pred = np.zeros((3, 2)), np.ones((3, 2))
    _, grad = losses.MeanSquaredError().value_and_gradient(y_true, y_pred)
    np.testing.assert_allclose(grad, np.full((3, 2), 2 / (3 * 2)))


def test_losses_over_rank3_outputs_average_the_extra_axis(float64):
    y_true, y_pred = rng(1).standard_normal((2, 3, 4)), rng(2).standard_normal((2, 3, 4))
    loss = losses.MeanSquaredError()
    assert loss(y_true, y_pred) == pytest.approx(np.mean((y_true - y_pred) ** 2), rel=1e-12)
    _, analytic = loss.value_and_gradient(y_true, y_pred.copy())
    np.testing.assert_allclose(analytic, numerical_gradient(lambda: loss(y_true, y_pred), y_pred),
                               rtol=1e-6)


# ------------------------------------------------------------------------------------- stability
def test_cross_entropy_of_exact_zero_and_one_probabilities_is_finite():
    y_true = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
    y_pred = np.array([[1.0, 0.0, 0.0], [1.0, 0.0, 0.0]], dtype=np.float32)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        loss = losses.CategoricalCrossentropy()
        value, grad = loss.value_and_gradient(y_true, y_pred)
        assert value == pytest.approx(-np.log(EPS) / 2, rel=1e-5)
        assert np.all(np.isfinite(grad))
        sparse_value = losses.SparseCategoricalCrossentropy()(np.array([1, 0]), y_pred)
        assert sparse_value == pytest.approx(value, rel=1e-6)

        labels = np.array([[0.0, 1.0], [1.0, 0.0]])
        probs = np.array([[1.0, 0.0], [1.0, 0.0]], dtype=np.float32)
        value, grad = losses.BinaryCrossentropy().value_and_gradient(labels, probs)
        assert np.isfinite(value) and np.all(np.isfinite(grad))
        # float32 rounds 1 - eps to 1 - 1.19e-7, so the clipped "1" costs log(1.19e-7), not log(eps).
        assert value == pytest.approx(-(np.log(EPS) + np.log(1 - np.float32(1 - EPS))) / 4, rel=1e-5)


def test_cross_entropy_from_huge_logits_is_finite_in_float32():
    z = np.array([[1e4, -1e4, 0.0], [-1e30, 1e30, 0.0]], dtype=np.float32)
    labels = np.array([[1.0, 0.0, 0.0], [1.0, 0.0, 0.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        for loss in (losses.CategoricalCrossentropy(from_logits=True),
                     losses.BinaryCrossentropy(from_logits=True)):
            value, grad = loss.value_and_gradient(labels, z)
            assert np.isfinite(value) and np.all(np.isfinite(grad)), loss.name


def test_logits_forms_equal_the_probability_forms(float64):
    z, labels = logits(), one_hot(LABELS)
    probs = keras.activations.softmax(z)
    assert losses.CategoricalCrossentropy(from_logits=True)(labels, z) == pytest.approx(
        losses.CategoricalCrossentropy()(labels, probs), rel=1e-12)
    binary = binary_labels()
    assert losses.BinaryCrossentropy(from_logits=True)(binary, z) == pytest.approx(
        losses.BinaryCrossentropy()(binary, keras.activations.sigmoid(z)), rel=1e-12)


# ------------------------------------------------------------------------------------- the API
def test_functions_and_aliases_give_per_sample_losses(float64):
    y_true, y_pred = regression_targets()
    assert losses.mse is losses.mean_squared_error and losses.mae is losses.mean_absolute_error
    np.testing.assert_allclose(losses.mse(y_true, y_pred), np.mean((y_true - y_pred) ** 2, -1))
    np.testing.assert_allclose(losses.mae(y_true, y_pred), np.mean(np.abs(y_true - y_pred), -1))
    p = binary_probabilities()
    np.testing.assert_allclose(losses.bce(binary_labels(), p),
                               losses.BinaryCrossentropy(reduction=None)(binary_labels(), p))
    np.testing.assert_allclose(
        losses.sparse_categorical_crossentropy(LABELS, probabilities()),
        losses.categorical_crossentropy(one_hot(LABELS), probabilities()))


@pytest.mark.parametrize("identifier, cls", [
    ("mse", losses.MeanSquaredError), ("mean_squared_error", losses.MeanSquaredError),
    ("mae", losses.MeanAbsoluteError), ("mean_absolute_error", losses.MeanAbsoluteError),
    ("bce", losses.BinaryCrossentropy), ("binary_crossentropy", losses.BinaryCrossentropy),
    ("categorical_crossentropy", losses.CategoricalCrossentropy),
    ("sparse_categorical_crossentropy", losses.SparseCategoricalCrossentropy),
    ("MeanSquaredError", losses.MeanSquaredError),
    (losses.mean_squared_error, losses.MeanSquaredError),
    (losses.categorical_crossentropy, losses.CategoricalCrossentropy),
    (losses.BinaryCrossentropy, losses.BinaryCrossentropy),
])
def test_names_functions_and_classes_are_interchangeable_in_compile(identifier, cls):
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer="sgd", loss=identifier)
    assert type(model._compiled_loss) is cls
    assert model._compiled_loss.reduction == "sum_over_batch_size"


@pytest.mark.parametrize("identifier, expected", [
    ("mse", losses.mean_squared_error), ("MSE", losses.mean_squared_error),
    ("mean_squared_error", losses.mean_squared_error), ("bce", losses.binary_crossentropy),
    ("categorical_crossentropy", losses.categorical_crossentropy),
    (losses.mean_squared_error, losses.mean_squared_error), (None, None),
])
def test_get_returns_keras_s_loss_function_for_a_function_s_name(identifier, expected):
    """As Keras's ``get``: per-sample values from ``get("mse")(y_true, y_pred)``."""
    assert losses.get(identifier) is expected


def test_get_returns_a_loss_object_for_a_class_its_name_or_its_config():
    for identifier in ("MeanSquaredError", losses.MeanSquaredError,
                       losses.serialize(losses.MeanSquaredError())):
        assert type(losses.get(identifier)) is losses.MeanSquaredError
    loss = losses.Huber()
    assert losses.get(loss) is loss


def test_a_reduced_loss_is_a_zero_dimensional_value_of_the_loss_dtype():
    """Keras returns a 0-d tensor in the loss's dtype, which scripts print and read the shape of:
    here a numpy scalar, rounded to that dtype."""
    y_true = np.array([[0.0, 1.0], [1.0, 0.0]])
    y_pred = np.array([[0.2, 0.8], [0.6, 0.4]])
    value = losses.MeanSquaredError()(y_true, y_pred)
    assert isinstance(value, np.float32) and value.shape == () and value.dtype == np.float32
    assert value == pytest.approx(0.1, rel=1e-7)
    for reduction in ("sum", "mean_with_sample_weight"):
        summed = losses.CategoricalCrossentropy(reduction=reduction, dtype="float64")(
            y_true, y_pred, sample_weight=[1.0, 3.0])
        assert isinstance(summed, np.float64) and summed.shape == ()
    assert losses.MeanSquaredError(reduction=None)(y_true, y_pred).shape == (2,)


def test_default_names_are_keras_names():
    assert losses.MeanSquaredError().name == "mean_squared_error"
    assert losses.CategoricalCrossentropy().name == "categorical_crossentropy"
    assert losses.SparseCategoricalCrossentropy().name == "sparse_categorical_crossentropy"
    assert losses.BinaryCrossentropy().name == "binary_crossentropy"


def test_unknown_loss_name_lists_the_valid_ones():
    with pytest.raises(ValueError, match="msee") as error:
        losses.get("msee")
    assert "mse" in str(error.value) and "categorical_crossentropy" in str(error.value)


def test_unknown_loss_fails_at_compile_time():
    model = keras.Sequential([keras.layers.Dense(1, input_shape=(2,))])
    with pytest.raises(ValueError, match="msee"):
        model.compile(optimizer="sgd", loss="msee")


def test_invalid_arguments_are_rejected():
    with pytest.raises(ValueError, match="reduction"):
        losses.MeanSquaredError(reduction="average")
    with pytest.raises(ValueError, match="label_smoothing"):
        losses.CategoricalCrossentropy(label_smoothing=1.5)
    with pytest.raises(ValueError):
        losses.MeanSquaredError(reduction=None).value_and_gradient(np.zeros((2, 2)), np.ones((2, 2)))
    with pytest.raises(ValueError, match="shape"):
        losses.CategoricalCrossentropy()(np.zeros((2, 3)), np.ones((2, 4)))
    with pytest.raises(ValueError, match="shape"):
        losses.SparseCategoricalCrossentropy()(np.zeros((3,)), np.ones((2, 4)))


def test_a_function_without_gradient_is_refused_as_loss():
    """``get`` hands it back, as Keras's does; ``compile`` refuses it, before anything changes."""
    def squared(y_true, y_pred):
        return (y_true - y_pred) ** 2

    assert losses.get(squared) is squared
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    with pytest.raises(TypeError, match="gradient"):
        model.compile(optimizer="sgd", loss=squared)
    assert not model.compiled
