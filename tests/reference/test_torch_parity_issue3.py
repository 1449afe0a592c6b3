"""Issue 3 against PyTorch and Keras 3.15.1 (torch backend), in float64, to rtol 1e-9.

- Activations: values and vector-Jacobian products against torch's own functions
  (``torch.nn.functional``), differentiated by autograd.
- Losses: values and gradients against torch's own losses where torch has Keras's formula
  (``huber_loss``, ``poisson_nll_loss``, ``kl_div``, ``cosine_similarity``) and otherwise against a
  torch expression of Keras's formula.
- The ReLU, LeakyReLU, ELU and PReLU layers, the regularizers (values and gradients, and the penalties
  a Keras model adds to its loss) and the metrics without a torch counterpart (AUC, precision, recall,
  confusion counts, top-k accuracies, ...) against Keras itself.
"""

import numpy as np
import pytest

import handkeras
from handkeras import activations, losses, metrics, regularizers
from parity import assert_close

torch = pytest.importorskip("torch")
keras = pytest.importorskip("keras")
F = torch.nn.functional


def torch_value_and_vjp(function, x, dy):
    xt = torch.tensor(x, requires_grad=True)
    yt = function(xt)
    yt.backward(torch.tensor(dy))
    return yt.detach().numpy(), xt.grad.numpy()


# ----------------------------------------------------------------------------------------- activations
# Inputs away from every kink (0, +-0.5, +-1, +-3, 6 and the thresholds below), where a derivative is
# only a convention. |x| stays below 5 where the derivative is computed from the output and cancels
# (tanh's 1 - y^2 loses digits in both libraries further out).
X = np.random.default_rng(0).uniform(-4.8, 4.8, size=(5, 8))
for _kink in (0.0, 0.5, -0.5, 1.0, -1.0, 3.0, -3.0, 0.3):
    X[np.abs(X - _kink) < 1e-2] += 2e-2

TORCH_ACTIVATIONS = {
    "relu6": ({}, F.relu6),
    "leaky_relu": ({}, lambda t: F.leaky_relu(t, 0.2)),
    "leaky_relu(0.05)": ({"negative_slope": 0.05}, lambda t: F.leaky_relu(t, 0.05)),
    "elu": ({}, F.elu),
    "elu(0.4)": ({"alpha": 0.4}, lambda t: F.elu(t, 0.4)),
    "selu": ({}, F.selu),
    "celu": ({}, F.celu),
    # torch computes 1 / alpha in float32, so only alphas whose inverse float32 holds exactly
    "celu(0.5)": ({"alpha": 0.5}, lambda t: F.celu(t, 0.5)),
    "gelu": ({}, F.gelu),
    "gelu(approximate)": ({"approximate": True}, lambda t: F.gelu(t, approximate="tanh")),
    "silu": ({}, F.silu),
    "mish": ({}, F.mish),
    "softplus": ({}, lambda t: F.softplus(t, threshold=1000)),
    "softsign": ({}, F.softsign),
    "log_sigmoid": ({}, F.logsigmoid),
    # torch's hardsigmoid backward multiplies by the float32 1/6: the composition is exact
    "hard_sigmoid": ({}, lambda t: F.relu6(t + 3) / 6),
    "hard_silu": ({}, F.hardswish),
    "hard_tanh": ({}, F.hardtanh),
    "tanh_shrink": ({}, F.tanhshrink),
    "soft_shrink": ({}, F.softshrink),
    "soft_shrink(0.3)": ({"threshold": 0.3}, lambda t: F.softshrink(t, 0.3)),
    "hard_shrink": ({}, F.hardshrink),
    "threshold": ({"threshold": 0.3, "default_value": -2.0}, lambda t: F.threshold(t, 0.3, -2.0)),
    "exponential": ({}, torch.exp),
    "glu": ({}, lambda t: F.glu(t, dim=-1)),
    "glu(axis=0)": ({"axis": 0}, lambda t: F.glu(t[:4], dim=0)),
    "log_softmax": ({}, lambda t: F.log_softmax(t, dim=-1)),
    "log_softmax(axis=0)": ({"axis": 0}, lambda t: F.log_softmax(t, dim=0)),
    "softmax(axis=0)": ({"axis": 0}, lambda t: F.softmax(t, dim=0)),
    "squareplus(1.5)": ({"b": 1.5}, lambda t: (t + torch.sqrt(t * t + 1.5)) / 2),
    "sparse_plus": ({}, lambda t: torch.where(t <= -1, 0 * t,
                                              torch.where(t < 1, (t + 1) ** 2 / 4, t))),
    "sparse_sigmoid": ({}, lambda t: torch.clamp((t + 1) / 2, 0, 1)),
}


