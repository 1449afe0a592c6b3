"""The CTC and Circle losses: their definitions, exact gradients, reductions, names and errors."""

import itertools
import warnings

import numpy as np
import pytest

import handkeras as keras
from handkeras import losses
from handkeras.utils.gradient_check import numerical_gradient

RTOL, ATOL = 1e-6, 1e-9
SAMPLE_WEIGHT = np.array([1.0, 2.0, 0.5, 0.0, 1.5])


def rng(seed):
    return np.random.default_rng(seed)


# ------------------------------------------------------------------------------------------ CTC
STEPS, CLASSES = 5, 4
# Repeated labels (which need a blank between them), labels of different lengths, padding with the
# blank 0, a sample with no label at all, and a sample of only repeats.
CTC_LABELS = np.array([[1, 2, 2], [3, 0, 0], [0, 0, 0], [2, 1, 3], [1, 1, 0]])
CTC_LOGITS = rng(0).normal(scale=1.5, size=(len(CTC_LABELS), STEPS, CLASSES))


def log_softmax(z):
    shifted = z - z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def collapsed(path):
    """A path's label sequence: repeats merged, then blanks removed."""
    return tuple(c for c, _ in itertools.groupby(path) if c != 0)


def ctc_by_enumeration(labels, logits):
    """``-log`` of the summed probability of every path (one class per step) that collapses to
    each sample's labels: the definition, by brute force."""
    values = []
    for row, z in zip(labels, logits):
        target = tuple(int(c) for c in row if c != 0)
        log_probs = log_softmax(z)
        total = sum(np.exp(sum(log_probs[t, c] for t, c in enumerate(path)))
                    for path in itertools.product(range(z.shape[-1]), repeat=len(z))
                    if collapsed(path) == target)
        values.append(-np.log(total))
    return np.array(values)


def test_ctc_is_minus_log_the_probability_of_every_alignment(float64):
    np.testing.assert_allclose(losses.CTC(reduction=None)(CTC_LABELS, CTC_LOGITS),
                               ctc_by_enumeration(CTC_LABELS, CTC_LOGITS), rtol=1e-12)
    np.testing.assert_allclose(losses.ctc(CTC_LABELS, CTC_LOGITS),
                               ctc_by_enumeration(CTC_LABELS, CTC_LOGITS), rtol=1e-12)


def test_ctc_reductions_follow_keras(float64):
    per_sample = ctc_by_enumeration(CTC_LABELS, CTC_LOGITS)
    weighted = per_sample * SAMPLE_WEIGHT
    assert losses.CTC()(CTC_LABELS, CTC_LOGITS) == pytest.approx(per_sample.mean(), rel=1e-12)
    assert losses.CTC()(CTC_LABELS, CTC_LOGITS, SAMPLE_WEIGHT) == pytest.approx(
        weighted.mean(), rel=1e-12)
    assert losses.CTC(reduction="sum")(CTC_LABELS, CTC_LOGITS, SAMPLE_WEIGHT) == pytest.approx(
        weighted.sum(), rel=1e-12)
    assert losses.CTC(reduction="mean_with_sample_weight")(
        CTC_LABELS, CTC_LOGITS, SAMPLE_WEIGHT) == pytest.approx(
        weighted.sum() / SAMPLE_WEIGHT.sum(), rel=1e-12)


def test_ctc_takes_logits_so_a_shift_of_a_step_changes_nothing(float64):
    shifted = CTC_LOGITS + rng(1).normal(size=(len(CTC_LABELS), STEPS, 1)) * 10
    np.testing.assert_allclose(losses.ctc(CTC_LABELS, shifted), losses.ctc(CTC_LABELS, CTC_LOGITS),
                               rtol=1e-12)


