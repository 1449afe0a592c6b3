"""SimpleRNN, LSTM and GRU against Keras 3.15.1 (torch backend), in float64.

What torch's modules cannot show (tests/reference/test_torch_recurrent.py has the math): masks
from ``Embedding(mask_zero=True)`` (skipped steps, what is output there, the mask passed on to the
loss), reading backwards, ``zero_output_for_mask``, GRU's ``reset_after=False``, the initial weights
(Keras's orthogonal recurrent kernel, LSTM's forget-gate bias of ones), and whole ``fit`` runs.
"""

import numpy as np
import pytest

import handkeras
from parity import assert_close

torch = pytest.importorskip("torch")
keras = pytest.importorskip("keras")

from keras_pair import assert_same_history, assert_same_weights, compile_both, make_models  # noqa: E402

IDS = np.array([[1, 2, 0, 3, 0, 0],
                [0, 0, 4, 5, 1, 2],
                [3, 3, 3, 3, 3, 3],
                [5, 0, 0, 0, 0, 1]])
KINDS = {"SimpleRNN": {}, "LSTM": {}, "GRU": {}, "GRU reset_after=False": {"reset_after": False}}


def recurrent(library, kind, units=4, **options):
    name = kind.split()[0]
    return getattr(library.layers, name)(units, bias_initializer="random_normal",
                                         **KINDS[kind], **options)


@pytest.mark.parametrize("zero_output_for_mask", [False, True], ids=["carried", "zeroed"])
@pytest.mark.parametrize("go_backwards", [False, True], ids=["forwards", "backwards"])
@pytest.mark.parametrize("return_sequences", [False, True], ids=["last", "sequences"])
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_masked_outputs(kind, return_sequences, go_backwards, zero_output_for_mask):
    def build(library):
        return library.Sequential([
            library.Input((6,)), library.layers.Embedding(7, 3, mask_zero=True),
            recurrent(library, kind, return_sequences=return_sequences,
                      go_backwards=go_backwards, zero_output_for_mask=zero_output_for_mask)])

    ours, theirs = make_models(build)
    assert_close(ours.predict(IDS, verbose=0), theirs.predict(IDS, verbose=0), "predict")


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_unmasked_outputs_backwards(kind):
    x = np.random.default_rng(1).normal(size=(3, 5, 2))

    def build(library):
        return library.Sequential([library.Input((5, 2)),
                                   recurrent(library, kind, return_sequences=True,
                                             go_backwards=True),
                                   recurrent(library, kind, 3, go_backwards=True)])

    ours, theirs = make_models(build)
    assert_close(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), "predict")


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_fit_with_masked_sequences_matches_keras(kind):
    """Every step's gradient through masked steps, the mask reaching the loss of the per-step
    outputs, the regularizers, and the optimizer: the same history and final weights."""
    rng = np.random.default_rng(2)
    y = rng.normal(size=IDS.shape + (2,))

    def build(library):
        return library.Sequential([
            library.Input((6,)), library.layers.Embedding(7, 3, mask_zero=True),
            recurrent(library, kind, return_sequences=True, kernel_regularizer="l2",
                      recurrent_regularizer="l1"),
            recurrent(library, kind, 3, return_sequences=True, go_backwards=True),
            library.layers.Dense(2)])

    ours, theirs = make_models(build)
    compile_both(ours, theirs, ("Adam", {"learning_rate": 0.05}), loss="mse", metrics=["mae"])
    arguments = dict(batch_size=3, epochs=3, shuffle=False, verbose=0)
    assert_same_history(ours.fit(IDS, y, **arguments), theirs.fit(IDS, y, **arguments))
    assert_same_weights(ours, theirs)


@pytest.mark.parametrize("kind", ["SimpleRNN", "LSTM", "GRU"])
def test_fit_of_a_sequence_classifier_matches_keras(kind):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(14, 5, 3))
    y = np.eye(3)[rng.integers(0, 3, size=14)]

    def build(library):
        # Keras's SimpleRNN ignores its activity regularizer; LSTM and GRU penalize their output.
        return library.Sequential([library.Input((5, 3)),
                                   recurrent(library, kind, 6, activity_regularizer="l2"),
                                   library.layers.Dense(3, activation="softmax")])

    ours, theirs = make_models(build)
    compile_both(ours, theirs, ("SGD", {"learning_rate": 0.2, "momentum": 0.5}),
                 loss="categorical_crossentropy", metrics=["accuracy"])
    arguments = dict(batch_size=4, epochs=3, shuffle=False, verbose=0, validation_split=0.25)
    assert_same_history(ours.fit(x, y, **arguments), theirs.fit(x, y, **arguments))
    assert_same_weights(ours, theirs)


@pytest.mark.parametrize("kind, options", [
    ("LSTM", {}), ("LSTM", {"unit_forget_bias": False, "bias_initializer": "ones"}),
    ("GRU", {}), ("GRU", {"reset_after": False}), ("SimpleRNN", {})])
def test_initial_weights_follow_keras_s_initializers(kind, options):
    """Keras's initializers are random, so compare what they promise: shapes, orthonormal rows in
    the recurrent kernel, the bias's values."""
    def build(library):
        return library.Sequential([library.Input((5, 3)),
                                   getattr(library.layers, kind)(4, **options)])

    ours, theirs = build(handkeras), build(keras)
    for mine, reference in zip(ours.get_weights(), theirs.get_weights()):
        assert mine.shape == reference.shape
    recurrent_kernel = ours.get_weights()[1]
    np.testing.assert_allclose(recurrent_kernel @ recurrent_kernel.T, np.eye(4), atol=1e-6)
    np.testing.assert_array_equal(ours.get_weights()[2], theirs.get_weights()[2])
