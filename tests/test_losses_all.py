"""Every Keras loss: its definition, names and config, its reductions, and its exact gradient."""

import math
import warnings

import numpy as np
import pytest

import handkeras as keras
from handkeras import losses
from handkeras.utils.gradient_check import numerical_gradient

N, D = 6, 4
EPS = 1e-7


def rng(seed):
    return np.random.default_rng(seed)


LABELS = rng(0).integers(0, D, N)
ONE_HOT = np.eye(D)[LABELS]
SAMPLE_WEIGHT = np.array([1.0, 2.0, 0.5, 0.0, 1.5, 0.7])


def regression():
    y_true = rng(1).standard_normal((N, D))
    return y_true, y_true + rng(2).uniform(0.3, 1.5, (N, D)) * rng(3).choice([-1, 1], (N, D))


def positive():
    return rng(4).uniform(0.1, 1.0, (N, D)), rng(5).uniform(0.1, 2.0, (N, D))


def probabilities(seed=6):
    return rng(seed).uniform(0.05, 0.95, (N, D))


def binary():
    return rng(7).integers(0, 2, (N, D)).astype(float)


def margins():
    """Hinge data away from the kink ``y * p = 1``."""
    y_true = binary()
    sign = 2 * y_true - 1
    y_pred = sign * rng(8).choice([-1, 1], (N, D)) * rng(9).uniform(0.2, 0.8, (N, D)) + sign
    return y_true, y_pred


def categorical_margins():
    """Scores whose best wrong class is clear and whose margins are away from 0."""
    y_pred = rng(10).standard_normal((N, D))
    y_pred[np.arange(N), LABELS] += rng(11).choice([-1.5, 0.4, 2.5], N)
    return ONE_HOT, y_pred


