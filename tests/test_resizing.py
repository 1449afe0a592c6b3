"""Resizing and CenterCrop: values on small hand-computed cases (half-pixel centres, nearest,
bilinear, bicubic, antialiasing, cropping and padding to the aspect ratio, CenterCrop's resize of
small images), the types and shapes they return, input gradients against float64 central
differences, Keras's configs and files, clear errors, and models that train through them.

Keras's own values for many sizes are in ``tests/reference/test_keras_resizing.py``.
"""

import json

import numpy as np
import pytest

import handkeras as keras
from gradient_checks import assert_gradients_match, data
from handkeras import layers
from handkeras.utils.gradient_check import layer_gradients, model_gradients, numerical_gradient
from summary_text import summary_rows


def row(*values):
    """One single-channel image of one row."""
    return np.array(values, dtype=np.float64).reshape(1, 1, -1, 1)


def column(*values):
    """One single-channel image of one column."""
    return np.array(values, dtype=np.float64).reshape(1, -1, 1, 1)


def flat(y):
    return np.asarray(y).reshape(-1)


# ------------------------------------------------------------------------------------- values
def test_bilinear_uses_half_pixel_centres_and_repeats_the_edge_pixels(float64):
    """Output pixel i is centred on input position (i + 0.5) * size / new_size: upsampling
    [0, 1] to 4 pixels reads 0.25 - 0.5 (before the first centre: the edge), 0.75, 1.25, 1.75."""
    np.testing.assert_allclose(flat(layers.Resizing(1, 4)(row(0, 1))), [0, 0.25, 0.75, 1])
    np.testing.assert_allclose(flat(layers.Resizing(2, 1)(column(0, 1, 2, 3))), [0.5, 2.5])
    np.testing.assert_allclose(flat(layers.Resizing(1, 2)(row(0, 1, 2))), [0.25, 1.75])


def test_both_axes_are_interpolated(float64):
    image = np.array([[0.0, 1.0], [2.0, 3.0]]).reshape(1, 2, 2, 1)
    expected = [[0, 0.25, 0.75, 1], [0.5, 0.75, 1.25, 1.5], [1.5, 1.75, 2.25, 2.5],
                [2, 2.25, 2.75, 3]]
    np.testing.assert_allclose(layers.Resizing(4, 4)(image)[0, ..., 0], expected)


def test_nearest_reads_the_pixel_under_each_centre(float64):
    """Torch's 'nearest-exact', which Keras uses: pixel floor((i + 0.5) * size / new_size)."""
    nearest = dict(interpolation="nearest")
    np.testing.assert_array_equal(flat(layers.Resizing(1, 5, **nearest)(row(7, 8))),
                                  [7, 7, 8, 8, 8])
    np.testing.assert_array_equal(flat(layers.Resizing(1, 2, **nearest)(row(0, 1, 2, 3, 4))),
                                  [1, 3])


def test_bicubic_mixes_four_pixels_by_keys_s_kernel(float64):
    """4 to 8 pixels: output 3 reads position 1.25, so pixels 0..3 with Keys's weights (a = -0.75)
    for the distances 1.25, 0.25, 0.75 and 1.75."""
    weights = np.array([-0.10546875, 0.87890625, 0.26171875, -0.03515625])
    y = flat(layers.Resizing(1, 8, interpolation="bicubic")(row(1, 10, 100, 1000)))
    np.testing.assert_allclose(y[3], weights @ [1, 10, 100, 1000])
    constant = np.full((1, 3, 5, 2), 0.7)
    np.testing.assert_allclose(layers.Resizing(7, 2, interpolation="bicubic")(constant), 0.7)


def test_antialiasing_widens_the_kernel_when_shrinking(float64):
    """Shrinking 4 pixels to 2 with antialias: a triangle twice as wide, centred on 1 and 3,
    reaches 3 pixels each ([3, 3, 1] / 7 and [1, 3, 3] / 7) instead of 2."""
    image = column(0, 1, 2, 3)
    np.testing.assert_allclose(flat(layers.Resizing(2, 1, antialias=True)(image)),
                               [5 / 7, 16 / 7])
    np.testing.assert_allclose(flat(layers.Resizing(2, 1)(image)), [0.5, 2.5])
    np.testing.assert_array_equal(  # nothing to smooth for nearest, as in Keras
        layers.Resizing(2, 1, interpolation="nearest", antialias=True)(image),
        layers.Resizing(2, 1, interpolation="nearest")(image))


