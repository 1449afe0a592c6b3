"""Every Keras metric handkeras has: definitions, names, running state, and logs under compile."""

import numpy as np
import pytest

import handkeras as keras
from handkeras import losses, metrics

EPS = 1e-7


def rng(seed):
    return np.random.default_rng(seed)


def updated(metric, *batches):
    """``metric`` after ``update_state`` on each ``(y_true, y_pred[, sample_weight])`` batch."""
    for batch in batches:
        metric.update_state(*batch)
    return metric


# ----------------------------------------------------------------------------------------- names
KERAS_METRIC_NAMES = [  # keras.metrics.ALL_OBJECTS_DICT keys that handkeras implements
    "AUC", "Accuracy", "BCE", "BinaryAccuracy", "BinaryCrossentropy", "CategoricalAccuracy",
    "CategoricalCrossentropy", "CategoricalHinge", "CosineSimilarity", "FalseNegatives",
    "FalsePositives", "Hinge", "KLDivergence", "LogCoshError", "MAE", "MAPE", "MSE", "MSLE", "Mean",
    "MeanAbsoluteError", "MeanAbsolutePercentageError", "MeanSquaredError",
    "MeanSquaredLogarithmicError", "Poisson", "Precision", "PrecisionAtRecall", "Recall",
    "RecallAtPrecision", "RootMeanSquaredError", "SensitivityAtSpecificity",
    "SparseCategoricalAccuracy", "SparseCategoricalCrossentropy", "SparseTopKCategoricalAccuracy",
    "SpecificityAtSensitivity", "SquaredHinge", "Sum", "TopKCategoricalAccuracy", "TrueNegatives",
    "TruePositives", "auc", "bce", "binary_accuracy", "binary_crossentropy", "categorical_accuracy",
    "categorical_crossentropy", "categorical_hinge", "cosine_similarity", "false_negatives",
    "false_positives", "hinge", "kl_divergence", "log_cosh_error", "mae", "mape", "mean",
    "mean_absolute_error", "mean_absolute_percentage_error", "mean_squared_error",
    "mean_squared_logarithmic_error", "mse", "msle", "poisson", "precision", "precision_at_recall",
    "recall", "recall_at_precision", "root_mean_squared_error", "sensitivity_at_specificity",
    "sparse_categorical_accuracy", "sparse_categorical_crossentropy",
    "sparse_top_k_categorical_accuracy", "specificity_at_sensitivity", "squared_hinge", "sum",
    "top_k_categorical_accuracy", "true_negatives", "true_positives",
]
NEEDS_ARGUMENT = {"PrecisionAtRecall", "RecallAtPrecision", "SensitivityAtSpecificity",
                  "SpecificityAtSensitivity", "precision_at_recall", "recall_at_precision",
                  "sensitivity_at_specificity", "specificity_at_sensitivity"}


@pytest.mark.parametrize("name", sorted(set(KERAS_METRIC_NAMES) - NEEDS_ARGUMENT))
def test_every_keras_metric_name_resolves_and_keeps_its_name(name):
    metric = metrics.get(name)
    assert isinstance(metric, metrics.Metric)
    assert metric.name == name


def test_metrics_that_need_an_argument_say_so():
    with pytest.raises(TypeError):
        metrics.get("precision_at_recall")


@pytest.mark.parametrize("name, loss_class", [
    ("huber", losses.Huber), ("log_cosh", losses.LogCosh), ("LogCosh", losses.LogCosh),
    ("binary_focal_crossentropy", losses.BinaryFocalCrossentropy), ("kld", losses.KLDivergence),
])
def test_any_loss_name_is_a_metric_the_running_mean_of_that_loss(name, loss_class, float64):
    y_true, y_pred = rng(0).uniform(0, 1, (8, 3)), rng(1).uniform(0.05, 0.95, (8, 3))
    metric = updated(metrics.get(name), (y_true[:5], y_pred[:5]), (y_true[5:], y_pred[5:]))
    assert metric.name == name and metric._direction == "down"
    per_sample = loss_class(reduction=None)(y_true, y_pred)
    assert metric.result() == pytest.approx(np.mean(per_sample), rel=1e-12)


def test_unknown_names_raise_listing_the_valid_ones():
    with pytest.raises(ValueError, match="precison") as error:
        metrics.get("precison")
    for name in ("precision", "AUC", "top_k_categorical_accuracy", "huber"):
        assert name in str(error.value)
    with pytest.raises(ValueError, match="interpret"):
        metrics.get(3)


