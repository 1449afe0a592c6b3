"""Discretization: each value's bin index (int32) or its one-hot / multi-hot / count encoding;
boundaries given or learned with ``adapt`` (Keras's approximate quantiles, reproduced exactly: the
values below are the boundaries Keras 3.15.1 learns from the same data); Keras's config, which is
where the learned boundaries are saved; clear errors; no weights and no gradient.
"""

import numpy as np
import pytest

import handkeras as keras
from handkeras import layers

X = np.array([[-1.5, 1.0, 3.4, .5], [0.0, 3.0, 1.3, 0.0]])


# ------------------------------------------------------------------------------------- outputs
def test_each_value_gets_the_index_of_its_bin():
    """Bins ``(-inf, 0)``, ``[0, 1)``, ``[1, 2)``, ``[2, inf)``: Keras's docstring example."""
    bins = layers.Discretization(bin_boundaries=[0., 1., 2.])(X)
    np.testing.assert_array_equal(bins, [[0, 2, 3, 1], [1, 3, 2, 1]])
    assert bins.dtype == np.int32


def test_edges_belong_to_the_bin_above_and_nan_to_the_last():
    layer = layers.Discretization(bin_boundaries=[0., 1., 1., 2.])  # equal boundaries are allowed
    values = np.array([-np.inf, -1e-9, 0.0, 1.0, 2.0, np.inf, np.nan])
    np.testing.assert_array_equal(layer(values), [0, 0, 1, 3, 4, 4, 4])
    assert layer(0.5) == 1 and layer(0.5).shape == ()
    np.testing.assert_array_equal(layers.Discretization(bin_boundaries=[])(X), np.zeros((2, 4)))


def test_values_and_boundaries_are_compared_in_floatx():
    """As in Keras: 0.1 and the float64 just below it are both 0.1 in float32."""
    layer = layers.Discretization(bin_boundaries=[0.1])
    np.testing.assert_array_equal(layer(np.array([0.1, 0.1 - 1e-12])), [1, 1])
    keras.config.set_floatx("float64")
    np.testing.assert_array_equal(layer(np.array([0.1, 0.1 - 1e-12])), [1, 0])


@pytest.mark.parametrize("mode, expected", [
    ("one_hot", np.eye(4)[[[0, 2, 3, 1], [1, 3, 2, 1]]]),
    ("multi_hot", [[1, 1, 1, 1], [0, 1, 1, 1]]),
    ("count", [[1, 1, 1, 1], [0, 2, 1, 1]]),
])
def test_the_bins_can_come_encoded(mode, expected):
    layer = layers.Discretization(bin_boundaries=[0., 1., 2.], output_mode=mode)
    encoded = layer(X)
    np.testing.assert_array_equal(encoded, expected)
    assert encoded.dtype == np.float32
    assert layer.compute_output_shape((None, 4)) == (None,) + encoded.shape[1:]
    assert layers.Discretization(bin_boundaries=[0.], output_mode=mode,
                                 dtype="float64")(X).dtype == np.float64


# ------------------------------------------------------------------------------------- adapt
@pytest.mark.parametrize("data, arguments, boundaries", [
    (X, dict(num_bins=4), [0.0, 0.5, 1.2999999523162842]),  # Keras's docstring example
    (np.arange(12.0).reshape(6, 2), dict(num_bins=3), [3.0, 7.0]),
    (np.arange(1000.0), dict(num_bins=4),  # float32 sums of weights: a little off the quartiles
     [248.999755859375, 498.99981689453125, 748.9999389648438]),
    (np.array([1., 2., 3.]), dict(num_bins=5), [1.0, 2.0]),  # fewer values than bins
    ([np.arange(10.0), np.arange(10.0, 30.0)], dict(num_bins=2), [14.0]),  # batches merged
], ids=["docstring", "2 columns", "1000 values", "few values", "batches"])
def test_adapt_learns_keras_s_boundaries(data, arguments, boundaries):
    layer = layers.Discretization(**arguments)
    layer.adapt(data)
    assert layer.bin_boundaries == boundaries
    assert all(type(b) is float for b in layer.bin_boundaries)  # as Keras's list


def test_adapt_splits_data_into_bins_of_about_equal_counts():
    data = np.random.default_rng(5).normal(size=(3000, 2))
    layer = layers.Discretization(num_bins=5)
    layer.adapt(data)
    counts = np.bincount(layer(data).ravel(), minlength=5)
    assert len(layer.bin_boundaries) == 4
    np.testing.assert_allclose(counts, 1200, rtol=0.05)


def test_adapt_starts_afresh_and_takes_steps_batches_of_an_iterable():
    layer = layers.Discretization(num_bins=2)
    layer.adapt(np.arange(100.0))
    layer.adapt(iter([np.full(10, 1.0), np.full(10, 2.0), np.full(10, 50.0)]), steps=2)
    assert layer.bin_boundaries == [1.0]


def test_adapt_errors():
    with pytest.raises(ValueError, match="Cannot adapt a Discretization layer that has been "
                                         "initialized with `bin_boundaries`"):
        layers.Discretization(bin_boundaries=[1.0]).adapt(X)
    with pytest.raises(ValueError, match="'d'.adapt received no data"):
        layers.Discretization(num_bins=3, name="d").adapt(np.zeros((0, 2)))
    with pytest.raises(ValueError, match="`num_bins=0` leaves no bin"):
        layers.Discretization(num_bins=0).adapt(X)
    with pytest.warns(RuntimeWarning, match="`data` holds 2 NaN or infinite") as warned:
        layers.Discretization(num_bins=2).adapt([np.array([1.0, np.inf]), np.array([np.nan])])
    assert len(warned) == 1  # one warning per call
    with pytest.raises(ValueError, match="'d'.adapt takes arrays of numbers"):
        layers.Discretization(num_bins=3, name="d").adapt([np.ones(3), np.array(["a", "b"])])


