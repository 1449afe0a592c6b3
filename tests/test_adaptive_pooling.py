"""AdaptiveAveragePooling1D/2D and AdaptiveMaxPooling1D/2D: PyTorch's bins, the forward against the
bin-by-bin definition, gradients against float64 central differences (overlapping bins, outputs
larger than inputs), first-maximum routing on ties, Keras's arguments, configs and errors.

Along an axis of length ``L`` pooled to ``out``, bin ``i`` is ``[floor(i L / out),
ceil((i + 1) L / out))``.
"""

import json
import math

import numpy as np
import pytest

import handkeras as keras
from handkeras import layers
from handkeras.layers.pooling.adaptive_pooling import adaptive_bins
from handkeras.utils.gradient_check import layer_gradients
from gradient_checks import assert_gradients_match, assert_model_gradients_match, data

KINDS = {(1, "average"): layers.AdaptiveAveragePooling1D,
         (2, "average"): layers.AdaptiveAveragePooling2D,
         (1, "max"): layers.AdaptiveMaxPooling1D, (2, "max"): layers.AdaptiveMaxPooling2D}

CASES = [  # input shape (batch included), output_size
    ((2, 6, 3), (3,)),           # bins tile the input: [0, 2), [2, 4), [4, 6)
    ((2, 7, 2), (3,)),           # overlapping bins: [0, 3), [2, 5), [4, 7)
    ((2, 5, 2), (4,)),           # overlapping, sizes 2
    ((2, 3, 2), (5,)),           # output larger than input: inputs repeat
    ((2, 4, 2), (1,)),           # one bin: the global pooling
    ((2, 6, 4, 3), (3, 2)),
    ((2, 7, 5, 2), (3, 4)),      # overlapping on both axes
    ((2, 3, 2, 2), (5, 4)),      # larger on both axes
    ((1, 5, 6, 2), (5, 3)),      # one axis unchanged
    ((2, 4, 7, 1), (2, 9)),      # one axis shrinks, the other grows
]


def case_id(case):
    return f"{case[0]}-to{case[1]}"


def make(mode, output_size, **kwargs):
    return KINDS[len(output_size), mode](output_size, **kwargs)


def direct(x, output_size, reduce):
    """The definition, bin by bin, as PyTorch states it."""
    rank = len(output_size)
    spatial = x.shape[1:1 + rank]
    y = np.empty((len(x),) + tuple(output_size) + (x.shape[-1],))
    for index in np.ndindex(*output_size):
        window = tuple(slice(math.floor(i * size / out), math.ceil((i + 1) * size / out))
                       for i, size, out in zip(index, spatial, output_size))
        block = x[(slice(None),) + window]
        y[(slice(None),) + index] = reduce(block.reshape(len(x), -1, x.shape[-1]), axis=1)
    return y


def test_bins_are_pytorch_s():
    assert adaptive_bins(6, 3) == [(0, 2), (2, 4), (4, 6)]
    assert adaptive_bins(7, 3) == [(0, 3), (2, 5), (4, 7)]  # neighbours share an input
    assert adaptive_bins(5, 4) == [(0, 2), (1, 3), (2, 4), (3, 5)]
    assert adaptive_bins(3, 5) == [(0, 1), (0, 2), (1, 2), (1, 3), (2, 3)]  # inputs repeat
    assert adaptive_bins(4, 1) == [(0, 4)]


@pytest.mark.parametrize("mode, reduce", [("average", np.mean), ("max", np.max)])
@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_forward_is_the_bin_by_bin_definition(float64, case, mode, reduce):
    shape, output_size = case
    layer = make(mode, output_size)
    x = data(shape)
    y = layer(x)
    assert y.shape == (shape[0],) + output_size + (shape[-1],)
    np.testing.assert_allclose(y, direct(x, output_size, reduce), rtol=1e-12, atol=1e-12)
    assert layer.compute_output_shape((None,) + shape[1:]) == (None,) + output_size + shape[-1:]


@pytest.mark.parametrize("mode", ["average", "max"])
@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_gradients(float64, case, mode):
    shape, output_size = case
    assert_gradients_match(layer_gradients(make(mode, output_size), data(shape, seed=3)),
                           expected_names=["input"])


def test_average_gradient_spreads_over_each_bin_and_adds_where_bins_overlap():
    layer = layers.AdaptiveAveragePooling1D(3)
    layer.forward(np.zeros((1, 7, 1)), training=True)  # bins [0, 3), [2, 5), [4, 7)
    dx = layer.backward(np.array([[[3.0], [6.0], [9.0]]]))
    np.testing.assert_allclose(dx[0, :, 0], [1, 1, 1 + 2, 2, 2 + 3, 3, 3])


def test_max_gradient_goes_to_the_first_maximum_of_each_bin_row_major():
    layer = layers.AdaptiveMaxPooling2D((1, 2))
    x = np.zeros((1, 3, 4, 1))
    x[0, 1, 1] = x[0, 2, 0] = x[0, 0, 3] = x[0, 2, 3] = 1.0  # two tied maxima in each bin
    y = layer.forward(x, training=True)
    np.testing.assert_array_equal(y[0, :, :, 0], [[1.0, 1.0]])
    dx = layer.backward(np.array([[[[5.0], [7.0]]]]))
    expected = np.zeros((3, 4))
    expected[1, 1], expected[0, 3] = 5.0, 7.0  # not (2, 0) nor (2, 3)
    np.testing.assert_array_equal(dx[0, :, :, 0], expected)