def test_objects_classes_configs_and_strings_are_interchangeable():
    instance = metrics.AUC(num_thresholds=50, name="roc")
    assert metrics.get(instance) is instance
    assert type(metrics.get(metrics.Recall)) is metrics.Recall
    restored = metrics.get(metrics.serialize(instance))
    assert type(restored) is metrics.AUC and restored.get_config() == instance.get_config()
    assert type(metrics.get("auc")) is type(metrics.get("AUC")) is metrics.AUC


def test_unnamed_confusion_metrics_are_numbered_like_keras_objects():
    assert [metrics.Precision().name for _ in range(3)] == ["precision", "precision_1",
                                                           "precision_2"]
    assert metrics.AUC().name == "auc"
    assert metrics.MeanSquaredError().name == metrics.MeanSquaredError().name == "mean_squared_error"


def test_directions_guide_callbacks():
    for metric in (metrics.AUC(), metrics.Precision(), metrics.Recall(), metrics.CosineSimilarity(),
                   metrics.TopKCategoricalAccuracy(), metrics.SparseTopKCategoricalAccuracy(),
                   metrics.PrecisionAtRecall(0.5)):
        assert metric._direction == "up", metric.name
    for metric in (metrics.MeanAbsolutePercentageError(), metrics.MeanSquaredLogarithmicError(),
                   metrics.RootMeanSquaredError(), metrics.Hinge(), metrics.KLDivergence(),
                   metrics.get("mape"), metrics.get("huber")):
        assert metric._direction == "down", metric.name


# ----------------------------------------------------------------------------------------- top-k
def test_top_k_counts_ties_with_the_kth_score_as_in_keras():
    y_pred = np.array([[0.1, 0.5, 0.5, 0.2], [0.4, 0.3, 0.2, 0.1], [0.1, 0.2, 0.3, 0.4]])
    labels = np.array([2, 2, 0])
    np.testing.assert_array_equal(metrics.sparse_top_k_categorical_accuracy(labels, y_pred, k=1),
                                  [1, 0, 0])
    np.testing.assert_array_equal(metrics.sparse_top_k_categorical_accuracy(labels, y_pred, k=3),
                                  [1, 1, 0])
    np.testing.assert_array_equal(
        metrics.top_k_categorical_accuracy(np.eye(4)[labels], y_pred, k=3), [1, 1, 0])


def test_top_k_defaults_to_5_and_accepts_labels_of_shape_n_1():
    y_pred = rng(2).uniform(size=(50, 10))
    labels = rng(3).integers(0, 10, 50)
    rank = (y_pred > y_pred[np.arange(50), labels][:, None]).sum(axis=1)
    metric = updated(metrics.SparseTopKCategoricalAccuracy(), (labels[:, None], y_pred))
    assert metric.k == 5 and metric.result() == pytest.approx(np.mean(rank < 5))
    metric = updated(metrics.TopKCategoricalAccuracy(k=2), (np.eye(10)[labels], y_pred))
    assert metric.result() == pytest.approx(np.mean(rank < 2))
    assert metrics.get("top_k_categorical_accuracy").get_config()["k"] == 5


def test_sparse_top_k_from_sorted_ids():
    ids = np.array([[3, 1, 0, 2], [0, 2, 1, 3]])
    metric = metrics.SparseTopKCategoricalAccuracy(k=2, from_sorted_ids=True)
    assert metric(np.array([1, 1]), ids) == pytest.approx(0.5)
    assert metric.get_config()["from_sorted_ids"] is True


# --------------------------------------------------------------------------------------- regression
def test_mape_msle_rmse_and_cosine_similarity_definitions(float64):
    y_true, y_pred = rng(4).uniform(0.5, 2, (6, 3)), rng(5).uniform(0.1, 3, (6, 3))
    weights = np.array([1.0, 0.0, 2.0, 1.0, 0.5, 1.0])
    mape = 100 * np.mean(np.abs(y_true - y_pred) / y_true, axis=-1)
    msle = np.mean((np.log1p(y_pred) - np.log1p(y_true)) ** 2, axis=-1)
    squared = np.mean((y_pred - y_true) ** 2, axis=-1)
    cosine = np.sum(y_true * y_pred, -1) / np.linalg.norm(y_true, axis=-1) / np.linalg.norm(
        y_pred, axis=-1)
    for metric, per_sample in ((metrics.MeanAbsolutePercentageError(), mape),
                               (metrics.MeanSquaredLogarithmicError(), msle),
                               (metrics.CosineSimilarity(), cosine)):
        updated(metric, (y_true[:3], y_pred[:3], weights[:3]), (y_true[3:], y_pred[3:], weights[3:]))
        assert metric.result() == pytest.approx(np.sum(per_sample * weights) / weights.sum(),
                                                rel=1e-12)
    rmse = updated(metrics.RootMeanSquaredError(), (y_true, y_pred, weights))
    assert rmse.result() == pytest.approx(np.sqrt(np.sum(squared * weights) / weights.sum()))


