"""The small layers of docs/small_layers.md.

Each: outputs on hand-computed cases, the input gradient against float64 central differences,
inference behaviour, errors naming the layer and the argument, and, for the noise layers, the
statistics Keras's formulas promise, drawn with a fixed seed.
"""

import math

import numpy as np
import pytest

import handkeras as keras
from handkeras import layers
from handkeras.utils.gradient_check import layer_gradients, model_gradients
from gradient_checks import ATOL, RTOL, assert_gradients_match, data


SELU_SATURATION = -1.6732632423543772848170429916717 * 1.0507009873554804934193349852946


NOISE_LAYERS = {
    "SpatialDropout1D": (lambda **kw: layers.SpatialDropout1D(0.4, **kw), (3, 5, 4)),
    "SpatialDropout2D": (lambda **kw: layers.SpatialDropout2D(0.4, **kw), (3, 4, 5, 2)),
    "GaussianNoise": (lambda **kw: layers.GaussianNoise(0.3, **kw), (4, 6)),
    "GaussianDropout": (lambda **kw: layers.GaussianDropout(0.3, **kw), (4, 6)),
    "AlphaDropout": (lambda **kw: layers.AlphaDropout(0.3, **kw), (4, 6)),
}


# ------------------------------------------------------------------------- noise: all of them
@pytest.mark.parametrize("name", sorted(NOISE_LAYERS))
def test_noise_layers_are_the_identity_in_inference(name):
    factory, shape = NOISE_LAYERS[name]
    x = data(shape).astype("float32")
    model = keras.Sequential([keras.Input(shape[1:]), factory()])
    np.testing.assert_array_equal(model.predict(x, verbose=0), x)
    assert not np.array_equal(factory()(x, training=True), x), "training should add noise"


@pytest.mark.parametrize("name", sorted(NOISE_LAYERS))
def test_noise_layers_with_a_seed_repeat_their_noise(name):
    factory, shape = NOISE_LAYERS[name]
    x = data(shape).astype("float32")
    first, second = factory(seed=7)(x, training=True), factory(seed=7)(x, training=True)
    np.testing.assert_array_equal(first, second)
    assert first.dtype == np.float32
    assert not np.array_equal(first, factory(seed=8)(x, training=True))


@pytest.mark.parametrize("name", sorted(NOISE_LAYERS))
def test_noise_layers_draw_in_every_float_type(name):
    factory, shape = NOISE_LAYERS[name]
    for dtype in ("float16", "float32", "float64"):
        y = factory(seed=1, dtype=dtype)(data(shape), training=True)
        assert y.dtype == dtype and np.all(np.isfinite(y))


@pytest.mark.parametrize("name", sorted(NOISE_LAYERS))
def test_noise_layers_without_a_seed_draw_from_set_random_seed(name):
    factory, shape = NOISE_LAYERS[name]
    x = data(shape).astype("float32")
    keras.utils.set_random_seed(5)
    first = factory()(x, training=True)
    keras.utils.set_random_seed(5)
    np.testing.assert_array_equal(factory()(x, training=True), first)


@pytest.mark.parametrize("name", sorted(NOISE_LAYERS))
def test_noise_layer_gradients(float64, name):
    factory, shape = NOISE_LAYERS[name]
    assert_gradients_match(layer_gradients(factory(seed=3), data(shape), training=True))


@pytest.mark.parametrize("layer", [layers.SpatialDropout1D(0), layers.GaussianNoise(0),
                                   layers.GaussianDropout(0), layers.AlphaDropout(0)],
                         ids=lambda layer: type(layer).__name__)
def test_a_rate_or_stddev_of_zero_trains_as_the_identity(layer):
    x = data((2, 3, 4)).astype("float32")
    np.testing.assert_array_equal(layer(x, training=True), x)
    np.testing.assert_array_equal(layer.backward(x), x)


@pytest.mark.parametrize("cls, argument", [
    (layers.SpatialDropout1D, "rate"), (layers.SpatialDropout2D, "rate"),
    (layers.GaussianNoise, "stddev"), (layers.GaussianDropout, "rate"),
    (layers.AlphaDropout, "rate")])
def test_noise_arguments_are_checked(cls, argument):
    """As in Keras: a number outside [0, 1] is a ValueError, a value that is no number a
    TypeError, when the layer is made."""
    for bad in (-0.1, 1.5, float("nan")):
        with pytest.raises(ValueError, match=rf"{cls.__name__} '.*': `{argument}` must be a number "
                                             rf"in \[0, 1\], received {bad}"):
            cls(bad)
    for bad in ("0.5", None):
        with pytest.raises(TypeError, match=rf"{cls.__name__} '.*': `{argument}` must be a number "
                                            rf"in \[0, 1\], received {bad!r}"):
            cls(bad)


