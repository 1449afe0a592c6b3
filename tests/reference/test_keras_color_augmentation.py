"""The augmentation layers added after the first seven (RandomGrayscale, RandomInvert, Solarization,
RandomPosterization, AutoContrast, RandomColorDegeneration, RandomSharpness, RandomShear,
RandomErasing, RandomGaussianBlur, Equalization, MixUp, CutMix) and Pipeline against Keras 3.15.1
(torch backend), in float64: for the same drawn parameters, the same output and input gradient
(Keras's ``transform_images`` under torch autograd); the same configs, key order included, each
read by the other library; the same output shapes. Files are in ``test_keras_saving.py``'s tables
and below (Pipeline).

Our parameters are forced by replacing the layer's ``draw``; Keras's are passed to its
``transform_images``.
"""

import numpy as np
import pytest

import handkeras
from handkeras import layers
from parity import assert_close

torch = pytest.importorskip("torch")
keras = pytest.importorskip("keras")
from keras_pair import file_case_ids, moved, plain  # noqa: E402


def images(shape, low=0.0, high=255.0, seed=5):
    return np.random.default_rng(seed).uniform(low, high, shape)


def assert_same(ours, parameters, keras_layer, transformation, x, gradient=True, kept=None):
    """Our training output (and input gradient) for ``parameters`` against Keras's
    ``transform_images`` for ``transformation``. Where ``kept`` (a mask) says the images pass
    unchanged, Keras's gradient is NaN (its ``where`` over a 0/0); ours is ``dy``."""
    ours.draw = lambda shape, rng: parameters
    y = ours(x, training=True)
    tx = torch.tensor(x, requires_grad=True)
    expected = keras_layer.transform_images(tx * 1, transformation, training=True)
    assert_close(y, expected.detach().numpy(), "output")
    if gradient:
        dy = np.random.default_rng(6).normal(size=y.shape)
        expected.backward(torch.tensor(dy))
        dx, expected_dx = ours.backward(dy), tx.grad.numpy()
        if kept is not None:
            assert np.isnan(expected_dx[kept]).all()
            np.testing.assert_array_equal(dx[kept], dy[kept])
            dx, expected_dx = dx[~kept], expected_dx[~kept]
        assert_close(dx, expected_dx, "input gradient")


def f64(values, shape):
    return torch.tensor(np.asarray(values, np.float64)).reshape(shape)


# ------------------------------------------------------------------------------------- transforms
@pytest.mark.parametrize("channels", [3, 1])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_grayscale_matches_keras(channels, data_format):
    chosen = np.array([True, False, True])
    shape = (3, 4, 5, channels) if data_format == "channels_last" else (3, channels, 4, 5)
    arguments = dict(data_format=data_format, dtype="float64")
    assert_same(layers.RandomGrayscale(**arguments), chosen,
                keras.layers.RandomGrayscale(**arguments),
                torch.tensor(chosen).reshape(3, 1, 1, 1), images(shape))


@pytest.mark.parametrize("value_range", [(0, 255), (-1, 1)])
def test_invert_matches_keras(value_range):
    chosen = np.array([True, False, True])
    arguments = dict(value_range=value_range, dtype="float64")
    assert_same(layers.RandomInvert(**arguments), chosen, keras.layers.RandomInvert(**arguments),
                {"apply_inversion": torch.tensor(chosen)}, images((3, 4, 5, 3), *value_range))


@pytest.mark.parametrize("value_range", [(0, 255), (-1, 2)])
def test_solarization_matches_keras(value_range):
    """Additions push some values past 255 (clipped), thresholds split the rest."""
    additions, thresholds = np.array([0.0, 40.0, 100.0]), np.array([128.0, 200.0, 0.0])
    arguments = dict(value_range=value_range, dtype="float64")
    transformation = {"additions": f64(additions, (3, 1, 1, 1)),
                      "thresholds": f64(thresholds, (3, 1, 1, 1))}
    assert_same(layers.Solarization(0.5, 0.5, **arguments), (additions, thresholds),
                keras.layers.Solarization(0.5, 0.5, **arguments), transformation,
                images((3, 4, 5, 3), *value_range))