def test_a_repeated_maximum_collects_the_gradient_of_every_bin_it_wins():
    layer = layers.AdaptiveMaxPooling1D(5)  # bins: [0, 1), [0, 2), [1, 2), [1, 3), [2, 3)
    layer.forward(np.array([[[1.0], [4.0], [2.0]]]), training=True)
    dx = layer.backward(np.array([[[1.0], [2.0], [3.0], [4.0], [5.0]]]))
    np.testing.assert_array_equal(dx[0, :, 0], [1.0, 2 + 3 + 4, 5.0])


@pytest.mark.parametrize("mode", ["average", "max"])
def test_inference_keeps_no_state_and_any_input_size_gives_the_output_size(mode):
    layer = make(mode, (2, 3))
    layer.build_once((None, None, None, 3))
    for size in [(2, 2), (5, 7), (9, 4)]:
        before = dict(vars(layer))
        y = layer(np.ones((2,) + size + (3,), "float32"))
        assert y.shape == (2, 2, 3, 3) and y.dtype == np.float32
        assert vars(layer).keys() == before.keys()


def test_a_model_with_unknown_spatial_sizes_trains_and_predicts_any_size(float64):
    model = keras.Sequential([
        keras.Input((None, None, 2)),
        layers.Conv2D(3, 2, activation="tanh"),
        layers.AdaptiveMaxPooling2D((3, 2)),
        layers.AdaptiveAveragePooling2D(2),
        layers.Flatten(),
        layers.Dense(2),
    ])
    assert model.output_shape == (None, 2)
    model.compile(optimizer="sgd", loss="mse")
    assert_model_gradients_match(model, data((3, 6, 5, 2)), data((3, 2), seed=1))
    assert model.predict(data((2, 9, 4, 2)), verbose=0).shape == (2, 2)


def test_1d_model_gradients(float64):
    model = keras.Sequential([keras.Input((5, 2)), layers.Dense(3, activation="tanh"),
                              layers.AdaptiveAveragePooling1D(7), layers.AdaptiveMaxPooling1D(3),
                              layers.Flatten(), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    assert_model_gradients_match(model, data((4, 5, 2)), data((4, 1), seed=1))


# ============================================================================== arguments
@pytest.mark.parametrize("cls, output_size, stored", [
    (layers.AdaptiveAveragePooling1D, 4, (4,)),
    (layers.AdaptiveMaxPooling1D, [3], (3,)),
    (layers.AdaptiveAveragePooling2D, 5, (5, 5)),
    (layers.AdaptiveMaxPooling2D, [2, 3], (2, 3)),
    (layers.AdaptiveMaxPooling2D, (np.int64(2), 3), (2, 3)),
])
def test_output_size_and_config(cls, output_size, stored):
    layer = cls(output_size, name="pool")
    assert layer.output_size == stored
    config = layer.get_config()
    assert config == {"name": "pool", "trainable": True,
                      "dtype": {"module": "keras", "class_name": "DTypePolicy",
                                "config": {"name": "float32"}, "registered_name": None},
                      "output_size": stored, "data_format": "channels_last"}
    again = cls.from_config(json.loads(json.dumps(config)))
    assert again.get_config() == config
    assert not layer.weights


@pytest.mark.parametrize("cls, output_size, error", [
    (layers.AdaptiveAveragePooling1D, (2, 3), ValueError),  # Keras: a 1D tuple of length != 1
    (layers.AdaptiveMaxPooling1D, [], ValueError),
    (layers.AdaptiveAveragePooling2D, (2, 3, 4), TypeError),  # Keras: not a (height, width) pair
    (layers.AdaptiveMaxPooling2D, [2], TypeError),
    (layers.AdaptiveMaxPooling1D, 2.0, TypeError),
    (layers.AdaptiveMaxPooling2D, "2", TypeError),
    (layers.AdaptiveAveragePooling2D, (2, 1.5), TypeError),
    (layers.AdaptiveAveragePooling1D, True, TypeError),
    (layers.AdaptiveAveragePooling1D, 0, ValueError),
    (layers.AdaptiveMaxPooling2D, (3, -1), ValueError),
])
def test_bad_output_size_is_refused_naming_the_argument(cls, output_size, error):
    with pytest.raises(error, match=r"'pool': `output_size` must be .*received"):
        cls(output_size, name="pool")


@pytest.mark.parametrize("cls", list(KINDS.values()))
def test_channels_first_and_unknown_formats_are_refused(cls):
    assert cls(2, data_format="channels_last").get_config()["data_format"] == "channels_last"
    for data_format in ["channels_first", "nhwc"]:
        with pytest.raises(ValueError, match="data_format='channels_last'.*received"):
            cls(2, data_format=data_format)


@pytest.mark.parametrize("cls, shape", [(layers.AdaptiveAveragePooling1D, (None, 4, 3, 2)),
                                        (layers.AdaptiveMaxPooling2D, (None, 4, 3))])
def test_inputs_of_the_wrong_rank_are_refused_when_added(cls, shape):
    model = keras.Sequential([keras.Input(shape[1:])])
    with pytest.raises(ValueError, match=f"{cls.__name__} 'pool' expects inputs of rank"):
        model.add(cls(2, name="pool"))
    assert len(model.layers) == 0


@pytest.mark.parametrize("cls", list(KINDS.values()))
def test_an_empty_input_is_refused_naming_the_layer(cls):
    shape = (2, 0, 3) if cls.__name__.endswith("1D") else (2, 3, 0, 1)
    with pytest.raises(ValueError, match=f"{cls.__name__} 'pool': cannot pool an empty input"):
        cls(2, name="pool")(np.zeros(shape))