@pytest.mark.parametrize("interpolation", ["bilinear", "nearest", "bicubic"])
def test_images_of_the_target_size_come_back_unchanged(float64, interpolation):
    x = data((2, 3, 4, 2))
    np.testing.assert_allclose(layers.Resizing(3, 4, interpolation=interpolation)(x), x,
                               rtol=1e-15)


def test_crop_to_aspect_ratio_crops_the_largest_centred_window_first(float64):
    x = data((2, 4, 8, 3))
    expected = layers.Resizing(2, 2)(x[:, :, 2:6])  # the centred 4 x 4 window
    np.testing.assert_allclose(layers.Resizing(2, 2, crop_to_aspect_ratio=True)(x), expected)


def test_pad_to_aspect_ratio_frames_the_images_with_the_fill_value(float64):
    x = data((2, 2, 4, 1))
    y = layers.Resizing(4, 4, pad_to_aspect_ratio=True, fill_value=-1.0)(x)
    np.testing.assert_allclose(y[:, 1:3], x)
    np.testing.assert_array_equal(y[:, [0, 3]], -1.0)


def test_pad_to_aspect_ratio_pads_both_sides_alike_as_keras(float64):
    """Keras pads each side by half the missing rows, rounded down: one missing row is not
    padded, so the image is stretched to the target instead."""
    x = data((1, 3, 4, 1))
    np.testing.assert_array_equal(layers.Resizing(4, 4, pad_to_aspect_ratio=True)(x),
                                  layers.Resizing(4, 4)(x))


def test_channels_first_and_single_images_give_the_same_values(float64):
    x = data((2, 5, 7, 3))
    expected = layers.Resizing(3, 4)(x)
    channels_first = layers.Resizing(3, 4, data_format="channels_first")
    np.testing.assert_allclose(channels_first(x.transpose(0, 3, 1, 2)),
                               expected.transpose(0, 3, 1, 2), rtol=1e-15)
    np.testing.assert_allclose(layers.Resizing(3, 4)(x[1]), expected[1], rtol=1e-15)


def test_a_nan_reaches_only_the_outputs_that_read_it(float64):
    x = np.zeros((1, 6, 6, 1))
    x[0, 0, 0, 0] = np.nan
    nans = np.isnan(layers.Resizing(3, 3)(x)[0, ..., 0])
    np.testing.assert_array_equal(np.argwhere(nans), [[0, 0]])


# ------------------------------------------------------------------------------------- types
def test_integer_images_come_back_in_their_type_rounded_half_to_even_as_keras():
    np.testing.assert_array_equal(
        layers.Resizing(1, 4)(np.array([[[[0], [1]]]], dtype=np.uint8)).reshape(-1), [0, 0, 1, 1])
    halves = layers.Resizing(1, 1)(np.array([[[[3], [4]]], [[[4], [5]]]], dtype=np.uint8))
    assert halves.dtype == np.uint8
    np.testing.assert_array_equal(halves.reshape(-1), [4, 4])  # 3.5 and 4.5 go to the even 4
    overshoot = layers.Resizing(1, 8, interpolation="bicubic")(
        np.array([[[[0], [0], [255], [255]]]], dtype=np.uint8))
    assert overshoot.min() == 0 and overshoot.max() == 255  # clipped to the type's range
    assert layers.Resizing(2, 2)(np.zeros((4, 4, 3), np.int16)).dtype == np.int16


def test_bool_images_are_true_wherever_the_resized_value_is_not_zero():
    mask = np.array([[True, False], [False, False]]).reshape(1, 2, 2, 1)
    np.testing.assert_array_equal(layers.Resizing(3, 3)(mask)[0, ..., 0],
                                  [[True, True, False], [True, True, False],
                                   [False, False, False]])


def test_float_images_come_back_in_the_layer_s_dtype():
    assert layers.Resizing(2, 2)(data((1, 4, 4, 1))).dtype == np.float32
    assert layers.Resizing(2, 2, dtype="float64")(data((1, 4, 4, 1))).dtype == np.float64
    assert layers.CenterCrop(2, 2)(np.zeros((1, 4, 4, 1), np.uint8)).dtype == np.float32


