"""AdaptiveAveragePooling1D/2D and AdaptiveMaxPooling1D/2D against PyTorch autograd
(``adaptive_avg_pool`` and ``adaptive_max_pool``, channels first, so the inputs are permuted) and
Keras 3.15.1 (torch backend): outputs, input gradients (ties included), output shapes, signatures,
configs both ways, refused arguments and a short fit, in float64 to rtol 1e-9.
"""

import inspect
import json

import numpy as np
import pytest

import handkeras
from handkeras import layers
from parity import assert_close

torch = pytest.importorskip("torch")
keras = pytest.importorskip("keras")

from keras_pair import assert_same_history, assert_same_weights, make_models  # noqa: E402

F = torch.nn.functional
NAMES = ["AdaptiveAveragePooling1D", "AdaptiveAveragePooling2D", "AdaptiveMaxPooling1D",
         "AdaptiveMaxPooling2D"]
TORCH_POOLS = {("Average", 1): F.adaptive_avg_pool1d, ("Average", 2): F.adaptive_avg_pool2d,
               ("Max", 1): F.adaptive_max_pool1d, ("Max", 2): F.adaptive_max_pool2d}
CASES = [  # input shape, output_size
    ((2, 6, 3), (3,)), ((2, 7, 2), (3,)), ((3, 5, 2), (4,)), ((2, 3, 2), (5,)),
    ((2, 11, 2), (4,)), ((2, 4, 1), (1,)),
    ((2, 6, 4, 3), (3, 2)), ((2, 7, 5, 2), (3, 4)), ((2, 3, 2, 2), (5, 4)),
    ((1, 5, 6, 2), (5, 3)), ((2, 4, 7, 1), (2, 9)), ((2, 9, 10, 2), (4, 3)),
]


def case_id(case):
    return f"{case[0]}-to{case[1]}"


def torch_pool(mode, x, output_size):
    """PyTorch's adaptive pooling of the channels-last tensor ``x``, channels last out."""
    rank = len(output_size)
    channels_first = x.permute(0, rank + 1, *range(1, rank + 1))
    out = TORCH_POOLS[mode, rank](channels_first, output_size)
    return out.permute(0, *range(2, rank + 2), 1)


def compare_with_torch(mode, x, output_size):
    rank = len(output_size)
    layer = getattr(layers, f"Adaptive{mode}Pooling{rank}D")(output_size, dtype="float64")
    tx = torch.tensor(x, requires_grad=True)
    out = torch_pool(mode, tx, output_size)
    dy = np.random.default_rng(1).normal(size=tuple(out.shape))
    out.backward(torch.tensor(dy))
    assert_close(layer(x), out.detach().numpy(), "inference output")
    assert_close(layer.forward(x, training=True), out.detach().numpy(), "output")
    assert_close(layer.backward(dy), tx.grad.numpy(), "input gradient")


@pytest.mark.parametrize("mode", ["Average", "Max"])
@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_matches_torch(case, mode):
    shape, output_size = case
    compare_with_torch(mode, np.random.default_rng(0).normal(size=shape), output_size)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_max_routes_ties_as_torch_does(case):
    """Inputs of a few integers tie in almost every bin: the gradient goes to the same (first,
    row-major) maximum as PyTorch's."""
    shape, output_size = case
    compare_with_torch("Max", np.random.default_rng(4).integers(0, 3, shape).astype(float),
                       output_size)


# ============================================================================== Keras itself
SHAPES = {1: (None, 7, 3), 2: (None, 7, 5, 3)}
KERAS_CASES = [(name, size) for name in NAMES for size in (1, 2, 3, 4, 9)] + [
    ("AdaptiveAveragePooling2D", (2, 6)), ("AdaptiveMaxPooling2D", [8, 3]),
    ("AdaptiveMaxPooling1D", (5,)), ("AdaptiveAveragePooling1D", [2])]


def rank_of(name):
    return int(name[-2])


@pytest.mark.parametrize("name, output_size", KERAS_CASES,
                         ids=[f"{n}-{s}" for n, s in KERAS_CASES])
