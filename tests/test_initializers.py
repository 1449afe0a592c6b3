"""Initializers: Keras's names, distributions and scales, in floatx, reproducible under a seed."""

import math

import numpy as np
import pytest

import handkeras as keras
from handkeras import initializers

SHAPE = (300, 200)  # 60,000 samples: sample moments within a few percent
FAN_IN, FAN_OUT = SHAPE


def sample(name, shape=SHAPE, **kwargs):
    initializer = initializers.get(name) if not kwargs else initializers.get(name).__class__(**kwargs)
    return initializer(shape)


def test_zeros_and_ones():
    np.testing.assert_array_equal(sample("zeros", (3, 2)), np.zeros((3, 2)))
    np.testing.assert_array_equal(sample("ones", (3, 2)), np.ones((3, 2)))


@pytest.mark.parametrize("name, limit", [
    ("glorot_uniform", math.sqrt(6 / (FAN_IN + FAN_OUT))),
    ("he_uniform", math.sqrt(6 / FAN_IN)),
    ("random_uniform", 0.05),
])
def test_uniform_initializers_fill_their_interval(name, limit):
    values = sample(name)
    assert values.min() >= -limit and values.max() <= limit
    assert values.min() < -0.98 * limit and values.max() > 0.98 * limit
    assert values.std() == pytest.approx(limit / math.sqrt(3), rel=0.03)
    assert abs(values.mean()) < 0.02 * limit


@pytest.mark.parametrize("name, stddev", [
    ("glorot_normal", math.sqrt(2 / (FAN_IN + FAN_OUT))),
    ("he_normal", math.sqrt(2 / FAN_IN)),
])
def test_truncated_normal_initializers_have_the_variance_scaling_stddev(name, stddev):
    """Keras divides the stddev by 0.8796..., the std of a unit normal truncated to [-2, 2], so the
    truncated samples keep the intended variance."""
    values = sample(name)
    truncated_at = 2 * stddev / 0.87962566103423978
    assert np.abs(values).max() <= truncated_at
    assert values.std() == pytest.approx(stddev, rel=0.03)


def test_random_normal_defaults():
    values = sample("random_normal")
    assert values.std() == pytest.approx(0.05, rel=0.03)
    assert abs(values.mean()) < 0.002
    assert np.abs(values).max() > 0.15  # untruncated: beyond 3 sigma somewhere in 60,000 samples


def test_random_initializers_take_their_arguments():
    values = initializers.RandomUniform(minval=2.0, maxval=3.0)(SHAPE)
    assert values.min() >= 2.0 and values.max() <= 3.0
    values = initializers.RandomNormal(mean=1.0, stddev=0.5)(SHAPE)
    assert values.mean() == pytest.approx(1.0, abs=0.01)
    assert values.std() == pytest.approx(0.5, rel=0.03)


@pytest.mark.parametrize("name", ["zeros", "ones", "glorot_uniform", "glorot_normal", "he_normal",
                                  "he_uniform", "random_normal", "random_uniform"])
def test_values_are_in_floatx(name):
    assert sample(name, (4, 3)).dtype == np.float32
    keras.config.set_floatx("float64")
    assert sample(name, (4, 3)).dtype == np.float64


@pytest.mark.parametrize("name", ["glorot_uniform", "glorot_normal", "he_normal", "he_uniform",
                                  "random_normal", "random_uniform"])
def test_a_seeded_initializer_repeats_and_an_unseeded_one_follows_the_global_seed(name):
    cls = type(initializers.get(name))
    np.testing.assert_array_equal(cls(seed=3)((5, 4)), cls(seed=3)((5, 4)))
    assert not np.array_equal(cls(seed=3)((5, 4)), cls(seed=4)((5, 4)))
    keras.utils.set_random_seed(11)
    first = cls()((5, 4))
    keras.utils.set_random_seed(11)
    np.testing.assert_array_equal(cls()((5, 4)), first)
    assert not np.array_equal(cls()((5, 4)), first)


def test_dense_uses_its_initializers():
    layer = keras.layers.Dense(3, kernel_initializer="ones", bias_initializer="random_uniform")
    layer(np.zeros((1, 2)))
    np.testing.assert_array_equal(layer.kernel.value, np.ones((2, 3)))
    assert np.all(np.abs(layer.bias.value) <= 0.05) and np.any(layer.bias.value != 0)
    layer = keras.layers.Dense(3, kernel_initializer=initializers.Constant(0.5))
    layer(np.zeros((1, 2)))
    np.testing.assert_array_equal(layer.kernel.value, np.full((2, 3), 0.5))


@pytest.mark.parametrize("name, cls", [
    ("zeros", initializers.Zeros), ("ones", initializers.Ones),
    ("glorot_uniform", initializers.GlorotUniform), ("glorot_normal", initializers.GlorotNormal),
    ("he_normal", initializers.HeNormal), ("he_uniform", initializers.HeUniform),
    ("random_normal", initializers.RandomNormal), ("random_uniform", initializers.RandomUniform),
    ("GlorotUniform", initializers.GlorotUniform),
])
def test_names_and_classes(name, cls):
    assert type(initializers.get(name)) is cls
    instance = cls()
    assert initializers.get(instance) is instance


def test_unknown_initializer_name_lists_the_valid_ones():
    with pytest.raises(ValueError, match="glorot_uniformm") as error:
        initializers.get("glorot_uniformm")
    assert "glorot_uniform" in str(error.value) and "he_normal" in str(error.value)


def test_serialize_round_trips():
    initializer = initializers.RandomNormal(mean=0.1, stddev=0.2, seed=5)
    restored = initializers.deserialize(initializers.serialize(initializer))
    assert type(restored) is initializers.RandomNormal
    np.testing.assert_array_equal(restored((3, 3)), initializer((3, 3)))


@pytest.mark.parametrize("initializer", [initializers.RandomNormal(seed=3),
                                         initializers.Orthogonal(gain=2.0, seed=1),
                                         initializers.VarianceScaling(2.0, "fan_out", seed=4),
                                         initializers.Constant(3.0)], ids=repr)
def test_clone_is_a_new_initializer_with_the_same_config_and_numbers(initializer):
    clone = initializer.clone()
    assert clone is not initializer and type(clone) is type(initializer)
    assert clone.get_config() == initializer.get_config()
    np.testing.assert_array_equal(clone((4, 3)), initializer((4, 3)))
