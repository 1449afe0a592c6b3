"""GroupNormalization, RMSNormalization and SpectralNormalization: Keras's formulas, weights and
their order, configs, errors, and every gradient against float64 central differences.

SpectralNormalization's training step overwrites the wrapped kernel by ``kernel / sigma`` before
the wrapped layer runs; its gradients are the wrapped layer's at that kernel (no gradient flows
through ``sigma``), so they are checked against central differences of the wrapped layer's
output with the normalized kernel held fixed.
"""

import numpy as np
import pytest

import handkeras as keras
from handkeras import layers
from handkeras.utils.gradient_check import layer_gradients, numerical_gradient
from gradient_checks import RTOL, assert_gradients_match

ATOL = 1e-8  # the central difference's own floor on ~100-term objectives (see the BN tests)


def data(shape, seed=7, scale=1.0, shift=0.0):
    return np.random.default_rng(seed).standard_normal(shape) * scale + shift


def randomize_weights(layer, seed=1):
    rng = np.random.default_rng(seed)
    for weight in layer.trainable_weights:
        weight.assign(rng.normal(size=weight.shape))


# ============================================================================== GroupNormalization
# (input shape, groups, axis): channels last, several axes, channels first, a middle axis,
# one group (a whole sample), one channel per group (instance normalization).
GN_CASES = [((4, 6), 3, -1), ((3, 4, 6), 2, -1), ((2, 3, 4, 6), 3, -1), ((2, 6, 3, 4), 2, 1),
            ((2, 3, 6, 2), 3, -2), ((3, 5, 4), 1, -1), ((3, 5, 4), -1, -1)]


def group_normalized(x, groups, axis, epsilon):
    """Each sample's group of channels normalized on its own, written group by group."""
    x = np.moveaxis(x, axis, -1)
    channels = x.shape[-1]
    groups = channels if groups == -1 else groups
    out = np.empty_like(x)
    size = channels // groups
    for sample in range(x.shape[0]):
        for group in range(groups):
            part = x[sample, ..., group * size:(group + 1) * size]
            out[sample, ..., group * size:(group + 1) * size] = (
                (part - part.mean()) / np.sqrt(part.var() + epsilon))
    return np.moveaxis(out, -1, axis)


@pytest.mark.parametrize("shape, groups, axis", GN_CASES, ids=str)
@pytest.mark.parametrize("center, scale", [(True, True), (False, True), (True, False),
                                           (False, False)])
def test_group_normalization_gradients(float64, shape, groups, axis, center, scale):
    layer = layers.GroupNormalization(groups=groups, axis=axis, center=center, scale=scale)
    layer.build_once((None,) + shape[1:])
    randomize_weights(layer)
    expected = {"input"} | ({"gamma"} if scale else set()) | ({"beta"} if center else set())
    assert_gradients_match(layer_gradients(layer, data(shape, scale=2.0, shift=1.0)), expected,
                           atol=ATOL)


