"""The augmentation layers added after the first seven (RandomGrayscale, RandomInvert, Solarization,
RandomPosterization, AutoContrast, RandomColorDegeneration, RandomSharpness, RandomShear,
RandomErasing, RandomGaussianBlur, Equalization, MixUp, CutMix) and Pipeline: each transform for
fixed parameters against a hand-computed result; the identity in inference (AutoContrast
excepted, as in Keras); draws per image and their ranges; reproducibility with
``set_random_seed`` and ``seed=``; input gradients against float64 central differences; errors;
RandomPosterization, which has no input gradient, refused where a model needs one; Pipeline in a
model and alone.

Parameters are fixed by replacing a layer's ``draw``.
"""

import numpy as np
import pytest

import handkeras as keras
from handkeras import layers
from handkeras.utils.gradient_check import layer_gradients, model_gradients

RTOL = 1e-6
ATOL = 1e-9


def data(shape, low=0.0, high=255.0, seed=3):
    return np.random.default_rng(seed).uniform(low, high, shape)


def fixed(layer, parameters):
    layer.draw = lambda shape, rng: parameters
    return layer


def train(layer, x):
    return layer(x, training=True)


def pixels(*values):
    """One image of one row of RGB pixels."""
    return np.array(values, dtype=np.float64).reshape(1, 1, -1, 3)


# ------------------------------------------------------------------------------------- transforms
def test_grayscale_puts_the_gray_level_in_every_channel_of_the_chosen_images(float64):
    x = np.concatenate([pixels((100, 50, 10)), pixels((100, 50, 10))])
    y = train(fixed(layers.RandomGrayscale(), np.array([True, False])), x)
    gray = 0.2989 * 100 + 0.587 * 50 + 0.114 * 10
    np.testing.assert_allclose(y[0, 0, 0], [gray] * 3, rtol=1e-12)
    np.testing.assert_array_equal(y[1], x[1])
    one_channel = data((2, 3, 3, 1))
    np.testing.assert_array_equal(train(layers.RandomGrayscale(1.0), one_channel), one_channel)


def test_grayscale_of_channels_first_images(float64):
    x = data((2, 3, 4, 5))
    y = train(fixed(layers.RandomGrayscale(data_format="channels_first"), np.array([True, True])),
              x)
    expected = np.tensordot([0.2989, 0.587, 0.114], x, axes=([0], [1]))
    for channel in range(3):
        np.testing.assert_allclose(y[:, channel], expected, rtol=1e-12)


def test_invert_subtracts_from_the_top_of_the_value_range(float64):
    x = np.concatenate([pixels((0, 0.25, 1)), pixels((0, 0.25, 1))])
    y = train(fixed(layers.RandomInvert(value_range=(0, 1)), np.array([True, False])), x)
    np.testing.assert_array_equal(y.reshape(2, 3), [[1, 0.75, 0], [0, 0.25, 1]])
    keras_s_formula = train(fixed(layers.RandomInvert(value_range=(-1, 1)), np.array([True])),
                            pixels((-1, 0, 1)))
    np.testing.assert_array_equal(keras_s_formula.reshape(-1), [2, 1, 0])  # high - x


def test_solarization_adds_clips_then_inverts_from_the_threshold(float64):
    """Add 50: 10, 150, 255 (clipped); threshold 100: 10 stays, the others become 255 - v."""
    y = train(fixed(layers.Solarization(), (np.array([50.0]), np.array([100.0]))),
              pixels((-40, 100, 250)))
    np.testing.assert_array_equal(y.reshape(-1), [10, 105, 0])
    scaled = train(fixed(layers.Solarization(value_range=(0, 1)),
                         (np.array([0.0]), np.array([127.5]))), pixels((0.2, 0.5, 0.9)))
    np.testing.assert_allclose(scaled.reshape(-1), [0.2, 0.5, 0.1], rtol=1e-12)


