"""Cropping3D, ZeroPadding3D and UpSampling3D on (batch, depth, height, width, channels) volumes:
Keras's three ways to give margins (an int, three ints, three pairs), values against slicing,
``np.pad`` and index arithmetic, gradients against float64 central differences, output shapes with
unknown sizes, configs and errors naming the layer and the argument."""

import json

import numpy as np
import pytest

import handkeras as keras
from handkeras import layers
from handkeras.utils.gradient_check import layer_gradients
from gradient_checks import assert_gradients_match, assert_model_gradients_match, data

MARGINS = [  # as given, as stored
    (1, ((1, 1), (1, 1), (1, 1))),
    ((2, 0, 1), ((2, 2), (0, 0), (1, 1))),
    (((0, 2), (1, 0), (2, 1)), ((0, 2), (1, 0), (2, 1))),
    ([(1, 0), 2, [0, 1]], ((1, 0), (2, 2), (0, 1))),  # Keras takes an int or a pair per axis
    ((np.int64(1), 0, 0), ((1, 1), (0, 0), (0, 0))),
]


# ============================================================================== Cropping3D
@pytest.mark.parametrize("cropping, stored", MARGINS, ids=str)
def test_cropping3d_drops_borders(float64, cropping, stored):
    layer = layers.Cropping3D(cropping)
    assert layer.cropping == stored
    x = data((2, 5, 6, 7, 2))
    (d0, d1), (h0, h1), (w0, w1) = stored
    np.testing.assert_array_equal(layer(x), x[:, d0: 5 - d1, h0: 6 - h1, w0: 7 - w1])
    assert layer.compute_output_shape((None, 5, 6, 7, 2)) == (
        None, 5 - d0 - d1, 6 - h0 - h1, 7 - w0 - w1, 2)
    assert layer.compute_output_shape((None, None, 6, None, 2)) == (None, None, 6 - h0 - h1,
                                                                    None, 2)
    assert_gradients_match(layer_gradients(layer, x), {"input"})


def test_cropping3d_default_config_and_errors():
    layer = layers.Cropping3D(name="crop")
    assert layer.cropping == ((1, 1), (1, 1), (1, 1))
    config = layer.get_config()
    assert config["cropping"] == ((1, 1), (1, 1), (1, 1))
    assert config["data_format"] == "channels_last"
    assert layers.Cropping3D.from_config(json.loads(json.dumps(config))).get_config() == config
    for bad in (-1, (1, 2), (1, 2, 3, 4), ((1, 2), (3,), 1), (1, -1, 0), 1.5, "abc", None):
        with pytest.raises(ValueError, match=r"'crop'.*`cropping.*received"):
            layers.Cropping3D(bad, name="crop")
    with pytest.raises(ValueError, match=r"Cropping3D 'crop': `cropping` .* must leave at least "
                                         r"one position along every spatial axis"):
        layers.Cropping3D(((0, 0), (2, 2), (0, 0)), name="crop")(np.ones((1, 3, 4, 3, 1)))
    with pytest.raises(ValueError, match=r"Cropping3D 'crop' expects inputs of rank 5"):
        keras.Sequential([keras.Input((4, 4, 2)), layers.Cropping3D(name="crop")])
    with pytest.raises(ValueError, match="only `data_format='channels_last'`"):
        layers.Cropping3D(data_format="channels_first")


# ============================================================================== ZeroPadding3D
@pytest.mark.parametrize("padding, stored", MARGINS, ids=str)
def test_zero_padding3d_pads_with_zeros(float64, padding, stored):
    layer = layers.ZeroPadding3D(padding)
    assert layer.padding == stored
    x = data((2, 3, 2, 4, 2))
    y = layer(x)
    np.testing.assert_array_equal(y, np.pad(x, ((0, 0),) + stored + ((0, 0),)))
    assert layer.compute_output_shape((None, 3, 2, 4, 2)) == (None,) + y.shape[1:]
    assert layer.compute_output_shape((None, None, 2, 4, 2))[1] is None
    assert_gradients_match(layer_gradients(layer, x), {"input"})


