"""The image augmentation layers (RandomFlip, RandomRotation, RandomZoom, RandomTranslation,
RandomContrast, RandomBrightness, RandomCrop): each transform for fixed parameters against a hand-
computed result; the identity in inference; random parameters per image in training, uniform on the
factor's range and reproducible with ``set_random_seed`` or ``seed=``; input gradients against
float64 central differences; clear errors for bad arguments; a model with an augmentation block
trains.

Parameters are fixed by a factor range of one value (``factor=(a, a)``), or by replacing a layer's
``draw`` (the flips, the crop window, the contrasts).
"""

import numpy as np
import pytest

import handkeras as keras
from handkeras import layers
from handkeras.utils.gradient_check import layer_gradients, model_gradients, numerical_gradient
from summary_text import summary_rows

RTOL = 1e-6
ATOL = 1e-9


def data(shape, seed=3):
    return np.random.default_rng(seed).standard_normal(shape)


def ramp(height, width):
    """One single-channel image whose pixel ``(y, x)`` is ``10 y + x``."""
    rows, cols = np.mgrid[:height, :width]
    return (10.0 * rows + cols)[None, :, :, None]


def fixed(layer, parameters):
    """``layer`` drawing ``parameters`` on every call."""
    layer.draw = lambda shape, rng: parameters
    return layer


def train(layer, x):
    return layer(x, training=True)


# ------------------------------------------------------------------------------------- RandomFlip
@pytest.mark.parametrize("mode, flipped", [
    ("horizontal", lambda x: x[:, ::-1]),
    ("vertical", lambda x: x[::-1]),
    ("horizontal_and_vertical", lambda x: x[::-1, ::-1]),
])
def test_flip_mirrors_the_chosen_images_only(float64, mode, flipped):
    x = data((3, 4, 5, 2))
    y = train(fixed(layers.RandomFlip(mode), np.array([True, False, True])), x)
    for image, out, flips in zip(x, y, [True, False, True]):
        np.testing.assert_array_equal(out, flipped(image) if flips else image)


def test_flip_of_channels_first_and_of_one_image(float64):
    x = data((2, 3, 4, 5))
    y = train(fixed(layers.RandomFlip("horizontal", data_format="channels_first"),
                    np.array([True, True])), x)
    np.testing.assert_array_equal(y, x[..., ::-1])
    image = data((4, 5, 3))
    single = train(fixed(layers.RandomFlip("vertical"), np.array([True])), image)
    np.testing.assert_array_equal(single, image[::-1])


def test_flip_draws_about_half_of_the_images():
    flips = layers.RandomFlip().draw((4000, 2, 2, 1), np.random.default_rng(0))
    assert flips.shape == (4000,) and abs(flips.mean() - 0.5) < 0.03


# ------------------------------------------------------------------------------------- affine
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
def test_a_quarter_turn_rotates_counter_clockwise(interpolation):
    x = data((2, 5, 5, 3))
    y = train(layers.RandomRotation((0.25, 0.25), interpolation=interpolation), x.astype("f4"))
    np.testing.assert_allclose(y, np.rot90(x, axes=(1, 2)), rtol=1e-5, atol=1e-6)
    half = train(layers.RandomRotation((-0.5, -0.5)), x.astype("f4"))
    np.testing.assert_allclose(half, x[:, ::-1, ::-1], rtol=1e-5, atol=1e-6)


def test_zooming_in_by_half_spreads_the_centre_bilinearly(float64):
    """Zoom ``1 - 0.5``: output pixel ``x`` reads input ``0.5 x + (width - 1) / 4``, and bilinear
    interpolation of a ramp is the ramp itself at that point."""
    y = train(layers.RandomZoom((-0.5, -0.5)), ramp(5, 9))
    rows, cols = np.mgrid[:5, :9]
    np.testing.assert_allclose(y[0, ..., 0], 10 * (0.5 * rows + 1) + 0.5 * cols + 2, rtol=1e-12)