@pytest.mark.parametrize("case", sorted(TORCH_ACTIVATIONS))
def test_activation_matches_torch(case):
    options, torch_function = TORCH_ACTIVATIONS[case]
    name = case.split("(")[0]
    x = X[:4] if case == "glu(axis=0)" else X
    output_shape = tuple(torch_function(torch.tensor(x)).shape)
    dy = np.random.default_rng(1).normal(size=output_shape)
    expected_y, expected_dx = torch_value_and_vjp(torch_function, x, dy)
    ours = activations.get(name)
    y = ours(x, **options)
    assert_close(y, expected_y, f"{case} values")
    assert_close(ours.vjp(x, y, dy, **options), expected_dx, f"{case} vjp")


def test_exact_gelu_is_more_accurate_than_one_plus_erf_in_the_far_tail():
    """torch's exact GELU computes ``1 + erf(x / sqrt 2)``, which is 0 in float64 below x = -8.3;
    handkeras uses erfc and keeps every digit (checked against math.erfc in the fast tests)."""
    x = np.array([-12.0, -9.0])
    expected_y, _ = torch_value_and_vjp(F.gelu, x, np.ones_like(x))
    assert np.all(expected_y == 0)
    assert np.all(activations.gelu(x) < 0) and np.all(np.isfinite(activations.gelu(x)))


# ----------------------------------------------------------------------------------------- losses
N, D = 6, 4
RNG = np.random.default_rng(2)
TARGET = RNG.normal(size=(N, D))
PREDICTION = TARGET + RNG.uniform(0.2, 1.5, size=(N, D)) * RNG.choice([-1, 1], size=(N, D))
POSITIVE_TARGET = RNG.uniform(0.1, 2.0, size=(N, D))
POSITIVE_PREDICTION = RNG.uniform(0.1, 2.0, size=(N, D))
DISTRIBUTION = RNG.uniform(0.05, 1.0, size=(N, D))
DISTRIBUTION /= DISTRIBUTION.sum(axis=-1, keepdims=True)
PROBABILITIES = RNG.uniform(0.05, 0.95, size=(N, D))
BINARY = RNG.integers(0, 2, size=(N, D)).astype(np.float64)
SIGNED = 2 * BINARY - 1
MARGIN = SIGNED * (1 + RNG.uniform(0.2, 0.8, size=(N, D)) * RNG.choice([-1, 1], size=(N, D)))
LABELS = RNG.integers(0, D, size=N)
ONE_HOT = np.eye(D)[LABELS]
SCORES = RNG.normal(size=(N, D))
SCORES[np.arange(N), LABELS] += RNG.choice([-1.5, 0.4, 2.5], size=N)
WEIGHTS = RNG.uniform(0.0, 2.0, size=N)
EPS = 1e-7


def log_cosh(e):
    return e + F.softplus(-2 * e) - np.log(2.0)


def rows_mean(values):
    return values.mean(dim=-1)


