"""GroupNormalization, RMSNormalization and SpectralNormalization against Keras 3.15.1 (torch
backend), in float64.

Predictions; whole ``fit`` runs (history and every weight after, SpectralNormalization's
``vector_u`` and normalized kernels included, also with the wrapper frozen); weights' paths and
order, the legacy file's weight names, configs before and after building, mask support and the
errors both libraries raise. Saving both ways is in test_keras_saving.py (its LAYERS table), the
math against torch in test_torch_group_rms_normalization.py.
"""

import numpy as np
import pytest

import handkeras
from parity import assert_close

torch = pytest.importorskip("torch")
keras = pytest.importorskip("keras")

from keras_pair import (assert_same_history, assert_same_weights, compile_both,  # noqa: E402
                        make_models, plain, saved_legacy_weight_names)

LAYERS = {
    "GroupNormalization": (lambda L: L.GroupNormalization(groups=2, epsilon=1e-2,
                                                          beta_initializer="random_normal",
                                                          gamma_initializer="random_uniform"),
                           (3, 4)),
    "GroupNormalization channels first": (
        lambda L: L.GroupNormalization(groups=3, axis=1, center=False), (6, 2, 3)),
    "GroupNormalization instance": (lambda L: L.GroupNormalization(groups=-1), (5, 4)),
    "RMSNormalization": (lambda L: L.RMSNormalization(), (6,)),
    "RMSNormalization two axes": (lambda L: L.RMSNormalization(axis=[1, 2], epsilon=0.1),
                                  (3, 4)),
    "SpectralNormalization Dense": (
        lambda L: L.SpectralNormalization(L.Dense(3, activation="tanh")), (4,)),
    "SpectralNormalization Conv2D": (
        lambda L: L.SpectralNormalization(L.Conv2D(2, 2, padding="same"), power_iterations=3),
        (4, 4, 3)),
    "SpectralNormalization Embedding": (lambda L: L.SpectralNormalization(L.Embedding(7, 3)),
                                        (5,)),
}


def _inputs(name, count=6):
    rng = np.random.default_rng(4)
    shape = LAYERS[name][1]
    if "Embedding" in name:
        return rng.integers(0, 7, (count,) + shape)
    return rng.normal(size=(count,) + shape) * 2.0 + 0.5


def _randomized(model):
    rng = np.random.default_rng(5)
    model.set_weights([rng.uniform(-1.0, 1.5, np.shape(w)) for w in model.get_weights()])
    return model


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_predictions_match_keras(name):
    factory, shape = LAYERS[name]

    def build(library):
        return _randomized(library.Sequential([library.Input(shape), factory(library.layers)]))

    ours, theirs = make_models(build)
    x = _inputs(name)
    assert_close(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), "predict")


def test_fit_of_a_group_normalized_convolution_matches_keras():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(12, 5, 5, 2))
    y = np.eye(3)[rng.integers(0, 3, size=12)]

    def build(library):
        L = library.layers
        return library.Sequential([
            library.Input((5, 5, 2)), L.Conv2D(4, 3, activation="relu"),
            L.GroupNormalization(groups=2, gamma_regularizer="l2"), L.Flatten(),
            L.Dense(3, activation="softmax")])

    ours, theirs = make_models(build)
    compile_both(ours, theirs, ("Adam", {"learning_rate": 0.02}),
                 loss="categorical_crossentropy", metrics=["accuracy"])
    arguments = dict(batch_size=4, epochs=3, shuffle=False, verbose=0, validation_split=0.25)
    assert_same_history(ours.fit(x, y, **arguments), theirs.fit(x, y, **arguments))
    assert_same_weights(ours, theirs)


def test_fit_of_an_rms_normalized_sequence_model_matches_keras():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(10, 4, 3))
    y = rng.normal(size=(10, 4, 2))

    def build(library):
        L = library.layers
        return library.Sequential([
            library.Input((4, 3)), L.Dense(5, activation="tanh"), L.RMSNormalization(),
            L.Dense(2), L.RMSNormalization(axis=[1, 2], epsilon=1e-3)])

    ours, theirs = make_models(build)
    compile_both(ours, theirs, ("SGD", {"learning_rate": 0.1, "momentum": 0.5}), loss="mse",
                 metrics=["mae"])
    arguments = dict(batch_size=3, epochs=3, shuffle=False, verbose=0)
    assert_same_history(ours.fit(x, y, **arguments), theirs.fit(x, y, **arguments))
    assert_same_weights(ours, theirs)