@pytest.mark.parametrize("cls", [layers.SpatialDropout1D, layers.SpatialDropout2D,
                                 layers.GaussianNoise, layers.GaussianDropout,
                                 layers.AlphaDropout], ids=lambda cls: cls.__name__)
def test_noise_rates_are_kept_as_given_as_keras_does(cls):
    for value in (1, 0, 0.25):
        config = cls(value).get_config()
        assert repr(config.get("rate", config.get("stddev"))) == repr(value)


# ------------------------------------------------------------------------------ SpatialDropout
def test_spatial_dropout_1d_drops_whole_channels():
    x = np.ones((50, 6, 8), dtype="float32")
    y = layers.SpatialDropout1D(0.5, seed=1)(x, training=True)
    assert set(np.unique(y)) == {0.0, 2.0}
    assert np.all(y == y[:, :1, :]), "a channel is dropped or kept at every step together"
    assert 0.4 < np.mean(y[:, 0, :] == 0) < 0.6


@pytest.mark.parametrize("data_format, shared_axes", [("channels_last", (1, 2)),
                                                      ("channels_first", (2, 3))])
def test_spatial_dropout_2d_drops_whole_feature_maps(data_format, shared_axes):
    x = np.ones((40, 3, 4, 5), dtype="float32")
    layer = layers.SpatialDropout2D(0.25, data_format=data_format, seed=2)
    y = layer(x, training=True)
    assert set(np.unique(y)) == {0.0, np.float32(1 / 0.75)}
    assert np.all(y == y.max(axis=shared_axes, keepdims=True))
    assert layer.get_config()["data_format"] == data_format


def test_spatial_dropout_refuses_other_ranks_and_arguments():
    with pytest.raises(ValueError, match="SpatialDropout1D '.*' expects inputs of rank 3"):
        keras.Sequential([keras.Input((4,)), layers.SpatialDropout1D(0.5)]).build()
    with pytest.raises(ValueError, match="SpatialDropout2D '.*' expects inputs of rank 4"):
        layers.SpatialDropout2D(0.5)(np.ones((2, 3, 4)))
    with pytest.raises(ValueError, match="SpatialDropout2D '.*': `data_format` must be one of"):
        layers.SpatialDropout2D(0.5, data_format="nhwc")
    with pytest.raises(TypeError):  # Keras's signature has no **kwargs
        layers.SpatialDropout1D(0.5, trainable=False)


def test_spatial_dropout_config_is_keras_s_short_one():
    assert layers.SpatialDropout1D(0.5, seed=3, name="s").get_config() == {
        "rate": 0.5, "seed": 3, "name": "s", "dtype": "float32"}
    assert layers.SpatialDropout2D(0.5, name="s").get_config() == {
        "rate": 0.5, "seed": None, "name": "s", "dtype": "float32", "data_format": "channels_last"}


# ------------------------------------------------------------------------------- GaussianNoise
def test_gaussian_noise_adds_zero_mean_noise_of_stddev():
    x = np.full((400, 500), 3.0, dtype="float32")
    noise = layers.GaussianNoise(0.2, seed=4)(x, training=True) - x
    assert abs(noise.mean()) < 0.002
    assert abs(noise.std() - 0.2) < 0.002
    layer = layers.GaussianNoise(0.2, seed=4)
    layer(x, training=True)
    np.testing.assert_array_equal(layer.backward(x), x)  # the noise does not depend on x


# ----------------------------------------------------------------------------- GaussianDropout
def test_gaussian_dropout_keeps_the_mean_with_dropout_s_variance():
    rate = 0.3
    x = np.full((400, 500), 2.0)
    y = layers.GaussianDropout(rate, seed=5)(x, training=True)
    factor = y / x
    assert abs(factor.mean() - 1) < 0.003
    assert abs(factor.std() - math.sqrt(rate / (1 - rate))) < 0.003


def test_gaussian_dropout_gradient_is_dy_times_the_noise():
    layer = layers.GaussianDropout(0.4, seed=1)
    x = data((3, 4)).astype("float32")
    y = layer(x, training=True)
    dy = data((3, 4), seed=1).astype("float32")
    np.testing.assert_allclose(layer.backward(dy), dy * y / x, rtol=1e-5)