def test_zooming_out_fills_the_border_and_width_zooms_on_its_own(float64):
    """Height zoom ``1 + 1``: row ``y`` reads row ``2 y - 2`` (rows 0 and 4 fall outside, and get
    ``fill_value``); width zoom 1: unchanged columns."""
    y = train(layers.RandomZoom((1.0, 1.0), width_factor=(0, 0), fill_mode="constant",
                                fill_value=-1.0), ramp(5, 3))
    expected = np.full((5, 3), -1.0)
    expected[1:4] = ramp(5, 3)[0, [0, 2, 4], :, 0]
    np.testing.assert_array_equal(y[0, ..., 0], expected)


@pytest.mark.parametrize("fill_mode, top_row, right_columns", [
    ("reflect", 0, [3, 2]),
    ("wrap", 3, [0, 1]),
    ("nearest", 0, [3, 3]),
    ("constant", None, [None, None]),
])
def test_translation_shifts_and_fills_as_the_fill_mode_says(float64, fill_mode, top_row,
                                                            right_columns):
    """Down one row of 4 and left two columns of 4: the new top row and the two new right columns
    come from the rows and columns ``fill_mode`` gives (None: ``fill_value``)."""
    x = ramp(4, 4)
    y = train(layers.RandomTranslation((0.25, 0.25), (-0.5, -0.5), fill_mode=fill_mode,
                                       fill_value=7.0), x)[0, ..., 0]
    source_rows = [top_row, 0, 1, 2]
    source_cols = [2, 3] + right_columns
    for row, source_row in enumerate(source_rows):
        for col, source_col in enumerate(source_cols):
            expected = 7.0 if None in (source_row, source_col) else x[0, source_row, source_col, 0]
            assert y[row, col] == expected, (row, col)


def test_a_half_pixel_shift_averages_neighbours_bilinearly_or_rounds_to_even(float64):
    x = ramp(1, 4)
    bilinear = train(layers.RandomTranslation(0, (0.125, 0.125), fill_mode="nearest"), x)
    np.testing.assert_allclose(bilinear[0, 0, :, 0], [0, 0.5, 1.5, 2.5], rtol=1e-12)
    nearest = train(layers.RandomTranslation(0, (0.125, 0.125), fill_mode="nearest",
                                             interpolation="nearest"), x)
    np.testing.assert_array_equal(nearest[0, 0, :, 0], [0, 0, 2, 2])  # -0.5 -> 0, 0.5 -> 0, ...


def test_affine_layers_draw_per_image_uniformly_on_the_factor_s_range():
    rng = np.random.default_rng(0)
    shape = (4000, 6, 8, 1)
    angles = np.arctan2(*layers.RandomRotation((-0.1, 0.2)).draw(shape, rng)[:, [3, 0]].T)
    assert_uniform(angles, -0.1 * 2 * np.pi, 0.2 * 2 * np.pi)
    zooms = layers.RandomZoom(0.3, (0.1, 0.2)).draw(shape, rng)
    assert_uniform(zooms[:, 4], 0.7, 1.3)
    assert_uniform(zooms[:, 0], 1.1, 1.2)
    same = layers.RandomZoom(0.3).draw(shape, rng)
    np.testing.assert_array_equal(same[:, 0], same[:, 4])  # no width_factor: the aspect is kept
    shifts = layers.RandomTranslation((-0.5, 0.25), 0.1).draw(shape, rng)
    assert_uniform(-shifts[:, 5], -0.5 * 6, 0.25 * 6)
    assert_uniform(-shifts[:, 2], -0.1 * 8, 0.1 * 8)


def assert_uniform(values, low, high):
    assert values.min() >= low - 1e-12 and values.max() <= high + 1e-12
    span = high - low
    assert values.min() < low + 0.01 * span and values.max() > high - 0.01 * span
    assert abs(values.mean() - (low + high) / 2) < 0.02 * span
    assert abs(values.std() - span / np.sqrt(12)) < 0.02 * span