@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", "mean_with_sample_weight"])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_ctc_gradient_equals_central_differences(reduction, weighted, float64):
    loss = losses.CTC(reduction=reduction)
    sample_weight = SAMPLE_WEIGHT if weighted else None
    logits = CTC_LOGITS.copy()
    value, analytic = loss.value_and_gradient(CTC_LABELS, logits, sample_weight)
    assert value == pytest.approx(loss(CTC_LABELS, logits, sample_weight), rel=1e-12)
    numeric = numerical_gradient(lambda: loss(CTC_LABELS, logits, sample_weight), logits)
    np.testing.assert_allclose(analytic, numeric, rtol=RTOL, atol=ATOL)


def test_ctc_gradient_is_exact_for_long_sequences_and_a_zero_inside_the_labels(float64):
    """As Keras (torch's ``ctc_loss``), a sample's labels are the first ``count_nonzero`` entries
    of its row, whatever they are: ``[1, 0, 2]`` has the two labels ``1, 0``."""
    labels = np.array([[1, 0, 2], [2, 3, 3], [1, 2, 3]])
    logits = rng(2).normal(size=(3, 9, CLASSES))
    loss = losses.CTC()
    _, analytic = loss.value_and_gradient(labels, logits.copy())
    numeric = numerical_gradient(lambda: loss(labels, logits), logits)
    np.testing.assert_allclose(analytic, numeric, rtol=RTOL, atol=ATOL)


def test_ctc_of_labels_that_need_more_steps_is_infinite(float64):
    """``[1, 1]`` needs three steps (a blank between the repeats), ``[1, 2, 3]`` three: with two
    the probability is 0, and Keras's loss infinite."""
    logits = rng(3).normal(size=(3, 2, CLASSES))
    values = losses.ctc(np.array([[1, 1, 0], [1, 2, 3], [1, 2, 0]]), logits)
    assert np.isinf(values[:2]).all() and np.isfinite(values[2])


def test_ctc_is_stable_on_long_float32_sequences():
    labels = rng(4).integers(1, 20, size=(4, 30))
    logits = rng(5).normal(scale=8.0, size=(4, 400, 20)).astype("float32")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value, grad = losses.CTC().value_and_gradient(labels, logits)
    assert np.isfinite(value) and value > 0 and grad.dtype == np.float32
    assert np.isfinite(grad).all()
    # each step's gradient is softmax - (class occupancies), which sums to 0 over the classes
    np.testing.assert_allclose(grad.sum(axis=-1), 0, atol=1e-6)


@pytest.mark.parametrize("y_true, y_pred, message", [
    (np.array([1, 2]), np.zeros((2, 4, 3)), r"Targets `y_true` are expected to be a tensor of "
                                            r"shape `\(batch_size, max_length\)`.*\(2,\)"),
    (np.array([[1, 2]]), np.zeros((1, 4)), r"Logits `y_pred` are expected.*\(1, 4\)"),
    (np.array([[1, 3]]), np.zeros((1, 4, 3)), r"`y_true` holds labels in \[1, 3\], but `y_pred` "
                                              r"has 3 classes"),
    (np.array([[1, -1]]), np.zeros((1, 4, 3)), r"labels in \[-1, 1\]"),
    (np.array([[1, 1.5]]), np.zeros((1, 4, 3)), r"`y_true` must hold integer labels.*1\.5"),
    (np.array([[1, 2]] * 3), np.zeros((2, 4, 3)), r"`y_true` with shape \(3, 2\) and `y_pred` "
                                                  r"with shape \(2, 4, 3\).*same batch size"),
])
def test_ctc_names_the_argument_it_cannot_take(y_true, y_pred, message):
    with pytest.raises(ValueError, match=message):
        losses.CTC()(y_true, y_pred)


def ctc_model():
    model = keras.Sequential([keras.Input((6, 3)), keras.layers.Dense(8, activation="tanh"),
                              keras.layers.Dense(CLASSES)])
    model.compile(optimizer="adam", loss="ctc")
    return model


