"""Rescaling: ``y = x * scale + offset`` with numbers or per-channel arrays, in the layer's float
dtype whatever the input's type; no weights; masks pass through; Keras's config (arrays as
``__numpy__``); the input gradient ``dy * scale`` against float64 central differences; clear errors
for bad values.
"""

import numpy as np
import pytest

import handkeras as keras
from handkeras import layers
from handkeras.utils.gradient_check import layer_gradients, model_gradients
from summary_text import summary_rows

RTOL = 1e-6
ATOL = 1e-9

IMAGES = np.random.default_rng(0).integers(0, 256, (5, 4, 4, 3)).astype(np.uint8)


def data(shape, seed=3):
    return np.random.default_rng(seed).standard_normal(shape)


# ------------------------------------------------------------------------------------- outputs
@pytest.mark.parametrize("scale, offset, shape", [
    (1 / 255, 0.0, (5, 4, 4, 3)),
    (1 / 127.5, -1, (5, 4, 4, 3)),
    ([0.5, 2.0, -3.0], [1.0, 0.0, -1.0], (5, 4, 4, 3)),    # per channel
    (np.array([[0.5], [2.0], [4.0], [8.0]]), 0.25, (5, 4, 3)),  # per step, shared by the channels
    (np.full((1, 1, 3), 2.0), np.arange(4.0).reshape(4, 1, 1), (5, 4, 4, 3)),
    (np.array([0.5, 2.0, 3.0]).reshape(1, 1, 1, 3), 0.0, (5, 4, 4, 3)),  # a batch axis of 1
], ids=["1/255", "to [-1, 1]", "per-channel", "per-step", "separate shapes", "batch axis"])
def test_the_output_is_x_times_scale_plus_offset(float64, scale, offset, shape):
    x = data(shape)
    layer = layers.Rescaling(scale, offset)
    expected = x * np.asarray(scale) + np.asarray(offset)
    np.testing.assert_allclose(layer(x), expected, rtol=1e-15)
    assert layer.forward(x, training=True).shape == shape
    assert layer.compute_output_shape((None,) + shape[1:]) == (None,) + shape[1:]


def test_integer_images_come_out_in_the_layer_s_float_dtype():
    """As in Keras: uint8 pixels are cast to the layer's dtype (floatx by default), then scaled in
    it."""
    y = layers.Rescaling(1 / 255)(IMAGES)
    assert y.dtype == np.float32
    np.testing.assert_array_equal(y, IMAGES.astype(np.float32) * np.float32(1 / 255))
    assert y.min() >= 0 and y.max() <= 1
    assert layers.Rescaling(1 / 255, dtype="float64")(IMAGES).dtype == np.float64
    assert layers.Rescaling(2)(IMAGES).dtype == np.float32  # integer factors too


def test_a_float64_input_is_computed_in_the_layer_s_float32():
    layer = layers.Rescaling(1 / 3)
    x = data((4, 3))
    assert layer.forward(x).dtype == np.float32
    np.testing.assert_array_equal(layer.forward(x),
                                  x.astype(np.float32) * np.float32(1 / 3) + np.float32(0))


# ------------------------------------------------------------------------------------- gradients
@pytest.mark.parametrize("scale, offset, shape", [
    (0.37, 1.5, (6, 4)),
    ([0.5, -2.0, 3.0], [1.0, 0.0, -1.0], (3, 4, 4, 3)),
    (np.array([[0.5], [2.0], [-4.0], [8.0]]), 0.25, (5, 4, 3)),
    (np.array([[[2.0, -1.0, 0.5]]]), 0.0, (3, 2, 2, 3)),
], ids=["scalar", "per-channel", "per-step", "rank-3 scale"])
def test_the_input_gradient_matches_central_differences(float64, scale, offset, shape):
    layer = layers.Rescaling(scale, offset)
    results = layer_gradients(layer, data(shape))
    assert set(results) == {"input"}  # no weights, so no weight gradients
    analytic, numeric = results["input"]
    assert analytic.shape == shape
    np.testing.assert_allclose(analytic, numeric, rtol=RTOL, atol=ATOL)
    assert layer.gradients == []


def test_backward_is_dy_times_scale_and_nothing_for_a_first_layer(float64):
    layer = layers.Rescaling([0.5, 2.0, -3.0], offset=7.0)
    x, dy = data((4, 2, 3)), data((4, 2, 3), seed=4)
    layer(x)
    layer.forward(x, training=True)
    np.testing.assert_array_equal(layer.backward(dy), dy * np.array([0.5, 2.0, -3.0]))
    assert layer.backward(dy, input_gradient=False) is None


def test_a_model_learns_through_a_rescaling_first_layer(float64):
    model = keras.Sequential([keras.Input((4, 4, 3)),
                              layers.Rescaling([1 / 255, 2 / 255, 0.5 / 255], offset=-0.5),
                              layers.Flatten(), layers.Dense(2, activation="tanh")])
    model.compile(optimizer="sgd", loss="mse")
    targets = data((5, 2))
    for (analytic, numeric), weight in zip(model_gradients(model, IMAGES, targets),
                                           model.trainable_weights):
        np.testing.assert_allclose(analytic, numeric, rtol=RTOL, atol=ATOL, err_msg=weight.path)