# ------------------------------------------------------------------------------------- CenterCrop
def test_center_crop_takes_the_centre_window_with_offsets_rounded_down(float64):
    x = data((2, 5, 6, 3))
    np.testing.assert_array_equal(layers.CenterCrop(2, 3)(x), x[:, 1:3, 1:4])
    np.testing.assert_array_equal(layers.CenterCrop(5, 6)(x), x)
    channels_first = x.transpose(0, 3, 1, 2)
    np.testing.assert_array_equal(
        layers.CenterCrop(2, 2, data_format="channels_first")(channels_first),
        channels_first[:, :, 1:3, 2:4])


@pytest.mark.parametrize("shape", [(2, 2, 6, 1), (2, 6, 3, 2), (2, 3, 3, 1)],
                         ids=["lower", "narrower", "smaller"])
def test_center_crop_resizes_images_smaller_than_the_window_as_keras(float64, shape):
    """Smaller in height or width (or both): the largest centred window of the target's aspect
    ratio, resized to it bilinearly (Keras's smart_resize)."""
    x = data(shape)
    expected = layers.Resizing(4, 4, crop_to_aspect_ratio=True)(x)
    np.testing.assert_array_equal(layers.CenterCrop(4, 4)(x), expected)
    if shape[1:3] == (2, 6):
        np.testing.assert_allclose(expected, layers.Resizing(4, 4)(x[:, :, 2:4]))


# ------------------------------------------------------------------------------------- shapes
@pytest.mark.parametrize("make", [lambda **k: layers.Resizing(3, 5, **k),
                                  lambda **k: layers.CenterCrop(3, 5, **k)],
                         ids=["Resizing", "CenterCrop"])
def test_output_shapes_replace_the_image_size_known_or_not(make):
    assert make().compute_output_shape((None, 9, 10, 2)) == (None, 3, 5, 2)
    assert make().compute_output_shape((None, None, None, 2)) == (None, 3, 5, 2)
    assert make().compute_output_shape((9, 10, 2)) == (3, 5, 2)  # one image
    assert make(data_format="channels_first").compute_output_shape((4, 2, None, 7)) == \
        (4, 2, 3, 5)
    with pytest.raises(ValueError, match=r"rank 4.*rank 3.*\(None, 9\)"):
        make().compute_output_shape((None, 9))


def test_a_layer_called_directly_takes_images_of_any_size():
    layer = layers.Resizing(3, 3)
    assert layer(data((2, 6, 6, 1))).shape == (2, 3, 3, 1)
    assert layer(data((1, 2, 9, 4))).shape == (1, 3, 3, 4)
    assert layer(data((5, 7, 3))).shape == (3, 3, 3)


def test_inputs_that_are_not_images_are_refused():
    with pytest.raises(ValueError, match=r"Resizing 'resizing'.*rank 4.*rank 3.*\(2, 3\)"):
        layers.Resizing(2, 2)(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"CenterCrop 'center_crop'.*rank 4.*\(None, 5\)"):
        keras.Sequential([keras.Input((5,)), layers.CenterCrop(2, 2)])


# ------------------------------------------------------------------------------------- gradients
GRADIENT_CASES = {
    "bilinear, up": (lambda: layers.Resizing(7, 9), (2, 4, 5, 2)),
    "bilinear, down": (lambda: layers.Resizing(3, 2), (2, 7, 5, 2)),
    "nearest, up and down": (lambda: layers.Resizing(7, 3, interpolation="nearest"),
                             (2, 4, 5, 2)),
    "bicubic": (lambda: layers.Resizing(6, 3, interpolation="bicubic"), (2, 4, 7, 1)),
    "antialiased": (lambda: layers.Resizing(2, 3, antialias=True), (2, 7, 8, 1)),
    "antialiased bicubic": (lambda: layers.Resizing(3, 2, interpolation="bicubic",
                                                    antialias=True), (1, 8, 7, 2)),
    "crop to aspect ratio": (lambda: layers.Resizing(3, 3, crop_to_aspect_ratio=True),
                             (2, 4, 7, 2)),
    "pad to aspect ratio": (lambda: layers.Resizing(3, 5, pad_to_aspect_ratio=True,
                                                    fill_value=0.5), (2, 4, 4, 2)),
    "channels first": (lambda: layers.Resizing(3, 5, data_format="channels_first"),
                       (2, 2, 4, 3)),
    "center crop": (lambda: layers.CenterCrop(2, 3), (2, 5, 6, 2)),
    "center crop, resized": (lambda: layers.CenterCrop(4, 3), (2, 3, 6, 2)),
}


