"""Every Keras initializer: names and aliases, distributions and scales, seeds, configs."""

import math

import numpy as np
import pytest

import handkeras as keras
from handkeras import initializers

SHAPE = (300, 200)
FAN_IN, FAN_OUT = SHAPE
TRUNCATION_STD = 0.87962566103423978  # std of a unit normal cut at +-2


@pytest.mark.parametrize("name, cls", [
    ("constant", initializers.Constant), ("Constant", initializers.Constant),
    ("truncated_normal", initializers.TruncatedNormal),
    ("TruncatedNormal", initializers.TruncatedNormal),
    ("lecun_uniform", initializers.LecunUniform), ("LecunUniform", initializers.LecunUniform),
    ("lecun_normal", initializers.LecunNormal), ("LecunNormal", initializers.LecunNormal),
    ("orthogonal", initializers.Orthogonal), ("Orthogonal", initializers.Orthogonal),
    ("OrthogonalInitializer", initializers.Orthogonal),
    ("identity", initializers.Identity), ("Identity", initializers.Identity),
    ("IdentityInitializer", initializers.Identity),
    ("variance_scaling", initializers.VarianceScaling),
    ("VarianceScaling", initializers.VarianceScaling),
    ("he_normal", initializers.HeNormal), ("HeNormal", initializers.HeNormal),
    ("he_uniform", initializers.HeUniform), ("glorot_normal", initializers.GlorotNormal),
    ("normal", initializers.RandomNormal), ("uniform", initializers.RandomUniform),
    ("zero", initializers.Zeros), ("one", initializers.Ones),
])
def test_keras_names_and_aliases(name, cls):
    assert type(initializers.get(name)) is cls


def test_lower_case_attributes_are_the_classes_as_in_keras():
    assert initializers.he_normal is initializers.HeNormal
    assert initializers.truncated_normal is initializers.TruncatedNormal
    assert initializers.variance_scaling is initializers.VarianceScaling
    assert initializers.orthogonal is initializers.OrthogonalInitializer is initializers.Orthogonal
    assert initializers.identity is initializers.IdentityInitializer is initializers.Identity
    assert initializers.lecun_uniform is initializers.LecunUniform


def test_constant_fills_with_its_value_in_floatx():
    values = initializers.Constant(2.5)((3, 4))
    np.testing.assert_array_equal(values, np.full((3, 4), 2.5))
    assert values.dtype == np.float32
    assert initializers.Constant(2.5).get_config() == {"value": 2.5}


def test_truncated_normal_stays_within_two_stddevs_with_the_truncated_std():
    values = initializers.TruncatedNormal(mean=1.0, stddev=0.5, seed=0)(SHAPE)
    assert values.min() >= 0.0 and values.max() <= 2.0
    assert values.min() < 0.02 and values.max() > 1.98
    assert values.mean() == pytest.approx(1.0, abs=0.005)
    # Keras's TruncatedNormal does not rescale: the std is 0.5 * 0.8796.
    assert values.std() == pytest.approx(0.5 * TRUNCATION_STD, rel=0.02)


@pytest.mark.parametrize("name, limit", [
    ("lecun_uniform", math.sqrt(3 / FAN_IN)),
    ("he_uniform", math.sqrt(6 / FAN_IN)),
    ("glorot_uniform", math.sqrt(6 / (FAN_IN + FAN_OUT))),
])
def test_uniform_variance_scaling_presets(name, limit):
    values = initializers.get(name)(SHAPE)
    assert values.min() >= -limit and values.max() <= limit
    assert values.min() < -0.99 * limit and values.max() > 0.99 * limit
    assert values.std() == pytest.approx(limit / math.sqrt(3), rel=0.02)


