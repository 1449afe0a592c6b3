"""F1Score and FBetaScore: harmonic means of precision and recall over one-hot or multi-label
targets, per class or averaged, accumulated over batches."""

import numpy as np
import pytest

import handkeras as keras
from handkeras import layers

# Predicted classes (each row's best score): 0, 0, 2, 1, 0. Per class: 0 has tp 2, fp 1, fn 1
# (P = R = 2/3); 1 has tp 0, fp 1, fn 1; 2 has tp 1 and nothing else. Supports 3, 1, 1.
Y_TRUE = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 0, 0], [1, 0, 0]], np.float32)
Y_PRED = np.array([[.8, .1, .1], [.6, .3, .1], [.2, .2, .6], [.1, .7, .2], [.9, .05, .05]],
                  np.float32)


def f_score(precision, recall, beta=1.0):
    return (1 + beta ** 2) * precision * recall / (beta ** 2 * precision + recall)


@pytest.mark.parametrize("average, expected", [
    (None, [2 / 3, 0.0, 1.0]),
    ("macro", (2 / 3 + 0 + 1) / 3),
    ("weighted", (2 / 3 * 3 + 0 * 1 + 1 * 1) / 5),
    ("micro", f_score(3 / 5, 3 / 5)),  # tp 3, fp 2, fn 2 over all classes
])
def test_scores_per_class_and_averaged(average, expected):
    metric = keras.metrics.F1Score(average=average)
    metric.update_state(Y_TRUE, Y_PRED)
    result = metric.result()
    assert isinstance(result, np.ndarray if average is None else float)
    np.testing.assert_allclose(result, expected, rtol=1e-5, atol=1e-6)


def test_beta_weighs_recall_more_than_precision():
    # threshold 0.15: class 0 predicted in rows 0, 1, 2, 4 (tp 2, fp 2, fn 1)
    metric = keras.metrics.FBetaScore(beta=2.0, threshold=0.15)
    metric.update_state(Y_TRUE, Y_PRED)
    np.testing.assert_allclose(metric.result()[0], f_score(2 / 4, 2 / 3, beta=2.0), rtol=1e-5)


def test_updates_accumulate_until_reset_and_weights_scale_rows():
    whole, parts = keras.metrics.F1Score(), keras.metrics.F1Score()
    whole.update_state(Y_TRUE, Y_PRED)
    parts.update_state(Y_TRUE[:2], Y_PRED[:2])
    parts.update_state(Y_TRUE[2:], Y_PRED[2:])
    np.testing.assert_allclose(parts.result(), whole.result())
    weighted = keras.metrics.F1Score()
    weighted.update_state(Y_TRUE, Y_PRED, sample_weight=[1, 0, 1, 0, 1])  # rows 1 and 3 dropped
    np.testing.assert_allclose(weighted.result(), [1.0, 0.0, 1.0], atol=1e-6)
    weighted.reset_state()
    assert all(not variable.numpy().any() for variable in weighted.variables)


def test_a_row_of_zeros_predicts_no_class():
    metric = keras.metrics.F1Score(average="micro")
    metric.update_state([[1, 0], [0, 1]], [[0.0, 0.0], [0.2, 0.8]])
    np.testing.assert_allclose(metric.result(), f_score(1.0, 0.5), rtol=1e-5)


def test_state_variables_names_and_config():
    metric = keras.metrics.F1Score(average="weighted", threshold=0.4)
    metric.update_state(Y_TRUE, Y_PRED)
    assert [v.path for v in metric.variables] == [
        "f1_score/true_positives", "f1_score/false_positives", "f1_score/false_negatives",
        "f1_score/intermediate_weights"]
    assert metric.get_config() == {"name": "f1_score", "dtype": "float32", "average": "weighted",
                                   "threshold": 0.4}
    assert keras.metrics.FBetaScore(beta=0.5).get_config()["beta"] == 0.5
    assert isinstance(keras.metrics.get("f1_score"), keras.metrics.F1Score)
    assert isinstance(keras.metrics.get("f_beta_score"), keras.metrics.FBetaScore)


@pytest.mark.parametrize("arguments, message", [
    ({"average": "binary"}, "Invalid `average`"),
    ({"beta": 2}, "It should be a Python float"),
    ({"beta": 0.0}, "It should be > 0"),
    ({"threshold": 0.0}, "0 < threshold <= 1"),
])
def test_bad_arguments(arguments, message):
    with pytest.raises(ValueError, match=message):
        keras.metrics.FBetaScore(**arguments)


def test_needs_2d_inputs_and_an_update_before_a_result():
    with pytest.raises(ValueError, match="expects 2D inputs"):
        keras.metrics.F1Score().update_state([1, 0, 1], [0.9, 0.2, 0.7])
    with pytest.raises(ValueError, match="no result before its first `update_state`"):
        keras.metrics.F1Score().result()


def test_fit_logs_a_score_per_class_and_the_bar_shows_their_mean(capsys):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(3, activation="softmax")])
    model.compile(optimizer="sgd", loss="categorical_crossentropy",
                  metrics=["f1_score", keras.metrics.F1Score(average="macro", name="macro")])
    history = model.fit(Y_PRED, Y_TRUE, epochs=2, verbose=2)
    per_class, macro = history.history["f1_score"], history.history["macro"]
    assert [np.shape(value) for value in per_class] == [(3,), (3,)]
    np.testing.assert_allclose(np.mean(per_class[-1]), macro[-1], rtol=1e-6)
    assert f"f1_score: {np.mean(per_class[-1]):.4f}" in capsys.readouterr().err
