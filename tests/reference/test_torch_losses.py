"""Losses against PyTorch, in float64: values and gradients with respect to ``y_pred``.

The torch side is torch's own loss where it computes Keras's formula (``mse_loss``, ``l1_loss``,
``cross_entropy``, ``binary_cross_entropy_with_logits``), and otherwise a torch expression of
Keras's formula: cross-entropies on probabilities clip them to ``[1e-7, 1 - 1e-7]`` (categorical ones
first divide by their sum), label smoothing moves ``y`` toward ``1 / classes`` (binary: ``0.5``), and
``sum_over_batch_size`` divides the weighted sum of per-sample losses by the number of samples.
"""

import numpy as np
import pytest

from handkeras import losses
from parity import assert_close

torch = pytest.importorskip("torch")
F = torch.nn.functional

EPSILON = 1e-7
N, D = 5, 4


def torch_value_and_gradient(per_sample, y_pred, sample_weight=None):
    """Keras's ``sum_over_batch_size`` of torch's per-sample losses, and its gradient wrt y_pred."""
    pt = torch.tensor(y_pred, requires_grad=True)
    values = per_sample(pt)
    if sample_weight is not None:
        values = values * torch.tensor(sample_weight)
    loss = values.sum() / values.numel()
    loss.backward()
    return loss.item(), pt.grad.numpy()


def check_loss(loss, y_true, y_pred, per_sample, sample_weight=None):
    expected_value, expected_grad = torch_value_and_gradient(per_sample, y_pred, sample_weight)
    value, grad = loss.value_and_gradient(y_true, y_pred, sample_weight)
    assert_close(value, expected_value, f"{loss.name} value_and_gradient value")
    assert_close(grad, expected_grad, f"{loss.name} gradient")
    assert_close(loss(y_true, y_pred, sample_weight=sample_weight), expected_value,
                 f"{loss.name} __call__")


rng = np.random.default_rng(0)
TARGETS = rng.uniform(0.0, 1.0, size=(N, D))
PREDICTIONS = rng.normal(size=(N, D))
LOGITS = rng.normal(scale=2.0, size=(N, D))
LABELS = rng.integers(0, D, size=N)
ONE_HOT = np.eye(D)[LABELS]
SAMPLE_WEIGHT = rng.uniform(0.0, 2.0, size=N)
# Probabilities, some beyond the clipping range so its zero gradient is checked too.
PROBABILITIES = rng.uniform(0.02, 0.98, size=(N, D))
PROBABILITIES[0, 0], PROBABILITIES[1, 2], PROBABILITIES[3, 1] = 1e-9, 1.0 - 1e-9, 0.0
# Unnormalized positive scores: Keras divides them by their row sum before clipping.
SCORES = rng.uniform(0.1, 3.0, size=(N, D))
SCORES[2, 3] = 1e-12


def keras_categorical_crossentropy(y_true):
    target = torch.tensor(y_true)

    def per_sample(p):
        p = torch.clamp(p / p.sum(dim=-1, keepdim=True), EPSILON, 1 - EPSILON)
        return -(target * torch.log(p)).sum(dim=-1)
    return per_sample


def keras_binary_crossentropy(y_true):
    target = torch.tensor(y_true)

    def per_sample(p):
        p = torch.clamp(p, EPSILON, 1 - EPSILON)
        return F.binary_cross_entropy(p, target, reduction="none").mean(dim=-1)
    return per_sample