TORCH_LOSSES = {
    "huber": (losses.Huber(), TARGET, PREDICTION,
              lambda p, t: rows_mean(F.huber_loss(p, t, reduction="none", delta=1.0))),
    "huber(delta=0.4)": (losses.Huber(delta=0.4), TARGET, PREDICTION,
                         lambda p, t: rows_mean(F.huber_loss(p, t, reduction="none", delta=0.4))),
    "poisson": (losses.Poisson(), POSITIVE_TARGET, POSITIVE_PREDICTION,
                lambda p, t: rows_mean(F.poisson_nll_loss(p, t, log_input=False, full=False,
                                                          eps=EPS, reduction="none"))),
    "kl_divergence": (losses.KLDivergence(), DISTRIBUTION, PROBABILITIES,
                      lambda p, t: F.kl_div(torch.log(p), t, reduction="none").sum(dim=-1)),
    "cosine_similarity": (losses.CosineSimilarity(), TARGET, PREDICTION,
                          lambda p, t: -F.cosine_similarity(p, t, dim=-1)),
    "log_cosh": (losses.LogCosh(), TARGET, PREDICTION, lambda p, t: rows_mean(log_cosh(p - t))),
    "mean_absolute_percentage_error": (
        losses.MeanAbsolutePercentageError(), TARGET, PREDICTION,
        lambda p, t: 100 * rows_mean(torch.abs((t - p) / torch.clamp(torch.abs(t), min=EPS)))),
    "mean_squared_logarithmic_error": (
        losses.MeanSquaredLogarithmicError(), POSITIVE_TARGET, POSITIVE_PREDICTION,
        lambda p, t: rows_mean((torch.log1p(torch.clamp(p, min=EPS))
                                - torch.log1p(torch.clamp(t, min=EPS))) ** 2)),
    "hinge": (losses.Hinge(), BINARY, MARGIN,
              lambda p, t: rows_mean(torch.relu(1 - (2 * t - 1) * p))),
    "squared_hinge": (losses.SquaredHinge(), BINARY, MARGIN,
                      lambda p, t: rows_mean(torch.relu(1 - (2 * t - 1) * p) ** 2)),
    "categorical_hinge": (losses.CategoricalHinge(), ONE_HOT, SCORES,
                          lambda p, t: torch.relu(((1 - t) * p).amax(dim=-1)
                                                  - (t * p).sum(dim=-1) + 1)),
    "categorical_crossentropy(label_smoothing)": (
        losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.2), ONE_HOT, SCORES,
        lambda p, t: F.cross_entropy(p, t * 0.8 + 0.2 / D, reduction="none")),
    "binary_crossentropy(label_smoothing)": (
        losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.2), BINARY, SCORES,
        lambda p, t: rows_mean(F.binary_cross_entropy_with_logits(p, t * 0.8 + 0.1,
                                                                  reduction="none"))),
}


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("case", sorted(TORCH_LOSSES))
def test_loss_matches_torch(case, weighted):
    loss, y_true, y_pred, per_sample = TORCH_LOSSES[case]
    sample_weight = WEIGHTS if weighted else None
    pt = torch.tensor(y_pred, requires_grad=True)
    values = per_sample(pt, torch.tensor(y_true))
    if weighted:
        values = values * torch.tensor(WEIGHTS)
    expected = values.sum() / N
    expected.backward()
    value, grad = loss.value_and_gradient(y_true, y_pred, sample_weight)
    assert_close(value, expected.item(), f"{case} value")
    assert_close(loss(y_true, y_pred, sample_weight), expected.item(), f"{case} __call__")
    assert_close(grad, pt.grad.numpy(), f"{case} gradient")


# ----------------------------------------------------------------------------------------- layers
LAYER_CASES = {
    "ReLU": {"max_value": 2.0, "negative_slope": 0.2, "threshold": 0.3},
    "LeakyReLU": {},
    "ELU": {"alpha": 0.7},
    "PReLU": {"alpha_initializer": "ones"},
    "PReLU(shared_axes)": {"shared_axes": [1]},
}


@pytest.mark.parametrize("case", sorted(LAYER_CASES))
def test_activation_layer_matches_keras(case):
    name = case.split("(")[0]
    config = LAYER_CASES[case]
    x = np.random.default_rng(3).uniform(-3, 3, size=(4, 3, 5))
    for kink in (0.0, 0.3, 2.0):
        x[np.abs(x - kink) < 1e-2] += 2e-2
    keras_layer = getattr(keras.layers, name)(**config)
    keras_layer.build((None, 3, 5))
    ours = getattr(handkeras.layers, name)(**config)
    ours.build_once((None, 3, 5))
    if name == "PReLU":
        alpha = np.random.default_rng(4).uniform(0.1, 0.5, size=ours.alpha.shape)
        ours.alpha.assign(alpha)
        keras_layer.alpha.assign(alpha)
        assert tuple(keras_layer.alpha.shape) == ours.alpha.shape
    dy = np.random.default_rng(5).normal(size=x.shape)
    xt = torch.tensor(x, requires_grad=True)
    yt = keras_layer(xt)
    yt.backward(torch.tensor(dy))
    y = ours.forward(x, training=True)
    assert_close(y, yt.detach().numpy(), f"{case} output")
    assert_close(ours.backward(dy), xt.grad.numpy(), f"{case} input gradient")
    if name == "PReLU":
        assert_close(ours.gradients[0], keras_layer.alpha.value.grad.numpy(), f"{case} alpha")
    ours_config, keras_config = ours.get_config(), keras_layer.get_config()
    for key in set(keras_config) - {"dtype", "name", "alpha_initializer"}:
        assert ours_config[key] == keras_config[key], key
    if name == "PReLU":
        assert (ours_config["alpha_initializer"]["class_name"]
                == keras_config["alpha_initializer"]["class_name"])