def test_mean_and_sum_weight_their_values():
    mean = updated(metrics.Mean(), ([1.0, 2.0, 3.0], [1.0, 0.0, 3.0]), (np.array(5.0),))
    assert mean.result() == pytest.approx((1 + 9 + 5) / 5)
    total = updated(metrics.Sum(), ([1.0, 2.0], [2.0, 0.5]), (4.0,))
    assert total.result() == pytest.approx(7.0)
    mean.reset_state()
    total.reset_state()
    assert mean.result() == 0.0 and total.result() == 0.0


# ---------------------------------------------------------------------------------------- confusion
Y_TRUE = np.array([1, 0, 1, 1, 0, 0, 1, 0])
Y_PRED = np.array([0.9, 0.8, 0.6, 0.4, 0.3, 0.5, 0.2, 0.1])
WEIGHTS = np.array([1.0, 2.0, 1.0, 0.5, 1.0, 1.0, 3.0, 1.0])


def counts(threshold, weights=None):
    weights = np.ones(len(Y_TRUE)) if weights is None else weights
    predicted, actual = Y_PRED > threshold, Y_TRUE == 1
    return {cell: float(np.sum(weights * mask)) for cell, mask in (
        ("tp", predicted & actual), ("fp", predicted & ~actual), ("tn", ~predicted & ~actual),
        ("fn", ~predicted & actual))}


@pytest.mark.parametrize("weighted", [False, True])
def test_counts_precision_and_recall_at_the_default_threshold_one_half(weighted):
    weights = WEIGHTS if weighted else None
    expected = counts(0.5, weights)
    batches = [(Y_TRUE[:5], Y_PRED[:5]), (Y_TRUE[5:], Y_PRED[5:])]
    if weighted:
        batches = [batch + (w,) for batch, w in zip(batches, (WEIGHTS[:5], WEIGHTS[5:]))]
    for cls, cell in ((metrics.TruePositives, "tp"), (metrics.FalsePositives, "fp"),
                      (metrics.TrueNegatives, "tn"), (metrics.FalseNegatives, "fn")):
        assert updated(cls(), *batches).result() == pytest.approx(expected[cell])
    tp, fp, fn = expected["tp"], expected["fp"], expected["fn"]
    assert updated(metrics.Precision(), *batches).result() == pytest.approx(tp / (tp + fp))
    assert updated(metrics.Recall(), *batches).result() == pytest.approx(tp / (tp + fn))


def test_a_list_of_thresholds_gives_one_value_each():
    thresholds = [0.0, 0.35, 0.7, 1.0]
    precision = updated(metrics.Precision(thresholds=thresholds), (Y_TRUE, Y_PRED))
    recall = updated(metrics.Recall(thresholds=thresholds), (Y_TRUE, Y_PRED))
    for i, threshold in enumerate(thresholds):
        c = counts(threshold)
        assert precision.result()[i] == pytest.approx(c["tp"] / (c["tp"] + c["fp"])
                                                      if c["tp"] + c["fp"] else 0.0)
        assert recall.result()[i] == pytest.approx(c["tp"] / (c["tp"] + c["fn"]))
    with pytest.raises(ValueError, match="Threshold"):
        metrics.Precision(thresholds=[0.5, 1.5])


def test_precision_with_no_positive_prediction_is_0_not_nan():
    metric = updated(metrics.Precision(), (np.array([1, 0]), np.array([0.1, 0.2])))
    assert metric.result() == 0.0


