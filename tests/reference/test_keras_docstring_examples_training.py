"""The usage shown in the docstrings of Keras's training API, run in both libraries.

Keras's API reference pages show these examples, and users copy them verbatim. Each test runs one
example (the data made with numpy, the weights Keras's) and compares what it shows.
"""

import numpy as np
import pytest

import handkeras

pytest.importorskip("torch")
keras = pytest.importorskip("keras")

from keras_pair import assert_same_history, assert_same_weights, make_models  # noqa: E402


def fit_both(ours, theirs, x, y, **arguments):
    """Both models fitted alike, checked to log the same history and end with the same weights."""
    arguments = dict(shuffle=False, verbose=0, **arguments)
    assert_same_history(ours.fit(x, y, **arguments), theirs.fit(x, y, **arguments))
    assert_same_weights(ours, theirs)


def test_categorical_generalized_cross_entropy_trains_on_integer_labels():
    # The loss's docstring: integer labels against softmax rows, as in its standalone example.
    rng = np.random.default_rng(0)
    x = rng.normal(size=(9, 4))
    labels = rng.integers(0, 3, size=9)

    def build(library):
        return library.Sequential([library.Input((4,)),
                                   library.layers.Dense(3, activation="softmax")])

    ours, theirs = make_models(build)
    ours.compile("sgd", loss=handkeras.losses.CategoricalGeneralizedCrossEntropy(q=0.7))
    theirs.compile("sgd", loss=keras.losses.CategoricalGeneralizedCrossEntropy(q=0.7))
    fit_both(ours, theirs, x, labels, batch_size=4, epochs=2)