@pytest.mark.parametrize("shape, groups, axis", GN_CASES, ids=str)
def test_group_normalization_normalizes_each_group_of_each_sample(float64, shape, groups, axis):
    layer = layers.GroupNormalization(groups=groups, axis=axis, epsilon=1e-2)
    layer.build_once((None,) + shape[1:])
    randomize_weights(layer)
    x = data(shape, scale=2.0, shift=1.0)
    per_channel = tuple(size if a == axis % len(shape) else 1 for a, size in enumerate(shape))
    expected = (group_normalized(x, groups, axis, 1e-2) * layer.gamma.value.reshape(per_channel)
                + layer.beta.value.reshape(per_channel))
    y = layer(x)
    np.testing.assert_allclose(y, expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(layer.forward(x, training=True), y)  # no training behaviour


def test_one_group_is_a_layer_normalization_of_the_whole_sample(float64):
    x = data((3, 4, 6), scale=3.0)
    grouped = layers.GroupNormalization(groups=1)(x)
    whole = layers.LayerNormalization(axis=[1, 2])(x)
    np.testing.assert_allclose(grouped, whole, rtol=1e-12)


def test_group_normalization_weights_defaults_and_config():
    layer = layers.GroupNormalization()
    assert (layer.groups, layer.axis, layer.epsilon, layer.center, layer.scale) == (
        32, -1, 1e-3, True, True)
    layer.build_once((None, 5, 64))
    assert [w.name for w in layer.weights] == ["gamma", "beta"]
    assert layer.gamma.shape == layer.beta.shape == (64,)
    np.testing.assert_array_equal(layer.gamma.value, 1.0)
    np.testing.assert_array_equal(layer.beta.value, 0.0)
    assert layer.gamma.dtype == "float32"
    config = layer.get_config()
    assert {key: config[key] for key in ("groups", "axis", "epsilon", "center", "scale")} == {
        "groups": 32, "axis": -1, "epsilon": 1e-3, "center": True, "scale": True}
    assert config["beta_regularizer"] is None and config["gamma_constraint"] is None
    rebuilt = layers.GroupNormalization.from_config(config)
    assert rebuilt.get_config() == {**config}


def test_instance_normalization_config_holds_the_channel_count_once_built():
    layer = layers.GroupNormalization(groups=-1)
    assert layer.get_config()["groups"] == -1
    layer.build_once((None, 3, 4))
    assert layer.get_config()["groups"] == 4  # as in Keras


def test_group_normalization_regularizers_add_their_penalty():
    layer = layers.GroupNormalization(groups=2, gamma_regularizer=keras.regularizers.L2(0.5),
                                      beta_regularizer="l1")
    layer.build_once((None, 4))
    layer.gamma.assign([1.0, 2.0, 0.0, 1.0])
    layer.beta.assign([0.5, -0.5, 0.0, 0.0])
    assert layer.losses == pytest.approx([0.5 * 6.0, 0.01 * 1.0])


@pytest.mark.parametrize("groups", [0, -2, 2.0, True, "2", None])
def test_group_normalization_refuses_groups_that_are_no_count(groups):
    with pytest.raises(ValueError, match=r"gn_bad.*`groups`.*received groups="):
        layers.GroupNormalization(groups=groups, name="gn_bad")


@pytest.mark.parametrize("groups, channels", [(3, 4), (5, 4), (32, 20)])
def test_group_normalization_refuses_groups_that_do_not_divide_the_channels(groups, channels):
    layer = layers.GroupNormalization(groups=groups, name="gn_split")
    with pytest.raises(ValueError, match=rf"gn_split.*groups={groups}.* {channels} channels"):
        layer.build_once((None, 2, channels))
    assert not layer.built and layer.weights == []


def test_group_normalization_refuses_bad_axes_and_arguments():
    with pytest.raises(TypeError, match="gn_list.*`axis`"):
        layers.GroupNormalization(groups=2, axis=[1, 2], name="gn_list")
    with pytest.raises(ValueError, match="gn_out.*`axis` 3 is out of bounds"):
        layers.GroupNormalization(groups=2, axis=3, name="gn_out").build_once((None, 4, 4))
    with pytest.raises(ValueError, match="gn_batch.*batch axis"):
        layers.GroupNormalization(groups=1, axis=0, name="gn_batch").build_once((None, 4))
    with pytest.raises(ValueError, match="gn_none.*known size"):
        layers.GroupNormalization(groups=1, axis=1, name="gn_none").build_once((None, None, 4))
    with pytest.raises(ValueError, match="gn_eps.*`epsilon`"):
        layers.GroupNormalization(epsilon=0, name="gn_eps")


def test_group_normalization_passes_a_mask_through():
    layer = layers.GroupNormalization(groups=2)
    mask = np.array([[True, False, True]])
    assert layer.supports_masking
    assert layer.output_mask(np.zeros((1, 3, 4)), mask) is mask


# ============================================================================== RMSNormalization
RMS_CASES = [((4, 6), -1), ((3, 4, 5), -1), ((3, 4, 5), 2), ((3, 4, 5), [1, 2]),
             ((2, 3, 4, 5), [-2, -1]), ((2, 3, 4, 5), [3, 1, 2])]


def trailing_axes(shape, axis):
    return tuple(sorted(a % len(shape) for a in np.atleast_1d(axis)))


@pytest.mark.parametrize("shape, axis", RMS_CASES, ids=str)
def test_rms_normalization_gradients(float64, shape, axis):
    layer = layers.RMSNormalization(axis=axis)
    layer.build_once((None,) + shape[1:])
    randomize_weights(layer)
    assert_gradients_match(layer_gradients(layer, data(shape, scale=2.0, shift=1.0)),
                           {"input", "scale"}, atol=ATOL)


@pytest.mark.parametrize("shape, axis", RMS_CASES, ids=str)
def test_rms_normalization_divides_by_the_root_mean_square(float64, shape, axis):
    layer = layers.RMSNormalization(axis=axis, epsilon=1e-2)
    layer.build_once((None,) + shape[1:])
    randomize_weights(layer)
    axes = trailing_axes(shape, axis)
    assert layer.scale.shape == tuple(shape[a] for a in axes)
    x = data(shape, scale=2.0, shift=1.0)
    expected = x / np.sqrt(np.mean(x ** 2, axis=axes, keepdims=True) + 1e-2) * layer.scale.value
    y = layer(x)
    np.testing.assert_allclose(y, expected, rtol=1e-12)
    np.testing.assert_array_equal(layer.forward(x, training=True), y)  # no training behaviour


def test_rms_normalization_weights_defaults_and_config():
    layer = layers.RMSNormalization()
    assert (layer.axis, layer.epsilon) == (-1, 1e-6)
    assert layer.get_config()["axis"] == -1
    assert not layer.supports_masking  # as in Keras
    layer.build_once((None, 5, 3))
    assert [w.name for w in layer.weights] == ["scale"]
    assert layer.scale.trainable and layer.scale.shape == (3,)
    np.testing.assert_array_equal(layer.scale.value, 1.0)
    config = layer.get_config()
    assert config["axis"] == [-1]  # Keras's config holds the sorted axis list once built
    assert config["epsilon"] == 1e-6
    assert layers.RMSNormalization.from_config(config).get_config() == config


def test_rms_normalization_refuses_axes_keras_cannot_scale_along():
    with pytest.raises(ValueError, match=r"rms_mid.*last axes.*axis=1"):
        layers.RMSNormalization(axis=1, name="rms_mid").build_once((None, 4, 5))
    with pytest.raises(ValueError, match="rms_gap.*last axes"):
        layers.RMSNormalization(axis=[1, 3], name="rms_gap").build_once((None, 4, 5, 6))
    with pytest.raises(ValueError, match="rms_batch.*batch axis"):
        layers.RMSNormalization(axis=[0, 1], name="rms_batch").build_once((None, 4))
    with pytest.raises(ValueError, match="rms_out.*`axis` 2 is out of bounds"):
        layers.RMSNormalization(axis=2, name="rms_out").compute_output_shape((None, 4))
    with pytest.raises(TypeError, match="rms_type.*`axis`"):
        layers.RMSNormalization(axis="last", name="rms_type")
    with pytest.raises(ValueError, match="rms_eps.*`epsilon`"):
        layers.RMSNormalization(epsilon=-1e-6, name="rms_eps")


# =========================================================================== SpectralNormalization
def power_iteration(kernel, vector_u, steps):
    """Keras's estimate: ``(u, sigma)`` after ``steps`` refinements of ``u``."""
    matrix = kernel.reshape(-1, kernel.shape[-1])
    for _ in range(steps):
        vector_v = vector_u @ matrix.T
        vector_v = vector_v / np.linalg.norm(vector_v)
        vector_u = vector_v @ matrix
        vector_u = vector_u / np.linalg.norm(vector_u)
    return vector_u, (vector_v @ matrix @ vector_u.T).item()


SN_LAYERS = [(lambda: layers.Dense(3, activation="tanh"), (5, 4)),
             (lambda: layers.Conv2D(3, 2, bias_initializer="random_normal"), (2, 4, 4, 2)),
             (lambda: layers.Conv1DTranspose(2, 3, strides=2), (2, 4, 3))]
SN_IDS = ["Dense", "Conv2D", "Conv1DTranspose"]


@pytest.mark.parametrize("make, shape", SN_LAYERS, ids=SN_IDS)
@pytest.mark.parametrize("steps", [1, 3])
def test_training_call_divides_the_kernel_by_its_estimated_spectral_norm(float64, make,
                                                                           shape, steps):
    layer = layers.SpectralNormalization(make(), power_iterations=steps)
    layer.build_once((None,) + shape[1:])
    kernel, vector_u = layer.kernel.numpy(), layer.vector_u.numpy()
    expected_u, sigma = power_iteration(kernel, vector_u, steps)
    x = data(shape)
    y = layer.forward(x, training=True)
    np.testing.assert_allclose(layer.kernel.value, kernel / sigma, rtol=1e-12)
    np.testing.assert_allclose(layer.vector_u.value, expected_u, rtol=1e-12)
    np.testing.assert_array_equal(y, layer.layer.forward(x))  # the layer ran on the new kernel


def test_normalized_weights_gives_the_training_step_s_values_without_assigning(float64):
    layer = layers.SpectralNormalization(layers.Dense(3), power_iterations=2)
    layer.build_once((None, 4))
    before = layer.get_weights()
    vector_u, kernel = layer.normalized_weights()
    for value, saved in zip(layer.get_weights(), before):
        np.testing.assert_array_equal(value, saved)
    layer.forward(data((2, 4)), training=True)
    np.testing.assert_array_equal(layer.vector_u.value, vector_u)
    np.testing.assert_array_equal(layer.kernel.value, kernel)


def test_many_power_iterations_bring_the_top_singular_value_to_one(float64):
    layer = layers.SpectralNormalization(layers.Dense(4), power_iterations=100)
    layer.build_once((None, 6))
    layer.kernel.assign(data((6, 4), scale=3.0))
    layer.forward(data((2, 6)), training=True)
    assert np.linalg.svd(layer.kernel.value, compute_uv=False)[0] == pytest.approx(1.0, rel=1e-9)


def test_inference_runs_the_wrapped_layer_on_the_kernel_as_it_is(float64):
    layer = layers.SpectralNormalization(layers.Dense(3))
    layer.build_once((None, 4))
    before = layer.get_weights()
    x = data((5, 4))
    np.testing.assert_allclose(layer(x), x @ before[0] + before[2], rtol=1e-12)
    for value, saved in zip(layer.get_weights(), before):
        np.testing.assert_array_equal(value, saved)


def test_an_all_zero_kernel_is_left_as_it_is(float64):
    layer = layers.SpectralNormalization(layers.Dense(3, kernel_initializer="zeros"))
    layer.build_once((None, 4))
    vector_u = layer.vector_u.numpy()
    layer.forward(data((2, 4)), training=True)
    np.testing.assert_array_equal(layer.kernel.value, 0.0)
    np.testing.assert_array_equal(layer.vector_u.value, vector_u)


@pytest.mark.parametrize("make, shape", SN_LAYERS, ids=SN_IDS)
def test_spectral_normalization_gradients_are_the_layers_at_the_normalized_kernel(float64, make,
                                                                                 shape):
    layer = layers.SpectralNormalization(make())
    layer.build_once((None,) + shape[1:])
    x = data(shape)
    upstream = data(layer.forward(x, training=True).shape, seed=3)
    dx = layer.backward(upstream.copy())
    assert len(layer.gradients) == len(layer.trainable_weights) == len(layer.layer.weights)

    def objective():  # the normalized kernel, held: what the wrapped layer differentiates
        return float(np.sum(layer.forward(x, training=False) * upstream))

    np.testing.assert_allclose(dx, numerical_gradient(objective, x), rtol=RTOL, atol=ATOL)
    for weight, gradient in zip(layer.trainable_weights, layer.gradients):
        np.testing.assert_allclose(gradient, numerical_gradient(objective, weight.value),
                                   rtol=RTOL, atol=ATOL, err_msg=weight.name)


def test_spectral_normalization_weights_in_keras_order():
    layer = layers.SpectralNormalization(layers.Dense(3, name="inner"), name="sn")
    keras.Sequential([keras.Input((4,)), layer], name="model")
    assert [w.path for w in layer.weights] == ["model/sn/inner/kernel", "model/sn/vector_u",
                                               "model/sn/inner/bias"]
    assert [w.name for w in layer.trainable_weights] == ["kernel", "bias"]
    assert [w.name for w in layer.non_trainable_weights] == ["vector_u"]
    assert layer.kernel is layer.layer.kernel and layer.vector_u.shape == (1, 3)
    assert layer.vector_u.dtype == "float32"
    assert 0 < np.abs(layer.vector_u.value).max() <= 0.04  # truncated normal, stddev 0.02
    assert layer.count_params() == 4 * 3 + 3 + 3


def test_spectral_normalization_of_an_embedding_normalizes_its_table():
    layer = layers.SpectralNormalization(layers.Embedding(6, 3))
    ids = np.array([[1, 2, 5]])
    y = layer(ids, training=True)
    assert layer.kernel is layer.layer.embeddings and layer.vector_u.shape == (1, 3)
    np.testing.assert_allclose(y[0], layer.layer.embeddings.value[[1, 2, 5]])


def test_spectral_normalization_config_round_trips():
    layer = layers.SpectralNormalization(layers.Dense(3, activation="relu"), power_iterations=2)
    config = layer.get_config()
    assert config["power_iterations"] == 2
    assert config["layer"]["class_name"] == "Dense"
    rebuilt = layers.SpectralNormalization.from_config(config)
    assert rebuilt.power_iterations == 2 and rebuilt.layer.units == 3
    assert rebuilt.get_config() == config


def test_spectral_normalization_refuses_bad_arguments():
    with pytest.raises(ValueError, match="SpectralNormalization.*`layer`"):
        layers.SpectralNormalization("dense")
    for steps in (0, -1, 1.5):
        with pytest.raises(ValueError, match="`power_iterations`"):
            layers.SpectralNormalization(layers.Dense(2), power_iterations=steps)
    relu = layers.ReLU(name="plain")
    layer = layers.SpectralNormalization(relu, name="sn_relu")
    with pytest.raises(ValueError, match=r"sn_relu.*'plain' \(ReLU\) has no `kernel`"):
        layer.build_once((None, 3))
    assert not layer.built and layer.weights == []


def test_fit_normalizes_and_trains_the_kernel_and_predict_leaves_it(float64):
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(16, 4)), rng.normal(size=(16, 2))
    model = keras.Sequential([keras.Input((4,)), layers.SpectralNormalization(layers.Dense(2))])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    sn = model.layers[0]
    vector_u = sn.vector_u.numpy()
    model.fit(x, y, epochs=1, batch_size=16, verbose=0)  # one step: normalize, then SGD
    assert not np.array_equal(sn.vector_u.value, vector_u)
    after = model.get_weights()
    model.predict(x, verbose=0)
    model.evaluate(x, y, verbose=0)
    for value, saved in zip(model.get_weights(), after):
        np.testing.assert_array_equal(value, saved)


