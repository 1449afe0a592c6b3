"""TimeDistributed: the spec of the wrapper that applies one layer to every time step.

Gradients against float64 central differences wrapping Dense, Conv2D, Dropout and
BatchNormalization (in training, with and without a mask); then what Keras does: the output is the
wrapped layer applied to each step with the same weights, the mask passes through, shapes,
parameter counts, weight paths and files, configs, clear errors, no state written in inference,
and a small sequence model that trains.
"""

import h5py
import numpy as np
import pytest

import handkeras as keras
from gradient_checks import assert_gradients_match, data
from handkeras import initializers, layers
from handkeras.utils.gradient_check import layer_gradients, numerical_gradient

MASK = np.array([[1, 1, 0, 1],
                 [0, 1, 1, 1],
                 [1, 1, 1, 0]], dtype=bool)


# ------------------------------------------------------------------------------------ gradients
@pytest.mark.parametrize("inner, shape", [
    (lambda: layers.Dense(3, activation="tanh", bias_initializer="random_normal"), (3, 4, 2)),
    (lambda: layers.Conv2D(2, 2, padding="same", activation="sigmoid",
                           bias_initializer="random_normal"), (2, 3, 4, 3, 2)),
    (lambda: layers.Dropout(0.4, seed=3), (3, 4, 5)),
    (lambda: layers.BatchNormalization(gamma_initializer=initializers.RandomUniform(2, 3),
                                       beta_initializer="random_normal"), (3, 4, 2)),
], ids=["Dense", "Conv2D", "Dropout", "BatchNormalization"])
def test_gradients_in_training(float64, inner, shape):
    layer = layers.TimeDistributed(inner())
    results = layer_gradients(layer, data(shape, seed=7, scale=2.0) + 1.0, training=True)
    assert len(results) == 1 + len(layer.trainable_weights)
    assert_gradients_match(results)


def test_gradients_of_batch_normalization_with_a_mask(float64):
    """The mask reaches the wrapped layer, one entry per slice: masked steps are left out of
    BatchNormalization's statistics."""
    layer = layers.TimeDistributed(layers.BatchNormalization(
        gamma_initializer=initializers.RandomUniform(2, 3), beta_initializer="random_normal"))
    x = data((3, 4, 2), scale=2.0) + 1.0
    layer.build_once((None, 4, 2))
    upstream = data((3, 4, 2), 1)

    def objective():
        return float(np.sum(layer.forward(x, training=True, mask=MASK) * upstream))

    layer.forward(x, training=True, mask=MASK)
    dx = layer.backward(upstream.copy())
    analytic = [dx] + [g.copy() for g in layer.gradients]
    numeric = [numerical_gradient(objective, x)]
    numeric += [numerical_gradient(objective, w.value) for w in layer.trainable_weights]
    assert_gradients_match(dict(zip(["input", "gamma", "beta"], zip(analytic, numeric))))
    fresh = layers.TimeDistributed(layers.BatchNormalization())
    fresh(x, training=False)
    fresh.forward(x, training=True, mask=MASK)
    np.testing.assert_allclose(fresh.layer.moving_mean.value, 0.01 * x[MASK].mean(axis=0),
                               rtol=1e-6)


def test_first_layer_skips_its_input_gradient():
    layer = layers.TimeDistributed(layers.Dense(2))
    x = data((2, 3, 4)).astype(np.float32)
    layer(x)
    layer.forward(x, training=True)
    assert layer.backward(np.ones((2, 3, 2), np.float32), input_gradient=False) is None
    assert [g.shape for g in layer.gradients] == [(4, 2), (2,)]


# ------------------------------------------------------------------------------------ outputs
def test_each_step_gets_the_wrapped_layer_with_the_same_weights():
    inner = layers.Conv2D(3, 2, activation="relu")
    layer = layers.TimeDistributed(inner)
    x = data((2, 3, 5, 5, 1)).astype(np.float32)
    y = layer(x)
    assert y.shape == (2, 3, 4, 4, 3) == (2,) + layer.compute_output_shape((None, 3, 5, 5, 1))[1:]
    for step in range(3):
        np.testing.assert_allclose(y[:, step], inner(x[:, step]), rtol=1e-6)


def test_the_mask_passes_through():
    model = keras.Sequential([keras.Input((4,)), layers.Embedding(5, 2, mask_zero=True),
                              layers.TimeDistributed(layers.Dense(3))])
    ids = np.array([[1, 0, 2, 0], [3, 4, 0, 1]])
    _, mask, _ = model.forward_details(ids)
    np.testing.assert_array_equal(mask, ids != 0)