def test_fit_on_uint8_images_trains_the_layers_after_it():
    model = keras.Sequential([keras.Input((4, 4, 3)), layers.Rescaling(1 / 255), layers.Flatten(),
                              layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    history = model.fit(IMAGES, np.ones((5, 1)), epochs=20, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert model.layers[0].weights == []


# ------------------------------------------------------------------------------------- layer
def test_no_weights_and_a_summary_row_with_no_parameters():
    model = keras.Sequential([keras.Input((4, 4, 3)), layers.Rescaling(1 / 255)])
    layer = model.layers[0]
    assert layer.built
    assert layer.weights == layer.trainable_weights == layer.non_trainable_weights == []
    assert layer.count_params() == 0
    assert summary_rows(model) == [["rescaling (Rescaling)", "(None, 4, 4, 3)", "0"]]


def test_the_scale_and_offset_attributes_are_the_values_given():
    scale = np.array([1.0, 2.0, 3.0])
    layer = layers.Rescaling(scale)
    assert layer.scale is scale and layer.offset == 0.0


def test_a_mask_passes_through_to_the_pooling():
    ids = np.array([[3, 1, 0, 0], [2, 5, 4, 0]])

    def embedded(*after):
        model = keras.Sequential([keras.Input((4,)), layers.Embedding(6, 3, mask_zero=True),
                                  *after])
        model.layers[0].set_weights([np.arange(18.0).reshape(6, 3)])
        return model

    assert layers.Rescaling(2.0).supports_masking
    np.testing.assert_array_equal(embedded(layers.Rescaling(2.0)).forward_details(ids)[1], ids != 0)
    rescaled = embedded(layers.Rescaling(2.0), layers.GlobalAveragePooling1D())
    plain = embedded(layers.GlobalAveragePooling1D())
    np.testing.assert_allclose(rescaled.predict(ids, verbose=0), 2 * plain.predict(ids, verbose=0),
                               rtol=1e-6)


# ------------------------------------------------------------------------------------- config
def test_the_config_holds_keras_s_keys_and_values():
    assert layers.Rescaling(1 / 255, name="r").get_config() == {
        "name": "r", "trainable": True,
        "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"},
                  "registered_name": None},
        "scale": 1 / 255, "offset": 0.0}


@pytest.mark.parametrize("value, written", [
    (2, 2),                                        # an int stays an int
    (np.float32(0.5), 0.5),                        # numpy scalars as Python numbers
    (np.array(3.0), 3.0),
    ([1, 2.5, 3], [1, 2.5, 3]),                    # lists and tuples as they are
    ((0.5, 2.0), (0.5, 2.0)),
    (np.array([1.0, 2.0, 3.0]), {"class_name": "__numpy__",
                                 "config": {"value": [1.0, 2.0, 3.0], "dtype": "float64"}}),
    (np.array([[1], [2]], dtype=np.int32), {"class_name": "__numpy__",
                                            "config": {"value": [[1], [2]], "dtype": "int32"}}),
], ids=["int", "numpy scalar", "0-d array", "list", "tuple", "array", "int32 array"])
def test_scale_and_offset_are_written_as_keras_writes_them(value, written):
    config = layers.Rescaling(value, offset=value).get_config()
    assert config["scale"] == written and type(config["scale"]) is type(written)
    assert config["offset"] == written
    rebuilt = layers.Rescaling.from_config(config)
    assert rebuilt.get_config() == config
    x = data((2,) + (np.shape(value) or (3,)))
    np.testing.assert_array_equal(rebuilt(x), layers.Rescaling(value, offset=value)(x))


def test_an_array_in_a_config_comes_back_as_an_array_of_its_dtype():
    config = layers.Rescaling(np.array([0.5, 2.0], dtype=np.float32)).get_config()
    rebuilt = layers.Rescaling.from_config(config)
    assert isinstance(rebuilt.scale, np.ndarray) and rebuilt.scale.dtype == np.float32
    tensor_config = {**config, "scale": {"class_name": "__tensor__",  # Keras's torch tensor
                                         "config": {"value": [0.5, 2.0], "dtype": "float32"}}}
    np.testing.assert_array_equal(layers.Rescaling.from_config(tensor_config).scale, [0.5, 2.0])


@pytest.mark.parametrize("filename", ["model.keras", "model.h5"])
def test_a_model_with_a_per_channel_rescaling_saves_and_loads(tmp_path, filename):
    scale = np.array([1 / 255, 2 / 255, 0.5 / 255])
    model = keras.Sequential([keras.Input((4, 4, 3)), layers.Rescaling(scale, offset=-0.5),
                              layers.Conv2D(2, 3), layers.Flatten(), layers.Dense(1)])
    model.save(tmp_path / filename)
    loaded = keras.models.load_model(tmp_path / filename)
    assert isinstance(loaded.layers[0], layers.Rescaling)
    assert loaded.get_config() == model.get_config()
    np.testing.assert_array_equal(loaded.predict(IMAGES, verbose=0),
                                  model.predict(IMAGES, verbose=0))


def test_weights_files_skip_the_weightless_layer(tmp_path):
    def build():
        return keras.Sequential([keras.Input((4, 4, 3)), layers.Rescaling(1 / 127.5, offset=-1),
                                 layers.Flatten(), layers.Dense(2)])

    model = build()
    model.save_weights(tmp_path / "model.weights.h5")
    fresh = build()
    fresh.load_weights(tmp_path / "model.weights.h5")
    for loaded, saved in zip(fresh.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(loaded, saved)
    np.testing.assert_array_equal(fresh.predict(IMAGES, verbose=0),
                                  model.predict(IMAGES, verbose=0))


# ------------------------------------------------------------------------------------- errors
@pytest.mark.parametrize("value", [None, "0.5", True, 1j, {"scale": 2}, [[1, 2], [3]], ["a"],
                                   np.array([True, False])],
                         ids=["None", "string", "bool", "complex", "dict", "ragged", "strings",
                              "bool array"])
@pytest.mark.parametrize("argument", ["scale", "offset"])
def test_a_value_that_is_not_real_numbers_is_refused_naming_the_argument(argument, value):
    arguments = {"scale": 1.0, argument: value}
    with pytest.raises(ValueError, match=rf"Rescaling 'rescaling': `{argument}` must be a real "
                                         r"number or an array of them, received"):
        layers.Rescaling(**arguments)


@pytest.mark.parametrize("value", [np.nan, np.inf, [1.0, -np.inf]])
@pytest.mark.parametrize("argument", ["scale", "offset"])
def test_a_value_that_is_not_finite_is_refused(argument, value):
    with pytest.raises(ValueError, match=f"`{argument}` must be finite"):
        layers.Rescaling(**{"scale": 1.0, argument: value})


@pytest.mark.parametrize("array_config", [
    {"value": [1.0, 2.0], "dtype": "no_such_type"}, {"value": ["a", "b"], "dtype": "float64"},
    {"value": [1.0, 2.0], "dtype": "datetime64[s]"}, {"value": None, "dtype": None},
], ids=["unknown dtype", "strings", "datetimes", "no value"])
def test_a_damaged_array_in_a_config_is_refused_naming_the_argument(array_config):
    config = {**layers.Rescaling(1.0).get_config(),
              "offset": {"class_name": "__numpy__", "config": array_config}}
    with pytest.raises(ValueError, match="`offset`"):
        layers.Rescaling.from_config(config)


def test_scale_is_required_and_unknown_arguments_are_refused():
    with pytest.raises(TypeError, match="scale"):
        layers.Rescaling()
    with pytest.raises(TypeError, match="unexpected keyword argument.*'axis'"):
        layers.Rescaling(2.0, axis=-1)


@pytest.mark.parametrize("argument, shape, input_shape", [
    ("scale", (2,), (4, 3)),            # 2 values for 3 channels
    ("offset", (5, 4, 3), (4, 3)),      # would broadcast along the batch
    ("scale", (1, 1, 3), (3,)),         # more axes than the input: the output would grow
    ("offset", (3, 1), (2, 3)),         # aligned on the last axes: 3 rows for 2
    ("scale", (3,), (None,)),           # an unknown size, which the output would take from it
], ids=["channels", "batch", "rank", "aligned", "unknown size"])
def test_a_factor_that_does_not_broadcast_is_refused_when_built(argument, shape, input_shape):
    layer = layers.Rescaling(**{"scale": 1.0, argument: np.ones(shape)})
    with pytest.raises(ValueError, match=rf"Rescaling 'rescaling': `{argument}` of shape "
                                         rf"{re_shape(shape)} does not broadcast"):
        layer.build((None,) + input_shape)
    assert not layer.built
    model = keras.Sequential([keras.Input(input_shape)])
    with pytest.raises(ValueError, match=f"`{argument}`"):
        model.add(layer)
    assert model.layers == []


def re_shape(shape):
    return str(shape).replace("(", r"\(").replace(")", r"\)")


def test_setting_scale_or_offset_changes_what_the_layer_computes_as_in_keras():
    layer = layers.Rescaling(2.0)
    x = np.ones((2, 3), np.float32)
    layer(x)
    layer.scale, layer.offset = 0.5, [1.0, 2.0, 3.0]
    np.testing.assert_array_equal(layer(x), [[1.5, 2.5, 3.5]] * 2)
    assert layer.get_config()["scale"] == 0.5 and layer.get_config()["offset"] == [1.0, 2.0, 3.0]
    with pytest.raises(ValueError, match=r"`offset` of shape \(2,\) does not broadcast"):
        layer.offset = [1.0, 2.0]
    assert layer.offset == [1.0, 2.0, 3.0]