@pytest.mark.parametrize("case", sorted(GRADIENT_CASES))
def test_the_input_gradient_matches_central_differences(float64, case):
    factory, shape = GRADIENT_CASES[case]
    layer = factory()
    results = layer_gradients(layer, data(shape))
    assert set(results) == {"input"}  # no weights
    assert results["input"][0].shape == shape
    assert_gradients_match(results)


def test_the_input_gradient_of_one_image_matches_central_differences(float64):
    layer = layers.Resizing(5, 3, data_format="channels_first")
    image, upstream = data((2, 4, 6)), data((2, 5, 3), seed=4)
    layer(image)
    analytic = layer.backward(upstream)
    numeric = numerical_gradient(lambda: float(np.sum(layer(image) * upstream)), image)
    assert_gradients_match({"input": (analytic, numeric)})


def test_inference_writes_nothing_and_a_first_layer_skips_its_input_gradient():
    layer = layers.Resizing(3, 3)
    layer.build((None, 6, 6, 1))
    before = dict(vars(layer))
    layer.forward(data((2, 6, 6, 1)))
    assert vars(layer) == before
    layer.forward(data((2, 6, 6, 1)), training=True)
    assert layer.backward(data((2, 3, 3, 1)), input_gradient=False) is None


# ------------------------------------------------------------------------------------- in a model
def images(count, height, width, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (count, height, width, 3)).astype(np.uint8)