@pytest.mark.parametrize("value_range", [(0, 255), (0, 1)])
def test_posterization_matches_keras(value_range):
    bits = np.array([1, 3, 8])
    arguments = dict(value_range=value_range, dtype="float64")
    transformation = {"shift_factor": torch.tensor(8 - bits, dtype=torch.uint8)}
    assert_same(layers.RandomPosterization(4, **arguments), bits,
                keras.layers.RandomPosterization(4, **arguments), transformation,
                images((3, 4, 5, 3), *value_range), gradient=False)


@pytest.mark.parametrize("value_range", [(0, 255), (-1, 1)])
def test_auto_contrast_matches_keras(value_range):
    """Each channel stretched; a constant channel (here the last of the first image) kept, and
    ties at a channel's minimum share its gradient."""
    x = images((2, 4, 5, 3), *value_range)
    x[0, :, :, 2] = 0.5
    x[1, 0, :2, 0] = x[1, :, :, 0].min()
    kept = np.zeros(x.shape, bool)
    kept[0, :, :, 2] = True
    arguments = dict(value_range=value_range, dtype="float64")
    assert_same(layers.AutoContrast(**arguments), None, keras.layers.AutoContrast(**arguments),
                None, x, kept=kept)


@pytest.mark.parametrize("channels", [3, 1])
def test_color_degeneration_matches_keras(channels):
    """Factors outside [0, 1] push values past the range: clipped."""
    factors = np.array([0.3, -0.8, 1.0])
    arguments = dict(value_range=(0, 255), dtype="float64")
    assert_same(layers.RandomColorDegeneration(0.5, **arguments), factors,
                keras.layers.RandomColorDegeneration(0.5, **arguments),
                {"factor": f64(factors, (3, 1, 1, 1))}, images((3, 4, 5, channels)))


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_sharpness_matches_keras(data_format):
    """Factors below and above 1/2 (blur, sharpen); sharpening reaches the clip."""
    factors = np.array([0.1, 0.9, 0.5])
    shape = (3, 4, 5, 3) if data_format == "channels_last" else (3, 3, 4, 5)
    arguments = dict(data_format=data_format, dtype="float64")
    assert_same(layers.RandomSharpness(0.5, **arguments), factors,
                keras.layers.RandomSharpness(0.5, **arguments), {"factor": f64(factors, (3,))},
                images(shape))


@pytest.mark.parametrize("fill_mode", ["reflect", "wrap", "constant", "nearest"])
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
def test_shear_matches_keras(fill_mode, interpolation):
    """Our draw's matrix, read back as Keras's shear factors (signs included)."""
    arguments = dict(fill_mode=fill_mode, interpolation=interpolation, fill_value=3.0,
                     dtype="float64")
    ours = layers.RandomShear((0.3, 0.3), (0.45, 0.45), **arguments)
    matrices = ours.draw((4, 5, 6, 2), np.random.default_rng(0))
    assert set(np.sign(matrices[:, 1])) == {-1, 1}
    factors = torch.tensor(matrices[:, [1, 3]])
    assert_same(ours, matrices, keras.layers.RandomShear(0.1, 0.1, **arguments),
                {"shear_factor": factors, "input_shape": (4, 5, 6, 2)}, images((4, 5, 6, 2)))


# A fill per channel is a channels-last fill in Keras (``full_like`` broadcasts on the last axis).
@pytest.mark.parametrize("fill_value, data_format", [
    (None, "channels_last"), (None, "channels_first"), (7.0, "channels_last"),
    (7.0, "channels_first"), ((1.0, 2.0, 300.0), "channels_last")])
def test_erasing_matches_keras(fill_value, data_format):
    arguments = dict(fill_value=fill_value, data_format=data_format, dtype="float64")
    ours = layers.RandomErasing(**arguments)
    chosen, erased, fill = ours.draw((3, 6, 7, 3), np.random.default_rng(1))
    chosen = np.array([True, False, True])
    first = data_format == "channels_first"
    keras_layout = (lambda a: np.moveaxis(a, -1, 1)) if first else (lambda a: a)
    transformation = {"apply_erasing": torch.tensor(chosen),
                      "batch_masks": torch.tensor(keras_layout(np.repeat(erased, 3, axis=-1))),
                      "fill_value": torch.tensor(keras_layout(np.array(fill)))}
    x = images((3, 6, 7, 3))
    assert_same(ours, (chosen, erased, fill), keras.layers.RandomErasing(**arguments),
                transformation, keras_layout(x))