# ------------------------------------------------------------------------------------- colour
def test_contrast_scales_deviations_from_each_channel_s_mean_and_clips(float64):
    x = np.array([0.0, 10, 20, 30]).reshape(1, 2, 2, 1)
    y = train(fixed(layers.RandomContrast(0.5, value_range=(0, 40)), np.array([2.0])), x)
    np.testing.assert_allclose(y.reshape(-1), [0, 5, 25, 40])  # mean 15: -15, 5, 25, 45 clipped


def test_contrast_means_are_per_image_and_channel(float64):
    x = data((2, 3, 4, 2))
    y = train(fixed(layers.RandomContrast(0.5, value_range=(-100, 100)), np.array([0.5, 1.5])), x)
    mean = x.mean(axis=(1, 2), keepdims=True)
    np.testing.assert_allclose(y, (x - mean) * np.array([0.5, 1.5])[:, None, None, None] + mean)


def test_contrast_factor_is_keras_s_range():
    """As in Keras 3.15.1: a number ``f`` draws in ``[1, 1 + f]``, a pair in
    ``[1 - lower, 1 + upper]``."""
    rng = np.random.default_rng(1)
    assert layers.RandomContrast(0.2).factor == (0, 0.2)
    assert_uniform(layers.RandomContrast(0.2).draw((4000, 2, 2, 1), rng), 1.0, 1.2)
    assert_uniform(layers.RandomContrast((0.5, 0.1)).draw((4000, 2, 2, 1), rng), 0.9, 1.5)


def test_brightness_adds_a_share_of_the_value_range_and_clips(float64):
    x = np.array([0.0, 0.25, 0.5, 0.75]).reshape(1, 2, 2, 1)
    y = train(layers.RandomBrightness((0.5, 0.5), value_range=(0, 1)), x)
    np.testing.assert_array_equal(y.reshape(-1), [0.5, 0.75, 1.0, 1.0])
    darker = train(layers.RandomBrightness((-0.25, -0.25), value_range=(0, 2)), x)
    np.testing.assert_array_equal(darker.reshape(-1), [0, 0, 0, 0.25])
    offsets = layers.RandomBrightness(0.3, value_range=(0, 255)).draw(
        (4000, 2, 2, 1), np.random.default_rng(2))
    assert_uniform(offsets, -0.3 * 255, 0.3 * 255)


# ------------------------------------------------------------------------------------- RandomCrop
def test_crop_cuts_the_same_window_out_of_every_image(float64):
    x = data((3, 6, 7, 2))
    y = train(fixed(layers.RandomCrop(3, 4), (1, 2)), x)
    np.testing.assert_array_equal(y, x[:, 1:4, 2:6])
    corners = [layers.RandomCrop(3, 4).draw((1, 6, 7, 2), np.random.default_rng(s))
               for s in range(300)]
    assert {top for top, _ in corners} == {0, 1, 2, 3}
    assert {left for _, left in corners} == {0, 1, 2, 3}


def test_crop_of_images_not_larger_than_the_window_crops_the_centre_and_resizes(float64):
    """Not higher than the window: the centre crop to the window's aspect, here columns 1-2; an
    input smaller than the window is resized up (bilinear, half-pixel centres)."""
    x = data((2, 2, 4, 1))
    np.testing.assert_array_equal(train(layers.RandomCrop(2, 2), x), x[:, :, 1:3])
    up = train(layers.RandomCrop(1, 4), np.array([[[[0.0], [1.0]]]]))
    np.testing.assert_allclose(up.reshape(-1), [0, 0.25, 0.75, 1])


def test_crop_output_shape_and_summary():
    layer = layers.RandomCrop(3, 2)
    assert layer.compute_output_shape((None, 8, 9, 3)) == (None, 3, 2, 3)
    assert layers.RandomCrop(3, 2, data_format="channels_first").compute_output_shape(
        (None, 3, 8, 9)) == (None, 3, 3, 2)
    model = keras.Sequential([keras.Input((8, 9, 1)), layer])
    assert summary_rows(model)[0] == [f"{layer.name} (RandomCrop)", "(None, 3, 2, 1)", "0"]


