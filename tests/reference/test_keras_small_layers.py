"""The small layers of docs/small_layers.md against Keras 3.15.1 (torch backend) and PyTorch
autograd, in float64 to rtol 1e-9: outputs and input gradients (the noise layers against Keras's
own layers with Keras's random draws replaced by the same numbers handkeras draws), configs, masks,
output shapes, the exception types of bad arguments (Dropout's and Dense's too), and whole models
trained in both libraries.

Saving each library's model and loading it in the other is covered, for every one of these layers,
by the layer table of test_keras_saving.py (and test_keras_json_clone.py uses the same table).
"""

import json

import numpy as np
import pytest

import handkeras
from handkeras import layers
from parity import assert_close

torch = pytest.importorskip("torch")
keras = pytest.importorskip("keras")

from keras.src.backend.torch import random as keras_torch_random  # noqa: E402
from keras_pair import assert_same_history, assert_same_weights, make_models, plain  # noqa: E402

F = torch.nn.functional


def tensor(array):
    return torch.tensor(np.asarray(array, dtype=np.float64), requires_grad=True)


def ours(layer, x, dy):
    """Training-mode output and input gradient of a handkeras layer."""
    y = layer(x, training=True)
    return y, layer.backward(dy)


def torch_run(function, x, dy):
    tx = tensor(x)
    out = function(tx)
    out.backward(torch.tensor(dy))
    return out.detach().numpy(), tx.grad.numpy()


def keras_run(layer, x, dy):
    """Training-mode output and input gradient of a Keras layer, by torch autograd."""
    return torch_run(lambda tx: layer(tx, training=True), x, dy)


def assert_same_run(mine, theirs, what):
    assert_close(mine[0], theirs[0], f"{what} output")
    assert_close(mine[1], theirs[1], f"{what} input gradient")


def data(shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape)


# ============================================================== noise, with Keras's draws fixed
@pytest.fixture
def keras_draws_like_handkeras(monkeypatch):
    """Keras's normal, uniform and Bernoulli draws replaced by the numbers a handkeras layer with
    ``seed`` draws (a fresh ``np.random.default_rng(seed)``), so both compute with one noise."""
    state = {}

    def seeded(seed):
        state.setdefault("rng", np.random.default_rng(seed))
        return state["rng"]

    def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
        return torch.tensor(mean + stddev * seeded(state["seed"]).standard_normal(tuple(shape)))

    def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
        return torch.tensor(seeded(state["seed"]).random(tuple(shape)))

    def bernoulli(probabilities, generator=None):
        keep = seeded(state["seed"]).random(tuple(probabilities.shape)) >= state["rate"]
        return torch.tensor(keep.astype(np.float64))

    monkeypatch.setattr(keras_torch_random, "normal", normal)
    monkeypatch.setattr(keras_torch_random, "uniform", uniform)
    monkeypatch.setattr(torch, "bernoulli", bernoulli)
    return state


NOISE_CASES = [
    ("GaussianNoise", dict(stddev=0.3), (4, 6)),
    ("GaussianDropout", dict(rate=0.3), (4, 6)),
    ("GaussianDropout", dict(rate=0.8), (3, 2, 5)),
    ("AlphaDropout", dict(rate=0.3), (4, 6)),
    ("AlphaDropout", dict(rate=0.5, noise_shape=(None, 1, 5)), (4, 3, 5)),
    ("SpatialDropout1D", dict(rate=0.4), (6, 5, 4)),
    ("SpatialDropout2D", dict(rate=0.4), (6, 3, 4, 5)),
    ("SpatialDropout2D", dict(rate=0.4, data_format="channels_first"), (6, 3, 4, 5)),
]


@pytest.mark.parametrize("name, kwargs, shape", NOISE_CASES,
                         ids=[f"{n}-{k}" for n, k, _ in NOISE_CASES])