def test_a_model_of_dense_layers_over_time_steps_learns_ctc_labels():
    x = rng(6).normal(size=(64, 6, 3)).astype("float32")
    # labels read off the inputs: 1 + the index of each step's largest feature, repeats merged
    y = np.zeros((64, 6), dtype="int64")
    for i, steps in enumerate(np.argmax(x, axis=-1) + 1):
        sequence = [c for c, _ in itertools.groupby(steps)]
        y[i, :len(sequence)] = sequence
    model = ctc_model()
    model.compile(optimizer=keras.optimizers.Adam(0.02), loss="ctc")
    history = model.fit(x, y, epochs=15, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < 0.7 * history.history["loss"][0]


def test_a_model_with_ctc_gets_every_weight_gradient_exactly(float64):
    from gradient_checks import assert_model_gradients_match
    model = ctc_model()
    x = rng(7).normal(size=(4, 6, 3))
    assert_model_gradients_match(model, x, CTC_LABELS[:4])


@pytest.mark.parametrize("y, message", [
    (np.array([[1, 1, 1, 1]] * 4), r"`y` holds 4 label sequence\(s\) that no alignment with the "
                                   r"model's 6 time steps can produce: sample 0 has 4 labels "
                                   r"needing 7 steps"),
    (np.array([[1, 5, 0]] * 4), r"`y` holds labels in \[0, 5\], but the model's output has 4 "
                                r"classes"),
    (np.zeros((4, 6, 1)), r"`y` with shape \(4, 6, 1\) does not fit the model's output of shape "
                          r"\(None, 6, 4\) for the loss 'ctc'"),
])
def test_fit_refuses_ctc_targets_the_model_cannot_produce(y, message):
    model = ctc_model()
    before = model.get_weights()
    with pytest.raises(ValueError, match=message):
        model.fit(np.zeros((4, 6, 3)), y, verbose=0)
    for weight, kept in zip(model.get_weights(), before):
        np.testing.assert_array_equal(weight, kept)


def test_ctc_needs_an_output_of_time_steps():
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(CLASSES)])
    model.compile(loss=losses.CTC())
    with pytest.raises(ValueError, match=r"Logits `y_pred` are expected.*\(None, 4\)"):
        model.fit(np.zeros((4, 6)), np.ones((4, 2)), verbose=0)


# ---------------------------------------------------------------------------------------- Circle
CIRCLE_LABELS = np.array([0, 1, 0, 2, 1, 0, 3])  # class 2 and 3 have one sample: no positive


def unit(v):
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


EMBEDDINGS = unit(rng(8).normal(size=(len(CIRCLE_LABELS), 3)))


def circle_by_pairs(labels, embeddings, ref_labels=None, ref_embeddings=None, gamma=80.0,
                    margin=0.4, remove_diagonal=True):
    """Sun et al.'s loss written pair by pair, as Keras computes it."""
    ref_labels = labels if ref_labels is None else ref_labels
    ref_embeddings = embeddings if ref_embeddings is None else ref_embeddings
    values = []
    for i, (label, x) in enumerate(zip(labels, embeddings)):
        positives, negatives = [], []
        for j, (other, r) in enumerate(zip(ref_labels, ref_embeddings)):
            distance = max(1 - x @ r, 0)
            if label != other:
                negatives.append(gamma * max(1 + margin - distance, 0) * (1 - margin - distance))
            elif not (remove_diagonal and i == j):
                positives.append(-gamma * max(margin + distance, 0) * (margin - distance))
        if not positives or not negatives:
            values.append(0.0)
            continue
        total = np.logaddexp.reduce(positives) + np.logaddexp.reduce(negatives)
        values.append(np.logaddexp(0, total))
    return np.array(values)


@pytest.mark.parametrize("options", [{}, {"gamma": 3.0, "margin": 0.25},
                                     {"remove_diagonal": False}])
