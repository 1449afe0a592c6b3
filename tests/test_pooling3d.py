"""MaxPooling3D, AveragePooling3D, GlobalMax/AveragePooling3D and AdaptiveMax/AveragePooling3D on
(batch, depth, height, width, channels) volumes: the forward against a window-by-window (bin-by-bin)
definition, every gradient against float64 central differences, first-maximum routing on ties,
Keras's defaults, configs and errors.

"same" padding is TensorFlow's on each axis (the odd element after); average pooling averages the
real elements of a window only, and max pooling ignores the padding.
"""

import json
import math

import numpy as np
import pytest

import handkeras as keras
from handkeras import layers
from handkeras.layers.relu_max_pooling import ReluMaxPooling
from handkeras.utils.gradient_check import layer_gradients
from gradient_checks import assert_gradients_match, assert_model_gradients_match, data


def tf_same_padding(size, kernel, stride):
    total = max((math.ceil(size / stride) - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def direct_pool3d(x, pool, strides, padding, mode):
    """Max or mean over each window; with "same", padded positions take no part."""
    pads = [(0, 0)] * 3
    if padding == "same":
        pads = [tf_same_padding(x.shape[1 + a], pool[a], strides[a]) for a in range(3)]
    padded = np.pad(x, [(0, 0)] + pads + [(0, 0)], constant_values=np.nan)
    out = [(padded.shape[1 + a] - pool[a]) // strides[a] + 1 for a in range(3)]
    y = np.zeros((x.shape[0], *out, x.shape[-1]))
    reduce = np.nanmax if mode == "max" else np.nanmean
    for index in np.ndindex(*out):
        window = tuple(slice(i * s, i * s + k) for i, s, k in zip(index, strides, pool))
        y[(slice(None),) + index] = reduce(padded[(slice(None),) + window], axis=(1, 2, 3))
    return y


def assert_inference_matches_training_and_writes_nothing(layer, x):
    expected = layer.forward(x, training=True)
    before = dict(vars(layer))
    np.testing.assert_array_equal(layer.forward(x, training=False), expected)
    assert vars(layer).keys() == before.keys()
    assert all(vars(layer)[key] is value for key, value in before.items())


# ============================================================================== windowed pooling
POOL3D_CASES = [
    # input (batch, d, h, w, c), pool_size, strides, padding
    ((2, 4, 6, 4, 2), (2, 2, 2), None, "valid"),          # windows tile the input
    ((2, 5, 5, 7, 2), (2, 2, 2), None, "valid"),          # last slice, row and column uncovered
    ((2, 5, 6, 5, 2), (3, 3, 3), (2, 2, 2), "same"),      # overlapping, padded on every axis
    ((2, 5, 4, 6, 1), (2, 3, 1), (1, 2, 1), "valid"),     # overlapping along depth only
    ((1, 6, 5, 7, 2), (3, 2, 2), (2, 3, 1), "same"),      # unequal strides, overlap along width
    ((2, 7, 7, 7, 2), (2, 2, 2), (3, 3, 3), "valid"),     # gaps between windows
    ((2, 3, 4, 5, 2), (2, 2, 2), None, "same"),           # odd sizes: the padding goes after
    ((2, 3, 3, 3, 2), (1, 1, 1), None, "valid"),          # identity
]


def pool_id(case):
    return f"{case[0]}-p{case[1]}-s{case[2]}-{case[3]}"


@pytest.mark.parametrize("mode, cls", [("max", layers.MaxPooling3D),
                                       ("average", layers.AveragePooling3D)])
@pytest.mark.parametrize("case", POOL3D_CASES, ids=pool_id)
def test_pooling3d_forward_shape_and_gradients(float64, mode, cls, case):
    shape, pool, strides, padding = case
    layer = cls(pool, strides=strides, padding=padding)
    x = data(shape)
    y = layer(x)
    expected = direct_pool3d(x, pool, strides or pool, padding, mode)
    np.testing.assert_allclose(y, expected, rtol=1e-12, atol=1e-12)
    assert layer.compute_output_shape((None,) + shape[1:]) == (None,) + expected.shape[1:]
    assert_gradients_match(layer_gradients(layer, x), {"input"})
    assert_inference_matches_training_and_writes_nothing(layer, x)


@pytest.mark.parametrize("pool, strides, padding", [
    ((2, 2, 2), None, "valid"), ((3, 2, 2), (1, 2, 1), "valid"), ((2, 3, 2), (2, 2, 2), "same")],
    ids=["disjoint", "overlapping", "same"])
def test_max_pooling3d_sends_a_tie_gradient_to_the_row_major_first_maximum(pool, strides, padding):
    """A constant volume ties every window: each window's gradient goes to its first position
    (smallest depth, then row, then column), as in TensorFlow and PyTorch."""
    layer = layers.MaxPooling3D(pool, strides=strides, padding=padding, dtype="float64")
    x = np.ones((1, 4, 5, 4, 1))
    y = layer.forward(x, training=True)
    dy = np.arange(1.0, y.size + 1).reshape(y.shape)
    dx = layer.backward(dy)
    strides = strides or pool
    pads = [tf_same_padding(x.shape[1 + a], pool[a], strides[a]) if padding == "same" else (0, 0)
            for a in range(3)]
    expected = np.zeros_like(x)
    for index in np.ndindex(*y.shape[1:4]):
        # the window's first position that is a real (unpadded) input
        first = tuple(max(i * s - before, 0) for i, s, (before, _) in zip(index, strides, pads))
        expected[(0,) + first + (0,)] += dy[(0,) + index + (0,)]
    np.testing.assert_array_equal(dx, expected)


def test_average_pooling3d_same_excludes_the_padding():
    layer = layers.AveragePooling3D(2, padding="same", dtype="float64")
    y = layer(np.ones((1, 3, 3, 3, 1)))
    np.testing.assert_array_equal(y, np.ones((1, 2, 2, 2, 1)))


def test_max_pooling3d_same_ignores_the_padding_even_for_negative_inputs():
    layer = layers.MaxPooling3D(2, padding="same", dtype="float64")
    np.testing.assert_array_equal(layer(-np.ones((1, 3, 1, 3, 1))), -np.ones((1, 2, 1, 2, 1)))


def test_pooling3d_defaults_and_config():
    pool = layers.MaxPooling3D()
    assert (pool.pool_size, pool.strides, pool.padding) == ((2, 2, 2), (2, 2, 2), "valid")
    assert layers.AveragePooling3D((3, 2, 1)).strides == (3, 2, 1)
    with pytest.raises(TypeError):
        layers.AveragePooling3D()  # Keras's AveragePooling3D has no default pool_size
    config = layers.AveragePooling3D(3, strides=(1, 2, 1), padding="Same", name="p").get_config()
    assert {key: config[key] for key in ("name", "pool_size", "strides", "padding",
                                         "data_format")} == {
        "name": "p", "pool_size": (3, 3, 3), "strides": (1, 2, 1), "padding": "same",
        "data_format": "channels_last"}
    again = layers.AveragePooling3D.from_config(json.loads(json.dumps(config)))
    assert again.get_config() == config


@pytest.mark.parametrize("kwargs, argument", [
    (dict(pool_size=(2, 2)), "pool_size"), (dict(pool_size=0), "pool_size"),
    (dict(pool_size=1.5), "pool_size"), (dict(strides=(1, 1, 0)), "strides"),
    (dict(padding="causal"), "padding"), (dict(data_format="channels_first"), "data_format"),
])
def test_pooling3d_rejects_bad_arguments_naming_layer_and_argument(kwargs, argument):
    for cls in (layers.MaxPooling3D, layers.AveragePooling3D):
        arguments = {"pool_size": 2, **kwargs}
        with pytest.raises(ValueError, match=rf"'my_pool'.*`?{argument}.*received"):
            cls(name="my_pool", **arguments)


def test_pooling3d_rejects_inputs_smaller_than_the_pool_or_of_the_wrong_rank():
    with pytest.raises(ValueError, match=r"MaxPooling3D 'small': input of shape \(None, 4, 1, 4, 2"
                                         r"\) is smaller than the pool \(2, 2, 2\)"):
        layers.MaxPooling3D(name="small").build_once((None, 4, 1, 4, 2))
    assert layers.MaxPooling3D(padding="same")(np.zeros((1, 4, 1, 4, 2))).shape == (1, 2, 1, 2, 2)
    with pytest.raises(ValueError, match=r"AveragePooling3D 'p' expects inputs of rank 5, "
                                         r"received shape \(None, 4, 4, 2\)"):
        keras.Sequential([keras.Input((4, 4, 2)), layers.AveragePooling3D(2, name="p")])
    model = keras.Sequential([keras.Input((None, 4, 4, 1)), layers.MaxPooling3D(name="late")])
    with pytest.raises(ValueError, match="MaxPooling3D 'late': input of shape"):
        model.predict(np.zeros((1, 1, 4, 4, 1)), verbose=0)


# ============================================================================== global pooling
@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("cls, reduce", [(layers.GlobalAveragePooling3D, np.mean),
                                         (layers.GlobalMaxPooling3D, np.max)])
def test_global_pooling3d_values_shapes_and_gradients(float64, cls, reduce, keepdims):
    layer = cls(keepdims=keepdims)
    x = data((3, 2, 4, 3, 2))
    y = layer(x)
    np.testing.assert_allclose(y, reduce(x, axis=(1, 2, 3), keepdims=keepdims), rtol=1e-12)
    expected_shape = (None, 1, 1, 1, 2) if keepdims else (None, 2)
    assert layer.compute_output_shape((None, 2, 4, 3, 2)) == expected_shape
    assert_gradients_match(layer_gradients(layer, x), {"input"})
    assert layer.get_config()["keepdims"] is keepdims


def test_global_max_pooling3d_shares_the_gradient_among_tied_maxima(float64):
    """As Keras's ``max`` reduction: a maximum held at k positions gives each 1/k of the
    gradient."""
    layer = layers.GlobalMaxPooling3D()
    x = np.zeros((1, 2, 2, 2, 1))
    x[0, 0, 1, 0, 0] = x[0, 1, 0, 1, 0] = 3.0
    layer.forward(x, training=True)
    dx = layer.backward(np.array([[6.0]]))
    expected = np.zeros_like(x)
    expected[0, 0, 1, 0, 0] = expected[0, 1, 0, 1, 0] = 3.0
    np.testing.assert_array_equal(dx, expected)


def test_global_pooling3d_arguments():
    assert not layers.GlobalAveragePooling3D().supports_masking  # as in Keras
    with pytest.raises(ValueError, match=r"GlobalMaxPooling3D 'g' expects inputs of rank 5"):
        layers.GlobalMaxPooling3D(name="g").build_once((None, 4, 4, 2))
    with pytest.raises(ValueError, match="'g': only `data_format='channels_last'`.*received"):
        layers.GlobalAveragePooling3D(data_format="channels_first", name="g")


# ============================================================================== adaptive pooling
ADAPTIVE_CASES = [  # input shape, output_size
    ((2, 4, 6, 2, 2), (2, 3, 1)),      # bins tile the input
    ((2, 5, 7, 4, 2), (3, 3, 3)),      # overlapping bins on every axis
    ((1, 3, 2, 4, 2), (5, 4, 2)),      # larger than the input along two axes: inputs repeat
    ((2, 3, 3, 3, 1), (1, 1, 1)),      # one bin: the global pooling
]


def direct_adaptive(x, output_size, reduce):
    """PyTorch's bins: ``[floor(i L / out), ceil((i + 1) L / out))`` on each axis."""
    y = np.empty((len(x),) + tuple(output_size) + (x.shape[-1],))
    for index in np.ndindex(*output_size):
        window = tuple(slice(i * size // out, -(-(i + 1) * size // out))
                       for i, size, out in zip(index, x.shape[1:4], output_size))
        block = x[(slice(None),) + window]
        y[(slice(None),) + index] = reduce(block, axis=(1, 2, 3))
    return y


@pytest.mark.parametrize("cls, reduce", [(layers.AdaptiveAveragePooling3D, np.mean),
                                         (layers.AdaptiveMaxPooling3D, np.max)])
@pytest.mark.parametrize("case", ADAPTIVE_CASES, ids=str)
def test_adaptive_pooling3d_forward_and_gradients(float64, cls, reduce, case):
    shape, output_size = case
    layer = cls(output_size)
    x = data(shape, seed=3)
    np.testing.assert_allclose(layer(x), direct_adaptive(x, output_size, reduce), rtol=1e-12,
                               atol=1e-12)
    assert layer.compute_output_shape((None,) + shape[1:]) == (None,) + output_size + shape[-1:]
    assert_gradients_match(layer_gradients(layer, x), {"input"})
    assert_inference_matches_training_and_writes_nothing(layer, x)


def test_adaptive_max_pooling3d_routes_a_tie_to_the_row_major_first_maximum():
    layer = layers.AdaptiveMaxPooling3D((1, 1, 1), dtype="float64")
    x = np.zeros((1, 2, 3, 2, 1))
    x[0, 1, 0, 0, 0] = x[0, 0, 2, 1, 0] = x[0, 0, 2, 0, 0] = 1.0
    layer.forward(x, training=True)
    dx = layer.backward(np.array([[[[[4.0]]]]]))
    expected = np.zeros_like(x)
    expected[0, 0, 2, 0, 0] = 4.0  # depth 0 comes first, then row 2, then column 0
    np.testing.assert_array_equal(dx, expected)


@pytest.mark.parametrize("output_size, stored", [(3, (3, 3, 3)), ([2, 3, 1], (2, 3, 1)),
                                                 ((np.int64(2), 1, 4), (2, 1, 4))])
def test_adaptive_pooling3d_output_size_and_config(output_size, stored):
    for cls in (layers.AdaptiveAveragePooling3D, layers.AdaptiveMaxPooling3D):
        layer = cls(output_size, name="pool")
        assert layer.output_size == stored
        config = layer.get_config()
        assert config["output_size"] == stored and config["data_format"] == "channels_last"
        assert cls.from_config(json.loads(json.dumps(config))).get_config() == config


@pytest.mark.parametrize("output_size, error", [
    ((2, 3), TypeError), ([2, 2, 2, 2], TypeError),  # Keras: not a (depth, height, width) tuple
    ((2, 1.5, 2), TypeError), ("2", TypeError), (True, TypeError), (0, ValueError),
    ((3, -1, 2), ValueError),
])
def test_adaptive_pooling3d_refuses_a_bad_output_size_naming_the_argument(output_size, error):
    for cls in (layers.AdaptiveAveragePooling3D, layers.AdaptiveMaxPooling3D):
        with pytest.raises(error, match=r"'pool': `output_size` must be .*received"):
            cls(output_size, name="pool")


def test_adaptive_pooling3d_refuses_channels_first_and_empty_inputs():
    with pytest.raises(ValueError, match="data_format='channels_last'.*received"):
        layers.AdaptiveMaxPooling3D(2, data_format="channels_first")
    with pytest.raises(ValueError, match="AdaptiveAveragePooling3D 'pool': cannot pool an empty"):
        layers.AdaptiveAveragePooling3D(2, name="pool")(np.zeros((1, 2, 0, 2, 1)))


# ============================================================================== in a model
def test_a_volume_model_gradients_match_central_differences(float64):
    model = keras.Sequential([
        keras.Input((6, 5, 6, 2)),
        layers.Dense(3, activation="tanh"),
        layers.MaxPooling3D(2, strides=1, padding="same"),
        layers.AveragePooling3D((2, 1, 2), padding="same"),
        layers.AdaptiveMaxPooling3D((2, 3, 2)),
        layers.AdaptiveAveragePooling3D(2),
        layers.GlobalMaxPooling3D(),
        layers.Dense(2),
    ])
    model.compile(optimizer="sgd", loss="mse")
    assert_model_gradients_match(model, data((3, 6, 5, 6, 2)), data((3, 2), seed=1))


@pytest.mark.parametrize("pooling", [layers.MaxPooling3D(2), layers.MaxPooling3D(3, strides=2,
                                                                                 padding="same")],
                         ids=["disjoint", "overlapping"])
def test_a_relu_into_max_pooling3d_takes_the_relu_gradient_on_the_pooled_side(float64, pooling):
    model = keras.Sequential([keras.Input((4, 5, 4, 2)), layers.Dense(3, activation="relu"),
                              pooling, layers.GlobalAveragePooling3D(), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    assert any(isinstance(step, ReluMaxPooling) for step in model._planned_steps())
    assert_model_gradients_match(model, data((3, 4, 5, 4, 2)), data((3, 1), seed=1))