def test_noise_layers_compute_keras_s_formulas(keras_draws_like_handkeras, name, kwargs, shape):
    keras_draws_like_handkeras.update(seed=9, rate=kwargs.get("rate"))
    x, dy = data(shape), data(shape, 1)
    mine = ours(getattr(layers, name)(**kwargs, seed=9), x, dy)
    assert_same_run(mine, keras_run(getattr(keras.layers, name)(**kwargs, seed=9), x, dy), name)
    assert not np.array_equal(mine[0], x)


@pytest.mark.parametrize("name, kwargs, shape", NOISE_CASES,
                         ids=[f"{n}-{k}" for n, k, _ in NOISE_CASES])
def test_noise_layers_are_the_identity_in_inference_as_in_keras(name, kwargs, shape):
    x = data(shape)
    assert_close(getattr(layers, name)(**kwargs)(x),
                 getattr(keras.layers, name)(**kwargs)(x, training=False).numpy(), name)


# ============================================================ deterministic layers, with torch
def test_permute_matches_torch():
    x, dy = data((2, 3, 4, 5)), data((2, 5, 3, 4), 1)
    assert_same_run(ours(layers.Permute((3, 1, 2)), x, dy),
                    torch_run(lambda t: t.permute(0, 3, 1, 2), x, dy), "Permute")


def test_repeat_vector_matches_torch():
    x, dy = data((3, 4)), data((3, 5, 4), 1)
    assert_same_run(ours(layers.RepeatVector(5), x, dy),
                    torch_run(lambda t: t[:, None, :].expand(3, 5, 4), x, dy), "RepeatVector")


def test_cropping_matches_torch_slicing():
    x, dy = data((2, 7, 3)), data((2, 4, 3), 1)
    assert_same_run(ours(layers.Cropping1D((1, 2)), x, dy),
                    torch_run(lambda t: t[:, 1:5], x, dy), "Cropping1D")
    x, dy = data((2, 6, 7, 2)), data((2, 3, 4, 2), 1)
    assert_same_run(ours(layers.Cropping2D(((2, 1), (0, 3))), x, dy),
                    torch_run(lambda t: t[:, 2:5, 0:4], x, dy), "Cropping2D")


def test_zero_padding1d_matches_torch_pad():
    x, dy = data((2, 4, 3)), data((2, 7, 3), 1)
    assert_same_run(ours(layers.ZeroPadding1D((2, 1)), x, dy),
                    torch_run(lambda t: F.pad(t, (0, 0, 2, 1)), x, dy), "ZeroPadding1D")


def test_up_sampling1d_matches_torch():
    x, dy = data((2, 4, 3)), data((2, 12, 3), 1)
    assert_same_run(ours(layers.UpSampling1D(3), x, dy),
                    torch_run(lambda t: t.repeat_interleave(3, dim=1), x, dy), "UpSampling1D")


@pytest.mark.parametrize("axis, dims", [(-1, -1), (1, 1), ([1, 2], (1, 2))])
def test_unit_normalization_matches_torch_normalize(axis, dims):
    x, dy = data((4, 3, 5)), data((4, 3, 5), 1)
    x[0, 0] = 0.0  # a zero vector and one below the 1e-12 floor (axis -1)
    x[1, 2] = [3e-14, 4e-14, 0, 0, 0]
    assert_same_run(ours(layers.UnitNormalization(axis=axis), x, dy),
                    torch_run(lambda t: F.normalize(t, p=2, dim=dims, eps=1e-12), x, dy),
                    "UnitNormalization")
    # Keras's autograd gives NaN for the gradient of a zero vector (its rsqrt(0) is inf); torch's
    # normalize gives the exact gradient there, 1e12 * dy, and so does handkeras. Keras's values
    # and its gradients elsewhere, the floored vector included, are handkeras's.
    x[0, 0] = 1.0
    assert_same_run(ours(layers.UnitNormalization(axis=axis), x, dy),
                    keras_run(keras.layers.UnitNormalization(axis=axis), x, dy),
                    "UnitNormalization against Keras")


