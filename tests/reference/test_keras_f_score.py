"""F1Score and FBetaScore against Keras 3.15.1 (torch backend) in float64 to rtol 1e-9: results
after several updates for every averaging, beta and threshold, with and without sample weights;
configs; the argument errors; and the logs of a fit that compiles them."""

import numpy as np
import pytest

import handkeras
from keras_pair import assert_same_history, assert_same_value_error, make_models, plain
from parity import assert_close

keras = pytest.importorskip("keras")

ARGUMENTS = {
    "per class": {},
    "micro": {"average": "micro"},
    "macro": {"average": "macro"},
    "weighted": {"average": "weighted"},
    "beta 2, threshold 0.5": {"beta": 2.0, "threshold": 0.5},
    "beta 0.5, macro, threshold 0.3": {"beta": 0.5, "average": "macro", "threshold": 0.3},
}


def batches(seed, weighted):
    """Three batches of multi-label targets and scores, a row of zeros and ties included."""
    rng = np.random.default_rng(seed)
    for rows in (7, 5, 9):
        y_true = (rng.random((rows, 4)) < 0.4).astype(np.float64)
        y_pred = np.round(rng.random((rows, 4)), 1)
        y_pred[0] = 0.0
        yield y_true, y_pred, (rng.random(rows) if weighted else None)


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "sample weights"])
@pytest.mark.parametrize("arguments", ARGUMENTS.values(), ids=ARGUMENTS.keys())
def test_results_after_each_update_are_keras(arguments, weighted):
    ours = handkeras.metrics.FBetaScore(**arguments)
    theirs = keras.metrics.FBetaScore(**arguments)
    for y_true, y_pred, sample_weight in batches(3, weighted):
        ours.update_state(y_true, y_pred, sample_weight=sample_weight)
        theirs.update_state(y_true, y_pred, sample_weight=sample_weight)
        assert_close(ours.result(), keras.ops.convert_to_numpy(theirs.result()), "result")
    assert [v.path for v in ours.variables] == [v.path for v in theirs.variables]
    ours.reset_state()
    theirs.reset_state()
    for mine, reference in zip(ours.variables, theirs.variables):
        assert_close(mine.numpy(), keras.ops.convert_to_numpy(reference), mine.path)


@pytest.mark.parametrize("name, arguments", [
    ("F1Score", {}), ("F1Score", {"average": "weighted", "threshold": 0.4, "name": "f1"}),
    ("FBetaScore", {}), ("FBetaScore", {"beta": 3.0, "average": "micro"}),
])
def test_configs_are_keras(name, arguments):
    ours = getattr(handkeras.metrics, name)(**arguments)
    theirs = getattr(keras.metrics, name)(**arguments)
    assert plain(ours.get_config()) == plain(theirs.get_config())
    assert type(ours).from_config(ours.get_config()).get_config() == ours.get_config()


@pytest.mark.parametrize("arguments", [
    {"average": "mean"}, {"beta": 1}, {"beta": -1.0}, {"threshold": 1}, {"threshold": 1.5},
    {"threshold": 0.0},
])
def test_bad_arguments_are_keras_errors(arguments):
    assert_same_value_error(lambda library: library.metrics.FBetaScore(**arguments))


def test_a_fit_logs_the_scores_keras_logs():
    def build(library):
        return library.Sequential([library.Input(shape=(6,)),
                                   library.layers.Dense(8, activation="relu"),
                                   library.layers.Dense(3, activation="softmax")])

    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 6))
    y = np.eye(3)[rng.integers(0, 3, 60)]
    ours, theirs = make_models(build)
    for model, library in ((ours, handkeras), (theirs, keras)):
        model.compile(optimizer=library.optimizers.SGD(learning_rate=0.1),
                      loss="categorical_crossentropy",
                      metrics=["f1_score", library.metrics.F1Score(average="macro", name="macro"),
                               library.metrics.FBetaScore(beta=2.0, average="weighted")])
    mine = ours.fit(x, y, batch_size=16, epochs=3, validation_split=0.25, shuffle=False, verbose=0)
    reference = theirs.fit(x, y, batch_size=16, epochs=3, validation_split=0.25, shuffle=False,
                           verbose=0)
    assert_same_history(mine, reference)
