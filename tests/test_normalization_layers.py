"""BatchNormalization, LayerNormalization and Normalization: Keras's formulas, weights and their
order, moving statistics, adapt, errors, and every gradient against float64 central differences.

BatchNormalization uses the batch's mean and *biased* variance in training (when trainable) and
moves ``moving = momentum * moving + (1 - momentum) * batch``; in inference, or when frozen
(``trainable=False``, even inside ``fit``), it uses the moving statistics.
"""

import numpy as np
import pytest

import handkeras as keras
from handkeras import layers
from handkeras.utils.gradient_check import layer_gradients, numerical_gradient
from gradient_checks import RTOL, assert_gradients_match

# The central difference's own floor: float64 round-off in an objective summing ~100 terms of order
# 1, divided by the 2e-6 step, is a few 1e-9. It only matters for gradient entries that small.
ATOL = 1e-8


def data(shape, seed=7, scale=1.0, shift=0.0):
    return np.random.default_rng(seed).standard_normal(shape) * scale + shift


def randomize_weights(layer, seed=1):
    """Non-trivial gamma, beta and moving statistics (positive variances)."""
    rng = np.random.default_rng(seed)
    for weight in layer.weights:
        if weight.name in ("moving_variance", "variance"):
            weight.assign(rng.uniform(0.5, 2.0, weight.shape))
        elif weight.value.dtype.kind == "f":
            weight.assign(rng.normal(size=weight.shape))


# ============================================================================== BatchNormalization
BN_CASES = [((6, 4), -1), ((5, 3, 4), -1), ((3, 4, 5, 2), -1), ((3, 4, 5, 2), 1), ((4, 3, 5), 1)]


@pytest.mark.parametrize("shape, axis", BN_CASES, ids=str)
@pytest.mark.parametrize("center, scale", [(True, True), (False, True), (True, False), (False, False)])
def test_batch_normalization_training_gradients(float64, shape, axis, center, scale):
    layer = layers.BatchNormalization(axis=axis, center=center, scale=scale)
    layer.build_once((None,) + shape[1:])
    randomize_weights(layer)
    expected = {"input"} | ({"gamma"} if scale else set()) | ({"beta"} if center else set())
    assert_gradients_match(layer_gradients(layer, data(shape, scale=2.0, shift=1.0)), expected,
                           atol=ATOL)


@pytest.mark.parametrize("shape, axis", BN_CASES, ids=str)
def test_frozen_batch_normalization_uses_moving_statistics_and_its_gradient(float64, shape, axis):
    layer = layers.BatchNormalization(axis=axis)
    layer.build_once((None,) + shape[1:])
    randomize_weights(layer)
    layer.trainable = False
    before = layer.get_weights()
    x = data(shape, scale=2.0, shift=1.0)
    assert_gradients_match(layer_gradients(layer, x), {"input"}, atol=ATOL)  # no trainable weights
    for value, saved in zip(layer.get_weights(), before):
        np.testing.assert_array_equal(value, saved)  # a frozen layer never moves its statistics
    gamma, beta, mean, variance = (w.reshape(broadcast_shape(shape, axis)) for w in before)
    expected = (x - mean) / np.sqrt(variance + 1e-3) * gamma + beta
    np.testing.assert_allclose(layer.forward(x, training=True), expected, rtol=1e-12)


def broadcast_shape(shape, axis):
    return tuple(size if a == axis % len(shape) else 1 for a, size in enumerate(shape))