def test_output_shapes_values_and_configs_match_keras(name, output_size):
    theirs = getattr(keras.layers, name)(output_size, dtype="float64", name="pool")
    ours = getattr(layers, name)(output_size, dtype="float64", name="pool")
    input_shape = SHAPES[rank_of(name)]
    assert ours.compute_output_shape(input_shape) == tuple(theirs.compute_output_shape(input_shape))
    x = np.random.default_rng(2).normal(size=(2,) + input_shape[1:])
    assert_close(ours(x), keras.ops.convert_to_numpy(theirs(x)), "output")
    assert json.dumps(ours.get_config()) == json.dumps(theirs.get_config())


@pytest.mark.parametrize("name", NAMES)
def test_signature_and_configs_both_ways_match_keras(name):
    ours_class, theirs_class = getattr(layers, name), getattr(keras.layers, name)
    assert str(inspect.signature(ours_class)) == str(inspect.signature(theirs_class))
    theirs = theirs_class(3, data_format="channels_last", name="p").get_config()
    ours = ours_class.from_config(json.loads(json.dumps(theirs))).get_config()
    assert json.dumps(ours) == json.dumps(theirs)
    again = theirs_class.from_config(json.loads(json.dumps(ours)))
    assert json.dumps(again.get_config()) == json.dumps(theirs)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("output_size", ["2", 2.0, (1, 2, 3), None])
def test_keras_refuses_what_we_refuse_with_the_same_error_type(name, output_size):
    with pytest.raises((TypeError, ValueError)) as theirs:
        getattr(keras.layers, name)(output_size)
    with pytest.raises(theirs.type):
        getattr(layers, name)(output_size)


def test_a_bad_data_format_is_a_value_error_in_both():
    for library in (keras, handkeras):
        with pytest.raises(ValueError):
            library.layers.AdaptiveMaxPooling2D(2, data_format="nhwc")


def test_a_convnet_with_adaptive_pooling_fits_as_in_keras():
    rng = np.random.default_rng(8)
    x = rng.normal(size=(16, 9, 7, 2))
    y = np.eye(3)[rng.integers(0, 3, 16)]

    def build(lib):
        L = lib.layers
        return lib.Sequential([
            lib.Input((9, 7, 2)),
            L.Conv2D(4, 3, activation="relu", bias_initializer="random_normal"),
            L.AdaptiveMaxPooling2D((4, 3)),
            L.Conv2D(3, 2, activation="tanh"),
            L.AdaptiveAveragePooling2D((4, 5)),  # larger than its (3, 2) input
            L.Flatten(),
            L.Dense(3, activation="softmax"),
        ])

    ours, theirs = make_models(build)
    for model, lib in ((theirs, keras), (ours, handkeras)):
        model.compile(optimizer=lib.optimizers.Adam(0.01), loss="categorical_crossentropy",
                      metrics=["accuracy"])
    history = [m.fit(x, y, batch_size=4, epochs=3, shuffle=False, verbose=0)
               for m in (ours, theirs)]
    assert_same_history(*history)
    assert_same_weights(ours, theirs)
    assert_close(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), "predict")


def test_a_1d_model_with_adaptive_pooling_fits_as_in_keras():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(12, 10, 3))
    y = rng.normal(size=(12, 2))

    def build(lib):
        L = lib.layers
        return lib.Sequential([
            lib.Input((10, 3)),
            L.Conv1D(4, 2, activation="tanh"),
            L.AdaptiveAveragePooling1D(4),
            L.AdaptiveMaxPooling1D(6),
            L.Flatten(),
            L.Dense(2),
        ])

    ours, theirs = make_models(build)
    for model, lib in ((theirs, keras), (ours, handkeras)):
        model.compile(optimizer=lib.optimizers.SGD(0.05, momentum=0.9), loss="mse")
    history = [m.fit(x, y, batch_size=4, epochs=3, shuffle=False, verbose=0)
               for m in (ours, theirs)]
    assert_same_history(*history)
    assert_same_weights(ours, theirs)
