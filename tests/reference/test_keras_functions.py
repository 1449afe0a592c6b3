"""Every activation and loss against Keras 3.15.1's own, differentiated by torch autograd, in float64.

On the torch backend, Keras's activations and losses applied to torch tensors are torch computations,
so autograd gives the exact gradient of Keras's formula. Each handkeras activation must match its
Keras namesake (values and vector-Jacobian product); each handkeras loss class must match Keras's
class of the same name (values and gradient with respect to ``y_pred``) for every option, sample
weights and reduction tested here.
"""

import numpy as np
import pytest

import handkeras
from handkeras import activations, losses
from parity import assert_close

torch = pytest.importorskip("torch")
keras = pytest.importorskip("keras")
from keras.src.activations import ALL_OBJECTS_DICT as KERAS_ACTIVATIONS  # noqa: E402

# ----------------------------------------------------------------------------- activations

ACTIVATION_OPTIONS = {
    "relu": [{"negative_slope": 0.1}, {"max_value": 2.0}, {"threshold": 0.6},
             {"negative_slope": 0.2, "max_value": 2.5, "threshold": -0.7}],
    "elu": [{"alpha": 0.4}],
    "celu": [{"alpha": 2.5}],
    "leaky_relu": [{"negative_slope": 0.05}],
    "gelu": [{"approximate": True}],
    "softmax": [{"axis": 0}],
    "log_softmax": [{"axis": 0}],
    "glu": [{"axis": 0}],
    "sparsemax": [{"axis": 0}],
    "hard_shrink": [{"threshold": 1.3}],
    "soft_shrink": [{"threshold": 1.3}],
    "squareplus": [{"b": 1.5}],
}
# `threshold` has no defaults: it always takes these two.
REQUIRED_OPTIONS = {"threshold": {"threshold": 0.4, "default_value": -2.0}}


def sparsemax_as_fixed_upstream(x, axis=-1):
    """Keras's sparsemax with its threshold corrected.

    Keras 3.15.1 builds ``tau`` from the sum of the *cumulative* sums over the support, so its
    output does not sum to 1 once two or more entries are in the support (keras-team/keras#23425,
    fixed by #23469 after 3.15.1). The threshold is ``(sum of the sorted logits in the support - 1)
    / k``, as in Martins & Astudillo (2016); handkeras computes that.
    """
    ordered = torch.sort(x, dim=axis, descending=True).values
    shape = [1] * x.ndim
    shape[axis] = -1
    ranks = torch.arange(1, x.shape[axis] + 1, dtype=x.dtype).view(shape)
    support = ordered - (torch.cumsum(ordered, dim=axis) - 1) / ranks > 0
    k = support.sum(dim=axis, keepdim=True)
    tau = (torch.where(support, ordered, 0.0).sum(dim=axis, keepdim=True) - 1) / k
    return torch.clamp(x - tau, min=0.0)


def hard_sigmoid_in_torch_ops(x):
    """Keras's ``relu6(x + 3) / 6``. Keras's torch backend calls ``torch.nn.functional.hardsigmoid``,
    whose float64 backward uses 1/6 rounded to float32 (a relative error of 3e-8)."""
    return torch.clamp(x + 3.0, 0.0, 6.0) / 6.0


# Where Keras 3.15.1 on torch is not a float64 reference of its own formula.
REFERENCE_OVERRIDES = {"sparsemax": sparsemax_as_fixed_upstream,
                       "hard_sigmoid": hard_sigmoid_in_torch_ops}


def activation_cases():
    for name in sorted(KERAS_ACTIVATIONS):
        base = REQUIRED_OPTIONS.get(name, {})
        for options in [{}] + ACTIVATION_OPTIONS.get(name, []):
            options = {**base, **options}
            label = ",".join(f"{k}={v}" for k, v in options.items())
            yield pytest.param(name, options, id=f"{name}({label})")


@pytest.mark.parametrize("name, options", list(activation_cases()))
def test_activation_matches_keras(name, options):
    assert hasattr(activations, name), f"handkeras.activations lacks Keras's {name!r}"
    ours = activations.get(name)
    rng = np.random.default_rng(0)
    # Values away from every kink (0, +-1, +-3, 6, the thresholds), where derivatives are conventions.
    x = rng.uniform(-4.0, 4.0, size=(4, 6))
    xt = torch.tensor(x, requires_grad=True)
    reference = REFERENCE_OVERRIDES.get(name, getattr(keras.activations, name))
    yt = reference(xt, **options)
    dy = rng.normal(size=tuple(yt.shape))  # glu halves its axis
    yt.backward(torch.tensor(dy))

    y = ours(x, **options)
    assert y.dtype == np.float64
    assert_close(y, yt.detach().numpy(), f"{name}{options} values")
    assert_close(ours.vjp(x, y, dy, **options), xt.grad.numpy(), f"{name}{options} vjp")