# name: (loss, (y_true, y_pred), per-sample definition written out from Keras's docstrings)
def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def softmax(z):
    e = np.exp(z - z.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def unit(v, axis=-1):
    return v / np.linalg.norm(v, axis=axis, keepdims=True)


CASES = {
    "mape": (losses.MeanAbsolutePercentageError, regression,
             lambda t, p: 100 * np.mean(np.abs((t - p) / np.abs(t)), -1)),
    "msle": (losses.MeanSquaredLogarithmicError, positive,
             lambda t, p: np.mean((np.log(p + 1) - np.log(t + 1)) ** 2, -1)),
    "huber": (losses.Huber, regression,
              lambda t, p: np.mean(np.where(np.abs(p - t) <= 1, 0.5 * (p - t) ** 2,
                                            np.abs(p - t) - 0.5), -1)),
    "huber_delta": (lambda **kw: losses.Huber(delta=0.6, **kw), regression,
                    lambda t, p: np.mean(np.where(np.abs(p - t) <= 0.6, 0.5 * (p - t) ** 2,
                                                  0.6 * np.abs(p - t) - 0.18), -1)),
    "log_cosh": (losses.LogCosh, regression, lambda t, p: np.mean(np.log(np.cosh(p - t)), -1)),
    "hinge": (losses.Hinge, margins,
              lambda t, p: np.mean(np.maximum(1 - (2 * t - 1) * p, 0), -1)),
    "squared_hinge": (losses.SquaredHinge, margins,
                      lambda t, p: np.mean(np.maximum(1 - (2 * t - 1) * p, 0) ** 2, -1)),
    "categorical_hinge": (losses.CategoricalHinge, categorical_margins,
                          lambda t, p: np.maximum(np.max((1 - t) * p, -1) - np.sum(t * p, -1) + 1,
                                                  0)),
    "kl_divergence": (losses.KLDivergence, lambda: (probabilities(12), probabilities(13)),
                      lambda t, p: np.sum(t * np.log(t / p), -1)),
    "poisson": (losses.Poisson, positive, lambda t, p: np.mean(p - t * np.log(p + EPS), -1)),
    "cosine_similarity": (losses.CosineSimilarity, regression,
                          lambda t, p: -np.sum(unit(t) * unit(p), -1)),
    "cosine_similarity_axis0": (lambda **kw: losses.CosineSimilarity(axis=0, **kw), regression,
                                lambda t, p: -np.sum(unit(t, 0) * unit(p, 0), 0)),
    "binary_focal": (losses.BinaryFocalCrossentropy, lambda: (binary(), probabilities()),
                     lambda t, p: np.mean((1 - (t * p + (1 - t) * (1 - p))) ** 2 * -(
                         t * np.log(p) + (1 - t) * np.log(1 - p)), -1)),
    "binary_focal_balanced_logits": (
        lambda **kw: losses.BinaryFocalCrossentropy(apply_class_balancing=True, alpha=0.3,
                                                    gamma=1.5, from_logits=True, **kw),
        lambda: (binary(), rng(14).standard_normal((N, D)) * 2),
        lambda t, z: np.mean((0.3 * t + 0.7 * (1 - t)) * (
            1 - (t * sigmoid(z) + (1 - t) * (1 - sigmoid(z)))) ** 1.5 * -(
            t * np.log(sigmoid(z)) + (1 - t) * np.log(1 - sigmoid(z))), -1)),
    "categorical_focal": (losses.CategoricalFocalCrossentropy,
                          lambda: (ONE_HOT, softmax(rng(15).standard_normal((N, D)))),
                          lambda t, p: np.sum(0.25 * (1 - p) ** 2 * -t * np.log(p), -1)),
    "categorical_focal_logits": (
        lambda **kw: losses.CategoricalFocalCrossentropy(alpha=0.5, gamma=1.0, from_logits=True,
                                                         label_smoothing=0.1, **kw),
        lambda: (ONE_HOT, rng(16).standard_normal((N, D))),
        lambda t, z: np.sum(0.5 * (1 - softmax(z)) * -(t * 0.9 + 0.1 / D) * np.log(softmax(z)),
                            -1)),
    "generalized_cross_entropy": (
        lambda **kw: losses.CategoricalGeneralizedCrossEntropy(q=0.7, **kw),
        lambda: (LABELS, probabilities()),
        lambda t, p: (1 - p[np.arange(N), t.astype(int)] ** 0.7) / 0.7),
    "dice_per_sample": (lambda **kw: losses.Dice(axis=-1, **kw), lambda: (binary(), probabilities()),
                        lambda t, p: 1 - 2 * np.sum(t * p, -1) / (np.sum(t, -1) + np.sum(p, -1)
                                                                  + EPS)),
    "tversky_per_sample": (
        lambda **kw: losses.Tversky(alpha=0.3, beta=0.7, axis=-1, **kw),
        lambda: (binary(), probabilities()),
        lambda t, p: 1 - np.sum(t * p, -1) / (np.sum(t * p, -1) + 0.3 * np.sum((1 - p) * t, -1)
                                              + 0.7 * np.sum(p * (1 - t), -1) + EPS)),
}
SCALAR_CASES = {  # axis=None (the default): one value for the whole batch
    "dice": (losses.Dice, lambda t, p: 1 - 2 * np.sum(t * p) / (np.sum(t) + np.sum(p) + EPS)),
    "tversky": (losses.Tversky, lambda t, p: 1 - np.sum(t * p) / (
        np.sum(t * p) + 0.5 * np.sum((1 - p) * t) + 0.5 * np.sum(p * (1 - t)) + EPS)),
}


@pytest.fixture(params=sorted(CASES))
def case(request, float64):
    make, data, definition = CASES[request.param]
    return make, *data(), definition


# ----------------------------------------------------------------------------------------- values
def test_per_sample_values_match_the_definitions(case):
    make, y_true, y_pred, definition = case
    np.testing.assert_allclose(make(reduction=None)(y_true, y_pred), definition(y_true, y_pred),
                               rtol=1e-12)


@pytest.mark.parametrize("name", sorted(SCALAR_CASES))
def test_dice_and_tversky_over_every_axis_give_one_value(name, float64):
    make, definition = SCALAR_CASES[name]
    y_true, y_pred = binary(), probabilities()
    assert make()(y_true, y_pred) == pytest.approx(definition(y_true, y_pred), rel=1e-12)
    assert np.ndim(make(reduction=None)(y_true, y_pred)) == 0
    # Sample weights multiply the one value: the mean weight scales it.
    assert make()(y_true, y_pred, SAMPLE_WEIGHT) == pytest.approx(
        definition(y_true, y_pred) * SAMPLE_WEIGHT.mean(), rel=1e-12)


def test_reductions_follow_keras(case):
    make, y_true, y_pred, definition = case
    per_sample = definition(y_true, y_pred)
    weights = SAMPLE_WEIGHT if per_sample.shape == (N,) else None
    weighted = per_sample if weights is None else per_sample * weights
    assert make()(y_true, y_pred, weights) == pytest.approx(weighted.mean(), rel=1e-12)
    assert make(reduction="sum")(y_true, y_pred, weights) == pytest.approx(weighted.sum(),
                                                                          rel=1e-12)
    if weights is not None:
        assert make(reduction="mean_with_sample_weight")(y_true, y_pred, weights) == (
            pytest.approx(weighted.sum() / weights.sum(), rel=1e-12))


# ---------------------------------------------------------------------------------------- gradients
@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", "mean_with_sample_weight"])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_gradient_equals_central_differences(case, reduction, weighted):
    make, y_true, y_pred, _ = case
    loss = make(reduction=reduction)
    per_sample = make(reduction=None)(y_true, y_pred)
    # Per-sample weights need one loss per sample (cosine similarity along axis 0 has one per
    # column).
    sample_weight = SAMPLE_WEIGHT[: per_sample.shape[0]] if weighted else None
    value, analytic = loss.value_and_gradient(y_true, y_pred.copy(), sample_weight)
    assert value == pytest.approx(loss(y_true, y_pred, sample_weight), rel=1e-12)
    numeric = numerical_gradient(lambda: loss(y_true, y_pred, sample_weight), y_pred)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("name", sorted(SCALAR_CASES))
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_gradient_of_whole_batch_losses(name, weighted, float64):
    loss = SCALAR_CASES[name][0]()
    y_true, y_pred = binary(), probabilities()
    sample_weight = SAMPLE_WEIGHT if weighted else None
    _, analytic = loss.value_and_gradient(y_true, y_pred.copy(), sample_weight)
    numeric = numerical_gradient(lambda: loss(y_true, y_pred, sample_weight), y_pred)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-9)