def test_posterization_keeps_the_top_bits(float64):
    """200 = 0b11001000 and 77.9 -> 77 = 0b01001101; 2 bits: 192 and 64; 8 bits: unchanged
    (rounded down)."""
    x = np.concatenate([pixels((200, 77.9, 255)), pixels((200, 77.9, 255))])
    y = train(fixed(layers.RandomPosterization(4), np.array([2, 8])), x)
    np.testing.assert_array_equal(y.reshape(2, 3), [[192, 64, 192], [200, 77, 255]])
    unit = train(fixed(layers.RandomPosterization(4, value_range=(0, 1)), np.array([1])),
                 pixels((0.2, 0.6, 1.0)))
    np.testing.assert_allclose(unit.reshape(-1), [0, 128 / 255, 128 / 255], rtol=1e-12)


def test_auto_contrast_stretches_each_channel_to_the_value_range(float64):
    x = np.stack([pixels((10, 5, 7), (20, 5, 9), (15, 5, 8))[0]] * 2)
    y = layers.AutoContrast(value_range=(0, 1))(x / 255)
    np.testing.assert_allclose(y[0, 0, :, 0], [0, 1, 0.5], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(y[0, 0, :, 2], [0, 1, 0.5], rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(y[0, 0, :, 1], x[0, 0, :, 1] / 255)  # constant: kept


def test_color_degeneration_blends_towards_gray_and_clips(float64):
    x = pixels((200, 100, 0))
    gray = 0.2989 * 200 + 0.587 * 100
    half = train(fixed(layers.RandomColorDegeneration(0.5), np.array([0.5])), x)
    np.testing.assert_allclose(half.reshape(-1), [(200 + gray) / 2, (100 + gray) / 2, gray / 2],
                               rtol=1e-12)
    more = train(fixed(layers.RandomColorDegeneration(1.0), np.array([-1.0])), x)
    np.testing.assert_allclose(more.reshape(-1), [255, 200 - gray, 0], rtol=1e-12)


def test_sharpness_mixes_the_image_with_its_3x3_smoothing(float64):
    """A single bright pixel: smoothing spreads 1/13 of it to each neighbour and keeps 5/13;
    ``f = 0`` gives the smoothing, ``f = 1/2`` the image, ``f = 1`` twice the image minus it."""
    x = np.zeros((1, 3, 3, 1))
    x[0, 1, 1, 0] = 13.0
    smooth = np.ones((3, 3))
    smooth[1, 1] = 5
    for factor, expected in [(0.0, smooth), (0.5, x[0, ..., 0]),
                             (1.0, np.clip(2 * x[0, ..., 0] - smooth, 0, 255))]:
        y = train(fixed(layers.RandomSharpness(1.0), np.array([factor])), x)
        np.testing.assert_allclose(y[0, ..., 0], expected, rtol=1e-12, atol=1e-12)
    corner = np.zeros((1, 3, 3, 1))
    corner[0, 0, 0, 0] = 13.0  # zero padding: the corner's neighbours outside count 0
    y = train(fixed(layers.RandomSharpness(1.0), np.array([0.0])), corner)
    np.testing.assert_allclose(y[0, :2, :2, 0], [[5, 1], [1, 1]], rtol=1e-12)


def test_shear_reads_along_the_slant_from_the_top_left_corner(float64):
    """``s_x = 1``: row ``y`` is shifted left by ``y`` pixels (output ``(y, x)`` reads
    ``(y, x + y)``), row 0 unchanged; constant fill beyond the right edge."""
    x = data((1, 3, 4, 1))
    layer = layers.RandomShear((1.0, 1.0), fill_mode="constant", fill_value=-1.0)
    layer.draw = lambda shape, rng: np.array([[1.0, 1.0, 0, 0, 1.0, 0, 0, 0]])
    y = train(layer, x)[0, ..., 0]
    for row in range(3):
        np.testing.assert_array_equal(y[row, :4 - row], x[0, row, row:, 0])
        np.testing.assert_array_equal(y[row, 4 - row:], -1.0)


def test_shear_draws_one_sign_per_image_for_both_factors():
    matrices = layers.RandomShear((0.2, 0.4), (0.1, 0.3)).draw((4000, 2, 2, 1),
                                                               np.random.default_rng(0))
    shear_x, shear_y = matrices[:, 1], matrices[:, 3]
    np.testing.assert_array_equal(np.sign(shear_x), np.sign(shear_y))
    assert abs((shear_x > 0).mean() - 0.5) < 0.03
    assert_uniform(np.abs(shear_x), 0.2, 0.4)
    assert_uniform(np.abs(shear_y), 0.1, 0.3)


def test_erasing_fills_the_drawn_rectangle_of_the_chosen_images(float64):
    x = data((2, 6, 6, 3))
    layer = layers.RandomErasing(fill_value=(1.0, 2.0, 300.0), value_range=(0, 255))
    chosen, erased, fill = layer.draw(x.shape, np.random.default_rng(0))
    y = train(fixed(layer, (np.array([True, False]), erased, fill)), x)
    box = erased[0, ..., 0]
    assert 0 < box.sum() < 36
    np.testing.assert_array_equal(y[0][box], np.tile([1.0, 2.0, 255.0], (box.sum(), 1)))
    np.testing.assert_array_equal(y[0][~box], x[0][~box])
    np.testing.assert_array_equal(y[1], x[1])


def test_erasing_draws_rectangles_of_the_scale_s_sides():
    """Each side is ``sqrt(s)`` of the image's, ``s`` in ``scale``: a 100 x 100 image's box is
    ``sqrt(0.04) * 100 = 20`` to ``sqrt(0.16) * 100 = 40`` pixels a side, give or take one."""
    _, erased, fill = layers.RandomErasing(scale=(0.04, 0.16), value_range=(0, 1)).draw(
        (50, 100, 100, 1), np.random.default_rng(1))
    rows = erased.any(axis=2)[..., 0].sum(axis=1)
    cols = erased.any(axis=1)[..., 0].sum(axis=1)
    assert rows.min() >= 19 and rows.max() <= 41 and cols.min() >= 19 and cols.max() <= 41
    assert fill.min() == 0 and fill.max() == 1  # noise clipped to the value range


def test_gaussian_blur_weighs_neighbours_by_the_normalized_gaussian(float64):
    x = np.zeros((1, 5, 5, 1))
    x[0, 2, 2, 0] = 1.0
    y = train(fixed(layers.RandomGaussianBlur(kernel_size=3),
                    (np.array([True]), np.array([0.5, 1.0]))), x)[0, ..., 0]
    along_x = np.exp(-0.5 * (np.array([-1, 0, 1]) / 0.5) ** 2)
    along_y = np.exp(-0.5 * np.array([-1, 0, 1]) ** 2.0)
    expected = np.outer(along_y / along_y.sum(), along_x / along_x.sum())
    np.testing.assert_allclose(y[1:4, 1:4], expected, rtol=1e-12)
    assert y.sum() == pytest.approx(1.0)


def test_equalization_maps_each_channel_through_its_cumulative_histogram(float64):
    """Values 0, 0, 100, 200 with 256 bins: the cumulative counts 2, 3, 4 become
    ``(cdf - 2) * 255 / (4 - 2)``: 0, 127.5 -> 128 (rounded to even), 255."""
    x = np.array([0.0, 0.0, 100.0, 200.0]).reshape(1, 2, 2, 1)
    y = layers.Equalization()(x)
    np.testing.assert_array_equal(y.reshape(-1), [0, 0, 128, 255])
    np.testing.assert_array_equal(layers.Equalization()(x, training=False), x)


def test_equalization_counts_one_histogram_per_channel_over_the_batch(float64):
    """Two images of one pixel each: together they span the range; a constant channel is kept."""
    x = np.array([[10.0, 5.0], [20.0, 5.0]]).reshape(2, 1, 1, 2)
    y = layers.Equalization()(x)
    np.testing.assert_array_equal(y[..., 0].reshape(-1), [0, 255])
    np.testing.assert_array_equal(y[..., 1], x[..., 1])


def test_saturation_scales_the_hsv_saturation(float64):
    """``(200, 100, 50)``: value 200, saturation 0.75. A multiplier of 0 grays it to its value,
    of 1 keeps it, of 4/3 saturates it fully (its smallest channel goes to 0)."""
    x = pixels((200, 100, 50))
    for multiplier, expected in [(0.0, (200, 200, 200)), (1.0, (200, 100, 50)),
                                 (4 / 3, (200, 66 + 2 / 3, 0))]:
        y = train(fixed(layers.RandomSaturation(0.5), np.array([multiplier])), x)
        np.testing.assert_allclose(y.reshape(-1), expected, rtol=1e-12, atol=1e-12)
    multipliers = layers.RandomSaturation((0.5, 0.5)).draw((3, 1, 1, 3), np.random.default_rng())
    np.testing.assert_allclose(multipliers, 0.5 / (0.5 + 1e-7))


def test_hue_turns_the_colour_wheel(float64):
    """A third of a turn: red becomes green, green blue; minus a third: red becomes blue."""
    x = np.concatenate([pixels((255, 0, 0)), pixels((0, 255, 0)), pixels((255, 0, 0))])
    y = train(fixed(layers.RandomHue(1.0), np.array([1 / 3, 1 / 3, -1 / 3])), x)
    np.testing.assert_allclose(y.reshape(3, 3), [[0, 255, 0], [0, 0, 255], [0, 0, 255]],
                               atol=1e-9)
    shifts = layers.RandomHue((0.2, 0.6)).draw((4000, 1, 1, 3), np.random.default_rng(0))
    assert abs((shifts > 0).mean() - 0.5) < 0.03
    assert_uniform(np.abs(shifts), 0.1, 0.3)


def test_mix_up_blends_each_image_with_its_partner(float64):
    x = data((3, 2, 2, 1))
    y = train(fixed(layers.MixUp(), (np.array([1, 2, 0]), np.array([0.25, 1.0, 0.5]))), x)
    np.testing.assert_allclose(y[0], 0.25 * x[0] + 0.75 * x[1], rtol=1e-12)
    np.testing.assert_array_equal(y[1], x[1])
    np.testing.assert_allclose(y[2], 0.5 * x[2] + 0.5 * x[0], rtol=1e-12)


def test_mix_up_draws_a_permutation_and_beta_weights():
    permutation, weights = layers.MixUp(0.5).draw((4000, 1, 1, 1), np.random.default_rng(0))
    assert sorted(permutation) == list(range(4000))
    assert abs(weights.mean() - 0.5) < 0.02
    assert abs(weights.var() - 0.25 / 2) < 0.01  # Beta(a, a): variance 1 / (4 (2a + 1))


def test_cut_mix_pastes_the_partner_s_rectangle(float64):
    x = data((2, 4, 4, 1))
    pasted = np.zeros((2, 4, 4, 1), bool)
    pasted[0, 1:3, 0:2] = True
    y = train(fixed(layers.CutMix(), (np.array([1, 0]), pasted)), x)
    np.testing.assert_array_equal(y[0, 1:3, 0:2], x[1, 1:3, 0:2])
    np.testing.assert_array_equal(y[0][~pasted[0]], x[0][~pasted[0]])
    np.testing.assert_array_equal(y[1], x[1])


def test_cut_mix_rectangles_cover_one_minus_the_beta_weight_on_average():
    """``Beta(a, a)`` has mean 1/2: the rectangle's area is on average about half the image."""
    _, pasted = layers.CutMix((0.5, 0.5)).draw((2000, 40, 40, 1), np.random.default_rng(2))
    assert abs(pasted.mean() - 0.5) < 0.05


# ------------------------------------------------------------------------------------- draws
def assert_uniform(values, low, high):
    span = high - low
    assert values.min() >= low and values.max() <= high
    assert abs(values.mean() - (low + high) / 2) < 0.02 * span
    assert abs(values.std() - span / np.sqrt(12)) < 0.02 * span


def test_draws_are_per_image_on_keras_s_ranges():
    rng, shape = np.random.default_rng(0), (4000, 2, 2, 3)
    assert abs(layers.RandomGrayscale(0.3).draw(shape, rng).mean() - 0.3) < 0.03
    # RandomInvert: a probability uniform in (0.2, 0.6), then a draw below it: on average 0.4.
    assert abs(layers.RandomInvert((0.6, 0.2)).draw(shape, rng).mean() - 0.4) < 0.03
    additions, thresholds = layers.Solarization(0.2, (0.5, 1.0)).draw(shape, rng)
    assert_uniform(additions, 0, 0.2 * 255)
    assert_uniform(thresholds, 0.5, 255)  # Keras's range: the lower bound is not scaled
    bits = layers.RandomPosterization((2, 5)).draw(shape, rng)
    assert set(bits) == {2, 3, 4}
    assert set(layers.RandomPosterization(5).draw(shape, rng)) == {1, 2, 3, 4}
    assert set(layers.RandomPosterization((3, 3)).draw(shape, rng)) == {3}
    assert_uniform(layers.RandomColorDegeneration(0.4).draw(shape, rng), -0.4, 0.4)


LAYERS = {
    "RandomGrayscale": lambda seed=None: layers.RandomGrayscale(seed=seed),
    "RandomInvert": lambda seed=None: layers.RandomInvert(seed=seed),
    "Solarization": lambda seed=None: layers.Solarization(0.5, 0.5, seed=seed),
    "RandomPosterization": lambda seed=None: layers.RandomPosterization((1, 8), seed=seed),
    "RandomColorDegeneration": lambda seed=None: layers.RandomColorDegeneration(0.5, seed=seed),
    "RandomSharpness": lambda seed=None: layers.RandomSharpness(1.0, seed=seed),
    "RandomShear": lambda seed=None: layers.RandomShear(0.3, 0.2, seed=seed),
    "RandomErasing": lambda seed=None: layers.RandomErasing(scale=0.5, seed=seed),
    "RandomGaussianBlur": lambda seed=None: layers.RandomGaussianBlur(0.5, seed=seed),
    "RandomSaturation": lambda seed=None: layers.RandomSaturation(0.5, seed=seed),
    "RandomHue": lambda seed=None: layers.RandomHue(0.5, seed=seed),
    "MixUp": lambda seed=None: layers.MixUp(seed=seed),
    "CutMix": lambda seed=None: layers.CutMix(seed=seed),
}


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_inference_is_the_identity_and_training_draws_per_image(name):
    x = data((16, 4, 4, 3)).astype("float32")
    np.testing.assert_array_equal(LAYERS[name]()(x, training=False), x)
    model = keras.Sequential([keras.Input((4, 4, 3)), LAYERS[name]()])
    np.testing.assert_array_equal(model.predict(x, verbose=0), x)
    if name in ("MixUp", "CutMix"):  # they mix images with each other: distinct ones change
        mixed = train(LAYERS[name](), x)
        assert sum(not np.array_equal(a, b) for a, b in zip(mixed, x)) > 1
        return
    same = np.repeat(x[:1], 16, axis=0)
    assert len({image.tobytes() for image in train(LAYERS[name](), same)}) > 1


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_set_random_seed_and_seed_make_the_transforms_reproducible(name):
    x = data((8, 4, 4, 3)).astype("float32")
    outputs = []
    for _ in range(2):
        keras.utils.set_random_seed(5)
        outputs.append(train(LAYERS[name](), x))
    np.testing.assert_array_equal(*outputs)
    np.testing.assert_array_equal(train(LAYERS[name](seed=9), x), train(LAYERS[name](seed=9), x))


def test_auto_contrast_applies_in_inference_too_and_keeps_no_state():
    layer = layers.AutoContrast()
    x = data((2, 4, 4, 3), 50, 100).astype("float32")
    before = dict(vars(layer))
    y = layer(x, training=False)
    assert vars(layer).keys() == before.keys()
    assert y.min() == 0 and y.max() == 255
    model = keras.Sequential([keras.Input((4, 4, 3)), layers.AutoContrast()])
    np.testing.assert_array_equal(model.predict(x, verbose=0), y)


# ------------------------------------------------------------------------------------- gradients
# Values in [0, 1]: central differences of outputs near 255 would lose the digits checked.
GRADIENT_CASES = {
    "grayscale": (lambda: fixed(layers.RandomGrayscale(), np.array([True, False])),
                  (2, 3, 4, 3)),
    "grayscale, channels first": (lambda: fixed(layers.RandomGrayscale(
        data_format="channels_first"), np.array([True, True])), (2, 3, 3, 4)),
    "invert": (lambda: fixed(layers.RandomInvert(value_range=(0, 1)), np.array([False, True])),
               (2, 3, 4, 3)),
    "solarization": (lambda: fixed(layers.Solarization(value_range=(0, 1)),
                                   (np.array([0.0, 60.0]), np.array([100.0, 150.0]))),
                     (2, 3, 4, 3)),
    "auto contrast": (lambda: layers.AutoContrast(value_range=(0, 1)), (2, 3, 4, 3)),
    "auto contrast, value range": (lambda: layers.AutoContrast(value_range=(-1, 1)),
                                   (2, 3, 4, 3)),
    "sharpness": (lambda: fixed(layers.RandomSharpness(1.0, value_range=(0, 1)),
                                np.array([0.1, 0.8])), (2, 3, 4, 3)),
    "shear, nearest fill": (lambda: layers.RandomShear((0.3, 0.3), (0.2, 0.2),
                                                       fill_mode="nearest", seed=1),
                            (2, 4, 5, 2)),
    "shear, constant fill, channels first": (lambda: layers.RandomShear(
        (0.3, 0.3), fill_mode="constant", fill_value=0.5, data_format="channels_first",
        seed=2), (2, 2, 4, 5)),
    "erasing": (lambda: layers.RandomErasing(scale=(0.2, 0.5), value_range=(0, 1), seed=3),
                (2, 5, 5, 2)),
    "gaussian blur": (lambda: fixed(layers.RandomGaussianBlur(kernel_size=5, value_range=(0, 1)),
                                    (np.array([True, False]), np.array([0.3, 0.8]))),
                      (2, 5, 6, 2)),
    "saturation": (lambda: fixed(layers.RandomSaturation(0.5, value_range=(0, 1)),
                                 np.array([0.6, 1.3])), (2, 3, 4, 3)),
    "saturation, channels first": (lambda: fixed(layers.RandomSaturation(
        0.5, data_format="channels_first"), np.array([0.8, 1.1])), (2, 3, 3, 4)),
    "hue": (lambda: fixed(layers.RandomHue(0.5, value_range=(0, 1)), np.array([0.2, -0.45])),
            (2, 3, 4, 3)),
    "hue, value range": (lambda: fixed(layers.RandomHue(0.5, value_range=(-1, 2)),
                                       np.array([-0.1, 0.3])), (2, 3, 4, 3)),
    "mix up": (lambda: fixed(layers.MixUp(), (np.array([2, 0, 1]), np.array([0.3, 0.8, 0.5]))),
               (3, 3, 4, 2)),
    "mix up, drawn": (lambda: layers.MixUp(seed=4), (3, 3, 4, 2)),
    "cut mix": (lambda: layers.CutMix(seed=5), (3, 5, 6, 2)),
    "color degeneration": (lambda: fixed(layers.RandomColorDegeneration(
        0.5, value_range=(0, 1)), np.array([0.4, -0.3])), (2, 3, 4, 3)),
}


@pytest.mark.parametrize("case", sorted(GRADIENT_CASES))
def test_the_input_gradient_matches_central_differences(float64, case):
    factory, shape = GRADIENT_CASES[case]
    (analytic, numeric), = layer_gradients(factory(), data(shape, 0.05, 0.95)).values()
    np.testing.assert_allclose(analytic, numeric, rtol=RTOL, atol=ATOL)


def test_auto_contrast_passes_the_gradient_of_a_constant_channel_unchanged(float64):
    x = data((1, 3, 3, 3))
    x[..., 1] = 7.0
    layer = layers.AutoContrast()
    layer(x)
    dy = data((1, 3, 3, 3), seed=4)
    np.testing.assert_array_equal(layer.backward(dy)[..., 1], dy[..., 1])


@pytest.mark.parametrize("make", [lambda: layers.RandomPosterization(4),
                                  lambda: layers.Equalization()],
                         ids=["RandomPosterization", "Equalization"])
def test_layers_without_input_gradient_refuse_a_backward_that_needs_it(make):
    layer = make()
    train(layer, data((2, 3, 3, 3)))
    assert layer.backward(data((2, 3, 3, 3)), input_gradient=False) is None
    with pytest.raises(NotImplementedError, match="has no input gradient"):
        layer.backward(data((2, 3, 3, 3)))


def test_posterization_trains_below_the_weights_and_is_refused_above_them():
    """It has no input gradient: first in a model it trains (no gradient is needed there); after
    a layer with weights, fit refuses before the first step, naming it."""
    x = data((8, 4, 4, 3)).astype("float32")
    y = np.zeros((8, 1), "float32")
    below = keras.Sequential([keras.Input((4, 4, 3)), layers.RandomPosterization(4),
                              layers.Flatten(), layers.Dense(1)])
    below.compile(loss="mse")
    below.fit(x, y, verbose=0)
    dense = layers.Dense(3)
    above = keras.Sequential([keras.Input((4, 4, 3)), dense, layers.RandomPosterization(4),
                              layers.Flatten(), layers.Dense(1)])
    above.compile(loss="mse")
    kernel = dense.kernel.numpy().copy()
    with pytest.raises(NotImplementedError, match="RandomPosterization 'random_posterization"
                                                  r"\w*' has no input gradient"):
        above.fit(x, y, verbose=0)
    np.testing.assert_array_equal(dense.kernel.numpy(), kernel)


# ------------------------------------------------------------------------------------- errors
@pytest.mark.parametrize("make, error, words", [
    (lambda: layers.RandomGrayscale(1.5), ValueError, ["RandomGrayscale", "`factor`", "1.5"]),
    (lambda: layers.RandomGrayscale((0.1, 0.2)), ValueError, ["`factor`", "(0.1, 0.2)"]),
    (lambda: layers.RandomInvert(-0.5), ValueError, ["RandomInvert", "`factor`", "[0, 1]"]),
    (lambda: layers.RandomInvert(value_range=1), ValueError, ["`value_range`"]),
    (lambda: layers.Solarization(1.2), ValueError, ["Solarization", "`addition_factor`"]),
    (lambda: layers.Solarization(0, (0.1, 2)), ValueError, ["`threshold_factor`"]),
    (lambda: layers.RandomPosterization(9), ValueError,
     ["RandomPosterization", "`factor`", "[1, 8]", "9"]),
    (lambda: layers.RandomPosterization(2.5), ValueError, ["`factor`", "2.5"]),
    (lambda: layers.AutoContrast(value_range=(0, 1, 2)), ValueError, ["AutoContrast",
                                                                      "`value_range`"]),
    (lambda: layers.RandomColorDegeneration(2), ValueError,
     ["RandomColorDegeneration", "`factor`", "[-1, 1]"]),
    (lambda: layers.RandomSharpness(-0.2), ValueError, ["RandomSharpness", "`factor`"]),
    (lambda: layers.RandomShear(-0.2), ValueError, ["RandomShear", "`x_factor`", "[0, 1]"]),
    (lambda: layers.RandomShear(0.1, (0.5, 1.5)), ValueError, ["`y_factor`"]),
    (lambda: layers.RandomShear(0.1, fill_mode="mirror"), NotImplementedError, ["`fill_mode`"]),
    (lambda: layers.RandomErasing(scale=1.5), ValueError, ["RandomErasing", "`scale`"]),
    (lambda: layers.RandomErasing(fill_value=(1, 2)), ValueError, ["`fill_value`", "(1, 2)"]),
    (lambda: layers.RandomGaussianBlur(kernel_size=4), ValueError,
     ["RandomGaussianBlur", "`kernel_size`", "odd", "4"]),
    (lambda: layers.RandomGaussianBlur(kernel_size=(3, 5)), ValueError, ["`kernel_size`"]),
    (lambda: layers.RandomGaussianBlur(sigma=2), ValueError, ["`sigma`"]),
    (lambda: layers.Equalization(bins=0), ValueError, ["Equalization", "`bins`", "0"]),
    (lambda: layers.RandomSaturation(1.5), ValueError, ["RandomSaturation", "`factor`"]),
    (lambda: layers.RandomHue(-0.5), ValueError, ["RandomHue", "`factor`", "[0, 1]"]),
    (lambda: layers.MixUp(0), ValueError, ["MixUp", "`alpha`", "0"]),
    (lambda: layers.CutMix(1.5), ValueError, ["CutMix", "`factor`"]),
    (lambda: layers.Pipeline(layers.RandomFlip()), TypeError, ["Pipeline", "`layers`"]),
    (lambda: layers.Pipeline([layers.RandomFlip(), "flip"]), TypeError, ["list of layers"]),
])
def test_bad_arguments_name_the_layer_and_the_argument(make, error, words):
    with pytest.raises(error) as info:
        make()
    for word in words:
        assert word in str(info.value)


@pytest.mark.parametrize("make", [lambda: layers.RandomGrayscale(1.0),
                                  lambda: layers.RandomColorDegeneration(0.5)])
def test_images_that_are_neither_rgb_nor_gray_are_refused(make):
    with pytest.raises(ValueError, match=r"3 channels.*1 channel.*received images with 4"):
        train(make(), np.zeros((1, 2, 2, 4)))


@pytest.mark.parametrize("make", [lambda: layers.RandomSaturation(0.5),
                                  lambda: layers.RandomHue(0.5)])
def test_hsv_layers_take_rgb_images_only(make):
    with pytest.raises(ValueError, match=r"expects RGB images \(3 channels\), received images "
                                         r"with 1 channels"):
        train(make(), np.zeros((1, 2, 2, 1)))


# ------------------------------------------------------------------------------------- Pipeline
def test_pipeline_applies_its_layers_in_order(float64):
    x = pixels((10, 20, 30))
    pipeline = layers.Pipeline([fixed(layers.RandomInvert(), np.array([True])),
                                fixed(layers.Solarization(), (np.array([5.0]),
                                                              np.array([255.0])))])
    np.testing.assert_array_equal(pipeline(x).reshape(-1), [250, 240, 230])
    np.testing.assert_array_equal(pipeline(x, training=False), x)


def test_pipeline_called_directly_trains_by_default_and_takes_single_images(float64):
    image = data((3, 4, 3))
    pipeline = layers.Pipeline([fixed(layers.RandomInvert(), np.array([True]))])
    np.testing.assert_array_equal(pipeline(image), 255 - image)


def test_pipeline_in_a_model_trains_its_layers_and_passes_the_gradient(float64):
    """A Pipeline with weights inside, after a trainable layer: every weight's gradient against
    central differences."""
    pipeline = layers.Pipeline([layers.Conv2D(2, 1), fixed(layers.RandomInvert(),
                                                           np.array([True, False, True])),
                                layers.Dense(2)])
    model = keras.Sequential([keras.Input((3, 3, 2)), layers.Conv2D(3, 2), pipeline,
                              layers.Flatten(), layers.Dense(1)])
    model.compile(loss="mse")
    assert len(model.trainable_weights) == 8
    assert [w.path for w in pipeline.weights][0] == f"{model.name}/{pipeline.name}/" \
        f"{pipeline.layers[0].name}/kernel"
    for analytic, numeric in model_gradients(model, data((3, 3, 3, 2), -1, 1),
                                             data((3, 1), -1, 1)):
        np.testing.assert_allclose(analytic, numeric, rtol=RTOL, atol=ATOL)


def test_pipeline_with_a_layer_without_gradient_is_refused_above_weights():
    model = keras.Sequential([keras.Input((4, 4, 3)), layers.Dense(3),
                              layers.Pipeline([layers.RandomPosterization(4)]), layers.Flatten(),
                              layers.Dense(1)])
    model.compile(loss="mse")
    with pytest.raises(NotImplementedError, match="has no input gradient"):
        model.fit(np.zeros((2, 4, 4, 3)), np.zeros((2, 1)), verbose=0)


def test_pipeline_config_round_trip_and_freezing():
    pipeline = layers.Pipeline([layers.RandomFlip(seed=1), layers.Dense(2)], name="prep")
    config = pipeline.get_config()
    assert list(config) == ["layers", "name"] and config["name"] == "prep"
    copy = layers.Pipeline.from_config(config)
    assert [type(layer).__name__ for layer in copy.layers] == ["RandomFlip", "Dense"]
    assert copy.layers[0].seed == 1
    with pytest.raises(ValueError, match="must contain a `layers` key"):
        layers.Pipeline.from_config({"name": "prep"})
    model = keras.Sequential([keras.Input((2, 2, 3)), pipeline])
    pipeline.trainable = False
    assert model.trainable_weights == [] and len(model.non_trainable_weights) == 2


def test_a_model_with_a_pipeline_saves_and_loads(tmp_path):
    model = keras.Sequential([keras.Input((4, 4, 3)),
                              layers.Pipeline([layers.AutoContrast(), layers.Conv2D(2, 1)])])
    x = data((2, 4, 4, 3)).astype("float32")
    for filename in ("model.keras", "model.h5"):
        model.save(tmp_path / filename)
        loaded = keras.models.load_model(tmp_path / filename)
        assert type(loaded.layers[0]).__name__ == "Pipeline"
        np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
