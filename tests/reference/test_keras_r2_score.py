"""R2Score against Keras 3.15.1 (torch backend) in float64 to rtol 1e-9: results after several
updates for every aggregation, adjusted or not, weighted or not, constant columns included;
variables, configs, errors and warnings; and the logs of a fit that compiles it."""

import warnings

import numpy as np
import pytest

import handkeras
from keras_pair import assert_same_history, assert_same_value_error, make_models, plain
from parity import assert_close

keras = pytest.importorskip("keras")

AGGREGATIONS = [None, "uniform_average", "variance_weighted_average"]


def batches(seed, columns, weights):
    """Three batches; the last column's targets are constant, its SS_tot exactly 0 (the weights
    are quarters, so its sums are exact), which Keras scores as 0."""
    rng = np.random.default_rng(seed)
    for rows in (6, 4, 7):
        y_true = rng.normal(size=(rows, columns))
        y_true[:, -1] = 1.5
        y_pred = y_true + rng.normal(scale=0.5, size=(rows, columns))
        sample_weight = {"none": None, "per row": rng.integers(1, 8, rows) / 4,
                         "per value": rng.integers(1, 8, (rows, columns)) / 4}[weights]
        yield y_true, y_pred, sample_weight


def run(library, arguments, columns, weights):
    metric = library.metrics.R2Score(**arguments)
    results = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for y_true, y_pred, sample_weight in batches(1, columns, weights):
            metric.update_state(y_true, y_pred, sample_weight=sample_weight)
            results.append(np.asarray(keras.ops.convert_to_numpy(metric.result())))
    return metric, results, [str(w.message) for w in caught if "R2" in str(w.message)]


@pytest.mark.parametrize("weights", ["none", "per row", "per value"])
@pytest.mark.parametrize("num_regressors", [0, 3, 16, 200])
@pytest.mark.parametrize("aggregation", AGGREGATIONS, ids=str)
def test_results_after_each_update_are_keras(aggregation, num_regressors, weights):
    arguments = {"class_aggregation": aggregation, "num_regressors": num_regressors}
    ours, mine, our_warnings = run(handkeras, arguments, 3, weights)
    theirs, reference, their_warnings = run(keras, arguments, 3, weights)
    for value, expected in zip(mine, reference):
        assert_close(value, expected, "R2")
    assert our_warnings == their_warnings  # 16 and 200 regressors: Keras's two fall-backs
    assert [v.path for v in ours.variables] == [v.path for v in theirs.variables]


def test_targets_of_one_column_may_be_given_flat():
    y_true, y_pred = np.array([1.0, 4.0, 3.0]), np.array([[2.0], [4.0], [4.0]])
    for library in (handkeras, keras):
        metric = library.metrics.R2Score()
        metric.update_state(y_true, y_pred)
        assert_close(float(metric.result()), 1 - 2 / (14 / 3), f"{library.__name__} R2")


def test_configs_and_argument_errors_are_keras():
    for arguments in ({}, {"class_aggregation": None, "num_regressors": 2, "name": "r2"}):
        ours = handkeras.metrics.R2Score(**arguments)
        assert plain(ours.get_config()) == plain(keras.metrics.R2Score(**arguments).get_config())
    for arguments in ({"class_aggregation": "mean"}, {"num_regressors": -1}):
        assert_same_value_error(lambda library: library.metrics.R2Score(**arguments))


def test_a_fit_logs_the_scores_keras_logs():
    def build(library):
        return library.Sequential([library.Input(shape=(4,)), library.layers.Dense(2)])

    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, 4))
    y = x @ rng.normal(size=(4, 2)) + rng.normal(scale=0.1, size=(50, 2))
    ours, theirs = make_models(build)
    for model, library in ((ours, handkeras), (theirs, keras)):
        model.compile(optimizer=library.optimizers.SGD(learning_rate=0.05), loss="mse",
                      metrics=["r2_score", library.metrics.R2Score(class_aggregation=None,
                                                                   name="per_output")])
    mine = ours.fit(x, y, batch_size=16, epochs=3, validation_split=0.2, shuffle=False, verbose=0)
    reference = theirs.fit(x, y, batch_size=16, epochs=3, validation_split=0.2, shuffle=False,
                           verbose=0)
    assert_same_history(mine, reference)