def test_gradient_of_a_rank3_cosine_similarity_along_axis_1(float64):
    y_true, y_pred = rng(1).standard_normal((3, 4, 5)), rng(2).standard_normal((3, 4, 5))
    loss = losses.CosineSimilarity(axis=1)
    assert loss(y_true, y_pred) == pytest.approx(
        -np.mean(np.sum(unit(y_true, 1) * unit(y_pred, 1), 1)), rel=1e-12)
    _, analytic = loss.value_and_gradient(y_true, y_pred.copy(), np.arange(1.0, 4.0))
    numeric = numerical_gradient(lambda: loss(y_true, y_pred, np.arange(1.0, 4.0)), y_pred)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-9)


def test_clipped_and_floored_regions_have_zero_gradient(float64):
    """Where Keras clips or floors y_pred, its gradient is 0, as autograd through the clip gives."""
    y_true = np.full((1, 3), 0.5)
    y_pred = np.array([[0.0, 1e-9, 0.8]])
    _, grad = losses.MeanSquaredLogarithmicError().value_and_gradient(y_true, y_pred)
    assert grad[0, 0] == grad[0, 1] == 0 and grad[0, 2] != 0
    y_pred = np.array([[1e-9, 1.5, 0.5]])
    _, grad = losses.KLDivergence().value_and_gradient(np.full((1, 3), 1 / 3), y_pred)
    assert grad[0, 0] == grad[0, 1] == 0 and grad[0, 2] != 0


# ---------------------------------------------------------------------------------------- semantics
def test_hinge_converts_0_1_labels_but_keeps_plus_minus_1(float64):
    y_pred = np.array([[0.3, -0.6]])
    expected = np.mean(np.maximum(1 - np.array([1, -1]) * y_pred, 0))
    assert losses.Hinge()(np.array([[1.0, 0.0]]), y_pred) == pytest.approx(expected)
    assert losses.Hinge()(np.array([[1.0, -1.0]]), y_pred) == pytest.approx(expected)


def test_mape_guards_zero_targets_with_epsilon(float64):
    value = losses.MeanAbsolutePercentageError(reduction=None)(np.array([[0.0]]), np.array([[1.0]]))
    assert value[0] == pytest.approx(100 / EPS)


