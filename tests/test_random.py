"""keras.random: Keras's random functions on numpy, with Keras's seed semantics."""

import numpy as np
import pytest

import handkeras as keras
from handkeras import random


def test_shapes_dtypes_and_ranges():
    assert random.normal((2, 3)).shape == (2, 3) and random.normal((2,)).dtype == np.float32
    assert random.normal((2,), dtype="float64").dtype == np.float64
    values = random.uniform((1000,), minval=-2.0, maxval=3.0, seed=0)
    assert values.min() >= -2 and values.max() < 3 and abs(values.mean() - 0.5) < 0.2
    integers = random.randint((1000,), 3, 7, seed=0)
    assert integers.dtype == np.int32 and set(np.unique(integers)) == {3, 4, 5, 6}
    truncated = random.truncated_normal((5000,), mean=1.0, stddev=0.5, seed=0)
    assert truncated.min() >= 0.0 and truncated.max() <= 2.0 and abs(truncated.std() - 0.44) < 0.02
    assert random.gamma((3,), 2.0).dtype == np.float32
    assert set(np.unique(random.binomial((500,), 4, 0.5, seed=0))) <= {0.0, 1.0, 2.0, 3.0, 4.0}
    draws = random.beta((1000,), 2.0, 6.0, seed=0)
    assert 0 < draws.min() and draws.max() < 1 and abs(draws.mean() - 0.25) < 0.03


def test_an_integer_seed_repeats_a_seed_generator_moves_on_none_follows_set_random_seed():
    assert np.array_equal(random.normal((4,), seed=7), random.normal((4,), seed=7))
    generator = random.SeedGenerator(3)
    first, second = random.normal((4,), seed=generator), random.normal((4,), seed=generator)
    assert not np.array_equal(first, second)
    again = random.SeedGenerator(3)
    assert np.array_equal(random.normal((4,), seed=again), first)
    keras.utils.set_random_seed(11)
    a = random.uniform((4,))
    keras.utils.set_random_seed(11)
    assert np.array_equal(random.uniform((4,)), a)
    assert generator.get_config()["seed"] == 3


def test_dropout_zeroes_at_the_rate_and_keeps_the_expected_sum():
    x = np.ones((200, 50), np.float32)
    y = random.dropout(x, 0.3, seed=0)
    assert y.dtype == np.float32 and set(np.unique(y)) == {0.0, np.float32(1 / 0.7)}
    assert abs((y == 0).mean() - 0.3) < 0.02
    shared = random.dropout(x, 0.5, noise_shape=(None, 1), seed=0)  # one draw per row
    assert all(len(set(row)) == 1 for row in shared)


def test_shuffle_permutes_along_an_axis_and_categorical_follows_the_softmax():
    x = np.arange(12).reshape(3, 4)
    shuffled = random.shuffle(x, axis=1, seed=0)
    assert np.array_equal(np.sort(shuffled, axis=1), x)
    logits = np.log([[0.7, 0.2, 0.1], [0.0001, 0.0001, 0.9998]])
    samples = random.categorical(logits, 4000, seed=0)
    assert samples.shape == (2, 4000) and samples.dtype == np.int32
    np.testing.assert_allclose(np.bincount(samples[0], minlength=3) / 4000, [0.7, 0.2, 0.1],
                               atol=0.03)
    assert (samples[1] == 2).mean() > 0.99


@pytest.mark.parametrize("call, message", [
    (lambda: random.uniform((2,), dtype="int32"), "requires a floating point `dtype`"),
    (lambda: random.normal((2,), seed="x"), "must be either an integer or an instance of"),
    (lambda: random.dropout(np.ones(3), 1.5), "`rate` must be in"),
    (lambda: random.categorical(np.zeros(3), 2), "2-D"),
    (lambda: random.SeedGenerator(1.5), "`seed` must be an integer"),
])
def test_bad_arguments(call, message):
    with pytest.raises(ValueError, match=message):
        call()