@pytest.mark.parametrize("shape, axis", BN_CASES, ids=str)
def test_batch_normalization_training_output_and_moving_statistics(float64, shape, axis):
    layer = layers.BatchNormalization(axis=axis, momentum=0.9, epsilon=1e-2)
    layer.build_once((None,) + shape[1:])
    randomize_weights(layer)
    gamma, beta, mean0, variance0 = layer.get_weights()
    x = data(shape, scale=3.0, shift=2.0)
    axes = tuple(a for a in range(len(shape)) if a != axis % len(shape))
    batch_mean, batch_variance = x.mean(axis=axes), x.var(axis=axes)  # biased variance
    b = broadcast_shape(shape, axis)
    expected = ((x - batch_mean.reshape(b)) / np.sqrt(batch_variance.reshape(b) + 1e-2)
                * gamma.reshape(b) + beta.reshape(b))
    np.testing.assert_allclose(layer.forward(x, training=True), expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(layer.moving_mean.value, 0.9 * mean0 + 0.1 * batch_mean, rtol=1e-14)
    np.testing.assert_allclose(layer.moving_variance.value, 0.9 * variance0 + 0.1 * batch_variance,
                               rtol=1e-14)


def test_batch_normalization_inference_uses_moving_statistics_and_writes_nothing(float64):
    layer = layers.BatchNormalization()
    layer.build_once((None, 3))
    randomize_weights(layer)
    gamma, beta, mean, variance = layer.get_weights()
    x = data((5, 3))
    before = dict(vars(layer))
    y = layer.forward(x, training=False)
    np.testing.assert_allclose(y, (x - mean) / np.sqrt(variance + 1e-3) * gamma + beta, rtol=1e-12)
    assert vars(layer).keys() == before.keys()
    assert all(vars(layer)[k] is v for k, v in before.items())
    for value, saved in zip(layer.get_weights(), (gamma, beta, mean, variance)):
        np.testing.assert_array_equal(value, saved)


def test_batch_normalization_weights_in_keras_order():
    layer = layers.BatchNormalization()
    layer.build_once((None, 5, 7))
    assert [w.name for w in layer.weights] == ["gamma", "beta", "moving_mean", "moving_variance"]
    assert all(w.shape == (7,) for w in layer.weights)
    assert [w.name for w in layer.trainable_weights] == ["gamma", "beta"]
    assert [w.name for w in layer.non_trainable_weights] == ["moving_mean", "moving_variance"]
    np.testing.assert_array_equal(layer.gamma.value, 1.0)
    np.testing.assert_array_equal(layer.moving_variance.value, 1.0)
    np.testing.assert_array_equal(layer.beta.value, 0.0)
    np.testing.assert_array_equal(layer.moving_mean.value, 0.0)
    only_stats = layers.BatchNormalization(axis=1, center=False, scale=False)
    only_stats.build_once((None, 4, 6))
    assert [w.name for w in only_stats.weights] == ["moving_mean", "moving_variance"]
    assert only_stats.moving_mean.shape == (4,)


def test_batch_normalization_defaults_are_keras_defaults():
    layer = layers.BatchNormalization()
    assert (layer.axis, layer.momentum, layer.epsilon, layer.center, layer.scale) == (
        -1, 0.99, 1e-3, True, True)
    config = layer.get_config()
    assert config["gamma_initializer"]["class_name"] == "Ones"
    assert config["moving_variance_initializer"]["class_name"] == "Ones"
    assert layers.BatchNormalization.from_config(config).get_config() == config


@pytest.mark.parametrize("kwargs, argument", [
    (dict(momentum=1.5), "momentum"), (dict(epsilon=0.0), "epsilon"), (dict(axis=5), "axis"),
])
def test_batch_normalization_rejects_bad_arguments(kwargs, argument):
    with pytest.raises(ValueError, match=argument) as error:
        layers.BatchNormalization(name="my_bn", **kwargs).build_once((None, 3, 4))
    assert "my_bn" in str(error.value)


def test_a_frozen_batch_normalization_in_fit_keeps_its_statistics():
    model = keras.Sequential([keras.Input((3,)), layers.BatchNormalization(), layers.Dense(1)])
    model.layers[0].trainable = False
    saved = model.layers[0].get_weights()
    model.compile(optimizer="sgd", loss="mse")
    model.fit(data((32, 3), shift=5.0), data((32, 1)), epochs=2, verbose=0)
    for value, before in zip(model.layers[0].get_weights(), saved):
        np.testing.assert_array_equal(value, before)


def test_fit_moves_the_statistics_and_predict_uses_them():
    x = data((64, 2), scale=[2.0, 0.5], shift=[3.0, -1.0]).astype("float32")
    model = keras.Sequential([keras.Input((2,)), layers.BatchNormalization(momentum=0.5)])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, np.zeros_like(x), batch_size=64, epochs=30, shuffle=False, verbose=0)
    bn = model.layers[0]
    np.testing.assert_allclose(bn.moving_mean.value, x.mean(axis=0), rtol=1e-4)
    np.testing.assert_allclose(bn.moving_variance.value, x.var(axis=0), rtol=1e-4)
    expected = ((x - bn.moving_mean.value) / np.sqrt(bn.moving_variance.value + 1e-3)
                * bn.gamma.value + bn.beta.value)
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("shape", [(4, 6, 3), (3, 5, 2, 2)])
def test_masked_batch_normalization_uses_unmasked_positions_only(float64, shape):
    """With a mask (from an Embedding), the statistics run over unmasked positions, as Keras's
    ``_moments`` computes them (its count carries a ``1e-7``); the gradient is exact."""
    layer = layers.BatchNormalization(momentum=0.0)
    layer.build_once((None,) + shape[1:])
    randomize_weights(layer)
    x = data(shape, scale=2.0, shift=1.0)
    mask = np.random.default_rng(3).random(shape[:-1]) > 0.4
    upstream = data(shape, seed=5)
    y = layer.forward(x, training=True, mask=mask)
    valid = x[mask]
    mean = valid.sum(axis=0) / (len(valid) + 1e-7)
    variance = np.square(valid - mean).sum(axis=0) / (len(valid) + 1e-7)
    np.testing.assert_allclose(layer.moving_mean.value, mean, rtol=1e-12)
    np.testing.assert_allclose(layer.moving_variance.value, variance, rtol=1e-12)
    expected = (x - mean) / np.sqrt(variance + 1e-3) * layer.gamma.value + layer.beta.value
    np.testing.assert_allclose(y, expected, rtol=1e-12)

    dx = layer.backward(upstream)
    grads = [g.copy() for g in layer.gradients]

    def objective():
        return float(np.sum(layer.forward(x, training=True, mask=mask) * upstream))

    np.testing.assert_allclose(dx, numerical_gradient(objective, x), rtol=RTOL, atol=ATOL)
    for weight, grad in zip(layer.trainable_weights, grads):
        np.testing.assert_allclose(grad, numerical_gradient(objective, weight.value),
                                   rtol=RTOL, atol=ATOL, err_msg=weight.name)