# ------------------------------------------------------------------------------------- errors
@pytest.mark.parametrize("arguments, error, message", [
    (dict(), ValueError, "You need to set either `num_bins` or `bin_boundaries`."),
    (dict(num_bins=2, bin_boundaries=[1.0]), ValueError, "Both `num_bins` and `bin_boundaries`"),
    (dict(num_bins=-1), ValueError, "`num_bins` must be greater than or equal to 0"),
    (dict(num_bins=2.5), TypeError, "`num_bins` must be an integer"),
    (dict(bin_boundaries=[2.0, 1.0]), ValueError, "`bin_boundaries` must be a list of numbers in "
                                                  "increasing order"),
    (dict(bin_boundaries=["a"]), ValueError, "`bin_boundaries` must be a list of numbers"),
    (dict(num_bins=2, epsilon=0), ValueError, r"`epsilon` must be a number in \(0, 1\]"),
    (dict(num_bins=2, output_mode="tf_idf"), ValueError, "Unknown value for `output_mode`"),
    (dict(num_bins=2, output_mode="count", sparse=True), ValueError, "`sparse=True` is not"),
])
def test_bad_arguments_are_refused_at_construction(arguments, error, message):
    with pytest.raises(error, match=message):
        layers.Discretization(**arguments)


def test_an_unadapted_layer_refuses_to_run():
    with pytest.raises(ValueError, match="Discretization 'd': You need to either pass the "
                                         "`bin_boundaries` argument"):
        layers.Discretization(num_bins=3, name="d")(X)


@pytest.mark.parametrize("mode, shape", [("int", (2, 3, 4)), ("one_hot", (2, 3, 4, 3)),
                                         ("multi_hot", (2, 4, 3)), ("count", (2, 4, 3))])
def test_rank_3_inputs_are_encoded_with_samples_along_axis_1_as_in_keras(mode, shape):
    x = np.random.default_rng(4).normal(size=(2, 3, 4))
    layer = layers.Discretization(bin_boundaries=[-0.5, 0.5], output_mode=mode)
    out = layer(x)
    assert out.shape == shape == layer.compute_output_shape((2, 3, 4))
    bins = np.digitize(x, [-0.5, 0.5])
    if mode == "count":
        np.testing.assert_array_equal(out, np.eye(3)[bins].sum(axis=1))
    elif mode == "multi_hot":
        np.testing.assert_array_equal(out, np.eye(3)[bins].max(axis=1))


# ------------------------------------------------------------------------------------- in models
def test_a_model_trains_with_it_first_and_saves_the_learned_boundaries(tmp_path):
    x = np.random.default_rng(6).normal(size=(40, 2))
    y = (x[:, :1] > 0).astype(float)
    discretization = layers.Discretization(num_bins=4)
    discretization.adapt(x)
    model = keras.Sequential([keras.Input((2,)), discretization,
                              layers.CategoryEncoding(4, "multi_hot"), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, y, epochs=2, verbose=0)
    assert model.layers[0].weights == []
    expected = model.predict(x, verbose=0)
    for filename in ("model.keras", "model.h5"):
        model.save(tmp_path / filename)
        loaded = keras.models.load_model(tmp_path / filename)
        assert loaded.layers[0].bin_boundaries == discretization.bin_boundaries
        np.testing.assert_array_equal(loaded.predict(x, verbose=0), expected)


def test_a_dense_layer_reads_the_bins_in_its_own_float_type():
    """Keras's promotion: int32 bins into a float32 Dense give float32, where numpy's would give
    float64; the gradients stay exact."""
    x = np.random.default_rng(7).normal(size=(8, 3))
    model = keras.Sequential([keras.Input((3,)), layers.Discretization(bin_boundaries=[0.0]),
                              layers.Dense(2)])
    assert model.predict(x, verbose=0).dtype == np.float32
    bins = (x >= 0).astype(np.float32)
    dense = model.layers[1]
    np.testing.assert_array_equal(model.predict(x, verbose=0),
                                  bins @ dense.kernel.numpy() + dense.bias.numpy())
    model.compile(optimizer="sgd", loss="mse")
    assert model.fit(x, np.ones((8, 2)), verbose=0).history["loss"][0] > 0


def test_a_weights_file_holds_no_boundaries_as_in_keras(tmp_path):
    adapted = layers.Discretization(num_bins=3)
    adapted.adapt(np.arange(12.0))
    model = keras.Sequential([keras.Input((1,)), adapted])
    model.save_weights(tmp_path / "bins.weights.h5")
    fresh = keras.Sequential([keras.Input((1,)), layers.Discretization(num_bins=3)])
    fresh.load_weights(tmp_path / "bins.weights.h5")
    assert fresh.layers[0].bin_boundaries is None


def test_the_config_is_keras_s_and_keeps_the_learned_boundaries():
    layer = layers.Discretization(num_bins=4, epsilon=0.02, name="bins")
    layer.adapt(X)
    config = layer.get_config()
    assert config == {"bin_boundaries": [0.0, 0.5, 1.2999999523162842], "num_bins": 4,
                      "epsilon": 0.02, "output_mode": "int", "sparse": False, "name": "bins",
                      "dtype": "float32"}
    clone = layers.Discretization.from_config(config)
    assert clone.get_config() == config
    np.testing.assert_array_equal(clone(X), layer(X))