def test_zero_padding3d_default_config_and_errors():
    layer = layers.ZeroPadding3D(name="pad")
    assert layer.padding == ((1, 1), (1, 1), (1, 1))
    config = layer.get_config()
    assert config["padding"] == ((1, 1), (1, 1), (1, 1))
    assert config["data_format"] == "channels_last"
    assert layers.ZeroPadding3D.from_config(json.loads(json.dumps(config))).get_config() == config
    for bad in (-1, (1, 2), (1, 2, 3, 4), ((1, 2), (3,), 1), (1, -1, 0), 1.5, "same", None):
        with pytest.raises(ValueError, match=r"'pad'.*`padding.*received"):
            layers.ZeroPadding3D(bad, name="pad")
    with pytest.raises(ValueError, match=r"ZeroPadding3D 'pad' expects inputs of rank 5"):
        keras.Sequential([keras.Input((4, 4, 2)), layers.ZeroPadding3D(name="pad")])
    with pytest.raises(ValueError, match="only `data_format='channels_last'`"):
        layers.ZeroPadding3D(data_format="channels_first")


# ============================================================================== UpSampling3D
@pytest.mark.parametrize("size, factors", [(2, (2, 2, 2)), ((1, 3, 2), (1, 3, 2)),
                                           ([2, 1, 1], (2, 1, 1))], ids=str)
def test_up_sampling3d_repeats_each_position(float64, size, factors):
    layer = layers.UpSampling3D(size)
    assert layer.size == factors
    x = data((1, 3, 2, 4, 2))
    y = layer(x)
    assert y.shape == (1, 3 * factors[0], 2 * factors[1], 4 * factors[2], 2)
    d, h, w = (np.arange(n) // f for n, f in zip(y.shape[1:4], factors))
    np.testing.assert_array_equal(y, x[:, d[:, None, None], h[None, :, None], w[None, None, :]])
    assert layer.compute_output_shape((None, 3, None, 4, 2)) == (
        None, 3 * factors[0], None, 4 * factors[2], 2)
    # (upstream seed 1: seed 0's two copies of one input nearly cancel, below what central
    # differences of this objective resolve)
    assert_gradients_match(layer_gradients(layer, x, seed=1), {"input"})


def test_up_sampling3d_default_config_and_errors():
    layer = layers.UpSampling3D(name="up")
    assert layer.size == (2, 2, 2)
    config = layer.get_config()
    assert config["size"] == (2, 2, 2) and config["data_format"] == "channels_last"
    assert "interpolation" not in config  # Keras's UpSampling3D has none
    assert layers.UpSampling3D.from_config(json.loads(json.dumps(config))).get_config() == config
    for bad in (0, (1, 2), (2, 0, 2), 1.5, "2"):
        with pytest.raises(ValueError, match=r"'up'.*`size`.*received"):
            layers.UpSampling3D(bad, name="up")
    with pytest.raises(ValueError, match=r"UpSampling3D 'up' expects inputs of rank 5"):
        keras.Sequential([keras.Input((4, 4, 2)), layers.UpSampling3D(name="up")])
    with pytest.raises(ValueError, match="only `data_format='channels_last'`"):
        layers.UpSampling3D(data_format="channels_first")


# ============================================================================== in a model
def test_a_model_of_3d_reshaping_layers_gradients_match_central_differences(float64):
    model = keras.Sequential([
        keras.Input((3, 4, 3, 2)),
        layers.ZeroPadding3D(((1, 0), 1, (0, 2))),
        layers.Dense(3, activation="tanh"),
        layers.UpSampling3D((2, 1, 2)),
        layers.Cropping3D(((1, 2), (0, 1), 2)),
        layers.Flatten(),
        layers.Dense(2),
    ])
    assert model.output_shape == (None, 2)
    model.compile(optimizer="sgd", loss="mse")
    assert_model_gradients_match(model, data((3, 3, 4, 3, 2)), data((3, 2), seed=1))
