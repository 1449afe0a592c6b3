"""CTC and Circle against Keras 3.15.1 (torch backend), in float64: values, gradients through
Keras's autograd, configs, errors, and the history of a short fit."""

import numpy as np
import pytest

import handkeras
from parity import assert_close

torch = pytest.importorskip("torch")
keras = pytest.importorskip("keras")

from keras_pair import (  # noqa: E402
    assert_same_history, assert_same_value_error, assert_same_weights, compile_both, make_models)

REDUCTIONS = ["sum_over_batch_size", "sum", "mean_with_sample_weight", None]
CTC_LABELS = np.array([[1, 2, 2, 0], [3, 3, 0, 0], [0, 0, 0, 0], [2, 1, 3, 1]])
CTC_LOGITS = np.random.default_rng(0).normal(scale=2.0, size=(4, 8, 4))
CIRCLE_LABELS = np.array([0, 1, 0, 2, 1, 0, 3])
_raw = np.random.default_rng(1).normal(size=(7, 3))
EMBEDDINGS = _raw / np.linalg.norm(_raw, axis=1, keepdims=True)


def keras_value_and_gradient(loss, y_true, y_pred, sample_weight):
    pt = torch.tensor(y_pred, requires_grad=True)
    value = loss(y_true, pt, sample_weight=sample_weight)
    if value.ndim:
        return value.detach().numpy(), None
    value.backward()
    return value.item(), pt.grad.numpy()


def check_against_keras(name, options, y_true, y_pred, reduction, weighted):
    sample_weight = np.linspace(0.0, 2.0, len(y_true)) if weighted else None
    ours = getattr(handkeras.losses, name)(reduction=reduction, **options)
    theirs = getattr(keras.losses, name)(reduction=reduction, **options)
    expected, expected_grad = keras_value_and_gradient(theirs, y_true, y_pred, sample_weight)
    assert_close(ours(y_true, y_pred, sample_weight=sample_weight), expected, "value")
    if expected_grad is not None:
        value, grad = ours.value_and_gradient(y_true, y_pred, sample_weight)
        assert_close(value, expected, "value_and_gradient value")
        assert_close(grad, expected_grad, "gradient")


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_ctc_equals_keras(reduction, weighted):
    check_against_keras("CTC", {}, CTC_LABELS, CTC_LOGITS, reduction, weighted)


@pytest.mark.parametrize("options", [{}, {"gamma": 3.0, "margin": 0.25},
                                     {"remove_diagonal": False}])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_circle_equals_keras(options, reduction, weighted):
    """Norm 0.9 keeps a sample's distance to itself off its clip's kink at 0 (a tie whose
    gradient torch halves: not a derivative to compare)."""
    check_against_keras("Circle", options, CIRCLE_LABELS, 0.9 * EMBEDDINGS, reduction, weighted)


def test_functions_equal_keras():
    assert_close(handkeras.losses.ctc(CTC_LABELS, CTC_LOGITS),
                 keras.losses.ctc(CTC_LABELS, CTC_LOGITS).numpy(), "ctc")
    references = np.random.default_rng(2).normal(size=(4, 3))
    for arguments in [{}, {"gamma": 5, "margin": 0.3, "remove_diagonal": False},
                      {"ref_labels": np.array([0, 1, 1, 2]), "ref_embeddings": references}]:
        assert_close(handkeras.losses.circle(CIRCLE_LABELS, EMBEDDINGS, **arguments),
                     keras.losses.circle(CIRCLE_LABELS, EMBEDDINGS, **arguments).numpy(),
                     f"circle {sorted(arguments)}")


@pytest.mark.parametrize("make", [
    lambda library: library.losses.CTC(),
    lambda library: library.losses.CTC(reduction="sum", name="my_ctc"),
    lambda library: library.losses.Circle(),
    lambda library: library.losses.Circle(gamma=30.0, margin=0.1, remove_diagonal=False,
                                          reduction=None, name="c"),
])
def test_configs_equal_keras(make):
    ours, theirs = make(handkeras), make(keras)
    assert ours.get_config() == theirs.get_config()
    assert handkeras.losses.serialize(ours) == keras.losses.serialize(theirs)
    restored = handkeras.losses.deserialize(keras.losses.serialize(theirs))
    assert type(restored) is type(ours) and restored.get_config() == theirs.get_config()


@pytest.mark.parametrize("y_true, y_pred", [
    (np.array([1, 2]), np.zeros((2, 4, 3))),
    (np.array([[1, 2]]), np.zeros((1, 4))),
    (np.array([[[1, 2]]]), np.zeros((1, 4, 3))),
])
def test_ctc_rank_errors_are_keras_errors(y_true, y_pred):
    assert_same_value_error(lambda library: library.losses.ctc(y_true, y_pred))


def test_ctc_fit_history_equals_keras():
    """Dense layers over the time steps of a sequence, trained with CTC on labels of different
    lengths, with repeats and padding."""
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(3)
    x = rng.normal(size=(13, 6, 3))
    y = np.array([[1, 2, 0], [3, 3, 0], [2, 0, 0], [1, 2, 3], [0, 0, 0]] * 3)[:13]

    def build(library):
        return library.Sequential([library.Input((6, 3)),
                                   library.layers.Dense(8, activation="tanh"),
                                   library.layers.Dense(4)])

    ours, theirs = make_models(build)
    compile_both(ours, theirs, ("Adam", {"learning_rate": 0.01}), loss="ctc")
    arguments = dict(epochs=3, batch_size=5, shuffle=False, verbose=0)
    assert_same_history(ours.fit(x, y, **arguments), theirs.fit(x, y, **arguments))
    assert_same_weights(ours, theirs)
    assert_close(ours.evaluate(x, y, verbose=0), theirs.evaluate(x, y, verbose=0), "evaluate")


def test_circle_fit_history_equals_keras():
    """``gamma=4`` keeps the softplus's argument below 20, where Keras on torch switches to
    ``softplus(x) = x`` (torch's threshold, off by ``log1p(exp(-x)) < 2e-9``; handkeras's is exact):
    beyond it, training steps compound that approximation past rtol 1e-9."""
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(4)
    x = rng.normal(size=(14, 5))
    y = rng.integers(0, 3, size=14)

    def build(library):
        return library.Sequential([library.Input((5,)), library.layers.Dense(6),
                                   library.layers.UnitNormalization()])

    ours, theirs = make_models(build)
    for model, library in ((ours, handkeras), (theirs, keras)):
        model.compile(optimizer=library.optimizers.SGD(0.01),
                      loss=library.losses.Circle(gamma=4.0))
    arguments = dict(epochs=3, batch_size=5, shuffle=False, verbose=0)
    assert_same_history(ours.fit(x, y, **arguments), theirs.fit(x, y, **arguments))
    assert_same_weights(ours, theirs)