@pytest.mark.parametrize("kernel_size", [3, 5])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_gaussian_blur_matches_keras(kernel_size, data_format):
    """Different deviations along the width and the height; one image left as it is."""
    chosen, sigmas = np.array([True, False, True]), np.array([0.4, 0.9])
    arguments = dict(kernel_size=kernel_size, value_range=(0, 200), data_format=data_format,
                     dtype="float64")
    shape = (3, 6, 7, 2) if data_format == "channels_last" else (3, 2, 6, 7)
    assert_same(layers.RandomGaussianBlur(**arguments), (chosen, sigmas),
                keras.layers.RandomGaussianBlur(**arguments),
                {"should_apply_blur": torch.tensor(chosen), "blur_factor": f64(sigmas, (2,))},
                images(shape))


@pytest.mark.parametrize("value_range, bins", [((0, 255), 256), ((-1, 1), 256), ((0, 255), 7),
                                               ((0, 1), 32)])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_equalization_matches_keras(value_range, bins, data_format):
    """One histogram per channel over the whole batch; the last channel constant (kept)."""
    shape = (3, 5, 6, 3) if data_format == "channels_last" else (3, 3, 5, 6)
    x = images(shape, *value_range)
    x[(..., 2) if data_format == "channels_last" else (slice(None), 2)] = value_range[0] + 0.01
    arguments = dict(value_range=value_range, bins=bins, data_format=data_format,
                     dtype="float64")
    assert_same(layers.Equalization(**arguments), None, keras.layers.Equalization(**arguments),
                None, x, gradient=False)


@pytest.mark.parametrize("value_range", [(0, 255), (-1, 1)])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_saturation_matches_keras(value_range, data_format):
    """Multipliers below and above 1, and a negative one (Keras's formula grays the image)."""
    factors = np.array([0.2, 0.8, -0.3, 0.5])
    multipliers = factors / (1 - factors + 1e-7)
    shape = (4, 3, 5, 3) if data_format == "channels_last" else (4, 3, 3, 5)
    arguments = dict(value_range=value_range, data_format=data_format, dtype="float64")
    assert_same(layers.RandomSaturation(0.5, **arguments), multipliers,
                keras.layers.RandomSaturation(0.5, **arguments),
                {"factor": f64(multipliers, (4,))}, images(shape, *value_range))


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_hue_matches_keras(data_format):
    """Shifts both ways, some wrapping past 0 and 1; values in ``[0, 1]``, where Keras computes
    in the layer's dtype (see below for other ranges)."""
    shifts = np.array([0.05, -0.4, 0.45, -0.1])
    shape = (4, 3, 5, 3) if data_format == "channels_last" else (4, 3, 3, 5)
    arguments = dict(value_range=(0, 1), data_format=data_format, dtype="float64")
    assert_same(layers.RandomHue(0.5, **arguments), shifts,
                keras.layers.RandomHue(0.5, **arguments), {"factor": f64(shifts, (4,))},
                images(shape, 0, 1))


@pytest.mark.parametrize("value_range", [(0, 255), (-1, 1)])
def test_hue_of_other_value_ranges_matches_keras_to_float32(value_range):
    """Keras maps another ``value_range`` onto ``[0, 1]`` in float32 whatever the layer's dtype,
    so its float64 layer agrees with ours to float32 rounding only."""
    shifts = np.array([0.05, -0.4, 0.45, -0.1])
    ours = layers.RandomHue(0.5, value_range=value_range, dtype="float64")
    ours.draw = lambda shape, rng: shifts
    x = images((4, 3, 5, 3), *value_range)
    expected = keras.layers.RandomHue(0.5, value_range=value_range, dtype="float64") \
        .transform_images(torch.tensor(x), {"factor": f64(shifts, (4,))}, training=True)
    np.testing.assert_allclose(ours(x), expected.numpy(), rtol=1e-5, atol=1e-5 * value_range[1])