def test_a_model_of_any_image_size_resizes_rescales_and_trains():
    """keras.io's small image models: Input((None, None, 3)), Resizing, Rescaling, a network."""
    model = keras.Sequential([keras.Input((None, None, 3)), layers.Resizing(8, 8),
                              layers.Rescaling(1 / 255), layers.Conv2D(4, 3, activation="relu"),
                              layers.Flatten(), layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    x = images(16, 12, 10)
    y = x.mean(axis=(1, 2, 3))[:, None] / 255
    history = model.fit(x, y, epochs=20, batch_size=8, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert model.predict(images(3, 5, 17), verbose=0).shape == (3, 1)
    assert summary_rows(model)[0] == ["resizing (Resizing)", "(None, 8, 8, 3)", "0"]


@pytest.mark.parametrize("layer", [lambda: layers.Resizing(4, 3, interpolation="bicubic"),
                                   lambda: layers.CenterCrop(3, 3)],
                         ids=["Resizing", "CenterCrop"])
def test_the_gradient_flows_through_the_layer_after_a_trainable_one(float64, layer):
    model = keras.Sequential([keras.Input((6, 5, 1)), layers.Conv2D(2, 2), layer(),
                              layers.Flatten(), layers.Dense(1)])
    model.compile(loss="mse")
    for (analytic, numeric), weight in zip(model_gradients(model, data((3, 6, 5, 1)),
                                                           data((3, 1))),
                                           model.trainable_weights):
        assert_gradients_match({weight.path: (analytic, numeric)})


# ------------------------------------------------------------------------------------- config
def test_the_configs_hold_keras_s_keys_values_and_order():
    dtype = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"},
             "registered_name": None}
    resizing = layers.Resizing(3, 5, name="r").get_config()
    assert resizing == {"name": "r", "trainable": True, "dtype": dtype,
                        "data_format": "channels_last", "height": 3, "width": 5,
                        "interpolation": "bilinear", "crop_to_aspect_ratio": False,
                        "pad_to_aspect_ratio": False, "fill_mode": "constant", "fill_value": 0.0,
                        "antialias": False}
    assert list(resizing) == ["name", "trainable", "dtype", "data_format", "height", "width",
                              "interpolation", "crop_to_aspect_ratio", "pad_to_aspect_ratio",
                              "fill_mode", "fill_value", "antialias"]
    crop = layers.CenterCrop(2, 4, name="c", data_format="channels_first").get_config()
    assert crop == {"name": "c", "trainable": True, "dtype": dtype,
                    "data_format": "channels_first", "height": 2, "width": 4}
    assert list(crop) == ["name", "trainable", "dtype", "data_format", "height", "width"]


def test_arguments_are_kept_as_given_but_antialias_as_a_bool_as_keras():
    config = layers.Resizing(3, 5, crop_to_aspect_ratio=1, fill_value=2, antialias=1).get_config()
    assert config["crop_to_aspect_ratio"] == 1 and config["fill_value"] == 2
    assert config["antialias"] is True


@pytest.mark.parametrize("make", [
    lambda: layers.Resizing(3, 5, interpolation="nearest", pad_to_aspect_ratio=True,
                            fill_value=-1.5, data_format="channels_first"),
    lambda: layers.Resizing(4, 2, interpolation="bicubic", crop_to_aspect_ratio=True,
                            antialias=True, dtype="float64"),
    lambda: layers.CenterCrop(3, 3, data_format="channels_first"),
], ids=["Resizing padding", "Resizing cropping", "CenterCrop"])
def test_from_config_rebuilds_the_same_layer(make):
    layer = make()
    config = json.loads(json.dumps(layer.get_config()))
    rebuilt = type(layer).from_config(config)
    assert rebuilt.get_config() == layer.get_config()
    x = data((2, 3, 6, 5))
    np.testing.assert_array_equal(rebuilt(x), layer(x))


def build_image_model():
    return keras.Sequential([keras.Input((None, None, 3)),
                             layers.Resizing(6, 6, interpolation="bicubic",
                                             pad_to_aspect_ratio=True, fill_value=127.0),
                             layers.CenterCrop(4, 4), layers.Rescaling(1 / 255),
                             layers.Conv2D(2, 3), layers.Flatten(), layers.Dense(1)])


@pytest.mark.parametrize("filename", ["model.keras", "model.h5"])
def test_a_model_with_both_layers_saves_and_loads(tmp_path, filename):
    model = build_image_model()
    model.save(tmp_path / filename)
    loaded = keras.models.load_model(tmp_path / filename)
    assert [type(layer) for layer in loaded.layers[:2]] == [layers.Resizing, layers.CenterCrop]
    assert loaded.get_config() == model.get_config()
    x = images(3, 7, 9)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    from_json = keras.models.model_from_json(model.to_json())
    assert from_json.get_config() == model.get_config()


def test_weights_files_skip_the_weightless_layers(tmp_path):
    model = build_image_model()
    model.save_weights(tmp_path / "model.weights.h5")
    fresh = build_image_model()
    fresh.load_weights(tmp_path / "model.weights.h5")
    x = images(3, 9, 5)
    np.testing.assert_array_equal(fresh.predict(x, verbose=0), model.predict(x, verbose=0))
    assert model.layers[0].weights == model.layers[1].weights == []


# ------------------------------------------------------------------------------------- errors
@pytest.mark.parametrize("make, error, words", [
    (lambda: layers.Resizing(0, 3), ValueError, ["Resizing 'resizing", "`height`", "received 0"]),
    (lambda: layers.Resizing(3, -2), ValueError, ["`width`", "positive", "received -2"]),
    (lambda: layers.Resizing(2.5, 3), TypeError, ["`height` must be an integer", "2.5"]),
    (lambda: layers.Resizing(3, "4"), TypeError, ["`width`", "'4'"]),
    (lambda: layers.Resizing(True, 3), TypeError, ["`height`", "True"]),
    (lambda: layers.Resizing(3, 3, interpolation="area"), ValueError,
     ["`interpolation`", "'area'", "'bilinear'"]),
    (lambda: layers.Resizing(3, 3, interpolation="lanczos3"), NotImplementedError,
     ["Resizing 'resizing", "interpolation='lanczos3'", "not supported"]),
    (lambda: layers.Resizing(3, 3, fill_mode="reflect"), ValueError,
     ["`fill_mode`", "'constant'", "'reflect'"]),
    (lambda: layers.Resizing(3, 3, crop_to_aspect_ratio=True, pad_to_aspect_ratio=True),
     ValueError, ["`crop_to_aspect_ratio`", "`pad_to_aspect_ratio`"]),
    (lambda: layers.Resizing(3, 3, fill_value="black"), TypeError, ["`fill_value`", "'black'"]),
    (lambda: layers.Resizing(3, 3, fill_value=None), TypeError, ["`fill_value`", "None"]),
    (lambda: layers.Resizing(3, 3, data_format="nhwc"), ValueError, ["`data_format`", "'nhwc'"]),
    (lambda: layers.CenterCrop(3, 0), ValueError, ["CenterCrop 'center_crop", "`width`"]),
    (lambda: layers.CenterCrop(None, 3), TypeError, ["`height`", "None"]),
    (lambda: layers.CenterCrop(3, 3, interpolation="nearest"), TypeError, ["interpolation"]),
])
def test_bad_arguments_name_the_layer_and_the_argument(make, error, words):
    with pytest.raises(error) as info:
        make()
    for word in words:
        assert word in str(info.value)