def test_masking_matches_keras_and_torch():
    x, dy = data((3, 4, 2)), data((3, 4, 2), 1)
    x[0, 1] = x[2, 0] = x[2, 3] = 0.5
    mine = ours(layers.Masking(0.5), x, dy)
    keep = torch.tensor(np.any(x != 0.5, axis=-1, keepdims=True))
    assert_same_run(mine, torch_run(lambda t: torch.where(keep, t, 0.0), x, dy), "Masking")
    assert_same_run(mine, keras_run(keras.layers.Masking(0.5), x, dy), "Masking against Keras")
    theirs = keras.layers.Masking(0.5).compute_mask(torch.tensor(x))
    np.testing.assert_array_equal(layers.Masking(0.5).compute_mask(x, None), theirs.numpy())


@pytest.mark.parametrize("name, args", [("Identity", ()), ("ActivityRegularization", (0.1, 0.2))])
def test_identity_layers_match_keras(name, args):
    x, dy = data((3, 4)), data((3, 4), 1)
    assert_same_run(ours(getattr(layers, name)(*args), x, dy),
                    keras_run(getattr(keras.layers, name)(*args), x, dy), name)


# ============================================================================ models, trained
def test_activity_penalty_trains_as_in_keras():
    rng = np.random.default_rng(4)
    x, y = rng.normal(size=(20, 4)), rng.normal(size=(20, 2))

    def build(lib):
        L = lib.layers
        return lib.Sequential([lib.Input((4,)), L.Dense(5, activation="tanh"),
                               L.ActivityRegularization(l1=0.02, l2=0.1), L.Dense(2)])

    mine, theirs = make_models(build)
    for model, lib in ((theirs, keras), (mine, handkeras)):
        model.compile(optimizer=lib.optimizers.SGD(0.1), loss="mse", metrics=["mae"])
    history = [m.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
               for m in (mine, theirs)]
    assert_same_history(*history)
    assert_same_weights(mine, theirs)


def test_sequence_model_with_the_reshaping_layers_fits_as_in_keras():
    rng = np.random.default_rng(5)
    x, y = rng.normal(size=(20, 6)), rng.normal(size=(20, 1))

    def build(lib):
        L = lib.layers
        return lib.Sequential([
            lib.Input((6,)), L.Dense(5, activation="tanh"), L.RepeatVector(4),
            L.ZeroPadding1D((1, 0)), L.UpSampling1D(2), L.Cropping1D((2, 1)),
            L.Permute((2, 1)), L.Dense(3), L.UnitNormalization(), L.Identity(),
            L.ActivityRegularization(l1=0.01, l2=0.05), L.Flatten(), L.Dense(1)])

    mine, theirs = make_models(build)
    for model, lib in ((theirs, keras), (mine, handkeras)):
        model.compile(optimizer=lib.optimizers.SGD(0.05), loss="mse", metrics=["mae"])
    history = [m.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
               for m in (mine, theirs)]
    assert_same_history(*history)
    assert_same_weights(mine, theirs)
    assert_close(mine.predict(x, verbose=0), theirs.predict(x, verbose=0), "predict")


def test_image_model_with_cropping2d_fits_as_in_keras():
    rng = np.random.default_rng(6)
    x, y = rng.normal(size=(12, 6, 7, 2)), rng.normal(size=(12, 2))

    def build(lib):
        L = lib.layers
        return lib.Sequential([lib.Input((6, 7, 2)), L.Conv2D(3, 2, activation="relu"),
                               L.Cropping2D(((1, 0), (2, 1))), L.GlobalAveragePooling2D(),
                               L.Dense(2)])

    mine, theirs = make_models(build)
    for model, lib in ((theirs, keras), (mine, handkeras)):
        model.compile(optimizer=lib.optimizers.SGD(0.1), loss="mse")
    history = [m.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
               for m in (mine, theirs)]
    assert_same_history(*history)
    assert_same_weights(mine, theirs)