# ------------------------------------------------------------------------------------- all layers
LAYERS = {
    "RandomFlip": lambda seed=None: layers.RandomFlip(seed=seed),
    "RandomRotation": lambda seed=None: layers.RandomRotation(0.2, seed=seed),
    "RandomZoom": lambda seed=None: layers.RandomZoom(0.3, 0.2, seed=seed),
    "RandomTranslation": lambda seed=None: layers.RandomTranslation(0.2, 0.3, seed=seed),
    "RandomContrast": lambda seed=None: layers.RandomContrast(0.5, (-5, 5), seed=seed),
    "RandomBrightness": lambda seed=None: layers.RandomBrightness(0.2, (-5, 5), seed=seed),
    "RandomCrop": lambda seed=None: layers.RandomCrop(4, 4, seed=seed),
}


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_inference_is_the_identity_and_writes_nothing(name):
    """As in Keras: predict and evaluate pass the images unchanged (RandomCrop too, uncropped),
    and a layer called with ``training=False`` keeps no state."""
    layer = LAYERS[name]()
    x = data((4, 6, 6, 2)).astype("float32")
    before = dict(vars(layer))
    np.testing.assert_array_equal(layer(x, training=False), x)
    assert vars(layer).keys() == before.keys()
    model = keras.Sequential([keras.Input((6, 6, 2)), LAYERS[name]()])
    np.testing.assert_array_equal(model.predict(x, verbose=0), x)


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_training_gives_each_image_its_own_random_transform(name):
    x = np.repeat(data((1, 6, 6, 2)), 16, axis=0).astype("float32")
    distinct = len({image.tobytes() for image in train(LAYERS[name](), x)})
    if name == "RandomCrop":
        assert distinct == 1  # one window per batch, as Keras draws it
    else:
        assert distinct > 1
    calls = {train(LAYERS[name](), x).tobytes() for _ in range(10)}
    assert len(calls) > 1


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_set_random_seed_and_seed_make_the_transforms_reproducible(name):
    x = data((4, 6, 6, 2)).astype("float32")
    outputs = []
    for _ in range(2):
        keras.utils.set_random_seed(5)
        outputs.append(train(LAYERS[name](), x))
    np.testing.assert_array_equal(*outputs)
    np.testing.assert_array_equal(train(LAYERS[name](seed=9), x), train(LAYERS[name](seed=9), x))


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_a_layer_called_directly_takes_images_of_any_size(name):
    """As in Keras: the layers have no weights, so no size is fixed by the first call."""
    layer = LAYERS[name]()
    assert train(layer, data((2, 6, 6, 2))).shape[0] == 2
    assert train(layer, data((3, 5, 7, 1))).shape[0] == 3
    assert layer(data((5, 7, 3)), training=False).shape == (5, 7, 3)


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_integer_images_come_out_in_the_layer_s_float_dtype(name):
    images = np.random.default_rng(0).integers(0, 256, (2, 6, 6, 3)).astype(np.uint8)
    layer = LAYERS[name]()
    for training in (True, False):
        assert layer(images, training=training).dtype == np.float32


# ------------------------------------------------------------------------------------- gradients
GRADIENT_CASES = {
    "flip": (lambda: fixed(layers.RandomFlip(), np.array([True, False, True])), (3, 4, 5, 2)),
    "flip, channels first": (lambda: fixed(layers.RandomFlip(
        "horizontal", data_format="channels_first"), np.array([True, False])), (2, 2, 3, 4)),
}
for fill_mode in ("reflect", "wrap", "constant", "nearest"):
    for interpolation in ("bilinear", "nearest"):
        GRADIENT_CASES[f"rotation, {fill_mode}, {interpolation}"] = (
            lambda f=fill_mode, i=interpolation: layers.RandomRotation(
                (0.13, 0.13), fill_mode=f, interpolation=i, fill_value=0.5), (2, 5, 6, 2))
