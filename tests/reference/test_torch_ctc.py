"""CTC against torch's ``F.ctc_loss`` (the op behind Keras's CTC on the torch backend), in float64:
per-sample values and the gradient with respect to the logits, to rtol 1e-9."""

import numpy as np
import pytest

from handkeras import losses
from parity import assert_close

torch = pytest.importorskip("torch")
F = torch.nn.functional


def torch_ctc(labels, logits, sample_weight=None):
    """Keras's torch-backend CTC: lengths from the non-blank count, every step an input, blank 0;
    its ``sum_over_batch_size`` mean and that mean's gradient."""
    pt = torch.tensor(logits, requires_grad=True)
    target = torch.tensor(labels)
    values = F.ctc_loss(F.log_softmax(pt.transpose(0, 1), dim=-1), target,
                        torch.full((len(labels),), logits.shape[1]), (target != 0).sum(dim=-1),
                        blank=0, reduction="none")
    weighted = values if sample_weight is None else values * torch.tensor(sample_weight)
    mean = weighted.sum() / len(labels)
    mean.backward()
    return values.detach().numpy(), mean.item(), pt.grad.numpy()


CASES = {
    "repeats and lengths": (np.array([[1, 2, 2, 0], [3, 3, 3, 0], [4, 0, 0, 0], [2, 1, 4, 3]]),
                            (4, 9, 5)),
    "a blank-only target": (np.array([[0, 0], [1, 1]]), (2, 4, 3)),
    "as many labels as steps": (np.array([[1, 2, 3, 1], [2, 2, 0, 0]]), (2, 4, 4)),
    "long sequences": (np.random.default_rng(1).integers(1, 7, size=(3, 12)), (3, 60, 7)),
}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_ctc_values_and_gradients_equal_torch(case, weighted):
    labels, shape = CASES[case]
    logits = np.random.default_rng(0).normal(scale=2.0, size=shape)
    sample_weight = np.linspace(0.0, 2.0, len(labels)) if weighted else None
    per_sample, expected_value, expected_grad = torch_ctc(labels, logits, sample_weight)
    assert_close(losses.ctc(labels, logits), per_sample, "per-sample losses")
    value, grad = losses.CTC().value_and_gradient(labels, logits, sample_weight)
    assert_close(value, expected_value, "value")
    assert_close(grad, expected_grad, "gradient")


def test_impossible_alignments_are_infinite_with_nan_gradients_as_in_torch():
    labels, logits = np.array([[1, 1], [1, 2]]), np.random.default_rng(2).normal(size=(2, 2, 3))
    per_sample, _, expected_grad = torch_ctc(labels, logits)
    assert per_sample[0] == np.inf and np.isfinite(per_sample[1])
    assert_close(losses.ctc(labels, logits), per_sample, "per-sample losses")
    _, grad = losses.CTC(reduction="sum").value_and_gradient(labels, logits)
    assert np.isnan(grad[0]).all() and np.isnan(expected_grad[0]).all()


def test_a_blank_among_the_labels_gives_torchs_value():
    """``[1, 0, 2]`` counts two labels, so torch reads ``1, 0``: a blank as a label. The values
    agree; torch's gradient there is not the value's derivative (its last step is off), and ours is
    (checked against central differences in tests/test_ctc_circle_losses.py)."""
    labels, logits = np.array([[1, 0, 2]]), np.random.default_rng(3).normal(size=(1, 6, 3))
    per_sample, _, _ = torch_ctc(labels, logits)
    assert_close(losses.ctc(labels, logits), per_sample, "per-sample losses")