def test_masked_steps_leave_the_loss_and_the_gradients_as_in_keras():
    rng = np.random.default_rng(7)
    x, y = rng.normal(size=(16, 5, 3)), rng.normal(size=(16, 5, 2))
    lengths = rng.integers(1, 6, size=16)
    x[np.arange(5)[None] >= lengths[:, None]] = -1.0

    def build(lib):
        L = lib.layers
        return lib.Sequential([lib.Input((5, 3)), L.Masking(-1.0), L.Dense(4, activation="tanh"),
                               L.Dense(2)])

    mine, theirs = make_models(build)
    for model, lib in ((theirs, keras), (mine, handkeras)):
        model.compile(optimizer=lib.optimizers.SGD(0.1), loss="mse", metrics=["mae"])
    assert_close(mine.evaluate(x, y, verbose=0), theirs.evaluate(x, y, verbose=0), "evaluate")
    history = [m.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
               for m in (mine, theirs)]
    assert_same_history(*history)
    assert_same_weights(mine, theirs)
    assert_close(mine.predict(x, verbose=0), theirs.predict(x, verbose=0), "predict")


def test_summary_prints_keras_s_text():
    def build(lib):
        L = lib.layers
        return lib.Sequential([
            lib.Input((6,)), L.GaussianNoise(0.1, name="noise"), L.RepeatVector(4, name="repeat"),
            L.ZeroPadding1D((1, 0), name="pad"), L.UpSampling1D(2, name="up"),
            L.Cropping1D((2, 1), name="crop"), L.SpatialDropout1D(0.2, name="spatial"),
            L.Permute((2, 1), name="permute"), L.Masking(name="masking"),
            L.AlphaDropout(0.1, name="alpha"), L.GaussianDropout(0.1, name="gaussian"),
            L.UnitNormalization(name="unit"), L.Identity(name="identity"),
            L.ActivityRegularization(l2=0.01, name="penalty"), L.Dense(2, name="out")],
            name="small")

    def summary_text(model):
        printed = []
        model.summary(print_fn=printed.append)
        return "".join(printed)

    mine, theirs = make_models(build)
    assert summary_text(mine) == summary_text(theirs)


# =================================================================== configs, masks, shapes
LAYER_ARGS = [
    ("Dropout", (1,), {}),
    ("Dropout", (0,), dict(noise_shape=[None, 1])),
    ("SpatialDropout1D", (0.3,), dict(seed=4)),
    ("SpatialDropout1D", (1,), {}),
    ("SpatialDropout2D", (0,), {}),
    ("GaussianDropout", (1,), {}),
    ("AlphaDropout", (0,), {}),
    ("SpatialDropout2D", (0.3,), {}),
    ("SpatialDropout2D", (0.3,), dict(data_format="channels_first")),
    ("GaussianNoise", (0.1,), {}),
    ("GaussianNoise", (1,), dict(seed=3)),
    ("GaussianDropout", (0.2,), {}),
    ("AlphaDropout", (0.2,), {}),
    ("AlphaDropout", (0.2,), dict(noise_shape=(None, 1, 4), seed=1)),
    ("ActivityRegularization", (), {}),
    ("ActivityRegularization", (0.5, 1), {}),
    ("Identity", (), {}),
    ("Masking", (), {}),
    ("Masking", (-1,), {}),
    ("Permute", ((2, 3, 1),), {}),
    ("RepeatVector", (4,), {}),
    ("Cropping1D", (), {}),
    ("Cropping1D", (2,), {}),
    ("Cropping2D", (), {}),
    ("Cropping2D", ((1, 2),), {}),
    ("Cropping2D", (((1, 2), (3, 0)),), {}),
    ("ZeroPadding1D", (), {}),
    ("ZeroPadding1D", ((0, 3),), {}),
    ("UpSampling1D", (), {}),
    ("UpSampling1D", (4,), {}),
    ("UnitNormalization", (), {}),
    ("UnitNormalization", ((1, 2),), {}),
]
LAYER_IDS = [f"{name}{args}{kwargs or ''}" for name, args, kwargs in LAYER_ARGS]