@pytest.mark.parametrize("sample_weight", [None, SAMPLE_WEIGHT], ids=["unweighted", "weighted"])
class TestLosses:
    def test_mean_squared_error(self, sample_weight):
        target = torch.tensor(TARGETS)
        check_loss(losses.MeanSquaredError(), TARGETS, PREDICTIONS,
                   lambda p: F.mse_loss(p, target, reduction="none").mean(dim=-1), sample_weight)

    def test_mean_absolute_error(self, sample_weight):
        target = torch.tensor(TARGETS)
        check_loss(losses.MeanAbsoluteError(), TARGETS, PREDICTIONS,
                   lambda p: F.l1_loss(p, target, reduction="none").mean(dim=-1), sample_weight)

    def test_binary_crossentropy_on_probabilities_clips(self, sample_weight):
        y = (TARGETS > 0.5).astype(np.float64)
        check_loss(losses.BinaryCrossentropy(), y, PROBABILITIES, keras_binary_crossentropy(y),
                   sample_weight)

    def test_binary_crossentropy_from_logits(self, sample_weight):
        target = torch.tensor(TARGETS)
        logits = LOGITS.copy()
        logits[0, :2] = [-60.0, 60.0]
        check_loss(losses.BinaryCrossentropy(from_logits=True), TARGETS, logits,
                   lambda z: F.binary_cross_entropy_with_logits(z, target, reduction="none")
                   .mean(dim=-1), sample_weight)

    def test_categorical_crossentropy_normalizes_then_clips(self, sample_weight):
        check_loss(losses.CategoricalCrossentropy(), ONE_HOT, SCORES,
                   keras_categorical_crossentropy(ONE_HOT), sample_weight)

    def test_categorical_crossentropy_on_clipped_probabilities(self, sample_weight):
        soft = TARGETS / TARGETS.sum(axis=-1, keepdims=True)
        probabilities = PROBABILITIES / PROBABILITIES.sum(axis=-1, keepdims=True)
        check_loss(losses.CategoricalCrossentropy(), soft, probabilities,
                   keras_categorical_crossentropy(soft), sample_weight)

    def test_categorical_crossentropy_from_logits(self, sample_weight):
        soft = TARGETS / TARGETS.sum(axis=-1, keepdims=True)
        target = torch.tensor(soft)
        check_loss(losses.CategoricalCrossentropy(from_logits=True), soft, LOGITS,
                   lambda z: F.cross_entropy(z, target, reduction="none"), sample_weight)

    @pytest.mark.parametrize("label_shape", [(N,), (N, 1)])
    def test_sparse_categorical_crossentropy(self, sample_weight, label_shape):
        labels = LABELS.reshape(label_shape)
        check_loss(losses.SparseCategoricalCrossentropy(), labels, SCORES,
                   keras_categorical_crossentropy(ONE_HOT), sample_weight)

    def test_sparse_categorical_crossentropy_from_logits(self, sample_weight):
        target = torch.tensor(LABELS)
        check_loss(losses.SparseCategoricalCrossentropy(from_logits=True), LABELS, LOGITS,
                   lambda z: F.cross_entropy(z, target, reduction="none"), sample_weight)

    @pytest.mark.parametrize("smoothing", [0.1, 0.35])
    def test_categorical_label_smoothing(self, sample_weight, smoothing):
        target = torch.tensor(ONE_HOT)
        check_loss(losses.CategoricalCrossentropy(from_logits=True, label_smoothing=smoothing),
                   ONE_HOT, LOGITS,
                   lambda z: F.cross_entropy(z, target, reduction="none", label_smoothing=smoothing),
                   sample_weight)
        smoothed = ONE_HOT * (1 - smoothing) + smoothing / D
        check_loss(losses.CategoricalCrossentropy(label_smoothing=smoothing), ONE_HOT, SCORES,
                   keras_categorical_crossentropy(smoothed), sample_weight)

    @pytest.mark.parametrize("smoothing", [0.1, 0.35])
    def test_binary_label_smoothing(self, sample_weight, smoothing):
        y = (TARGETS > 0.5).astype(np.float64)
        smoothed = y * (1 - smoothing) + 0.5 * smoothing
        target = torch.tensor(smoothed)
        check_loss(losses.BinaryCrossentropy(from_logits=True, label_smoothing=smoothing), y,
                   LOGITS, lambda z: F.binary_cross_entropy_with_logits(z, target, reduction="none")
                   .mean(dim=-1), sample_weight)
        check_loss(losses.BinaryCrossentropy(label_smoothing=smoothing), y, PROBABILITIES,
                   keras_binary_crossentropy(smoothed), sample_weight)


def _case(function, torch_per_sample, y_true, y_pred):
    return pytest.param(function, torch_per_sample, y_true, y_pred, id=function.__name__)


@pytest.mark.parametrize("function, torch_per_sample, y_true, y_pred", [
    _case(losses.mean_squared_error,
          lambda y, p: F.mse_loss(p, y, reduction="none").mean(dim=-1), TARGETS, PREDICTIONS),
    _case(losses.mean_absolute_error,
          lambda y, p: F.l1_loss(p, y, reduction="none").mean(dim=-1), TARGETS, PREDICTIONS),
    _case(losses.binary_crossentropy,
          lambda y, p: keras_binary_crossentropy(y.numpy())(p), (TARGETS > 0.5) * 1.0,
          PROBABILITIES),
    _case(losses.categorical_crossentropy,
          lambda y, p: keras_categorical_crossentropy(y.numpy())(p), ONE_HOT, SCORES),
    _case(losses.sparse_categorical_crossentropy,
          lambda y, p: keras_categorical_crossentropy(ONE_HOT)(p), LABELS, SCORES),
])
def test_loss_functions_give_per_sample_values(function, torch_per_sample, y_true, y_pred):
    expected = torch_per_sample(torch.tensor(y_true), torch.tensor(y_pred)).numpy()
    assert_close(function(y_true, y_pred), expected, function.__name__)