def test_log_cosh_is_stable_for_huge_errors_in_float32():
    y_pred = np.array([[1e4, -1e4, 80.0, 0.0]], dtype=np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value, grad = losses.LogCosh().value_and_gradient(np.zeros((1, 4)), y_pred)
    assert value == pytest.approx((2e4 + 80 - 3 * math.log(2)) / 4, rel=1e-6)
    np.testing.assert_array_equal(grad, np.array([[1, -1, 1, 0]]) / 4)
    assert grad.dtype == np.float32


def test_losses_on_extreme_float32_inputs_are_finite_and_silent():
    big = np.array([[1e4, -1e4, 0.0, 3.0]], dtype=np.float32)
    labels = np.array([[1.0, 0.0, 0.0, 1.0]], dtype=np.float32)
    probs = np.array([[1.0, 0.0, 0.5, 0.3]], dtype=np.float32)
    cases = [(losses.MeanAbsolutePercentageError(), labels, big), (losses.Huber(), labels, big),
             (losses.Hinge(), labels, big), (losses.SquaredHinge(), labels, big),
             (losses.CategoricalHinge(), labels, big), (losses.CosineSimilarity(), labels, big),
             (losses.MeanSquaredLogarithmicError(), labels, np.abs(big)),
             (losses.Poisson(), labels, np.abs(big)), (losses.KLDivergence(), labels, probs),
             (losses.BinaryFocalCrossentropy(), labels, probs),
             (losses.BinaryFocalCrossentropy(from_logits=True), labels, big),
             (losses.CategoricalFocalCrossentropy(), labels, probs),
             (losses.CategoricalFocalCrossentropy(from_logits=True), labels, big)]
    for loss, y_true, y_pred in cases:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            value, grad = loss.value_and_gradient(y_true, y_pred)
        assert np.isfinite(value) and np.all(np.isfinite(grad)), loss.name
        assert grad.dtype == np.float32, loss.name


def test_labels_one_rank_short_are_expanded_as_keras_does(float64):
    y_true, y_pred = rng(1).standard_normal(N), rng(2).standard_normal((N, 1))
    for loss in (losses.MeanSquaredError(), losses.Huber(), losses.LogCosh(),
                 losses.MeanAbsolutePercentageError()):
        assert loss(y_true, y_pred) == pytest.approx(loss(y_true[:, None], y_pred), rel=1e-14)
        _, grad = loss.value_and_gradient(y_true, y_pred)
        assert grad.shape == (N, 1)
        np.testing.assert_allclose(grad, loss.value_and_gradient(y_true[:, None], y_pred)[1])


def test_label_smoothing_counts_classes_on_the_last_axis(float64):
    z = rng(3).standard_normal((N, D))
    smoothed = losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.2)(ONE_HOT, z)
    manual = losses.CategoricalCrossentropy(from_logits=True)(ONE_HOT * 0.8 + 0.2 / D, z)
    assert smoothed == pytest.approx(manual, rel=1e-12)
    labels = binary()
    smoothed = losses.BinaryCrossentropy(label_smoothing=0.2)(labels, probabilities())
    manual = losses.BinaryCrossentropy()(labels * 0.8 + 0.1, probabilities())
    assert smoothed == pytest.approx(manual, rel=1e-12)


def test_sparse_categorical_crossentropy_ignore_class_averages_over_the_rest(float64):
    z = rng(4).standard_normal((N, D))
    labels = LABELS.copy()
    labels[[1, 4]] = -1
    loss = losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1)
    kept = labels != -1
    full = losses.SparseCategoricalCrossentropy(from_logits=True, reduction=None)(
        np.where(kept, labels, 0), z)
    assert loss(labels, z) == pytest.approx(full[kept].mean(), rel=1e-12)
    _, analytic = loss.value_and_gradient(labels, z.copy())
    assert np.all(analytic[~kept] == 0)
    np.testing.assert_allclose(analytic, numerical_gradient(lambda: loss(labels, z), z), rtol=1e-6,
                               atol=1e-9)
    assert loss.get_config()["ignore_class"] == -1


def test_sparse_categorical_crossentropy_along_another_axis(float64):
    z = rng(5).standard_normal((3, D, 2))
    labels = rng(6).integers(0, D, (3, 2))
    moved = losses.SparseCategoricalCrossentropy(from_logits=True)(labels, np.moveaxis(z, 1, -1))
    loss = losses.SparseCategoricalCrossentropy(from_logits=True, axis=1)
    assert loss(labels, z) == pytest.approx(moved, rel=1e-12)
    _, analytic = loss.value_and_gradient(labels, z.copy())
    np.testing.assert_allclose(analytic, numerical_gradient(lambda: loss(labels, z), z), rtol=1e-6,
                               atol=1e-9)