@pytest.mark.parametrize("name, args, kwargs", LAYER_ARGS, ids=LAYER_IDS)
def test_config_is_keras_s_and_loads_both_ways(name, args, kwargs):
    mine = getattr(layers, name)(*args, **kwargs, name="x").get_config()
    theirs = getattr(keras.layers, name)(*args, **kwargs, name="x").get_config()
    assert mine == theirs and list(mine) == list(theirs)
    assert json.dumps(mine) == json.dumps(theirs)  # the same numbers' types: 1 is not 1.0
    assert plain(getattr(keras.layers, name).from_config(plain(mine)).get_config()) == plain(theirs)
    assert plain(getattr(layers, name).from_config(plain(theirs)).get_config()) == plain(mine)


@pytest.mark.parametrize("name, args, kwargs", LAYER_ARGS, ids=LAYER_IDS)
def test_mask_support_is_keras_s(name, args, kwargs):
    assert (getattr(layers, name)(*args, **kwargs).supports_masking
            == getattr(keras.layers, name)(*args, **kwargs).supports_masking)


SHAPE_CASES = [
    ("SpatialDropout2D", (0.5,), (None, 3, 4, 2)),
    ("AlphaDropout", (0.5,), (None, 3)),
    ("Masking", (), (None, 3, 4)),
    ("Permute", ((3, 1, 2),), (None, 4, None, 2)),
    ("RepeatVector", (3,), (None, 5)),
    ("Cropping1D", ((1, 2),), (None, 6, 2)),
    ("Cropping1D", (1,), (None, None, 2)),
    ("Cropping2D", (((1, 0), (2, 1)),), (None, 5, 6, 2)),
    ("Cropping2D", (1,), (None, None, 4, 2)),
    ("ZeroPadding1D", ((2, 1),), (None, 4, 3)),
    ("ZeroPadding1D", (1,), (None, None, 3)),
    ("UpSampling1D", (3,), (None, 4, 2)),
    ("UpSampling1D", (2,), (None, None, 2)),
    ("UnitNormalization", ([1, 2],), (None, 3, 4)),
]


@pytest.mark.parametrize("name, args, shape", SHAPE_CASES,
                         ids=[f"{n}{a}{s}" for n, a, s in SHAPE_CASES])
def test_output_shapes_are_keras_s(name, args, shape):
    expected = tuple(getattr(keras.layers, name)(*args).compute_output_shape(shape))
    assert getattr(layers, name)(*args).compute_output_shape(shape) == expected


BAD_ARGUMENTS = [
    ("Dropout", ("0.5",), {}),
    ("Dropout", (None,), {}),
    ("Dropout", (float("nan"),), {}),
    ("Dropout", (0.5,), dict(noise_shape="ab")),
    ("Dropout", (0.5,), dict(noise_shape=(None, 0))),
    ("Dropout", (0.5,), dict(noise_shape=(1.5, 1))),
    ("SpatialDropout1D", (None,), {}),
    ("SpatialDropout2D", ("0.5",), {}),
    ("GaussianNoise", (1.5,), {}),
    ("GaussianNoise", ("a",), {}),
    ("GaussianNoise", (None,), {}),
    ("GaussianDropout", ("0.5",), {}),
    ("AlphaDropout", (None,), {}),
    # Dense, whose `units` is checked the same way
    ("Dense", (0,), {}),
    ("Dense", (2.0,), {}),
    ("Dense", (-1,), {}),
    ("Dense", ("2",), {}),
    ("Dense", (None,), {}),
    ("GaussianDropout", (-0.1,), {}),
    ("AlphaDropout", (2,), {}),
    ("SpatialDropout1D", (1.5,), {}),
    ("SpatialDropout2D", (0.5,), dict(data_format="nhwc")),
    ("SpatialDropout1D", (0.5,), dict(trainable=False)),
    ("ActivityRegularization", (-1,), {}),
    ("ActivityRegularization", ("a",), {}),
    ("Permute", ((1, 3),), {}),
    ("Permute", (2,), {}),
    ("RepeatVector", (2.0,), {}),
    ("RepeatVector", (0,), {}),
    ("UpSampling1D", (0,), {}),
    ("UpSampling1D", (1.5,), {}),
    ("Cropping1D", (-1,), {}),
    ("Cropping1D", ((1, 2, 3),), {}),
    ("Cropping2D", (((1,), 2),), {}),
    ("Cropping2D", (1.5,), {}),
    ("ZeroPadding1D", ((1, -2),), {}),
    ("ZeroPadding1D", (2.5,), {}),
    ("UnitNormalization", ("a",), {}),
]


