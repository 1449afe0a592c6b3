"""Metrics: running means, the accuracy family (and "accuracy" resolved by shapes), mse and mae."""

import numpy as np
import pytest

import handkeras as keras
from handkeras import metrics


def test_mean_is_a_running_mean_over_every_value_seen():
    mean = metrics.Mean()
    mean.update_state([1.0, 2.0, 3.0])
    mean.update_state([10.0])
    assert mean.result() == pytest.approx(4.0)
    mean.reset_state()
    assert mean.result() == 0.0
    mean.update_state([2.0, 4.0], sample_weight=[3.0, 1.0])
    assert mean.result() == pytest.approx(2.5)


def test_a_metric_called_on_a_batch_updates_and_returns_the_result():
    mean = metrics.Mean(name="m")
    assert mean([1.0, 3.0]) == pytest.approx(2.0)
    assert mean([5.0]) == pytest.approx(3.0)
    assert mean.name == "m"


def test_batch_results_are_weighted_by_batch_size():
    """Four right then two wrong is 4/6, not the mean of the batch accuracies (1 and 0)."""
    accuracy = metrics.SparseCategoricalAccuracy()
    accuracy.update_state([0, 1, 2, 0], np.eye(3)[[0, 1, 2, 0]])
    accuracy.update_state([1, 1], np.eye(3)[[0, 2]])
    assert accuracy.result() == pytest.approx(4 / 6)


def test_binary_accuracy_thresholds_at_one_half_by_default():
    y_true = np.array([[1], [0], [1], [0]])
    y_pred = np.array([[0.7], [0.2], [0.4], [0.51]])
    assert metrics.BinaryAccuracy()(y_true, y_pred) == pytest.approx(0.5)
    assert metrics.BinaryAccuracy(threshold=0.3)(y_true, y_pred) == pytest.approx(0.75)
    np.testing.assert_allclose(metrics.binary_accuracy(y_true, y_pred), [1, 1, 0, 0])


def test_categorical_accuracy_compares_argmaxes():
    y_true = np.eye(3)[[0, 1, 2]]
    y_pred = np.array([[0.8, 0.1, 0.1], [0.5, 0.3, 0.2], [0.1, 0.2, 0.7]])
    assert metrics.CategoricalAccuracy()(y_true, y_pred) == pytest.approx(2 / 3)
    np.testing.assert_array_equal(metrics.categorical_accuracy(y_true, y_pred), [1, 0, 1])


def test_sparse_categorical_accuracy_takes_labels_of_shape_n_or_n_1():
    y_pred = np.array([[0.8, 0.1, 0.1], [0.5, 0.3, 0.2], [0.1, 0.2, 0.7]])
    assert metrics.SparseCategoricalAccuracy()([0, 1, 2], y_pred) == pytest.approx(2 / 3)
    assert metrics.SparseCategoricalAccuracy()([[0], [1], [2]], y_pred) == pytest.approx(2 / 3)


@pytest.mark.parametrize("y_true, y_pred, expected", [
    (np.array([[1], [0], [1]]), np.array([[0.9], [0.6], [0.2]]), 1 / 3),            # binary
    (np.array([2, 0, 1]), np.eye(3)[[2, 0, 0]] * 0.8 + 0.05, 2 / 3),                 # sparse
    (np.array([[2], [0], [1]]), np.eye(3)[[2, 0, 0]] * 0.8 + 0.05, 2 / 3),           # sparse (N, 1)
    (np.eye(3)[[2, 0, 1]], np.eye(3)[[2, 1, 1]] * 0.8 + 0.05, 2 / 3),                # categorical
], ids=["binary", "sparse", "sparse_n1", "categorical"])
@pytest.mark.parametrize("name", ["accuracy", "acc"])
def test_accuracy_by_name_resolves_by_shapes(name, y_true, y_pred, expected):
    metric = metrics.get(name)
    assert metric.name == name
    assert metric(y_true, y_pred) == pytest.approx(expected)


def test_resolve_accuracy_follows_keras_rules():
    assert metrics.resolve_accuracy((8, 1), (8, 1)) is metrics.binary_accuracy
    assert metrics.resolve_accuracy((8,), (8, 1)) is metrics.binary_accuracy
    assert metrics.resolve_accuracy((8,), (8, 5)) is metrics.sparse_categorical_accuracy
    assert metrics.resolve_accuracy((8, 1), (8, 5)) is metrics.sparse_categorical_accuracy
    assert metrics.resolve_accuracy((8, 5), (8, 5)) is metrics.categorical_accuracy


def test_mse_and_mae_metrics():
    y_true = np.array([[0.0, 1.0], [2.0, 3.0]])
    y_pred = np.array([[1.0, 1.0], [2.0, 0.0]])
    assert metrics.MeanSquaredError()(y_true, y_pred) == pytest.approx((1 + 9) / 4)
    assert metrics.MeanAbsoluteError()(y_true, y_pred) == pytest.approx((1 + 3) / 4)
    assert metrics.get("mse")(y_true, y_pred) == pytest.approx(2.5)
    assert metrics.get("mae")(y_true, y_pred) == pytest.approx(1.0)


