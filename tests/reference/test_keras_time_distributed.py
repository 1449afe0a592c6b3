"""TimeDistributed against Keras 3.15.1 (torch backend), in float64.

Predictions of Dense, Conv2D and BatchNormalization (inference) per step; whole ``fit`` runs
(history and final weights) of a sequence tagger, of a masked one (the mask passing through to
the loss) and of a per-frame Conv2D; the weights' paths, the legacy file's weight names, the
summary's shapes and counts and the layer's config as Keras has them. Saving both ways is in
test_keras_saving.py (its LAYERS table), the math against torch in test_torch_time_distributed.py.
"""

import numpy as np
import pytest

import handkeras
from parity import assert_close

torch = pytest.importorskip("torch")
keras = pytest.importorskip("keras")

from keras_pair import (assert_same_history, assert_same_weights, compile_both,  # noqa: E402
                        make_models, saved_legacy_weight_names)


@pytest.mark.parametrize("inner, shape", [
    (lambda L: L.Dense(3, activation="relu", bias_initializer="random_normal"), (4, 2)),
    (lambda L: L.Conv2D(2, 2, strides=2, padding="same"), (3, 5, 4, 2)),
    (lambda L: L.BatchNormalization(beta_initializer="random_normal",
                                    moving_mean_initializer="random_normal"), (4, 3)),
], ids=["Dense", "Conv2D", "BatchNormalization"])
def test_predictions_match_keras(inner, shape):
    x = np.random.default_rng(0).normal(size=(3,) + shape)

    def build(library):
        return library.Sequential([library.Input(shape),
                                   library.layers.TimeDistributed(inner(library.layers))])

    ours, theirs = make_models(build)
    assert_close(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), "predict")


def test_fit_of_a_sequence_tagger_matches_keras():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(12, 5, 3))
    y = np.eye(3)[rng.integers(0, 3, size=(12, 5))]

    def build(library):
        return library.Sequential([
            library.Input((5, 3)), library.layers.LSTM(4, return_sequences=True),
            library.layers.TimeDistributed(library.layers.Dense(
                3, activation="softmax", kernel_regularizer="l2"))])

    ours, theirs = make_models(build)
    compile_both(ours, theirs, ("Adam", {"learning_rate": 0.05}),
                 loss="categorical_crossentropy", metrics=["accuracy"])
    arguments = dict(batch_size=4, epochs=3, shuffle=False, verbose=0, validation_split=0.25)
    assert_same_history(ours.fit(x, y, **arguments), theirs.fit(x, y, **arguments))
    assert_same_weights(ours, theirs)


def test_fit_with_the_mask_passing_through_matches_keras():
    ids = np.array([[1, 2, 0, 3, 0], [0, 4, 5, 1, 2], [3, 3, 3, 3, 3], [5, 0, 0, 0, 1]])
    y = np.random.default_rng(2).normal(size=ids.shape + (2,))

    def build(library):
        return library.Sequential([
            library.Input((5,)), library.layers.Embedding(7, 3, mask_zero=True),
            library.layers.TimeDistributed(library.layers.Dense(4, activation="tanh")),
            library.layers.TimeDistributed(library.layers.Dense(2))])

    ours, theirs = make_models(build)
    compile_both(ours, theirs, ("SGD", {"learning_rate": 0.1, "momentum": 0.5}), loss="mse",
                 metrics=["mae"])
    arguments = dict(batch_size=2, epochs=3, shuffle=False, verbose=0)
    assert_same_history(ours.fit(ids, y, **arguments), theirs.fit(ids, y, **arguments))
    assert_same_weights(ours, theirs)


def test_fit_of_a_per_frame_convolution_matches_keras():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(8, 3, 5, 5, 1))
    y = rng.normal(size=(8, 3, 2))

    def build(library):
        L = library.layers
        return library.Sequential([
            library.Input((3, 5, 5, 1)), L.TimeDistributed(L.Conv2D(2, 3, activation="relu")),
            L.TimeDistributed(L.MaxPooling2D(3)), L.TimeDistributed(L.Flatten()),
            L.TimeDistributed(L.Dense(2))])

    ours, theirs = make_models(build)
    compile_both(ours, theirs, ("Adam", {"learning_rate": 0.01}), loss="mse")
    arguments = dict(batch_size=4, epochs=2, shuffle=False, verbose=0)
    assert_same_history(ours.fit(x, y, **arguments), theirs.fit(x, y, **arguments))
    assert_same_weights(ours, theirs)


def test_paths_legacy_weight_names_summary_and_config_are_keras_s(tmp_path):
    seen = {}
    for library in (handkeras, keras):
        L = library.layers
        model = library.Sequential([
            library.Input((4, 6, 6, 1)),
            L.TimeDistributed(L.Conv2D(2, 3, name="frames"), name="per_frame"),
            L.TimeDistributed(L.BatchNormalization(name="norm"), name="per_norm"),
            L.TimeDistributed(L.Flatten(name="flat"), name="per_flat"),
            L.TimeDistributed(L.Dense(3, name="head"), name="per_head")], name="video")
        names = saved_legacy_weight_names(model, tmp_path / f"{library.__name__}.h5")
        seen[library] = ([w.path for w in model.weights], names, model.output_shape,
                         [layer.count_params() for layer in model.layers],
                         [layer.compute_output_shape((None, 4, 6, 6, 1)) for layer in
                          model.layers[:1]],
                         model.layers[0].get_config())
    ours, theirs = seen[handkeras], seen[keras]
    assert ours[0][:2] == theirs[0][:2] == ["video/per_frame/frames/kernel",
                                            "video/per_frame/frames/bias"]
    assert ours[:5] == theirs[:5]
    assert ours[5] == theirs[5]


def test_both_libraries_refuse_a_non_layer_and_a_rank_2_input():
    for library in (handkeras, keras):
        with pytest.raises(ValueError, match="TimeDistributed"):
            library.layers.TimeDistributed("dense")
        with pytest.raises(ValueError, match="TimeDistributed"):
            library.layers.TimeDistributed(library.layers.Dense(2)).build((None, 3))