def test_keras_cannot_build_a_model_with_equalization_handkeras_can():
    """Keras 3.15.1's Equalization gives its input as its output spec, a cycle for its model
    builder (so it has no model files to exchange); handkeras's model trains and predicts."""
    with pytest.raises(ValueError, match="is part of a cycle"):
        keras.Sequential([keras.Input((4, 4, 3)), keras.layers.Equalization()])
    model = handkeras.Sequential([handkeras.Input((4, 4, 3)), layers.Equalization()])
    x = images((2, 4, 4, 3))
    np.testing.assert_array_equal(model.predict(x, verbose=0), x)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_mix_up_matches_keras(data_format):
    permutation, weights = np.array([2, 0, 3, 1]), np.array([0.1, 0.5, 0.97, 0.3])
    shape = (4, 3, 5, 2) if data_format == "channels_last" else (4, 2, 3, 5)
    arguments = dict(data_format=data_format, dtype="float64")
    assert_same(layers.MixUp(**arguments), (permutation, weights), keras.layers.MixUp(**arguments),
                {"permutation_order": torch.tensor(permutation),
                 "mix_weight": f64(weights, (4,))}, images(shape))


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_cut_mix_matches_keras(data_format):
    """Our draw's rectangles (the permutation fixed so that no image takes from itself)."""
    ours = layers.CutMix(data_format=data_format, dtype="float64")
    _, pasted = ours.draw((4, 6, 7, 2), np.random.default_rng(3))
    permutation = np.array([1, 2, 3, 0])
    masks = np.repeat(pasted, 2, axis=-1)
    if data_format == "channels_first":
        masks = np.moveaxis(masks, -1, 1)
    shape = (4, 6, 7, 2) if data_format == "channels_last" else (4, 2, 6, 7)
    assert_same(ours, (permutation, pasted), keras.layers.CutMix(data_format=data_format,
                                                                dtype="float64"),
                {"permutation_order": torch.tensor(permutation),
                 "batch_masks": torch.tensor(masks)}, images(shape))


def test_mix_up_in_a_model_mixes_the_images_only_as_keras():
    """Keras's MixUp inside a Sequential: the labels never reach it, so fit trains on mixed
    images against the original labels; predict leaves the images as they are."""
    x = images((4, 3, 3, 1))
    for library in (keras, handkeras):
        model = library.Sequential([library.Input((3, 3, 1)), library.layers.MixUp()])
        np.testing.assert_array_equal(np.asarray(model.predict(x, verbose=0)), x)


def test_auto_contrast_applies_in_inference_as_keras():
    x = images((2, 3, 4, 3))
    expected = keras.layers.AutoContrast(dtype="float64")(x, training=False)
    assert_close(layers.AutoContrast(dtype="float64")(x, training=False),
                 expected.numpy(), "inference output")


# ------------------------------------------------------------------------------------- configs
CONFIG_CASES = [
    ("RandomGrayscale", (), {}),
    ("RandomGrayscale", (0.2,), dict(seed=3, data_format="channels_first")),
    ("RandomInvert", (), {}),
    ("RandomInvert", ((0.7, 0.2),), dict(value_range=(0, 1), seed=4)),
    ("Solarization", (), {}),
    ("Solarization", (0.5, (0.8, 0.2)), dict(value_range=(1, -1), seed=2)),
    ("RandomPosterization", (4,), {}),
    ("RandomPosterization", ((6, 2),), dict(value_range=(0, 1), seed=9)),
    ("AutoContrast", (), {}),
    ("AutoContrast", ((1, 0),), {}),
    ("RandomColorDegeneration", (0.3,), {}),
    ("RandomColorDegeneration", ((0.5, -0.2),), dict(value_range=(-1, 1), seed=6)),
    ("RandomSharpness", (0.2,), {}),
    ("RandomSharpness", ((0.7, 0.3),), dict(value_range=(0, 1), seed=1)),
    ("RandomShear", (), {}),
    ("RandomShear", ((0.2, 0.3), (0.5, 0.1)), dict(fill_mode="constant", fill_value=2,
                                            interpolation="nearest", seed=3,
                                            data_format="channels_first")),
    ("RandomErasing", (), {}),
    ("RandomErasing", (0.5, (0.3, 0.1)), dict(fill_value=(1, 2, 3), value_range=(0, 1),
                                              seed=8)),
    ("RandomErasing", ((0.2, 0.8), 0.4), dict(fill_value=4.5)),
    ("Equalization", (), {}),
    ("Equalization", ((1, -1),), dict(bins=16, data_format="channels_first")),
    ("RandomSaturation", (0.3,), {}),
    ("RandomSaturation", ((0.8, 0.2),), dict(value_range=(0, 1), seed=5)),
    ("RandomHue", (0.3,), {}),
    ("RandomHue", ((0.8, 0.2),), dict(value_range=(0, 1), seed=5)),
    ("MixUp", (), {}),
    ("MixUp", (0.5,), dict(seed=3, data_format="channels_first")),
    ("CutMix", (), {}),
    ("CutMix", ((0.6, 0.2),), dict(seed=4)),
    ("RandomGaussianBlur", (), {}),
    ("RandomGaussianBlur", ((0.8, 0.2),), dict(kernel_size=(5, 5), sigma=(0.5, 0.1),
                                               value_range=(0, 1), seed=2)),
]