GRADIENT_CASES.update({
    "zoom in": (lambda: layers.RandomZoom((-0.3, -0.3), (-0.2, -0.2)), (2, 5, 6, 2)),
    "zoom out, constant": (lambda: layers.RandomZoom((0.4, 0.4), fill_mode="constant",
                                                     fill_value=1.0), (2, 5, 6, 2)),
    "translation, wrap": (lambda: layers.RandomTranslation((0.3, 0.3), (-0.45, -0.45),
                                                           fill_mode="wrap"), (2, 5, 6, 2)),
    "translation, channels first": (lambda: layers.RandomTranslation(
        (0.3, 0.3), (0.2, 0.2), data_format="channels_first"), (2, 2, 5, 6)),
    "contrast": (lambda: fixed(layers.RandomContrast(0.5, value_range=(-1.5, 1.5)),
                               np.array([0.6, 1.4])), (2, 4, 5, 2)),
    "brightness": (lambda: layers.RandomBrightness((0.1, 0.1), value_range=(-1.5, 1.5)),
                   (2, 4, 5, 2)),
    "crop": (lambda: fixed(layers.RandomCrop(3, 4), (1, 2)), (2, 6, 7, 2)),
    "crop, resized": (lambda: layers.RandomCrop(5, 3), (2, 4, 6, 2)),
})


@pytest.mark.parametrize("case", sorted(GRADIENT_CASES))
def test_the_input_gradient_matches_central_differences(float64, case):
    factory, shape = GRADIENT_CASES[case]
    layer = factory()
    (analytic, numeric), = layer_gradients(layer, data(shape)).values()
    assert analytic.shape == shape
    np.testing.assert_allclose(analytic, numeric, rtol=RTOL, atol=ATOL)


def test_the_input_gradient_of_one_image_matches_central_differences(float64):
    layer = layers.RandomRotation((0.3, 0.3), data_format="channels_first")
    image, upstream = data((2, 5, 6)), data((2, 5, 6), seed=4)
    layer(image)
    analytic = layer.backward(upstream)
    numeric = numerical_gradient(lambda: float(np.sum(layer(image) * upstream)), image)
    np.testing.assert_allclose(analytic, numeric, rtol=RTOL, atol=ATOL)


def test_a_first_layer_skips_its_input_gradient():
    layer = layers.RandomRotation(0.1)
    train(layer, data((2, 4, 4, 1)))
    assert layer.backward(data((2, 4, 4, 1)), input_gradient=False) is None


# ------------------------------------------------------------------------------------- errors
@pytest.mark.parametrize("make, error, words", [
    (lambda: layers.RandomFlip("diagonal"), ValueError, ["RandomFlip 'random_flip", "`mode`"]),
    (lambda: layers.RandomFlip(seed="a"), ValueError, ["`seed` must be an integer"]),
    (lambda: layers.RandomFlip(data_format="nhwc"), ValueError, ["`data_format`", "'nhwc'"]),
    (lambda: layers.RandomRotation(1.5), ValueError,
     ["RandomRotation 'random_rotation", "`factor`", "[-1, 1]", "factor=1.5"]),
    (lambda: layers.RandomRotation((0.1, 0.2, 0.3)), ValueError, ["`factor`", "(0.1, 0.2, 0.3)"]),
    (lambda: layers.RandomRotation("0.1"), ValueError, ["`factor`", "'0.1'"]),
    (lambda: layers.RandomRotation(True), ValueError, ["`factor`", "True"]),
    (lambda: layers.RandomRotation(0.1, fill_mode="mirror"), NotImplementedError,
     ["`fill_mode`", "'mirror'"]),
    (lambda: layers.RandomRotation(0.1, interpolation="bicubic"), NotImplementedError,
     ["`interpolation`", "'bicubic'"]),
    (lambda: layers.RandomRotation(0.1, fill_value="black"), ValueError, ["`fill_value`"]),
    (lambda: layers.RandomZoom(-1.0), ValueError,
     ["RandomZoom 'random_zoom", "`height_factor`", "(-1.0, 1.0]"]),
    (lambda: layers.RandomZoom(0.1, (0.2, 1.5)), ValueError, ["`width_factor`", "(0.2, 1.5)"]),
    (lambda: layers.RandomTranslation(0.1, -1.2), ValueError, ["`width_factor`", "[-1.0, 1.0]"]),
    (lambda: layers.RandomContrast(-0.1), ValueError, ["`factor`", "[0, 1]"]),
    (lambda: layers.RandomContrast((0.1, 2)), ValueError, ["`factor`", "(0.1, 2)"]),
    (lambda: layers.RandomContrast(0.1, value_range=(1, 0)), ValueError,
     ["`value_range`", "low <= high"]),
    (lambda: layers.RandomBrightness(0.1, value_range=255), ValueError,
     ["RandomBrightness 'random_brightness", "`value_range`", "255"]),
    (lambda: layers.RandomCrop(0, 3), ValueError, ["RandomCrop 'random_crop", "`height`", "0"]),
    (lambda: layers.RandomCrop(3, 2.5), ValueError, ["`width`", "2.5"]),
])
def test_bad_arguments_name_the_layer_and_the_argument(make, error, words):
    with pytest.raises(error) as info:
        make()
    for word in words:
        assert word in str(info.value)