# ============================================================================== LayerNormalization
LN_CASES = [((4, 6), -1), ((3, 4, 5), -1), ((3, 4, 5), 1), ((3, 4, 5), [1, 2]),
            ((2, 3, 4, 5), [-1, 1]), ((2, 3, 4, 5), [2, 3])]


@pytest.mark.parametrize("shape, axis", LN_CASES, ids=str)
@pytest.mark.parametrize("center, scale", [(True, True), (False, True), (True, False), (False, False)])
def test_layer_normalization_gradients(float64, shape, axis, center, scale):
    layer = layers.LayerNormalization(axis=axis, center=center, scale=scale)
    layer.build_once((None,) + shape[1:])
    randomize_weights(layer)
    expected = {"input"} | ({"gamma"} if scale else set()) | ({"beta"} if center else set())
    assert_gradients_match(layer_gradients(layer, data(shape, scale=2.0, shift=1.0)), expected,
                           atol=ATOL)


@pytest.mark.parametrize("shape, axis", LN_CASES, ids=str)
def test_layer_normalization_normalizes_each_sample(float64, shape, axis):
    layer = layers.LayerNormalization(axis=axis, epsilon=1e-2)
    layer.build_once((None,) + shape[1:])
    randomize_weights(layer)
    axes = tuple(sorted(a % len(shape) for a in np.atleast_1d(axis)))
    weight_shape = tuple(shape[a] for a in axes)
    assert layer.gamma.shape == weight_shape and layer.beta.shape == weight_shape
    b = tuple(size if a in axes else 1 for a, size in enumerate(shape))
    x = data(shape, scale=2.0, shift=1.0)
    mean, variance = x.mean(axis=axes, keepdims=True), x.var(axis=axes, keepdims=True)
    expected = ((x - mean) / np.sqrt(variance + 1e-2) * layer.gamma.value.reshape(b)
                + layer.beta.value.reshape(b))
    y = layer(x)
    np.testing.assert_allclose(y, expected, rtol=1e-12)
    np.testing.assert_array_equal(layer.forward(x, training=True), y)  # no training behaviour


def test_layer_normalization_weights_defaults_and_config():
    layer = layers.LayerNormalization()
    assert (layer.axis, layer.epsilon, layer.center, layer.scale) == (-1, 1e-3, True, True)
    layer.build_once((None, 5, 3))
    assert [w.name for w in layer.weights] == ["gamma", "beta"]
    assert layer.gamma.shape == (3,)
    np.testing.assert_array_equal(layer.gamma.value, 1.0)
    config = layer.get_config()
    assert config["axis"] == [-1]  # Keras's config holds the sorted axis list once built
    assert config["rms_scaling"] is False
    assert layers.LayerNormalization.from_config(config).get_config()["epsilon"] == 1e-3


def test_layer_normalization_rejects_the_batch_axis_and_bad_axes():
    with pytest.raises(ValueError, match="ln_batch"):
        layers.LayerNormalization(axis=0, name="ln_batch").build_once((None, 4))
    with pytest.raises(ValueError, match="ln_out"):
        layers.LayerNormalization(axis=3, name="ln_out").build_once((None, 4))
    with pytest.raises(TypeError, match="axis"):
        layers.LayerNormalization(axis="last")


