"""``pad_sequences`` against Keras 3.15.1's, for every combination of its arguments."""

import itertools

import numpy as np
import pytest

import handkeras

keras = pytest.importorskip("keras")

RNG = np.random.default_rng(0)
WORD_LISTS = [RNG.integers(1, 9, RNG.integers(0, 7)).tolist() for _ in range(12)]
VECTORS = [RNG.random((length, 2)) for length in (3, 0, 5, 1)]


@pytest.mark.parametrize("maxlen, dtype, padding, truncating, value", list(itertools.product(
    (None, 3, 10), ("int32", "int64", "float32"), ("pre", "post"), ("pre", "post"),
    (0.0, -1, 2.5))))
def test_pad_sequences_is_keras_s(maxlen, dtype, padding, truncating, value):
    ours = handkeras.utils.pad_sequences(WORD_LISTS, maxlen, dtype, padding, truncating, value)
    theirs = keras.utils.pad_sequences(WORD_LISTS, maxlen, dtype, padding, truncating, value)
    assert ours.dtype == theirs.dtype
    np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("padding, truncating", list(itertools.product(("pre", "post"), repeat=2)))
def test_pad_sequences_of_vectors_and_strings_is_keras_s(padding, truncating):
    np.testing.assert_array_equal(
        handkeras.preprocessing.sequence.pad_sequences(VECTORS, 4, "float64", padding, truncating),
        keras.preprocessing.sequence.pad_sequences(VECTORS, 4, "float64", padding, truncating))
    words = [["a", "b"], ["c"], ["d", "e", "f"]]
    ours = handkeras.utils.pad_sequences(words, 2, object, padding, truncating, value="-")
    theirs = keras.utils.pad_sequences(words, 2, object, padding, truncating, value="-")
    assert ours.tolist() == theirs.tolist()