def test_gaussian_dropout_rate_one_cannot_train():
    layer = layers.GaussianDropout(1.0)
    x = np.ones((2, 3), dtype="float32")
    np.testing.assert_array_equal(layer(x), x)  # inference works, as in Keras
    with pytest.raises(ValueError, match="GaussianDropout '.*': `rate=1` gives noise of infinite"):
        layer(x, training=True)


# -------------------------------------------------------------------------------- AlphaDropout
def alpha_constants(rate):
    a = ((1 - rate) * (1 + rate * SELU_SATURATION ** 2)) ** -0.5
    return a, -a * SELU_SATURATION * rate


def test_alpha_dropout_is_keras_s_affine_map_of_kept_and_saturated_inputs(float64):
    rate = 0.4
    x = data((20, 30))
    y = layers.AlphaDropout(rate, seed=6)(x, training=True)
    a, b = alpha_constants(rate)
    kept = np.isclose(y, a * x + b, rtol=1e-12)
    dropped = np.isclose(y, a * SELU_SATURATION + b, rtol=1e-12)
    assert np.all(kept | dropped)
    assert 0.35 < dropped.mean() < 0.45


def test_alpha_dropout_keeps_mean_and_variance_of_standardized_inputs():
    x = data((400, 500))
    y = layers.AlphaDropout(0.2, seed=7)(x, training=True)
    assert abs(y.mean()) < 0.005
    assert abs(y.var() - 1) < 0.005


def test_alpha_dropout_noise_shape_shares_the_mask(float64):
    x = data((6, 5, 4))
    layer = layers.AlphaDropout(0.5, noise_shape=(None, 1, 4), seed=8)
    y = layer(x, training=True)
    a, b = alpha_constants(0.5)
    dropped = np.isclose(y, a * SELU_SATURATION + b, rtol=1e-12)
    assert np.all(dropped == dropped[:, :1, :]) and dropped.any()
    assert_gradients_match(layer_gradients(layer, x, training=True))


def test_alpha_dropout_checks_noise_shape_and_rate_one():
    with pytest.raises(ValueError, match="AlphaDropout '.*': `noise_shape` must be a tuple"):
        layers.AlphaDropout(0.5, noise_shape=(None, 0))
    # As in Keras, a noise shape that does not fit the input fails at the training call only.
    x = np.ones((2, 4), "float32")
    model = keras.Sequential([keras.Input((4,)), layers.AlphaDropout(0.5, noise_shape=(None, 3))])
    np.testing.assert_array_equal(model.predict(x, verbose=0), x)
    for error in (ValueError, RuntimeError):
        with pytest.raises(error, match=r"AlphaDropout '.*': `noise_shape` \(None, 3\) does not "
                                        r"fit the input of shape \(2, 4\)"):
            model.layers[0](x, training=True)
    with pytest.raises(ValueError, match="AlphaDropout '.*': `rate=1` drops every input"):
        layers.AlphaDropout(1.0)(np.ones((2, 4)), training=True)


# ---------------------------------------------------------------------- ActivityRegularization
def test_activity_regularization_is_the_identity_with_a_penalty_on_its_output():
    model = keras.Sequential([keras.Input((3,)), layers.ActivityRegularization(l1=0.1, l2=0.2)])
    model.compile(loss="mse", optimizer="sgd")
    x = np.array([[1.0, -2.0, 0.5], [0.0, 3.0, -1.0]], dtype="float32")
    np.testing.assert_array_equal(model.predict(x, verbose=0), x)
    loss = model.train_on_batch(x, x)  # the mse part is 0: the loss is the penalty
    expected = (0.1 * np.abs(x).sum() + 0.2 * np.square(x).sum()) / len(x)
    np.testing.assert_allclose(loss, expected, rtol=1e-6)
    np.testing.assert_allclose(model.layers[0].losses, [expected], rtol=1e-6)


def test_activity_regularization_gradients_in_a_model(float64):
    model = keras.Sequential([keras.Input((4,)), layers.Dense(3, activation="tanh"),
                              layers.ActivityRegularization(l1=0.05, l2=0.3), layers.Dense(2)])
    model.compile(loss="mse")
    for weight, (analytic, numeric) in zip(model.trainable_weights,
                                           model_gradients(model, data((5, 4)), data((5, 2), 1))):
        np.testing.assert_allclose(analytic, numeric, rtol=RTOL, atol=ATOL, err_msg=weight.path)