@pytest.mark.parametrize("name, args, kwargs", CONFIG_CASES,
                         ids=[f"{n}{a}{k}" for n, a, k in CONFIG_CASES])
def test_config_is_keras_s_and_each_library_reads_the_other_s(name, args, kwargs):
    ours = getattr(layers, name)(*args, name="aug", **kwargs).get_config()
    theirs = getattr(keras.layers, name)(*args, name="aug", **kwargs).get_config()
    assert ours == theirs
    assert list(ours) == list(theirs)
    stored = plain(theirs)
    assert plain(getattr(layers, name).from_config(stored).get_config()) == stored
    assert plain(getattr(keras.layers, name).from_config(plain(ours)).get_config()) == stored


def test_keras_s_shear_config_of_a_number_factor_loads_in_handkeras_only():
    """Keras writes ``x_factor=0.2`` as ``(-0.2, 0.2)``, then refuses it: handkeras reads it."""
    stored = plain(keras.layers.RandomShear(0.2, name="aug").get_config())
    with pytest.raises(TypeError, match="input_number=-0.2"):
        keras.layers.RandomShear.from_config(stored)
    layer = layers.RandomShear.from_config(stored)
    assert layer.x_factor == (-0.2, 0.2)
    assert plain(layer.get_config()) == stored


@pytest.mark.parametrize("name, args, kwargs", CONFIG_CASES,
                         ids=[f"{n}{a}{k}" for n, a, k in CONFIG_CASES])
def test_output_shapes_match_keras(name, args, kwargs):
    for shape in ((None, 9, 10, 3), (9, 10, 3)):
        expected = getattr(keras.layers, name)(*args, **kwargs).compute_output_shape(shape)
        assert getattr(layers, name)(*args, **kwargs).compute_output_shape(shape) == \
            tuple(expected)


# ------------------------------------------------------------------------------------- Pipeline
def _pipeline(library):
    L = library.layers
    return L.Pipeline([L.RandomGrayscale(0.3, seed=1), L.Conv2D(2, 1), L.RandomInvert(),
                       L.AutoContrast(), L.Dense(3)], name="augment")


def test_pipeline_config_is_keras_s_and_each_library_reads_the_other_s():
    handkeras.backend.clear_session()  # the same layer names on both sides
    keras.backend.clear_session()
    ours, theirs = _pipeline(handkeras), _pipeline(keras)
    assert plain(ours.get_config()) == plain(theirs.get_config())
    assert list(ours.get_config()) == ["layers", "name"]
    stored = plain(theirs.get_config())
    assert plain(layers.Pipeline.from_config(stored).get_config()) == stored
    assert plain(keras.layers.Pipeline.from_config(plain(ours.get_config())).get_config()) == \
        stored


def test_pipeline_runs_its_layers_in_order_as_keras():
    """The same weights, inference: Conv2D, then (RandomInvert off) AutoContrast, then Dense."""
    x = images((2, 4, 4, 3))
    theirs = keras.Sequential([keras.Input((4, 4, 3)), _pipeline(keras)])
    ours = handkeras.Sequential([handkeras.Input((4, 4, 3)), _pipeline(handkeras)])
    ours.set_weights(theirs.get_weights())
    assert_close(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), "predictions")


FILE_CASES = [(handkeras, keras, "model.keras"), (handkeras, keras, "model.h5"),
              (keras, handkeras, "model.keras"), (keras, handkeras, "model.h5")]


@pytest.mark.parametrize("writer, reader, filename", FILE_CASES, ids=file_case_ids(FILE_CASES))
def test_a_model_with_a_pipeline_moves_between_the_libraries(tmp_path, writer, reader, filename):
    """Its config and the weights of the layers inside it (``moved`` compares predictions)."""
    source = writer.Sequential([writer.Input((4, 4, 3)), _pipeline(writer)])
    loaded = moved(source, reader, tmp_path / filename, images((2, 4, 4, 3)))
    assert [plain(layer.get_config()) for layer in loaded.layers[0].layers] == \
        [plain(layer.get_config()) for layer in source.layers[0].layers]