@pytest.mark.parametrize("from_logits", [False, True])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_sparse_categorical_crossentropy_equals_the_one_hot_loss_to_the_bit(from_logits, dtype):
    """Picking each sample's own class gives exactly the one-hot sum, whose other terms are 0,
    along the last axis and along another, unreduced and reduced."""
    predictions = {False: probabilities(8), True: rng(8).standard_normal((N, D)) * 5}[from_logits]
    predictions = predictions.astype(dtype)
    for axis, y_pred, labels in (
            (-1, predictions, LABELS),
            (1, np.stack([predictions, predictions[::-1]], axis=-1),
             np.stack([LABELS, LABELS[::-1]], axis=-1))):
        one_hot = np.moveaxis(np.eye(D, dtype=dtype)[labels], -1, axis)
        for reduction in (None, "sum_over_batch_size"):
            sparse = losses.SparseCategoricalCrossentropy(
                from_logits=from_logits, axis=axis, reduction=reduction, dtype=dtype)
            dense = losses.CategoricalCrossentropy(
                from_logits=from_logits, axis=axis, reduction=reduction, dtype=dtype)
            np.testing.assert_array_equal(sparse(labels, y_pred), dense(one_hot, y_pred))


def test_generalized_cross_entropy_needs_q_in_0_1():
    for q in (0.0, 1.0, 1.5):
        with pytest.raises(ValueError, match="q"):
            losses.CategoricalGeneralizedCrossEntropy(q=q)


# ----------------------------------------------------------------------------------------- names
KERAS_CLASSES = ["BinaryCrossentropy", "BinaryFocalCrossentropy", "CategoricalCrossentropy",
                 "CategoricalFocalCrossentropy", "CategoricalGeneralizedCrossEntropy",
                 "CategoricalHinge", "CosineSimilarity", "Dice", "Hinge", "Huber", "KLDivergence",
                 "LogCosh", "MeanAbsoluteError", "MeanAbsolutePercentageError", "MeanSquaredError",
                 "MeanSquaredLogarithmicError", "Poisson", "SparseCategoricalCrossentropy",
                 "SquaredHinge", "Tversky"]
KERAS_FUNCTIONS = {
    "binary_crossentropy": "BinaryCrossentropy",
    "binary_focal_crossentropy": "BinaryFocalCrossentropy",
    "categorical_crossentropy": "CategoricalCrossentropy",
    "categorical_focal_crossentropy": "CategoricalFocalCrossentropy",
    "categorical_generalized_cross_entropy": "CategoricalGeneralizedCrossEntropy",
    "categorical_hinge": "CategoricalHinge", "cosine_similarity": "CosineSimilarity",
    "dice": "Dice", "hinge": "Hinge", "huber": "Huber", "kl_divergence": "KLDivergence",
    "log_cosh": "LogCosh", "mean_absolute_error": "MeanAbsoluteError",
    "mean_absolute_percentage_error": "MeanAbsolutePercentageError",
    "mean_squared_error": "MeanSquaredError",
    "mean_squared_logarithmic_error": "MeanSquaredLogarithmicError", "poisson": "Poisson",
    "sparse_categorical_crossentropy": "SparseCategoricalCrossentropy",
    "squared_hinge": "SquaredHinge", "tversky": "Tversky",
}
ALIASES = {"mse": "MeanSquaredError", "MSE": "MeanSquaredError", "mae": "MeanAbsoluteError",
           "MAE": "MeanAbsoluteError", "mape": "MeanAbsolutePercentageError",
           "MAPE": "MeanAbsolutePercentageError", "msle": "MeanSquaredLogarithmicError",
           "MSLE": "MeanSquaredLogarithmicError", "kld": "KLDivergence", "KLD": "KLDivergence",
           "bce": "BinaryCrossentropy", "BCE": "BinaryCrossentropy"}
DEFAULT_NAMES = {"Huber": "huber_loss", "LogCosh": "log_cosh", "KLDivergence": "kl_divergence",
                 "MeanAbsolutePercentageError": "mean_absolute_percentage_error",
                 "MeanSquaredLogarithmicError": "mean_squared_logarithmic_error",
                 "CategoricalGeneralizedCrossEntropy": "categorical_generalized_cross_entropy"}


@pytest.mark.parametrize("identifier, class_name",
                         [*KERAS_FUNCTIONS.items(), *ALIASES.items(),
                          *((name, name) for name in KERAS_CLASSES)])
def test_every_keras_name_resolves_to_its_class(identifier, class_name):
    """A function's name gives the function (Keras's ``get``), a class's name an object; either way
    the model trains with that class."""
    found = losses.get(identifier)
    if identifier in KERAS_CLASSES:
        assert type(found).__name__ == class_name
    else:
        assert found is getattr(losses, identifier) and found.loss_class.__name__ == class_name
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(3)])
    model.compile(optimizer="sgd", loss=identifier)
    assert type(model._compiled_loss).__name__ == class_name