@pytest.mark.parametrize("name, stddev", [
    ("lecun_normal", math.sqrt(1 / FAN_IN)),
    ("he_normal", math.sqrt(2 / FAN_IN)),
    ("glorot_normal", math.sqrt(2 / (FAN_IN + FAN_OUT))),
])
def test_normal_variance_scaling_presets_keep_their_variance_despite_truncation(name, stddev):
    values = initializers.get(name)(SHAPE)
    assert np.abs(values).max() <= 2 * stddev / TRUNCATION_STD
    assert values.std() == pytest.approx(stddev, rel=0.02)


@pytest.mark.parametrize("mode, fan", [("fan_in", FAN_IN), ("fan_out", FAN_OUT),
                                       ("fan_avg", (FAN_IN + FAN_OUT) / 2)])
@pytest.mark.parametrize("distribution", ["truncated_normal", "normal", "untruncated_normal",
                                          "uniform"])
def test_variance_scaling_has_variance_scale_over_fan(mode, fan, distribution):
    initializer = initializers.VarianceScaling(scale=3.0, mode=mode, distribution=distribution,
                                               seed=1)
    values = initializer(SHAPE)
    assert values.var() == pytest.approx(3.0 / fan, rel=0.04)
    if distribution == "uniform":
        assert np.abs(values).max() <= math.sqrt(9.0 / fan)
    elif distribution == "untruncated_normal":
        assert np.abs(values).max() > 2.5 * math.sqrt(3.0 / fan) / TRUNCATION_STD
    else:
        assert np.abs(values).max() <= 2 * math.sqrt(3.0 / fan) / TRUNCATION_STD


def test_normal_is_keras_alias_of_truncated_normal_in_variance_scaling():
    assert initializers.VarianceScaling(distribution="normal").distribution == "truncated_normal"
    assert initializers.VarianceScaling(distribution="Uniform").distribution == "uniform"


def test_variance_scaling_validates_its_arguments():
    with pytest.raises(ValueError, match="scale"):
        initializers.VarianceScaling(scale=0.0)
    with pytest.raises(ValueError, match="mode"):
        initializers.VarianceScaling(mode="fan_sum")
    with pytest.raises(ValueError, match="distribution"):
        initializers.VarianceScaling(distribution="cauchy")


def test_fans_count_the_receptive_field_or_the_given_axes():
    assert initializers.compute_fans((3, 3, 16, 32)) == (144, 288)
    assert initializers.compute_fans((7,)) == (7, 7)
    assert initializers.compute_fans(()) == (1, 1)
    assert initializers.compute_fans((4, 5, 6), input_axes=(0, 1), output_axes=(2,)) == (20, 6)
    he = initializers.HeUniform(seed=0, input_axes=(0, 1), output_axes=(2,))
    assert np.abs(he((4, 5, 6))).max() <= math.sqrt(6 / 20)


@pytest.mark.parametrize("shape", [(6, 6), (8, 3), (3, 8), (2, 3, 5)])
def test_orthogonal_gives_orthonormal_rows_or_columns_times_gain(shape):
    values = initializers.Orthogonal(gain=1.5, seed=0)(shape).astype(np.float64)
    flat = values.reshape(-1, shape[-1])
    gram = flat.T @ flat if flat.shape[0] >= flat.shape[1] else flat @ flat.T
    np.testing.assert_allclose(gram, 1.5 ** 2 * np.eye(len(gram)), atol=1e-5)
    with pytest.raises(ValueError, match="rank"):
        initializers.Orthogonal()((5,))


def test_identity_is_gain_times_the_identity_for_any_2d_shape():
    np.testing.assert_array_equal(initializers.Identity(gain=2.0)((2, 3)), [[2, 0, 0], [0, 2, 0]])
    np.testing.assert_array_equal(initializers.get("identity")((3, 3)), np.eye(3))
    with pytest.raises(ValueError, match="2D"):
        initializers.Identity()((2, 2, 2))


RANDOM = ["truncated_normal", "random_normal", "random_uniform", "lecun_uniform", "lecun_normal",
          "he_normal", "he_uniform", "glorot_normal", "glorot_uniform", "orthogonal",
          "variance_scaling"]