def test_activity_regularization_arguments():
    with pytest.raises(ValueError, match="ActivityRegularization '.*': .*`l1`.*non-negative"):
        layers.ActivityRegularization(l1=-1)
    with pytest.raises(TypeError, match="sets its own `activity_regularizer`"):
        layers.ActivityRegularization(activity_regularizer="l2")
    config = layers.ActivityRegularization(l1=1, name="r").get_config()
    assert "activity_regularizer" not in config and config["l1"] == 1 and config["l2"] == 0.0


# ------------------------------------------------------------------------------------ Identity
def test_identity_returns_its_input_and_keeps_masks():
    x = data((3, 4)).astype("float32")
    layer = layers.Identity()
    assert layer.forward(x, training=True) is x
    assert layer.backward(x) is x
    ids = np.array([[3, 4, 0, 0], [5, 0, 0, 0]])
    plain, with_identity = [
        keras.Sequential([keras.Input((4,)), layers.Embedding(6, 2, mask_zero=True), *extra,
                          layers.GlobalAveragePooling1D()]) for extra in ([], [layers.Identity()])]
    with_identity.set_weights(plain.get_weights())
    np.testing.assert_array_equal(with_identity.predict(ids, verbose=0),
                                  plain.predict(ids, verbose=0))


# ------------------------------------------------------------------------------------- Masking
def test_masking_zeroes_and_masks_the_steps_that_are_all_mask_value(float64):
    x = np.array([[[1.0, 2.0], [-1.0, -1.0], [-1.0, 0.0]],
                  [[-1.0, -1.0], [-1.0, -1.0], [4.0, -1.0]]])
    layer = layers.Masking(mask_value=-1.0)
    y = layer(x)
    expected = x.copy()
    expected[0, 1] = expected[1, 0] = expected[1, 1] = 0.0
    np.testing.assert_array_equal(y, expected)
    np.testing.assert_array_equal(layer.compute_mask(x, None),
                                  [[True, False, True], [False, False, True]])
    # A masked step's gradient is 0 (the output there is the constant 0); central differences
    # cannot see it, since a nudge unmasks the step: they check the kept steps.
    analytic, numeric = layer_gradients(layer, x, training=True)["input"]
    kept = layer.compute_mask(x, None)
    np.testing.assert_allclose(analytic[kept], numeric[kept], rtol=RTOL)
    np.testing.assert_array_equal(analytic[~kept], 0.0)


def test_masking_mask_reaches_pooling_and_the_loss():
    x = np.array([[[1.0, 2.0], [0.0, 0.0], [3.0, 4.0]],
                  [[0.0, 0.0], [0.0, 0.0], [2.0, 2.0]]], dtype="float32")
    pooled = keras.Sequential([keras.Input((3, 2)), layers.Masking(),
                               layers.GlobalAveragePooling1D()])
    np.testing.assert_allclose(pooled.predict(x, verbose=0), [[2.0, 3.0], [2.0, 2.0]])
    model = keras.Sequential([keras.Input((3, 2)), layers.Masking(),
                              layers.Dense(1, kernel_initializer="ones")])
    model.compile(loss="mse")
    y = np.zeros((2, 3, 1), dtype="float32")
    # Unmasked steps predict 3, 7 and 4; masked steps do not count.
    np.testing.assert_allclose(model.evaluate(x, y, verbose=0), (9 + 49 + 16) / 3, rtol=1e-6)


def test_masking_mask_value_must_be_a_number():
    with pytest.raises(TypeError, match="Masking '.*': `mask_value` must be a number"):
        layers.Masking("0")


# ------------------------------------------------------------------------------------- Permute
def test_permute_reorders_axes_and_its_gradient_undoes_it(float64):
    x = data((2, 3, 4, 5))
    layer = layers.Permute((3, 1, 2))
    np.testing.assert_array_equal(layer(x), x.transpose(0, 3, 1, 2))
    assert layer.compute_output_shape((None, 3, None, 5)) == (None, 5, 3, None)
    assert_gradients_match(layer_gradients(layer, x))


def test_permute_arguments_and_rank():
    for bad in ((1, 3), (0, 1), (1, 1), (1.0, 2.0)):
        with pytest.raises(ValueError, match="Permute '.*': `dims` must be a permutation"):
            layers.Permute(bad)
    with pytest.raises(TypeError):
        layers.Permute(2)
    with pytest.raises(ValueError, match="Permute '.*' expects inputs of rank 3"):
        layers.Permute((2, 1))(np.ones((2, 3, 4, 5)))