def test_functions_give_per_sample_losses_and_take_the_class_options(float64):
    y_true, y_pred = regression()
    np.testing.assert_allclose(losses.huber(y_true, y_pred, delta=0.6),
                               losses.Huber(delta=0.6, reduction=None)(y_true, y_pred))
    assert losses.mape is losses.mean_absolute_percentage_error
    assert losses.kld is losses.kl_divergence
    assert losses.get(losses.log_cosh) is losses.log_cosh
    for name in KERAS_FUNCTIONS:
        assert getattr(losses, name).__name__ == name


def test_default_names_are_keras_names():
    for class_name, name in DEFAULT_NAMES.items():
        assert getattr(losses, class_name)().name == name


@pytest.mark.parametrize("make", [
    lambda: losses.Huber(delta=0.3), lambda: losses.CosineSimilarity(axis=0, reduction="sum"),
    lambda: losses.BinaryFocalCrossentropy(apply_class_balancing=True, alpha=0.4, gamma=3.0),
    lambda: losses.CategoricalFocalCrossentropy(alpha=0.1, label_smoothing=0.2),
    lambda: losses.Tversky(alpha=0.2, beta=0.8, axis=(1,)), lambda: losses.Dice(axis=-1),
    lambda: losses.CategoricalGeneralizedCrossEntropy(q=0.3), lambda: losses.LogCosh(name="lc"),
])
def test_configs_round_trip(make):
    loss = make()
    restored = losses.deserialize(losses.serialize(loss))
    assert type(restored) is type(loss) and restored.get_config() == loss.get_config()
    assert loss.get_config()["name"] == loss.name


def test_generalized_cross_entropy_takes_class_indices_in_range():
    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(3, activation="softmax")])
    model.compile(loss=losses.CategoricalGeneralizedCrossEntropy())
    with pytest.raises(ValueError, match=r"class indices in \[0, 3\].*3 classes"):
        model.fit(np.zeros((4, 5)), np.array([0, 1, 2, 3]), verbose=0)
    with pytest.raises(ValueError, match="sparse labels need shape"):
        model.fit(np.zeros((4, 5)), np.eye(3)[[0, 1, 2, 0]], verbose=0)


def test_unknown_loss_name_lists_the_valid_ones():
    with pytest.raises(ValueError, match="hubber") as error:
        losses.get("hubber")
    for name in ("huber", "log_cosh", "kl_divergence", "mape", "Tversky"):
        assert name in str(error.value)


@pytest.mark.parametrize("loss, targets", [
    ("mape", "regression"), ("msle", "positive"), ("huber", "regression"),
    ("log_cosh", "regression"), ("cosine_similarity", "regression"), ("poisson", "positive"),
    ("kld", "distribution"), ("hinge", "binary"), ("squared_hinge", "binary"),
    ("categorical_hinge", "one_hot"), ("binary_focal_crossentropy", "binary"),
    ("categorical_focal_crossentropy", "one_hot"), ("dice", "binary"), ("tversky", "binary"),
    ("categorical_generalized_cross_entropy", "labels"),
])
def test_losses_train_a_model_by_name(loss, targets):
    x = rng(0).standard_normal((64, 5)).astype("float32")
    labels = (x[:, :3] > 0).astype("float32")
    y = {"regression": x[:, :3] * 2, "positive": np.abs(x[:, :3]), "binary": labels,
         "one_hot": np.eye(3, dtype="float32")[np.argmax(x[:, :3], axis=1)],
         "labels": np.argmax(x[:, :3], axis=1),
         "distribution": np.eye(3, dtype="float32")[np.argmax(x[:, :3], axis=1)] * 0.9 + 0.1 / 3
         }[targets]
    activation = {"binary": "sigmoid", "one_hot": "softmax", "distribution": "softmax",
                  "labels": "softmax", "positive": "softplus"}.get(targets)
    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(16, activation="tanh"),
                              keras.layers.Dense(3, activation=activation)])
    model.compile(optimizer="adam", loss=loss)
    history = model.fit(x, y, epochs=8, batch_size=16, verbose=0)
    first, last = history.history["loss"][0], history.history["loss"][-1]
    assert np.isfinite(last) and last < first