@pytest.mark.parametrize("name, args, kwargs", BAD_ARGUMENTS,
                         ids=[f"{n}{a}{k or ''}" for n, a, k in BAD_ARGUMENTS])
def test_bad_arguments_raise_keras_s_exception_type(name, args, kwargs):
    with pytest.raises(Exception) as theirs:
        getattr(keras.layers, name)(*args, **kwargs)
    with pytest.raises(theirs.type):
        getattr(layers, name)(*args, **kwargs)


MISFIT_NOISE_SHAPES = [("Dropout", (None, 1)), ("Dropout", (2, 1, 4, 1)),
                       ("Dropout", (None, 5, None)), ("Dropout", (3, 1, 1)),
                       ("AlphaDropout", (None, 1)), ("AlphaDropout", (None, 5, None))]


@pytest.mark.parametrize("name, noise_shape", MISFIT_NOISE_SHAPES,
                         ids=[f"{n}{s}" for n, s in MISFIT_NOISE_SHAPES])
def test_a_noise_shape_that_does_not_fit_fails_when_training_only_in_both(name, noise_shape):
    """Both make, build and predict with the layer; its training call raises Keras's type."""
    x = data((2, 3, 4))
    with pytest.raises(Exception) as theirs:
        getattr(keras.layers, name)(0.5, noise_shape=noise_shape)(x, training=True)
    for library in (keras, handkeras):
        model = library.Sequential([library.Input((3, 4)),
                                    getattr(library.layers, name)(0.5, noise_shape=noise_shape)])
        assert_close(np.asarray(model.predict(x, verbose=0)), x, name)
    with pytest.raises(theirs.type):
        getattr(layers, name)(0.5, noise_shape=noise_shape)(x, training=True)


@pytest.mark.parametrize("name", ["Dropout", "AlphaDropout"])
def test_a_shorter_noise_shape_meets_the_last_axes_in_both(name):
    """``(1, 12)`` on ``(2, 3, 12)``: one mask of 12 entries, shared by every sample and step."""
    x = data((2, 3, 12))
    for library in (keras, handkeras):
        y = np.asarray(getattr(library.layers, name)(0.5, noise_shape=(1, 12), seed=3)(
            x, training=True))
        values, counts = np.unique(y, return_counts=True)
        dropped = y == values[counts > 1]  # every dropped entry takes one value (0 for Dropout)
        assert y.shape == x.shape and dropped.any() and not dropped.all(), library.__name__
        assert np.all(dropped == dropped[:1, :1]), library.__name__


def test_cropping_too_much_is_a_value_error_in_both():
    for library in (keras, handkeras):
        with pytest.raises(ValueError):
            library.Sequential([library.Input((4, 3)), library.layers.Cropping1D(2)])


def test_summary_of_an_unbuilt_model_prints_keras_s_text():
    """Keras builds its weightless layers when they are created: before the model is built, they
    show 0 parameters where the others show "0 (unbuilt)" (the imdb_cnn script's first summary)."""
    def build(lib):
        L = lib.layers
        return lib.Sequential([
            L.Embedding(50, 4, name="embed"), L.Dropout(0.2, name="drop"),
            L.Conv1D(3, 2, name="conv"), L.GlobalMaxPooling1D(name="pool"),
            L.Dense(2, name="dense"), L.Activation("relu", name="act"),
            L.Reshape((2, 1), name="reshape"), L.Flatten(name="flat")], name="unbuilt")

    mine, theirs = make_models(build)
    assert not mine.built and not theirs.built
    printed = {}
    for model, key in ((mine, "mine"), (theirs, "theirs")):
        model.summary(print_fn=lambda text, key=key: printed.setdefault(key, text))
    assert printed["mine"] == printed["theirs"]