# ----------------------------------------------------------------------------------------- regularizers
REGULARIZERS = {
    "L1": {"l1": 0.3}, "L2": {"l2": 0.2}, "L1L2": {"l1": 0.3, "l2": 0.2},
    "OrthogonalRegularizer": {"factor": 0.4},
    "OrthogonalRegularizer(columns)": {"factor": 0.4, "mode": "columns"},
}


@pytest.mark.parametrize("case", sorted(REGULARIZERS))
def test_regularizer_matches_keras(case):
    name = case.split("(")[0]
    arguments = REGULARIZERS[case]
    w = np.random.default_rng(6).normal(size=(4, 6))
    wt = torch.tensor(w, requires_grad=True)
    penalty = getattr(keras.regularizers, name)(**arguments)(wt)
    penalty.backward()
    ours = getattr(regularizers, name)(**arguments)
    assert_close(ours(w), penalty.item(), f"{case} penalty")
    assert_close(ours.gradient(w), wt.grad.numpy(), f"{case} gradient")
    assert ours.get_config() == getattr(keras.regularizers, name)(**arguments).get_config()


def test_regularizer_defaults_match_keras():
    for name in ("L1", "L2", "L1L2", "OrthogonalRegularizer", "l1_l2"):
        assert getattr(regularizers, name)().get_config() == getattr(
            keras.regularizers, name)().get_config(), name


REGULARIZER_CONFIG_CASES = {
    "get('l1')": lambda R: R.get("l1"), "get('l2')": lambda R: R.get("l2"),
    "get('l1l2')": lambda R: R.get("l1l2"),
    "get('orthogonal_regularizer')": lambda R: R.get("orthogonal_regularizer"),
    "L1(0.01)": lambda R: R.L1(0.01), "L1(l1=0.3)": lambda R: R.L1(l1=0.3),
    "L2(l2=0.1)": lambda R: R.L2(l2=0.1), "L1L2(l1=0.01, l2=0.1)": lambda R: R.L1L2(l1=0.01, l2=0.1),
    "OrthogonalRegularizer(0.1)": lambda R: R.OrthogonalRegularizer(0.1),
    "L1 from Keras's config": lambda R: R.L1.from_config({"l1": 0.009999999776482582}),
    "L1 from a config": lambda R: R.L1.from_config({"l1": 0.2}),
    "deserialized L2": lambda R: R.deserialize({"class_name": "L2", "config": {"l2": 0.3}}),
}


@pytest.mark.parametrize("floatx", ["float32", "float16"])
@pytest.mark.parametrize("case", sorted(REGULARIZER_CONFIG_CASES))
def test_regularizer_configs_round_their_factors_as_keras_does(case, floatx):
    """Keras keeps L1's and OrthogonalRegularizer's factor as a floatx tensor (0.01 is stored as
    0.009999999776482582 in float32), L2's and L1L2's as the Python float."""
    keras.config.set_floatx(floatx)
    handkeras.config.set_floatx(floatx)
    make = REGULARIZER_CONFIG_CASES[case]
    ours, theirs = make(regularizers).get_config(), make(keras.regularizers).get_config()
    assert ours == theirs
    assert [type(value) for value in ours.values()] == [type(value) for value in theirs.values()]
    assert type(make(regularizers)).from_config(ours).get_config() == theirs


def test_an_unknown_regularizer_name_is_a_value_error_in_both():
    for library in (regularizers, keras.regularizers):
        with pytest.raises(ValueError, match="l1_l2"):
            library.get("l1_l2")  # Keras's name for L1L2 is "l1l2"


def test_model_loss_includes_the_penalties_as_in_keras():
    """Kernel and bias penalties, and the activity penalty divided by the batch size (Keras 3)."""
    x = np.random.default_rng(7).normal(size=(8, 3))
    arguments = dict(units=4, activation="tanh", kernel_regularizer={"class_name": "L2",
                                                                     "config": {"l2": 0.1}},
                     bias_initializer="random_normal", bias_regularizer="l1",
                     activity_regularizer={"class_name": "L1L2",
                                           "config": {"l1": 0.05, "l2": 0.3}})
    ours = handkeras.Sequential([handkeras.Input((3,)), handkeras.layers.Dense(**arguments)])
    keras_arguments = dict(arguments, kernel_regularizer=keras.regularizers.L2(0.1),
                           activity_regularizer=keras.regularizers.L1L2(0.05, 0.3))
    theirs = keras.Sequential([keras.Input((3,)), keras.layers.Dense(**keras_arguments)])
    theirs.set_weights(ours.get_weights())
    theirs(x)
    ours.forward(x, training=True)
    assert_close(ours.regularization_penalty(),
                 float(sum(loss.detach().numpy() for loss in theirs.losses)), "penalties")