@pytest.fixture
def float32_defaults(monkeypatch):
    """Both libraries as they start, floatx float32 and Keras's own type promotion (which this
    directory's float64 set-up changes): where the dtypes of results are compared."""
    from keras.src.backend.common import dtypes
    monkeypatch.setitem(dtypes.BIT64_TO_BIT32_DTYPE, "float64", "float32")
    keras.config.set_floatx("float32")
    handkeras.config.set_floatx("float32")


# Left out: glu and threshold need other arguments; Keras's linear returns what it is given (a
# list stays a list), and its softmax and sparsemax fail on a list or a number (no `shape`).
@pytest.mark.parametrize("name", sorted(set(KERAS_ACTIVATIONS) - {
    "glu", "threshold", "linear", "softmax", "sparsemax"}))
@pytest.mark.parametrize("given", [[-1.5, 0.25, 2.0], 0.75, np.array([-1.5, 0.25, 2.0])],
                         ids=["list of floats", "a float", "float64 array"])
def test_activation_of_python_numbers_has_keras_dtype_and_shape(name, given, float32_defaults):
    ours = activations.get(name)(given)
    theirs = keras.ops.convert_to_numpy(getattr(keras.activations, name)(given))
    assert (ours.dtype, ours.shape) == (theirs.dtype, theirs.shape)
    np.testing.assert_allclose(ours, theirs, rtol=1e-6)


def test_sparsemax_reference_is_a_projection_onto_the_simplex():
    x = torch.tensor(np.random.default_rng(2).uniform(-2.0, 2.0, size=(50, 5)))
    y = sparsemax_as_fixed_upstream(x)
    assert_close(y.sum(dim=-1).numpy(), np.ones(50), "sparsemax sums")
    single = (y > 0).sum(dim=-1) == 1
    assert 0 < int(single.sum()) < 50
    # Where one entry takes everything, Keras's threshold is already right.
    assert_close(y[single].numpy(), keras.activations.sparsemax(x)[single].numpy(), "one-hot rows")


# ----------------------------------------------------------------------------- losses

N, D = 6, 4
LOSS_OPTIONS = {
    "BinaryCrossentropy": [{"from_logits": True}, {"label_smoothing": 0.2},
                           {"from_logits": True, "label_smoothing": 0.3}],
    "CategoricalCrossentropy": [{"from_logits": True}, {"label_smoothing": 0.2},
                                {"from_logits": True, "label_smoothing": 0.3}],
    "SparseCategoricalCrossentropy": [{"from_logits": True}],
    "BinaryFocalCrossentropy": [{"from_logits": True}, {"apply_class_balancing": True, "alpha": 0.3},
                                {"gamma": 1.5, "label_smoothing": 0.1}],
    "CategoricalFocalCrossentropy": [{"from_logits": True}, {"alpha": 0.4, "gamma": 1.0}],
    "Huber": [{"delta": 0.4}],
}
ONE_HOT_LABELS = {"CategoricalCrossentropy", "CategoricalFocalCrossentropy", "CategoricalHinge"}
INTEGER_LABELS = {"SparseCategoricalCrossentropy", "CategoricalGeneralizedCrossEntropy", "Circle"}
BINARY_LABELS = {"BinaryCrossentropy", "BinaryFocalCrossentropy", "Hinge", "SquaredHinge"}
REAL_VALUED = {"MeanSquaredError", "MeanAbsoluteError", "Huber", "LogCosh", "CosineSimilarity",
               "Circle"}
# CTC takes sequences and their lengths, not (N, D) arrays: it needs a test of its own.
NOT_COVERED_HERE = {"Loss", "CTC"}
KERAS_LOSS_CLASSES = sorted(name for name in dir(keras.losses)
                            if name[0].isupper() and name not in NOT_COVERED_HERE)