def test_spectral_normalization_saves_its_kernel_twice_as_keras_does(tmp_path):
    import h5py

    model = keras.Sequential([keras.Input((4,)), layers.SpectralNormalization(layers.Dense(3))])
    vector_u = np.float32([[0.1, 0.2, 0.3]])
    model.layers[0].vector_u.assign(vector_u)
    model.save_weights(tmp_path / "sn.weights.h5")
    with h5py.File(tmp_path / "sn.weights.h5") as f:
        group = f["layers/spectral_normalization"]
        kernel, bias = model.layers[0].layer.get_weights()
        np.testing.assert_array_equal(group["vars/0"], kernel)
        np.testing.assert_array_equal(group["vars/1"], vector_u)
        np.testing.assert_array_equal(group["layer/vars/0"], kernel)
        np.testing.assert_array_equal(group["layer/vars/1"], bias)
    for filename in ("copy.weights.h5", "copy.keras"):
        path = tmp_path / filename
        (model.save if filename.endswith(".keras") else model.save_weights)(path)
        copy = keras.Sequential([keras.Input((4,)),
                                 layers.SpectralNormalization(layers.Dense(3))])
        copy.load_weights(path)
        for value, saved in zip(copy.get_weights(), model.get_weights()):
            np.testing.assert_array_equal(value, saved)
    loaded = keras.models.load_model(tmp_path / "copy.keras")
    assert type(loaded.layers[0]).__name__ == "SpectralNormalization"
    np.testing.assert_array_equal(loaded.layers[0].vector_u.value, vector_u)