def test_circle_matches_its_pairwise_definition(options, float64):
    expected = circle_by_pairs(CIRCLE_LABELS, EMBEDDINGS, **options)
    np.testing.assert_allclose(losses.Circle(reduction=None, **options)(CIRCLE_LABELS, EMBEDDINGS),
                               expected, rtol=1e-12)
    np.testing.assert_allclose(losses.circle(CIRCLE_LABELS, EMBEDDINGS, **options), expected,
                               rtol=1e-12)


def test_circle_averages_over_the_samples_with_a_positive_and_a_negative(float64):
    """Keras masks the samples whose loss is 0 (here the lone members of classes 2 and 3) out of
    the mean; the sum and the weighted mean weigh them 0 anyway."""
    per_sample = circle_by_pairs(CIRCLE_LABELS, EMBEDDINGS)
    valid = per_sample > 0
    assert valid.tolist() == [True, True, True, False, True, True, False]
    weights = np.array([1.0, 2.0, 0.5, 3.0, 1.5, 0.7, 4.0])
    assert losses.Circle()(CIRCLE_LABELS, EMBEDDINGS) == pytest.approx(per_sample[valid].mean(),
                                                                        rel=1e-12)
    assert losses.Circle()(CIRCLE_LABELS, EMBEDDINGS, weights) == pytest.approx(
        (per_sample * weights)[valid].mean(), rel=1e-12)
    assert losses.Circle(reduction="mean_with_sample_weight")(
        CIRCLE_LABELS, EMBEDDINGS, weights) == pytest.approx(
        (per_sample * weights).sum() / weights[valid].sum(), rel=1e-12)


def test_circle_compares_with_reference_embeddings(float64):
    references = unit(rng(9).normal(size=(4, 3)))
    ref_labels = np.array([0, 1, 1, 2])
    np.testing.assert_allclose(
        losses.circle(CIRCLE_LABELS, EMBEDDINGS, ref_labels=ref_labels, ref_embeddings=references),
        circle_by_pairs(CIRCLE_LABELS, EMBEDDINGS, ref_labels, references), rtol=1e-12)


@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", "mean_with_sample_weight"])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("options", [{}, {"gamma": 3.0, "margin": 0.25},
                                     {"remove_diagonal": False}])
def test_circle_gradient_equals_central_differences(reduction, weighted, options, float64):
    """Every sample's loss depends on the whole batch: the gradient is the batch's. (Embeddings of
    norm 0.9 keep a sample's distance to itself, a positive pair without ``remove_diagonal``, off
    the kink of its clip at 0.)"""
    loss = losses.Circle(reduction=reduction, **options)
    weights = np.array([1.0, 2.0, 0.5, 3.0, 1.5, 0.7, 4.0]) if weighted else None
    embeddings = 0.9 * EMBEDDINGS
    value, analytic = loss.value_and_gradient(CIRCLE_LABELS, embeddings, weights)
    assert value == pytest.approx(loss(CIRCLE_LABELS, embeddings, weights), rel=1e-12)
    numeric = numerical_gradient(lambda: loss(CIRCLE_LABELS, embeddings, weights), embeddings)
    np.testing.assert_allclose(analytic, numeric, rtol=RTOL, atol=ATOL)