# -------------------------------------------------------------------------------- RepeatVector
def test_repeat_vector_repeats_and_sums_the_gradient(float64):
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    layer = layers.RepeatVector(3)
    np.testing.assert_array_equal(layer(x), [[[1, 2]] * 3, [[3, 4]] * 3])
    assert layer.compute_output_shape((None, 2)) == (None, 3, 2)
    assert_gradients_match(layer_gradients(layers.RepeatVector(3), data((4, 5))))


def test_repeat_vector_arguments_and_rank():
    with pytest.raises(TypeError, match="RepeatVector '.*': `n` must be an integer, received 2.0"):
        layers.RepeatVector(2.0)
    with pytest.raises(ValueError, match="`n` must be a positive integer, received 0"):
        layers.RepeatVector(0)
    with pytest.raises(ValueError, match="RepeatVector '.*' expects inputs of rank 2"):
        layers.RepeatVector(2)(np.ones((2, 3, 4)))


# ----------------------------------------------------------------------- cropping and padding
@pytest.mark.parametrize("cropping, expected", [(1, (1, 1)), ((0, 2), (0, 2)), ((2, 0), (2, 0))])
def test_cropping1d_drops_steps(float64, cropping, expected):
    x = data((2, 5, 3))
    layer = layers.Cropping1D(cropping)
    assert layer.cropping == expected
    np.testing.assert_array_equal(layer(x), x[:, expected[0]: 5 - expected[1]])
    assert layer.compute_output_shape((None, 5, 3)) == (None, 5 - sum(expected), 3)
    assert layer.compute_output_shape((None, None, 3)) == (None, None, 3)
    assert_gradients_match(layer_gradients(layer, x))


@pytest.mark.parametrize("cropping, expected", [
    (1, ((1, 1), (1, 1))), ((1, 2), ((1, 1), (2, 2))), (((0, 2), (3, 0)), ((0, 2), (3, 0)))])
def test_cropping2d_drops_rows_and_columns(float64, cropping, expected):
    x = data((2, 5, 6, 2))
    layer = layers.Cropping2D(cropping)
    assert layer.cropping == expected
    (top, bottom), (left, right) = expected
    np.testing.assert_array_equal(layer(x), x[:, top: 5 - bottom, left: 6 - right])
    assert_gradients_match(layer_gradients(layer, x))


def test_cropping_arguments_and_sizes():
    assert layers.Cropping1D().cropping == (1, 1)
    assert layers.Cropping2D().cropping == ((0, 0), (0, 0))
    for bad in (-1, (1, 2, 3), 1.5):
        with pytest.raises(ValueError, match="`cropping`"):
            layers.Cropping1D(bad)
        with pytest.raises(ValueError, match="`cropping"):
            layers.Cropping2D(bad)
    with pytest.raises(ValueError, match=r"Cropping1D '.*': `cropping` \(2, 2\) must leave"):
        keras.Sequential([keras.Input((4, 3)), layers.Cropping1D(2)]).build()
    with pytest.raises(ValueError, match="Cropping2D '.*': `cropping` .* must leave"):
        layers.Cropping2D(((0, 0), (2, 1)))(np.ones((1, 4, 3, 1)))
    with pytest.raises(ValueError, match="Cropping2D '.*' expects inputs of rank 4"):
        layers.Cropping2D(1)(np.ones((1, 4, 3)))
    with pytest.raises(ValueError, match="only `data_format='channels_last'`"):
        layers.Cropping2D(1, data_format="channels_first")


@pytest.mark.parametrize("padding, expected", [(1, (1, 1)), ((0, 2), (0, 2)), (3, (3, 3))])
def test_zero_padding1d_pads_steps(float64, padding, expected):
    x = data((2, 4, 3))
    layer = layers.ZeroPadding1D(padding)
    y = layer(x)
    assert y.shape == (2, 4 + sum(expected), 3)
    np.testing.assert_array_equal(y, np.pad(x, ((0, 0), expected, (0, 0))))
    assert layer.compute_output_shape((None, None, 3)) == (None, None, 3)
    assert_gradients_match(layer_gradients(layer, x))


def test_zero_padding1d_arguments():
    assert layers.ZeroPadding1D().padding == (1, 1)
    for bad in ((1, -2), 2.5, (1, 2, 3)):
        with pytest.raises(ValueError, match="ZeroPadding1D|`padding`"):
            layers.ZeroPadding1D(bad)
    with pytest.raises(ValueError, match="ZeroPadding1D '.*' expects inputs of rank 3"):
        layers.ZeroPadding1D(1)(np.ones((2, 3)))