@pytest.mark.parametrize("identifier, name", [
    ("mse", "mse"), ("mae", "mae"), ("mean_squared_error", "mean_squared_error"),
    ("binary_accuracy", "binary_accuracy"), ("categorical_accuracy", "categorical_accuracy"),
    ("sparse_categorical_accuracy", "sparse_categorical_accuracy"),
    (metrics.BinaryAccuracy, "binary_accuracy"), (metrics.MeanAbsoluteError, "mean_absolute_error"),
])
def test_metrics_keep_the_name_they_were_asked_by(identifier, name):
    assert metrics.get(identifier).name == name


def test_each_compile_gets_fresh_metric_objects():
    assert metrics.get("accuracy") is not metrics.get("accuracy")


def test_unknown_metric_name_lists_the_valid_ones():
    with pytest.raises(ValueError, match="acuracy") as error:
        metrics.get("acuracy")
    assert "binary_accuracy" in str(error.value)


def test_fit_logs_metrics_under_the_names_given():
    x = np.random.default_rng(0).standard_normal((12, 3)).astype(np.float32)
    y = (x[:, :1] > 0).astype(np.float32)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.0), loss="binary_crossentropy",
                  metrics=["acc", "mse", metrics.BinaryAccuracy(threshold=0.7)])
    history = model.fit(x, y, epochs=1, verbose=0)
    assert list(history.history) == ["acc", "binary_accuracy", "loss", "mse"]
    p = model.predict(x, verbose=0)
    assert history.history["acc"][0] == pytest.approx(np.mean((p > 0.5) == (y > 0.5)))
    assert history.history["binary_accuracy"][0] == pytest.approx(np.mean((p > 0.7) == (y > 0.5)))
    assert history.history["mse"][0] == pytest.approx(np.mean((p - y) ** 2), rel=1e-5)


class TruePositives(metrics.Metric):
    """The "Training & evaluation" guide's CategoricalTruePositives, written with numpy."""

    def __init__(self, name="true_positives", **kwargs):
        super().__init__(name=name, **kwargs)
        self.true_positives = self.add_variable(shape=(), name="ctp", initializer="zeros")

    def update_state(self, y_true, y_pred, sample_weight=None):
        hits = np.asarray(y_pred).argmax(axis=1) == np.asarray(y_true).reshape(-1)
        weights = 1.0 if sample_weight is None else np.asarray(sample_weight).reshape(-1)
        self.true_positives.assign_add(float(np.sum(hits * weights)))

    def result(self):
        return self.true_positives


def test_a_custom_metric_keeps_its_state_in_add_variable_s_variables():
    metric = TruePositives()
    assert [(v.name, v.path, v.shape, str(v.dtype), v.trainable) for v in metric.variables] == [
        ("ctp", "true_positives/ctp", (), "float32", False)]
    metric.update_state([0, 1, 1], np.eye(2)[[0, 1, 0]])
    assert float(metric.result()) == 2.0
    metric.reset_state()  # the default: every variable back to zeros
    assert float(metric.result()) == 0.0


def test_fit_logs_a_custom_metric_s_variable_as_a_float():
    x = np.random.default_rng(1).standard_normal((20, 4)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, activation="softmax")])
    metric = TruePositives()
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.0),
                  loss="sparse_categorical_crossentropy", metrics=[metric])
    history = model.fit(x, y, batch_size=8, epochs=2, verbose=0)
    hits = float(np.sum(model.predict(x, verbose=0).argmax(axis=1) == y))
    assert history.history["true_positives"] == [hits, hits]  # reset at each epoch's start
    assert model.evaluate(x, y, verbose=0, return_dict=True)["true_positives"] == hits


def test_metric_variables_list_their_own_then_those_of_metrics_they_hold():
    class Pair(metrics.Metric):
        def __init__(self):
            super().__init__(name="pair")
            self.count = self.add_weight(shape=(2,), initializer="ones", dtype="int32",
                                         name="count")
            self.inner = TruePositives(name="inner")

    pair = Pair()
    assert [v.path for v in pair.variables] == ["pair/count", "inner/ctp"]
    np.testing.assert_array_equal(pair.count.numpy(), [1, 1])
    pair.reset_state()
    np.testing.assert_array_equal(pair.count.numpy(), [0, 0])


def test_add_variable_refuses_a_missing_initializer_and_a_missing_super_init():
    with pytest.raises(ValueError, match="'pair'.*`initializer`.*None"):
        metrics.Mean(name="pair").add_weight(shape=(2,))

    class Forgetful(metrics.Metric):
        def __init__(self):
            pass

    with pytest.raises(RuntimeError, match=r"Forgetful.*super\(\).__init__\(\)"):
        Forgetful().add_variable((), "zeros")