# ----------------------------------------------------------------------------------------- metrics
M = 40
MRNG = np.random.default_rng(8)
BINARY_TRUE = MRNG.integers(0, 2, size=(M, 1)).astype(np.float64)
BINARY_PRED = MRNG.uniform(0, 1, size=(M, 1))
BINARY_PRED[:3, 0] = [0.0, 1.0, 0.5]
MULTI_TRUE = MRNG.integers(0, 2, size=(M, 5)).astype(np.float64)
MULTI_PRED = MRNG.uniform(0, 1, size=(M, 5))
CLASS_LABELS = MRNG.integers(0, 5, size=M)
# Weights that float32 holds exactly: Keras's torch backend sums AUC buckets in float32.
METRIC_WEIGHTS = MRNG.integers(0, 4, size=M) / 2

METRIC_CASES = {
    "Precision": ({}, BINARY_TRUE, BINARY_PRED),
    "Recall": ({}, BINARY_TRUE, BINARY_PRED),
    "Precision(thresholds)": ({"thresholds": [0.2, 0.5, 0.9]}, MULTI_TRUE, MULTI_PRED),
    "Recall(even thresholds)": ({"thresholds": [0.0, 0.25, 0.5, 0.75, 1.0]}, MULTI_TRUE,
                                MULTI_PRED),
    "Precision(top_k)": ({"top_k": 2}, MULTI_TRUE, MULTI_PRED),
    "Recall(top_k, class_id)": ({"top_k": 2, "class_id": 1}, MULTI_TRUE, MULTI_PRED),
    "Precision(class_id)": ({"class_id": 3}, MULTI_TRUE, MULTI_PRED),
    "AUC": ({}, BINARY_TRUE, BINARY_PRED),
    "AUC(multi)": ({}, MULTI_TRUE, MULTI_PRED),
    "AUC(PR)": ({"curve": "PR"}, MULTI_TRUE, MULTI_PRED),
    "AUC(PR, majoring)": ({"curve": "PR", "summation_method": "majoring"}, MULTI_TRUE, MULTI_PRED),
    "AUC(PRGAIN)": ({"curve": "PRGAIN"}, MULTI_TRUE, MULTI_PRED),
    "AUC(7, minoring)": ({"num_thresholds": 7, "summation_method": "minoring"}, MULTI_TRUE,
                         MULTI_PRED),
    "AUC(thresholds)": ({"thresholds": [0.1, 0.3, 0.77]}, MULTI_TRUE, MULTI_PRED),
    "AUC(multi_label)": ({"multi_label": True}, MULTI_TRUE, MULTI_PRED),
    "AUC(multi_label, label_weights)": ({"multi_label": True, "label_weights": [1, 2, 0, 1, 3]},
                                        MULTI_TRUE, MULTI_PRED),
    "AUC(label_weights)": ({"label_weights": [1, 2, 0, 1, 3]}, MULTI_TRUE, MULTI_PRED),
    "AUC(from_logits)": ({"from_logits": True}, MULTI_TRUE, MRNG.normal(size=(M, 5))),
    "TruePositives": ({}, MULTI_TRUE, MULTI_PRED),
    "FalsePositives": ({}, MULTI_TRUE, MULTI_PRED),
    "TrueNegatives": ({}, MULTI_TRUE, MULTI_PRED),
    "FalseNegatives(thresholds)": ({"thresholds": [0.3, 0.6]}, MULTI_TRUE, MULTI_PRED),
    "SensitivityAtSpecificity": ({"specificity": 0.6}, MULTI_TRUE, MULTI_PRED),
    "SpecificityAtSensitivity": ({"sensitivity": 0.6}, MULTI_TRUE, MULTI_PRED),
    "PrecisionAtRecall": ({"recall": 0.7}, MULTI_TRUE, MULTI_PRED),
    "RecallAtPrecision": ({"precision": 0.5, "num_thresholds": 13}, MULTI_TRUE, MULTI_PRED),
    "TopKCategoricalAccuracy": ({"k": 2}, np.eye(5)[CLASS_LABELS], MULTI_PRED),
    "SparseTopKCategoricalAccuracy": ({"k": 3}, CLASS_LABELS, MULTI_PRED),
    "SparseTopKCategoricalAccuracy(labels n 1)": ({}, CLASS_LABELS[:, None], MULTI_PRED),
    "MeanAbsolutePercentageError": ({}, MULTI_TRUE + 0.5, MULTI_PRED),
    "MeanSquaredLogarithmicError": ({}, MULTI_TRUE, MULTI_PRED),
    "RootMeanSquaredError": ({}, MULTI_TRUE, MULTI_PRED),
    "CosineSimilarity": ({}, MULTI_TRUE + 0.1, MULTI_PRED),
    "LogCoshError": ({}, MULTI_TRUE, MULTI_PRED),
    "Hinge": ({}, MULTI_TRUE, MULTI_PRED),
    "SquaredHinge": ({}, MULTI_TRUE, MULTI_PRED),
    "CategoricalHinge": ({}, np.eye(5)[CLASS_LABELS], MULTI_PRED),
    "KLDivergence": ({}, MULTI_PRED[::-1] / MULTI_PRED[::-1].sum(-1, keepdims=True), MULTI_PRED),
    "Poisson": ({}, MULTI_TRUE, MULTI_PRED),
    "BinaryCrossentropy": ({"label_smoothing": 0.1}, MULTI_TRUE, MULTI_PRED),
    "CategoricalCrossentropy": ({}, np.eye(5)[CLASS_LABELS], MULTI_PRED),
    "SparseCategoricalCrossentropy": ({}, CLASS_LABELS, MULTI_PRED),
}


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("case", sorted(METRIC_CASES))
def test_metric_matches_keras(case, weighted):
    name = case.split("(")[0]
    arguments, y_true, y_pred = METRIC_CASES[case]
    theirs, ours = getattr(keras.metrics, name)(**arguments), getattr(metrics, name)(**arguments)
    for rows in (slice(0, 25), slice(25, None)):
        weights = METRIC_WEIGHTS[rows] if weighted else None
        theirs.update_state(y_true[rows], y_pred[rows], sample_weight=weights)
        ours.update_state(y_true[rows], y_pred[rows], sample_weight=weights)
    assert_close(np.asarray(ours.result(), dtype=np.float64),
                 np.asarray(theirs.result(), dtype=np.float64), f"{case} result")
    ours.reset_state()
    theirs.reset_state()
    assert_close(np.asarray(ours.result(), dtype=np.float64),
                 np.asarray(theirs.result(), dtype=np.float64), f"{case} after reset_state")