@pytest.mark.parametrize("frozen", [False, True], ids=["trainable", "frozen"])
def test_fit_with_spectral_normalization_matches_keras(frozen):
    """Each step normalizes the kernels (refining ``vector_u``) before the layers run, and the
    optimizer then moves the normalized kernels; a frozen wrapper still normalizes its kernel, as
    Keras's does in any training call."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=(12, 4, 4, 2))
    y = rng.normal(size=(12, 2))

    def build(library):
        L = library.layers
        model = library.Sequential([
            library.Input((4, 4, 2)),
            L.SpectralNormalization(L.Conv2D(3, 2, activation="relu"), power_iterations=2),
            L.Flatten(), L.SpectralNormalization(L.Dense(4, activation="tanh")), L.Dense(2)])
        model.layers[0].trainable = not frozen
        return model

    ours, theirs = make_models(build)
    compile_both(ours, theirs, ("Adam", {"learning_rate": 0.05}), loss="mse")
    arguments = dict(batch_size=4, epochs=3, shuffle=False, verbose=0, validation_split=0.25)
    assert_same_history(ours.fit(x, y, **arguments), theirs.fit(x, y, **arguments))
    assert_same_weights(ours, theirs)


def test_paths_legacy_weight_names_summary_and_configs_are_keras_s(tmp_path):
    seen = {}
    for library in (handkeras, keras):
        L = library.layers
        model = library.Sequential([
            library.Input((6, 4)),
            L.SpectralNormalization(L.Dense(4, name="inner"), name="sn"),
            L.GroupNormalization(groups=-1, name="gn"), L.RMSNormalization(name="rms")],
            name="net")
        names = saved_legacy_weight_names(model, tmp_path / f"{library.__name__}.h5")
        seen[library] = ([w.path for w in model.weights], names, model.output_shape,
                         [layer.count_params() for layer in model.layers],
                         [w.path for w in model.trainable_weights],
                         [plain(layer.get_config()) for layer in model.layers])
    ours, theirs = seen[handkeras], seen[keras]
    assert ours[0] == theirs[0] == ["net/sn/inner/kernel", "net/sn/vector_u", "net/sn/inner/bias",
                                    "net/gn/gamma", "net/gn/beta", "net/rms/scale"]
    assert ours[1:5] == theirs[1:5]
    assert ours[5] == theirs[5]


@pytest.mark.parametrize("make", [
    lambda L: L.GroupNormalization(), lambda L: L.GroupNormalization(
        8, axis=1, epsilon=0.1, center=False, beta_regularizer="l1", gamma_initializer="zeros"),
    lambda L: L.RMSNormalization(), lambda L: L.RMSNormalization(axis=[-2, -1], epsilon=1e-4),
    lambda L: L.SpectralNormalization(L.Conv1D(2, 3, activation="relu", name="inner_conv"),
                                      power_iterations=4),
], ids=["GroupNormalization", "GroupNormalization options", "RMSNormalization",
        "RMSNormalization options", "SpectralNormalization"])
def test_configs_and_mask_support_match_keras(make):
    ours, theirs = make(handkeras.layers), make(keras.layers)
    ours.name = theirs.name = "x"
    assert plain(ours.get_config()) == plain(theirs.get_config())
    assert ours.supports_masking == theirs.supports_masking
    rebuilt = type(theirs).from_config(plain(ours.get_config()))
    assert plain(rebuilt.get_config()) == plain(theirs.get_config())
    for layer in (ours, theirs):
        layer.build((None, 8, 32))
    assert plain(ours.get_config()) == plain(theirs.get_config())  # built: axis lists, groups


@pytest.mark.parametrize("make, build_shape", [
    (lambda L: L.GroupNormalization(groups=0), None),
    (lambda L: L.GroupNormalization(groups=2.0), None),
    (lambda L: L.GroupNormalization(groups=3), (None, 4)),
    (lambda L: L.GroupNormalization(groups=8), (None, 4)),
    (lambda L: L.SpectralNormalization("dense"), None),
    (lambda L: L.SpectralNormalization(L.Dense(2), power_iterations=0), None),
    (lambda L: L.SpectralNormalization(L.ReLU()), (None, 3)),
], ids=["groups=0", "groups=2.0", "groups=3 of 4", "groups=8 of 4", "not a layer",
        "power_iterations=0", "no kernel"])
def test_both_libraries_refuse_the_same_arguments_with_a_value_error(make, build_shape):
    for library in (handkeras, keras):
        with pytest.raises(ValueError):
            layer = make(library.layers)
            layer.build(build_shape)