# -------------------------------------------------------------------------------- UpSampling1D
def test_up_sampling1d_repeats_steps(float64):
    x = np.array([[[1.0, 2.0], [3.0, 4.0]]])
    layer = layers.UpSampling1D(3)
    np.testing.assert_array_equal(layer(x), [[[1, 2]] * 3 + [[3, 4]] * 3])
    assert layer.compute_output_shape((None, 2, 2)) == (None, 6, 2)
    assert layers.UpSampling1D().size == 2
    assert_gradients_match(layer_gradients(layers.UpSampling1D(3), data((2, 4, 3))))


def test_up_sampling1d_arguments():
    with pytest.raises(TypeError, match="UpSampling1D '.*': `size` must be an integer"):
        layers.UpSampling1D((2,))
    with pytest.raises(ValueError, match="`size` must be a positive integer, received 0"):
        layers.UpSampling1D(0)


# --------------------------------------------------------------------------- UnitNormalization
@pytest.mark.parametrize("axis, shape", [(-1, (4, 5)), (1, (3, 4, 5)), ([1, 2], (3, 4, 5))])
def test_unit_normalization_gives_unit_norms(float64, axis, shape):
    x = data(shape, seed=1, scale=3.0)  # seed 0 would make the upstream gradient parallel to x
    layer = layers.UnitNormalization(axis=axis)
    y = layer(x)
    axes = tuple(axis) if isinstance(axis, list) else axis
    np.testing.assert_allclose(np.sqrt(np.square(y).sum(axis=axes)), 1.0, rtol=1e-12)
    np.testing.assert_allclose(y, x / np.sqrt(np.square(x).sum(axis=axes, keepdims=True)),
                               rtol=1e-12)
    assert_gradients_match(layer_gradients(layer, x))


def test_unit_normalization_scales_norms_below_the_floor_by_1e12(float64):
    x = np.array([[3e-14, 4e-14], [0.0, 0.0], [3.0, 4.0]])
    layer = layers.UnitNormalization()
    np.testing.assert_allclose(layer(x), [[0.03, 0.04], [0.0, 0.0], [0.6, 0.8]], rtol=1e-12)
    layer.forward(x, training=True)
    dy = np.array([[1.0, 2.0], [3.0, 4.0], [1.0, 0.0]])
    dx = layer.backward(dy)
    np.testing.assert_allclose(dx[:2], dy[:2] * 1e12, rtol=1e-12)  # a constant scale there
    np.testing.assert_allclose(dx[2], [(1 - 0.36) / 5, -0.48 / 5], rtol=1e-12)


def test_unit_normalization_arguments():
    with pytest.raises(TypeError, match="UnitNormalization '.*': `axis` must be an int or a list"):
        layers.UnitNormalization(axis="last")
    assert layers.UnitNormalization(axis=(1, 2)).axis == [1, 2]
    with pytest.raises(ValueError, match="UnitNormalization '.*': `axis` 3 is out of bounds"):
        keras.Sequential([keras.Input((4,)), layers.UnitNormalization(axis=3)]).build()


# ------------------------------------------------------------------------------ in a model
def test_the_layers_train_in_a_model_with_keras_s_shapes_in_the_summary():
    model = keras.Sequential([
        keras.Input((6,)), layers.GaussianNoise(0.1), layers.RepeatVector(4),
        layers.ZeroPadding1D((1, 0)), layers.UpSampling1D(2), layers.Cropping1D((2, 1)),
        layers.SpatialDropout1D(0.2), layers.Permute((2, 1)), layers.AlphaDropout(0.1),
        layers.GaussianDropout(0.1), layers.UnitNormalization(), layers.Identity(),
        layers.ActivityRegularization(l2=0.01), layers.Flatten(), layers.Dense(1)])
    shapes = [layer.output.shape for layer in model.layers]
    assert shapes[1:7] == [(None, 4, 6), (None, 5, 6), (None, 10, 6), (None, 7, 6), (None, 7, 6),
                           (None, 6, 7)]
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    for name in ("repeat_vector", "zero_padding1d", "up_sampling1d", "cropping1d", "permute",
                 "unit_normalization", "(None, 6, 7)"):
        assert name in text
    model.compile(loss="mse", optimizer="adam")
    x, y = data((16, 6)).astype("float32"), data((16, 1), 1).astype("float32")
    history = model.fit(x, y, epochs=3, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