def test_shapes_params_and_paths_are_keras_s():
    model = keras.Sequential([keras.Input((6, 3)), layers.LSTM(4, return_sequences=True),
                              layers.TimeDistributed(layers.Dense(2, name="head"), name="td")],
                             name="tagger")
    td = model.layers[1]
    assert model.output_shape == (None, 6, 2)
    assert td.count_params() == 4 * 2 + 2
    assert [w.path for w in td.weights] == ["tagger/td/head/kernel", "tagger/td/head/bias"]
    assert td.layer.built and td.layer._build_input_shape == (None, 4)


def test_freezing_the_wrapper_freezes_the_layer():
    layer = layers.TimeDistributed(layers.Dense(2))
    layer.build((None, 3, 4))
    layer.trainable = False
    assert not layer.layer.trainable and layer.trainable_weights == []
    assert len(layer.non_trainable_weights) == 2


# ------------------------------------------------------------------------------------ config
def test_config_nests_the_wrapped_layer_and_rebuilds_it():
    layer = layers.TimeDistributed(layers.Dense(3, activation="relu", name="inner"), name="td")
    layer.build((None, 5, 2))
    config = layer.get_config()
    assert config["name"] == "td"
    assert config["layer"]["class_name"] == "Dense"
    assert config["layer"]["config"]["name"] == "inner"
    assert config["layer"]["build_config"] == {"input_shape": (None, 2)}
    clone = layers.TimeDistributed.from_config(config)
    assert isinstance(clone.layer, layers.Dense) and clone.layer.units == 3
    assert clone.get_config()["layer"]["config"] == config["layer"]["config"]


def test_weights_file_keeps_the_layer_s_weights_under_layer(tmp_path):
    model = keras.Sequential([keras.Input((4, 3)), layers.TimeDistributed(layers.Dense(2))])
    path = tmp_path / "model.weights.h5"
    model.save_weights(path)
    with h5py.File(path, "r") as f:
        assert sorted(f["layers/time_distributed/layer/vars"]) == ["0", "1"]
        assert len(f["layers/time_distributed/vars"]) == 0
    clone = keras.Sequential([keras.Input((4, 3)), layers.TimeDistributed(layers.Dense(2))])
    clone.load_weights(path)
    x = data((2, 4, 3)).astype(np.float32)
    np.testing.assert_array_equal(clone.predict(x, verbose=0), model.predict(x, verbose=0))


# ------------------------------------------------------------------------------------ errors
def test_errors_name_the_layer_and_argument():
    with pytest.raises(ValueError, match="TimeDistributed: `layer` must be a layer instance.*3"):
        layers.TimeDistributed(3)
    with pytest.raises(ValueError, match="TimeDistributed 'td' expects input of rank 3 or more"):
        layers.TimeDistributed(layers.Dense(2), name="td").build((None, 4))
    with pytest.raises(ValueError, match=r"'td' expects input of rank 3 .*\(2, 4\)"):
        layers.TimeDistributed(layers.Dense(2), name="td").compute_output_shape((2, 4))
    with pytest.raises(NotImplementedError, match="activity_regularizer"):
        layers.TimeDistributed(layers.Dense(2, activity_regularizer="l2"))


def test_a_failed_build_leaves_both_layers_unbuilt():
    layer = layers.TimeDistributed(layers.Conv2D(2, 3))
    with pytest.raises(ValueError):
        layer.build((None, 4, 5))  # Conv2D needs rank 4 per step
    assert not layer.built and not layer.layer.built and layer.weights == []


# ------------------------------------------------------------------------------------ state
def test_inference_writes_nothing():
    layer = layers.TimeDistributed(layers.BatchNormalization())
    x = data((3, 4, 2)).astype(np.float32)
    layer(x)
    states = [(part, dict(vars(part))) for part in (layer, layer.layer)]
    values = [w.value.copy() for w in layer.weights]
    layer.forward(x, training=False, mask=MASK)
    for part, before in states:
        assert vars(part).keys() == before.keys()
        assert all(vars(part)[key] is value for key, value in before.items())
    for weight, value in zip(layer.weights, values):
        np.testing.assert_array_equal(weight.value, value)


# ------------------------------------------------------------------------------------ training
def test_a_sequence_tagger_trains():
    """Label each step by the sign of its feature sum: an LSTM then a per-step Dense."""
    keras.utils.set_random_seed(1)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(128, 6, 3)).astype(np.float32)
    y = (x.sum(axis=-1, keepdims=True) > 0).astype(np.float32)
    model = keras.Sequential([keras.Input((6, 3)), layers.LSTM(8, return_sequences=True),
                              layers.TimeDistributed(layers.Dense(1, activation="sigmoid"))])
    model.compile(optimizer=keras.optimizers.Adam(0.02), loss="binary_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x, y, epochs=20, batch_size=32, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    assert history.history["accuracy"][-1] > 0.9