@pytest.mark.parametrize("name", ["AUC", "Precision", "Recall", "TopKCategoricalAccuracy",
                                  "SparseTopKCategoricalAccuracy", "MeanAbsolutePercentageError",
                                  "MeanSquaredLogarithmicError", "TruePositives", "Hinge"])
def test_metric_configs_and_directions_match_keras(name):
    theirs, ours = getattr(keras.metrics, name)(name="m"), getattr(metrics, name)(name="m")
    expected = {key: value for key, value in theirs.get_config().items() if key != "dtype"}
    config = ours.get_config()
    for key, value in expected.items():
        assert config[key] == value, key
    assert ours._direction == getattr(theirs, "_direction", None)


# ----------------------------------------------------------------------------------------- initializers
@pytest.mark.parametrize("name", ["truncated_normal", "lecun_uniform", "lecun_normal",
                                  "orthogonal", "variance_scaling", "he_normal", "HeNormal",
                                  "glorot_uniform", "GlorotNormal", "random_normal", "zeros",
                                  "IdentityInitializer", "OrthogonalInitializer", "one", "normal"])
def test_initializer_names_classes_and_configs_match_keras(name):
    theirs, ours = keras.initializers.get(name), handkeras.initializers.get(name)
    assert type(ours).__name__ == type(theirs).__name__
    expected = theirs.get_config()
    if type(theirs).__name__ == "Identity":
        expected = {"gain": 1.0}  # Keras 3.15.1's Identity drops gain from its config
    assert ours.get_config() == expected


def test_constant_initializer_matches_keras():
    """By class: Keras 3.15.1's ``initializers.get("constant")`` raises a KeyError (its from_config
    needs a value); handkeras's gives Constant(0.0), the class default."""
    for value in (0.0, 2.5):
        theirs, ours = keras.initializers.Constant(value), handkeras.initializers.Constant(value)
        assert ours.get_config() == theirs.get_config()
        assert_close(ours((3, 2)), theirs((3, 2)).numpy(), "constant values")
    assert handkeras.initializers.get("constant").get_config() == {"value": 0.0}