def test_top_k_and_class_id_select_what_counts():
    y_true = np.array([[0, 1, 1, 0], [1, 0, 0, 1]])
    y_pred = np.array([[0.2, 0.9, 0.4, 0.3], [0.8, 0.1, 0.7, 0.6]])
    # top_k=2: only each row's two highest scores are positive predictions, whatever their value.
    precision = updated(metrics.Precision(top_k=2), (y_true, y_pred))
    assert precision.result() == pytest.approx(3 / 4)  # rows pick {1, 2} and {0, 2}
    recall = updated(metrics.Recall(top_k=1), (y_true, y_pred))
    assert recall.result() == pytest.approx(2 / 4)
    # class_id: one column only.
    assert updated(metrics.Precision(class_id=2), (y_true, y_pred)).result() == pytest.approx(0.0)
    assert updated(metrics.Recall(class_id=0), (y_true, y_pred)).result() == pytest.approx(1.0)
    assert updated(metrics.Recall(class_id=3), (y_true, y_pred)).result() == pytest.approx(1.0)


def test_reset_state_starts_over():
    metric = updated(metrics.Recall(), (Y_TRUE, Y_PRED))
    metric.reset_state()
    assert metric.result() == 0.0
    assert updated(metric, (Y_TRUE, Y_PRED)).result() == pytest.approx(2 / 4)


def exact_roc_auc(y_true, scores):
    """The probability that a random positive outscores a random negative (ties count 1/2)."""
    positive, negative = scores[y_true == 1], scores[y_true == 0]
    wins = ((positive[:, None] > negative[None]).sum()
            + 0.5 * (positive[:, None] == negative[None]).sum())
    return wins / (len(positive) * len(negative))


def test_auc_thresholds_are_keras_thresholds():
    auc = metrics.AUC()
    assert len(auc.thresholds) == 200
    assert auc.thresholds[0] == -EPS and auc.thresholds[-1] == 1 + EPS
    assert auc.thresholds[1] == pytest.approx(1 / 199) and auc.thresholds[198] == pytest.approx(
        198 / 199)
    custom = metrics.AUC(thresholds=[0.7, 0.2])
    assert custom.num_thresholds == 4 and custom.thresholds == [-EPS, 0.2, 0.7, 1 + EPS]


def test_auc_of_perfect_reversed_and_random_scores():
    y_true = rng(6).integers(0, 2, 400)
    perfect = np.where(y_true == 1, 0.9, 0.1)
    assert updated(metrics.AUC(), (y_true, perfect)).result() == pytest.approx(1.0)
    assert updated(metrics.AUC(), (y_true, 1 - perfect)).result() == pytest.approx(0.0)
    scores = np.clip(0.3 * y_true + rng(7).uniform(0, 0.7, 400), 0, 1)
    assert updated(metrics.AUC(num_thresholds=2000), (y_true, scores)).result() == pytest.approx(
        exact_roc_auc(y_true, scores), abs=2e-3)


def test_auc_on_scores_at_the_thresholds_is_the_trapezoid_rule():
    """Scores on the thresholds 1/4, 1/2, 3/4, 1 (of 5): every two distinct scores are split by a
    threshold, so the interpolated ROC AUC is exact, ties with 1/2 credit, as the trapezoid rule
    gives."""
    y_true = np.array([1, 1, 0, 1, 0, 0, 1, 0])
    scores = np.array([1.0, 0.75, 0.75, 0.5, 0.25, 0.25, 0.5, 0.25])
    auc = updated(metrics.AUC(num_thresholds=5), (y_true, scores))
    assert auc.result() == pytest.approx(exact_roc_auc(y_true, scores), rel=1e-12)


def test_multi_label_auc_averages_the_labels():
    y_true = rng(8).integers(0, 2, (60, 3))
    scores = np.clip(0.4 * y_true + rng(9).uniform(0, 0.6, (60, 3)), 0, 1)
    per_label = [updated(metrics.AUC(), (y_true[:, j], scores[:, j])).result() for j in range(3)]
    multi = updated(metrics.AUC(multi_label=True), (y_true, scores))
    assert multi.result() == pytest.approx(np.mean(per_label), rel=1e-12)
    weighted = updated(metrics.AUC(multi_label=True, label_weights=[1, 0, 3]), (y_true, scores))
    assert weighted.result() == pytest.approx((per_label[0] + 3 * per_label[2]) / 4, rel=1e-12)
    pooled = updated(metrics.AUC(), (y_true, scores))
    assert pooled.result() == pytest.approx(updated(metrics.AUC(), (y_true.ravel(),
                                                                    scores.ravel())).result())