# ============================================================================== Normalization
def test_normalization_adapt_learns_mean_and_variance_per_feature(float64):
    x = data((200, 3), scale=[1.0, 5.0, 0.1], shift=[10.0, -3.0, 0.0])
    layer = layers.Normalization()
    layer.adapt(x)
    np.testing.assert_allclose(layer.adapt_mean.value, x.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(layer.adapt_variance.value, x.var(axis=0), rtol=1e-12)
    y = layer(x)
    np.testing.assert_allclose(y.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(y.std(axis=0), 1.0, rtol=1e-12)


def test_normalization_adapted_on_a_column_of_numbers_leads_a_sequential(float64):
    """TensorFlow's basic regression tutorial: ``Normalization(input_shape=[1,], axis=None)``
    adapted on a 1-D array of horsepower, then the first layer of a Sequential fed that array."""
    horsepower = np.random.default_rng(3).uniform(50, 250, 40)
    normalizer = layers.Normalization(axis=None)
    normalizer.adapt(horsepower)
    model = keras.Sequential([keras.Input((1,)), normalizer, layers.Dense(1)])
    out = model.predict(horsepower, verbose=0)
    assert out.shape == (40, 1)
    normalized = (horsepower - horsepower.mean()) / horsepower.std()
    np.testing.assert_allclose(normalizer(horsepower[:, None])[:, 0], normalized, rtol=1e-12)
    with pytest.raises(ValueError, match="broadcast"):
        keras.Sequential([keras.Input((4,)), layers.Dense(3)]).add(
            _adapted(np.zeros((5, 2))))


def test_normalization_count_is_an_int32_weight_as_in_keras():
    """Keras's ``count`` is an int32 weight (4 bytes in the summary's sizes and in the weights
    file), which Keras 3.15.1's ``adapt`` leaves at 0."""
    normalizer = _adapted(np.arange(10.0).reshape(5, 2))
    assert normalizer.count.value.dtype == np.int32 and int(normalizer.count.value) == 0


def _adapted(data):
    normalizer = layers.Normalization()
    normalizer.adapt(data)
    return normalizer


def test_normalization_adapt_on_batches_equals_adapt_on_all_data(float64):
    x = data((103, 4), scale=3.0, shift=2.0)
    whole, batched = layers.Normalization(), layers.Normalization()
    whole.adapt(x)
    batched.adapt([x[i: i + 16] for i in range(0, len(x), 16)])
    np.testing.assert_allclose(batched.adapt_mean.value, whole.adapt_mean.value, rtol=1e-12)
    np.testing.assert_allclose(batched.adapt_variance.value, whole.adapt_variance.value, rtol=1e-12)


@pytest.mark.parametrize("axis, shape, stats_shape", [
    (None, (20, 3, 4), ()), (-1, (20, 3, 4), (4,)), (1, (20, 3, 4), (3,)),
    ((1, 2), (20, 3, 4), (3, 4)), (-1, (20,), (20,)),
])
def test_normalization_axes(float64, axis, shape, stats_shape):
    x = data(shape, scale=2.0, shift=1.0)
    layer = layers.Normalization(axis=axis)
    layer.adapt(x)
    keep = () if axis is None else tuple(sorted(a % len(shape) for a in np.atleast_1d(axis)))
    reduce = tuple(a for a in range(len(shape)) if a not in keep)
    assert layer.adapt_mean.shape == stats_shape
    mean = x.mean(axis=reduce, keepdims=True) if reduce else x
    std = x.std(axis=reduce, keepdims=True) if reduce else np.ones_like(x)
    expected = (x - mean) / np.maximum(std, 1e-7) if reduce else np.zeros_like(x)
    np.testing.assert_allclose(layer(x), expected, rtol=1e-10, atol=1e-12)


def test_normalization_weights_in_keras_order():
    layer = layers.Normalization()
    layer.build_once((None, 3))
    assert [w.name for w in layer.weights] == ["mean", "variance", "count"]
    assert [w.shape for w in layer.weights] == [(3,), (3,), ()]
    assert layer.trainable_weights == []
    np.testing.assert_array_equal(layer.adapt_variance.value, 1.0)


def test_normalization_with_given_statistics_has_no_weights_and_broadcasts(float64):
    layer = layers.Normalization(mean=[1.0, 2.0], variance=[4.0, 0.25])
    x = data((5, 3, 2))
    np.testing.assert_allclose(layer(x), (x - [1.0, 2.0]) / [2.0, 0.5], rtol=1e-12)
    assert layer.weights == []
    scalar = layers.Normalization(mean=3.0, variance=2.0)
    np.testing.assert_allclose(scalar(np.array([[1.0], [3.0]])), [[-2 / np.sqrt(2)], [0.0]])


def test_normalization_mean_and_variance_have_the_broadcast_shape_after_adapt():
    x = data((40, 9), scale=2.0, shift=1.0)
    layer = layers.Normalization()
    assert layer.mean is None and layer.variance is None  # not built yet
    layer.adapt(x)
    assert layer.mean.shape == layer.variance.shape == (1, 9)
    assert layer.mean.numpy().dtype == np.float32
    np.testing.assert_allclose(layer.mean.numpy(), x.mean(axis=0, keepdims=True), rtol=1e-6)
    np.testing.assert_allclose(layer.variance.numpy(), x.var(axis=0, keepdims=True), rtol=1e-5)


@pytest.mark.parametrize("axis, shape, broadcast", [
    (None, (20, 9), (1, 1)), (-1, (20, 3, 4), (1, 1, 4)), ((1, 2), (20, 3, 4), (1, 3, 4)),
])
def test_normalization_mean_and_variance_keep_the_kept_axes(axis, shape, broadcast):
    layer = layers.Normalization(axis=axis)
    layer.adapt(data(shape))
    assert layer.mean.shape == layer.variance.shape == broadcast


def test_normalization_mean_and_variance_follow_the_adapted_weights():
    layer = layers.Normalization()
    layer.build_once((None, 3))
    layer.set_weights([np.array([1.0, 2.0, 3.0]), np.array([4.0, 5.0, 6.0]), np.array(7)])
    np.testing.assert_array_equal(layer.mean.numpy(), [[1.0, 2.0, 3.0]])
    np.testing.assert_array_equal(layer.variance.numpy(), [[4.0, 5.0, 6.0]])


@pytest.mark.parametrize("mean, variance", [(2.0, 4.0), ([2.0] * 9, [4.0] * 9)])
def test_normalization_given_statistics_are_broadcast_to_the_input(mean, variance):
    layer = layers.Normalization(mean=mean, variance=variance)
    layer.build_once((None, 9))
    assert layer.input_mean == mean
    np.testing.assert_array_equal(layer.mean.numpy(), np.full((1, 9), 2.0, np.float32))
    np.testing.assert_array_equal(layer.variance.numpy(), np.full((1, 9), 4.0, np.float32))


def test_normalization_invert_undoes_the_normalization(float64):
    x = data((50, 3), scale=4.0, shift=-2.0)
    forward, inverse = layers.Normalization(), layers.Normalization(invert=True)
    forward.adapt(x)
    inverse.adapt(x)
    np.testing.assert_allclose(inverse(forward(x)), x, rtol=1e-12)


def test_normalization_of_a_constant_feature_divides_by_epsilon(float64):
    x = np.column_stack([np.full(10, 7.0), np.arange(10.0)])
    layer = layers.Normalization()
    layer.adapt(x)
    shifted = x + 1e-9
    np.testing.assert_allclose(layer(shifted)[:, 0], 1e-9 / 1e-7, rtol=1e-6)


@pytest.mark.parametrize("invert", [False, True])
def test_normalization_gradient(float64, invert):
    layer = layers.Normalization(invert=invert)
    layer.adapt(data((30, 4), scale=3.0, shift=1.0))
    assert_gradients_match(layer_gradients(layer, data((5, 4))), {"input"}, atol=ATOL)


def test_normalization_errors():
    with pytest.raises(ValueError, match="variance"):
        layers.Normalization(mean=1.0)
    with pytest.raises(ValueError, match="same shape"):
        layers.Normalization(mean=[1.0, 2.0], variance=[1.0])
    given = layers.Normalization(mean=0.0, variance=1.0, name="given")
    with pytest.raises(ValueError, match="given"):
        given.adapt(np.zeros((4, 2)))
    adapted = layers.Normalization(name="adapted")
    adapted.adapt(np.zeros((4, 2)))
    with pytest.raises(ValueError, match="adapted"):
        adapted.adapt(np.zeros((4, 3)))
    with pytest.raises(ValueError, match="no batches"):
        layers.Normalization().adapt([])


def test_normalization_in_a_model_trains_only_the_dense_layers():
    x = data((64, 3), scale=[100.0, 0.01, 1.0], shift=[500.0, 0.0, -3.0]).astype("float32")
    norm = layers.Normalization()
    norm.adapt(x)
    model = keras.Sequential([keras.Input((3,)), norm, layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    stats = norm.get_weights()
    model.fit(x, x[:, :1], epochs=2, verbose=0)
    for value, before in zip(norm.get_weights(), stats):
        np.testing.assert_array_equal(value, before)
    assert len(model.trainable_weights) == 2