@pytest.mark.parametrize("name", RANDOM)
def test_an_initializer_returns_the_same_values_at_every_call_as_in_keras_3(name):
    cls = type(initializers.get(name))
    seeded = cls(seed=7)
    np.testing.assert_array_equal(seeded((6, 5)), seeded((6, 5)))
    np.testing.assert_array_equal(seeded((6, 5)), cls(seed=7)((6, 5)))
    assert not np.array_equal(seeded((6, 5)), cls(seed=8)((6, 5)))
    unseeded = cls()
    np.testing.assert_array_equal(unseeded((6, 5)), unseeded((6, 5)))
    assert not np.array_equal(unseeded((6, 5)), cls()((6, 5)))


@pytest.mark.parametrize("name", RANDOM)
def test_unseeded_initializers_follow_the_global_seed(name):
    cls = type(initializers.get(name))
    keras.utils.set_random_seed(3)
    first = cls()((6, 5))
    keras.utils.set_random_seed(3)
    np.testing.assert_array_equal(cls()((6, 5)), first)


def test_one_unseeded_instance_shared_by_two_layers_gives_both_the_same_kernel():
    init = initializers.HeNormal()
    a, b = keras.layers.Dense(3, kernel_initializer=init), keras.layers.Dense(3,
                                                                             kernel_initializer=init)
    a(np.ones((1, 3)))
    b(np.ones((1, 3)))
    np.testing.assert_array_equal(a.kernel.value, b.kernel.value)
    c, d = keras.layers.Dense(3, kernel_initializer="he_normal"), keras.layers.Dense(
        3, kernel_initializer="he_normal")
    c(np.ones((1, 3)))
    d(np.ones((1, 3)))
    assert not np.array_equal(c.kernel.value, d.kernel.value)


def test_seeds_must_be_integers():
    for seed in (1.5, "3", True):
        with pytest.raises(ValueError, match="seed"):
            initializers.RandomNormal(seed=seed)


@pytest.mark.parametrize("initializer, config", [
    (initializers.Constant(0.3), {"value": 0.3}),
    (initializers.TruncatedNormal(mean=0.1, stddev=0.2, seed=4),
     {"seed": 4, "mean": 0.1, "stddev": 0.2}),
    (initializers.VarianceScaling(2.0, "fan_out", "uniform", seed=1),
     {"seed": 1, "scale": 2.0, "mode": "fan_out", "distribution": "uniform", "input_axes": None,
      "output_axes": None}),
    (initializers.LecunNormal(seed=2), {"seed": 2, "input_axes": None, "output_axes": None}),
    (initializers.Orthogonal(gain=2.0, seed=5), {"seed": 5, "gain": 2.0}),
    (initializers.Identity(gain=3.0), {"gain": 3.0}),
])
def test_configs_are_keras_configs_and_round_trip(initializer, config):
    assert initializer.get_config() == config
    restored = initializers.deserialize(initializers.serialize(initializer))
    assert type(restored) is type(initializer) and restored.get_config() == config
    np.testing.assert_array_equal(restored((4, 4)), initializer((4, 4)))


def test_values_follow_floatx():
    keras.config.set_floatx("float64")
    for name in ("constant", "truncated_normal", "lecun_uniform", "orthogonal", "identity"):
        assert initializers.get(name)((3, 3)).dtype == np.float64
    assert initializers.Orthogonal(seed=1)((3, 3), dtype="float32").dtype == np.float32


def test_arrays_and_functions_are_initializers_as_in_keras():
    values = np.arange(6.0).reshape(2, 3)
    layer = keras.layers.Dense(3, kernel_initializer=values,
                               bias_initializer=lambda shape, dtype=None: np.full(shape, 0.5))
    layer(np.zeros((1, 2)))
    np.testing.assert_array_equal(layer.kernel.value, values)
    np.testing.assert_array_equal(layer.bias.value, [0.5, 0.5, 0.5])
    with pytest.raises(ValueError, match="shape"):
        initializers.get(values)((3, 2))