def test_auc_from_logits_applies_the_sigmoid():
    y_true, logits = rng(10).integers(0, 2, 30), rng(11).standard_normal(30)
    assert updated(metrics.AUC(from_logits=True), (y_true, logits)).result() == pytest.approx(
        updated(metrics.AUC(), (y_true, 1 / (1 + np.exp(-logits)))).result())


def test_pr_auc_of_a_perfect_ranking_is_1():
    y_true = rng(12).integers(0, 2, 100)
    scores = np.where(y_true == 1, 0.95, 0.05)
    for method in ("interpolation", "majoring"):
        auc = updated(metrics.AUC(curve="PR", summation_method=method), (y_true, scores))
        assert auc.result() == pytest.approx(1.0, abs=1e-9), method
    # Minoring takes the lower end of the step where recall falls to 0, where nothing is predicted
    # positive and precision counts as 0 (as in Keras).
    minoring = updated(metrics.AUC(curve="PR", summation_method="minoring"), (y_true, scores))
    assert minoring.result() == pytest.approx(0.0, abs=1e-12)


def test_auc_validates_its_arguments():
    with pytest.raises(ValueError, match="curve"):
        metrics.AUC(curve="DET")
    with pytest.raises(ValueError, match="summation"):
        metrics.AUC(summation_method="trapezoid")
    with pytest.raises(ValueError, match="num_thresholds"):
        metrics.AUC(num_thresholds=1)
    with pytest.raises(ValueError, match="num_labels"):
        metrics.AUC(num_labels=3)


def test_sensitivity_specificity_family():
    y_true = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    scores = np.array([0.1, 0.2, 0.6, 0.3, 0.4, 0.7, 0.8, 0.9])
    # At thresholds just below 0.4, sensitivity is 1 and specificity 3/4 (0.6 is a false positive).
    assert updated(metrics.SpecificityAtSensitivity(1.0), (y_true, scores)).result() == (
        pytest.approx(0.75))
    assert updated(metrics.SensitivityAtSpecificity(1.0), (y_true, scores)).result() == (
        pytest.approx(0.75))
    assert updated(metrics.PrecisionAtRecall(1.0), (y_true, scores)).result() == pytest.approx(0.8)
    assert updated(metrics.RecallAtPrecision(1.0), (y_true, scores)).result() == pytest.approx(0.75)
    with pytest.raises(ValueError, match="recall"):
        metrics.PrecisionAtRecall(1.5)


# --------------------------------------------------------------------------------------- in a model
def test_compiled_metric_names_appear_in_history_exactly_as_passed():
    x = rng(13).standard_normal((64, 4)).astype("float32")
    y = (x[:, :1] + 0.3 * x[:, 1:2] > 0).astype("float32")
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy",
                  metrics=["AUC", "precision", metrics.Recall(name="rec"), "mape", "huber",
                           "TruePositives", metrics.AUC(curve="PR")])
    history = model.fit(x, y, epochs=2, batch_size=16, validation_split=0.25, verbose=0)
    names = ["AUC", "precision", "rec", "mape", "huber", "TruePositives", "auc"]
    assert sorted(history.history) == sorted(["loss", "val_loss"] + names
                                             + ["val_" + name for name in names])
    for values in history.history.values():
        assert len(values) == 2 and np.all(np.isfinite(values))
    results = model.evaluate(x, y, verbose=0, return_dict=True)
    y_pred = model.predict(x, verbose=0)
    assert results["AUC"] == pytest.approx(updated(metrics.AUC(), (y, y_pred)).result(), rel=1e-6)
    assert results["precision"] == pytest.approx(
        updated(metrics.Precision(), (y, y_pred)).result(), rel=1e-6)


def test_top_k_metrics_in_a_classifier():
    x = rng(14).standard_normal((90, 6)).astype("float32")
    labels = np.argmax(x[:, :6], axis=1)
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(6, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["sparse_top_k_categorical_accuracy",
                           metrics.SparseTopKCategoricalAccuracy(k=2, name="top2")])
    logs = model.evaluate(x, labels, verbose=0, return_dict=True)
    scores = model.predict(x, verbose=0)
    rank = (scores > scores[np.arange(90), labels][:, None]).sum(axis=1)
    assert logs["sparse_top_k_categorical_accuracy"] == pytest.approx(np.mean(rank < 5))
    assert logs["top2"] == pytest.approx(np.mean(rank < 2))