def loss_data(name, options, seed=0):
    """``y_true``, ``y_pred`` and sample weights suited to the loss ``name``."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, D, size=N)
    if name in ONE_HOT_LABELS:
        y_true = np.eye(D)[labels]
    elif name in INTEGER_LABELS:
        y_true = labels
    elif name in BINARY_LABELS:
        y_true = (rng.uniform(size=(N, D)) > 0.5).astype(np.float64)
    elif name in REAL_VALUED:
        y_true = rng.normal(size=(N, D))
    else:
        y_true = rng.uniform(0.05, 1.0, size=(N, D))
    if options.get("from_logits") or name in REAL_VALUED:
        y_pred = rng.normal(scale=2.0, size=(N, D))
    else:
        y_pred = rng.uniform(0.03, 0.97, size=(N, D))
        if name in ONE_HOT_LABELS | INTEGER_LABELS:
            y_pred /= y_pred.sum(axis=-1, keepdims=True) / rng.uniform(0.5, 2.0, size=(N, 1))
        if name in {"BinaryCrossentropy", "CategoricalCrossentropy",
                    "SparseCategoricalCrossentropy"}:
            y_pred[0, 1], y_pred[3, 2] = 1e-9, 0.0  # clipped: zero gradient there
    return y_true, y_pred, rng.uniform(0.0, 2.0, size=N)


def keras_value_and_gradient(name, options, y_true, y_pred, sample_weight):
    pt = torch.tensor(y_pred, requires_grad=True)
    value = getattr(keras.losses, name)(**options)(y_true, pt, sample_weight=sample_weight)
    if value.ndim:
        return value.detach().numpy(), None
    value.backward()
    return value.item(), pt.grad.numpy()


def check_loss(name, options, weighted):
    assert hasattr(losses, name), f"handkeras.losses lacks Keras's {name}"
    y_true, y_pred, sample_weight = loss_data(name, options)
    sample_weight = sample_weight if weighted else None
    expected_value, expected_grad = keras_value_and_gradient(name, options, y_true, y_pred,
                                                             sample_weight)
    ours = getattr(losses, name)(**options)
    assert_close(ours(y_true, y_pred, sample_weight=sample_weight), expected_value,
                 f"{name}{options} value")
    if expected_grad is not None:
        value, grad = ours.value_and_gradient(y_true, y_pred, sample_weight)
        assert_close(value, expected_value, f"{name}{options} value_and_gradient value")
        assert_close(grad, expected_grad, f"{name}{options} gradient")


def loss_cases():
    for name in KERAS_LOSS_CLASSES:
        if not hasattr(losses, name):
            continue  # handkeras's coverage of Keras's names is tested with the losses themselves
        for options in [{}] + LOSS_OPTIONS.get(name, []):
            label = ",".join(f"{k}={v}" for k, v in options.items())
            yield pytest.param(name, options, id=f"{name}({label})")


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("name, options", list(loss_cases()))
def test_loss_matches_keras(name, options, weighted):
    check_loss(name, options, weighted)


@pytest.mark.parametrize("reduction", ["sum", "mean", "mean_with_sample_weight", None, "none"])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("name", [n for n in KERAS_LOSS_CLASSES if hasattr(losses, n)])
def test_loss_reduction_matches_keras(name, reduction, weighted):
    check_loss(name, {"reduction": reduction}, weighted)


# Where Keras's promotion against a Python float (its epsilon, 1.0) demotes float64 to float32
# (docs/porting.md, "float64 stays float64"); handkeras keeps float64 there too.
DEMOTED_BY_KERAS = {"hinge", "squared_hinge", "categorical_hinge", "mean_squared_logarithmic_error",
                    "circle"}
# Keras's categorical_generalized_cross_entropy fails on numpy arrays (ndarray * Tensor).
LOSS_FUNCTIONS = sorted(name for name in dir(keras.losses) if name[0].islower()
                        and name not in ("ctc", "deserialize", "get", "serialize",
                                         "categorical_generalized_cross_entropy")
                        and hasattr(losses, name))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", LOSS_FUNCTIONS)
def test_loss_functions_keep_the_float_type_of_the_predictions(name, dtype, float32_defaults):
    function = getattr(losses, name)
    y_true, y_pred, _ = loss_data(function.loss_class.__name__, {})
    y_pred = y_pred.astype(dtype)
    ours = function(y_true, y_pred)
    theirs = keras.ops.convert_to_numpy(getattr(keras.losses, name)(y_true, y_pred))
    assert ours.shape == theirs.shape
    if dtype == "float64" and name in DEMOTED_BY_KERAS:
        assert (ours.dtype, theirs.dtype) == (np.float64, np.float32)
    else:
        assert ours.dtype == theirs.dtype == dtype
    # Keras's own promotion computes float64 in float32 ("float32 defaults"): float32 digits
    np.testing.assert_allclose(ours, theirs, rtol=1e-5)
