"""Bidirectional against Keras 3.15.1 (torch backend), in float64.

The outputs with masks from ``Embedding(mask_zero=True)`` for every merge mode (the backward run
flipped into time order, zeros at masked steps), whole ``fit`` runs (history and final weights),
and the weights' paths, the legacy file's weight names and the layer's config as Keras has them.
Saving both ways is in test_keras_saving.py (its LAYERS table), the math against torch in
test_torch_bidirectional.py.
"""

import numpy as np
import pytest

import handkeras
from parity import assert_close

torch = pytest.importorskip("torch")
keras = pytest.importorskip("keras")

from keras_pair import (assert_same_history, assert_same_weights, compile_both,  # noqa: E402
                        make_models, saved_legacy_weight_names)

IDS = np.array([[1, 2, 0, 3, 0, 0],
                [0, 0, 4, 5, 1, 2],
                [3, 3, 3, 3, 3, 3],
                [5, 0, 0, 0, 0, 1]])
KINDS = ("SimpleRNN", "LSTM", "GRU")
MERGE_MODES = ("concat", "sum", "ave", "mul")


def bidirectional(library, kind, units=3, merge_mode="concat", **options):
    inner = getattr(library.layers, kind)(units, bias_initializer="random_normal", **options)
    return library.layers.Bidirectional(inner, merge_mode=merge_mode)


@pytest.mark.parametrize("return_sequences", [False, True], ids=["last", "sequences"])
@pytest.mark.parametrize("merge_mode", MERGE_MODES)
@pytest.mark.parametrize("kind", KINDS)
def test_masked_outputs(kind, merge_mode, return_sequences):
    def build(library):
        return library.Sequential([
            library.Input((6,)), library.layers.Embedding(7, 3, mask_zero=True),
            bidirectional(library, kind, merge_mode=merge_mode,
                          return_sequences=return_sequences)])

    ours, theirs = make_models(build)
    assert_close(ours.predict(IDS, verbose=0), theirs.predict(IDS, verbose=0), "predict")


def test_a_given_backward_layer_unmasked():
    x = np.random.default_rng(1).normal(size=(3, 5, 2))

    def build(library):
        backward = library.layers.GRU(2, go_backwards=True, reset_after=False,
                                      return_sequences=True, activation="relu")
        return library.Sequential([library.Input((5, 2)), library.layers.Bidirectional(
            library.layers.LSTM(3, return_sequences=True), backward_layer=backward)])

    ours, theirs = make_models(build)
    assert_close(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), "predict")


@pytest.mark.parametrize("kind", KINDS)
def test_fit_with_masked_sequences_matches_keras(kind):
    """The gradient through both directions, the merges, the masked steps and the mask reaching
    the loss, then the optimizer: the same history and final weights."""
    rng = np.random.default_rng(2)
    y = rng.normal(size=IDS.shape + (2,))

    def build(library):
        return library.Sequential([
            library.Input((6,)), library.layers.Embedding(7, 3, mask_zero=True),
            bidirectional(library, kind, merge_mode="mul", return_sequences=True,
                          kernel_regularizer="l2"),
            bidirectional(library, kind, 2, merge_mode="ave", return_sequences=True),
            library.layers.Dense(2)])

    ours, theirs = make_models(build)
    compile_both(ours, theirs, ("Adam", {"learning_rate": 0.05}), loss="mse", metrics=["mae"])
    arguments = dict(batch_size=3, epochs=3, shuffle=False, verbose=0)
    assert_same_history(ours.fit(IDS, y, **arguments), theirs.fit(IDS, y, **arguments))
    assert_same_weights(ours, theirs)


@pytest.mark.parametrize("kind", KINDS)
def test_fit_of_a_sequence_classifier_matches_keras(kind):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(14, 5, 3))
    y = np.eye(3)[rng.integers(0, 3, size=14)]

    def build(library):
        return library.Sequential([library.Input((5, 3)), bidirectional(library, kind, 4),
                                   library.layers.Dense(3, activation="softmax")])

    ours, theirs = make_models(build)
    compile_both(ours, theirs, ("SGD", {"learning_rate": 0.2, "momentum": 0.5}),
                 loss="categorical_crossentropy", metrics=["accuracy"])
    arguments = dict(batch_size=4, epochs=3, shuffle=False, verbose=0, validation_split=0.25)
    assert_same_history(ours.fit(x, y, **arguments), theirs.fit(x, y, **arguments))
    assert_same_weights(ours, theirs)


def test_paths_legacy_weight_names_summary_and_config_are_keras_s(tmp_path):
    seen = {}
    for library in (handkeras, keras):
        model = library.Sequential([
            library.Input((5, 3)),
            library.layers.Bidirectional(
                library.layers.LSTM(4, return_sequences=True, name="encoder"), name="both"),
            library.layers.Bidirectional(library.layers.GRU(2, name="gru"), merge_mode="sum",
                                         name="summed")],
            name="tagger")
        names = saved_legacy_weight_names(model, tmp_path / f"{library.__name__}.h5")
        seen[library] = ([w.path for w in model.weights], names, model.output_shape,
                         [layer.count_params() for layer in model.layers],
                         model.layers[0].get_config())
    ours, theirs = seen[handkeras], seen[keras]
    assert ours[0][:3] == theirs[0][:3] == [
        "tagger/both/forward_encoder/lstm_cell/kernel",
        "tagger/both/forward_encoder/lstm_cell/recurrent_kernel",
        "tagger/both/forward_encoder/lstm_cell/bias"]
    assert ours[:4] == theirs[:4]
    assert ours[4] == theirs[4]


def test_the_weights_argument_is_accepted_and_not_applied_in_either_library():
    ones = [np.ones((5, 12)), np.ones((3, 12)), np.ones(12)] * 2
    for library in (handkeras, keras):
        layer = library.layers.Bidirectional(library.layers.LSTM(3), weights=ones)
        layer.build((None, 4, 5))
        assert not np.allclose(layer.get_weights()[0], 1), library.__name__