def test_circle_gradient_through_the_clipped_weights_and_distances(float64):
    """Opposite embeddings (distance 2) give a negative weight ``max(1.4 - 2, 0) = 0``: its flat
    region, and the distance's clip at 0 from similarities above 1 (unnormalized embeddings)."""
    embeddings = np.array([[1.0, 0.0], [-1.0, 0.01], [1.2, 0.1], [0.0, 1.0]])
    labels = np.array([0, 1, 0, 1])
    loss = losses.Circle(gamma=2.0)
    _, analytic = loss.value_and_gradient(labels, embeddings.copy())
    numeric = numerical_gradient(lambda: loss(labels, embeddings), embeddings)
    np.testing.assert_allclose(analytic, numeric, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("call, message", [
    (lambda: losses.Circle()(np.array([0, 1]), np.zeros((2, 3, 1))),
     r"`y_pred` must hold one embedding per sample, shape \(batch, dims\), received shape "
     r"\(2, 3, 1\)"),
    (lambda: losses.Circle()(np.array([0, 1, 1]), np.zeros((2, 3))),
     r"`y_true` must hold one label per sample of `y_pred` \(2\), received shape \(3,\)"),
    (lambda: losses.Circle()(np.array([0, 0.5]), np.zeros((2, 3))),
     r"`y_true` must hold integer labels"),
    (lambda: losses.circle(np.array([0, 1]), np.zeros((2, 3)), ref_embeddings=np.zeros((2, 4))),
     r"`ref_embeddings` must have shape \(references, 3\)"),
    (lambda: losses.circle(np.array([0, 1]), np.zeros((2, 3)), ref_labels=np.array([1]),
                           ref_embeddings=np.zeros((2, 3))),
     r"`ref_labels` must hold one label per sample of `ref_embeddings` \(2\)"),
    (lambda: losses.Circle(reduction=None).value_and_gradient(np.array([0, 1]), np.ones((2, 3))),
     r"reduction=None gives one value per sample"),
])
def test_circle_names_the_argument_it_cannot_take(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def circle_model():
    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(8),
                              keras.layers.UnitNormalization()])
    model.compile(optimizer="adam", loss="circle")
    return model


@pytest.mark.parametrize("label_shape", [(64,), (64, 1)])
def test_a_model_learns_embeddings_with_circle(label_shape):
    x = rng(10).normal(size=(64, 5)).astype("float32")
    labels = np.argmax(x[:, :3], axis=1).reshape(label_shape)
    model = circle_model()
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="circle")
    history = model.fit(x, labels, epochs=10, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < 0.7 * history.history["loss"][0]


def test_a_model_with_circle_gets_every_weight_gradient_exactly(float64):
    from gradient_checks import assert_model_gradients_match
    model = circle_model()
    model.compile(loss=losses.Circle(gamma=4.0))
    assert_model_gradients_match(model, rng(11).normal(size=(7, 5)), CIRCLE_LABELS)


def test_fit_takes_one_integer_label_per_sample_for_circle():
    model = circle_model()
    with pytest.raises(ValueError, match=r"`y` with shape \(4, 8\) does not fit .* expected "
                                         r"targets of shape \(None,\) or \(None, 1\)"):
        model.fit(np.zeros((4, 5)), np.zeros((4, 8)), verbose=0)
    with pytest.raises(ValueError, match=r"`y` must hold integer labels"):
        model.fit(np.zeros((4, 5)), np.array([0, 1, 0.5, 1]), verbose=0)


# ------------------------------------------------------------------------------ names and configs
@pytest.mark.parametrize("identifier, class_name", [("ctc", "CTC"), ("CTC", "CTC"),
                                                    ("circle", "Circle"), ("Circle", "Circle")])
def test_keras_names_resolve_to_the_classes(identifier, class_name):
    found = losses.get(identifier)
    if identifier == class_name:
        assert type(found).__name__ == class_name
    else:
        assert found is getattr(losses, identifier) and found.loss_class.__name__ == class_name


@pytest.mark.parametrize("loss, config", [
    (losses.CTC(), {"name": "ctc", "reduction": "sum_over_batch_size"}),
    (losses.Circle(gamma=30.0, margin=0.1, remove_diagonal=False, reduction="sum"),
     {"name": "circle", "reduction": "sum", "gamma": 30.0, "margin": 0.1,
      "remove_diagonal": False}),
])
def test_configs_are_keras_configs_and_round_trip(loss, config):
    assert loss.get_config() == config
    restored = losses.deserialize(losses.serialize(loss))
    assert type(restored) is type(loss) and restored.get_config() == config