def test_inputs_that_are_not_images_are_refused():
    with pytest.raises(ValueError, match=r"RandomFlip .*rank 4.*rank 3.*\(2, 3\)"):
        layers.RandomFlip()(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"RandomZoom 'random_zoom.*rank 4.*\(None, 5\)"):
        keras.Sequential([keras.Input((5,)), layers.RandomZoom(0.1)])


# ------------------------------------------------------------------------------------- in a model
def test_a_model_with_an_augmentation_block_trains_and_predicts_deterministically():
    """Keras's image-classification recipe: an augmentation Sequential, then Rescaling and a small
    convolutional network. Training changes the weights and lowers the loss; predict is
    repeatable (no augmentation in inference)."""
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (64, 8, 8, 1)).astype("float32")
    y = (x[:, :4].mean(axis=(1, 2, 3)) > x[:, 4:].mean(axis=(1, 2, 3))).astype("float32")
    augmentation = keras.Sequential([layers.RandomFlip("horizontal"), layers.RandomRotation(0.05),
                                     layers.RandomZoom(0.1), layers.RandomTranslation(0.1, 0.1),
                                     layers.RandomContrast(0.1), layers.RandomBrightness(0.1)])
    model = keras.Sequential([keras.Input((8, 8, 1)), augmentation, layers.Rescaling(1 / 255),
                              layers.Conv2D(4, 3, activation="relu"), layers.Flatten(),
                              layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    history = model.fit(x, y, epochs=15, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    np.testing.assert_array_equal(model.predict(x, verbose=0), model.predict(x, verbose=0))


def test_the_gradient_flows_through_an_augmentation_layer_inside_a_model(float64):
    """An augmentation layer after a trainable one passes the weights' gradient through its own
    transform: checked against central differences with its parameters fixed."""
    model = keras.Sequential([keras.Input((5, 5, 1)), layers.Conv2D(2, 2),
                              layers.RandomRotation((0.1, 0.1)), layers.Flatten(),
                              layers.Dense(1)])
    model.compile(loss="mse")
    for analytic, numeric in model_gradients(model, data((3, 5, 5, 1)), data((3, 1))):
        np.testing.assert_allclose(analytic, numeric, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("make", [lambda: layers.RandomFlip(), lambda: layers.Resizing(2, 2),
                                  lambda: layers.CenterCrop(2, 2)], ids=["RandomFlip", "Resizing",
                                                                         "CenterCrop"])
def test_keras_s_dict_of_images_and_boxes_is_refused_naming_the_layer(make):
    """The API reference's augmentation examples pass {"images": ..., "bounding_boxes": ...}."""
    layer = make()
    with pytest.raises(TypeError, match=r"'\w+' takes an array of images, received a dict with "
                                        r"keys \['bounding_boxes', 'images'\]"):
        layer({"images": np.zeros((1, 4, 4, 3)), "bounding_boxes": {}})
    assert not layer.built
