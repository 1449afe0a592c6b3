"""The 3D pooling and reshaping layers against PyTorch autograd and Keras 3.15.1 (torch backend), in
float64 to rtol 1e-9.

PyTorch is channels-first: volumes go NDHWC -> NCDHW. TensorFlow's "same" padding (the odd element
after) is an explicit ``F.pad`` before a "valid" torch pooling: ``-inf`` for max pooling; for
average pooling, the windows' sums over the zero-padded input divided by their counts of real
elements (torch's ``count_include_pad=False`` where the padding is symmetric). Ties (small-integer
inputs) check that max pooling's gradient goes where torch's goes.

The Keras part compares Keras's own layers: argument defaults, configs both ways, mask support,
output shapes, outputs on the same volumes, the errors Keras raises at construction, and a short
``fit`` of a volume model. Where "same" padding is uneven, Keras's torch backend pads average
pooling's input by replicating its edge, so those windows differ from TensorFlow's and JAX's (and
handkeras's) mean over real elements: the Keras comparisons use even padding there, and the torch
tests above check the real-elements mean.
"""

import inspect
import math

import numpy as np
import pytest

import handkeras
from handkeras import layers
from parity import assert_close

torch = pytest.importorskip("torch")
keras = pytest.importorskip("keras")

from keras_pair import assert_same_history, assert_same_weights, make_models, plain  # noqa: E402
F = torch.nn.functional


def tensor(array):
    return torch.tensor(np.asarray(array, dtype=np.float64), requires_grad=True)


def ncdhw(t):
    return t.permute(0, 4, 1, 2, 3)


def ndhwc(t):
    return t.permute(0, 2, 3, 4, 1)


def tf_same_pads(size, kernel, stride):
    total = max((math.ceil(size / stride) - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def run_layer(layer, x, dy):
    """Training-mode output and input gradient of a handkeras layer."""
    y = layer.forward(x, training=True)
    return y, layer.backward(dy)


def compare(layer, x, torch_fn, seed=0):
    """``layer`` on channels-last ``x`` against ``torch_fn`` (channels-last tensor in and out):
    outputs (inference and training) and input gradients for a random upstream gradient."""
    tx = tensor(x)
    out = torch_fn(tx)
    dy = np.random.default_rng(seed).normal(size=tuple(out.shape))
    out.backward(torch.tensor(dy))
    expected = out.detach().numpy()
    assert_close(layer(x), expected, "inference output")
    y, dx = run_layer(layer, x, dy)
    assert_close(y, expected, "output")
    assert_close(dx, tx.grad.numpy(), "input gradient")


def torch_pool3d(tx, mode, pool, strides, padding):
    """NDHWC pooling through torch's NCDHW pooling, with TensorFlow's "same" padding."""
    t = ncdhw(tx)
    pads = [(0, 0)] * 3
    if padding == "same":
        pads = [tf_same_pads(t.shape[2 + a], pool[a], strides[a]) for a in range(3)]
    flat = tuple(v for before_after in reversed(pads) for v in before_after)  # width first
    if mode == "max":
        return ndhwc(F.max_pool3d(F.pad(t, flat, value=-math.inf), pool, strides))
    if all(before == after for before, after in pads):  # torch pads itself, excluding the pads
        return ndhwc(F.avg_pool3d(t, pool, strides, padding=tuple(b for b, _ in pads),
                                  count_include_pad=False))
    sums = F.avg_pool3d(F.pad(t, flat), pool, strides, divisor_override=1)
    counts = F.avg_pool3d(F.pad(torch.ones_like(t), flat), pool, strides, divisor_override=1)
    return ndhwc(sums / counts)


# ============================================================================== windowed pooling
POOL3D_CASES = [
    ((2, 4, 6, 4, 2), (2, 2, 2), None, "valid"),
    ((2, 5, 5, 7, 2), (2, 2, 2), None, "valid"),          # uncovered last slice, row, column
    ((2, 5, 6, 5, 2), (3, 3, 3), (2, 2, 2), "same"),      # symmetric and asymmetric padding
    ((2, 6, 6, 6, 1), (3, 3, 3), (1, 1, 1), "same"),      # symmetric padding on every axis
    ((2, 5, 4, 6, 1), (2, 3, 1), (1, 2, 1), "valid"),
    ((1, 6, 5, 7, 2), (3, 2, 2), (2, 3, 1), "same"),
    ((2, 7, 7, 7, 2), (2, 2, 2), (3, 3, 3), "valid"),     # gaps between windows
    ((2, 3, 4, 5, 2), (2, 2, 2), None, "same"),
]


@pytest.mark.parametrize("tied", [False, True], ids=["distinct", "tied"])
@pytest.mark.parametrize("mode", ["max", "average"])
@pytest.mark.parametrize("case", POOL3D_CASES, ids=lambda c: f"{c[0]}-p{c[1]}-s{c[2]}-{c[3]}")
def test_pooling3d_matches_torch(case, mode, tied):
    shape, pool, strides, padding = case
    cls = layers.MaxPooling3D if mode == "max" else layers.AveragePooling3D
    rng = np.random.default_rng(2)
    x = rng.integers(0, 3, size=shape).astype(float) if tied else rng.normal(size=shape)
    compare(cls(pool, strides=strides, padding=padding, dtype="float64"), x,
            lambda t: torch_pool3d(t, mode, pool, strides or pool, padding))


@pytest.mark.parametrize("cls, reduce", [
    (layers.GlobalAveragePooling3D, lambda t: t.mean(dim=(1, 2, 3))),
    (layers.GlobalMaxPooling3D, lambda t: t.amax(dim=(1, 2, 3))),
], ids=["average", "max"])
@pytest.mark.parametrize("tied", [False, True], ids=["distinct", "tied"])
def test_global_pooling3d_matches_torch(cls, reduce, tied):
    """With ties the max's gradient is shared equally among them, as torch's amax (behind Keras's
    global max pooling) shares it."""
    rng = np.random.default_rng(4)
    shape = (3, 2, 4, 3, 2)
    x = rng.integers(0, 3, size=shape).astype(float) if tied else rng.normal(size=shape)
    compare(cls(dtype="float64"), x, reduce)


ADAPTIVE_CASES = [((2, 4, 6, 2, 2), (2, 3, 1)), ((2, 5, 7, 4, 2), (3, 3, 3)),
                  ((1, 3, 2, 4, 2), (5, 4, 2)), ((2, 6, 5, 4, 1), (4, 2, 3))]


@pytest.mark.parametrize("tied", [False, True], ids=["distinct", "tied"])
@pytest.mark.parametrize("mode", ["Average", "Max"])
@pytest.mark.parametrize("case", ADAPTIVE_CASES, ids=lambda c: f"{c[0]}-to{c[1]}")
def test_adaptive_pooling3d_matches_torch(case, mode, tied):
    shape, output_size = case
    rng = np.random.default_rng(5)
    x = rng.integers(0, 3, size=shape).astype(float) if tied else rng.normal(size=shape)
    pool = F.adaptive_avg_pool3d if mode == "Average" else F.adaptive_max_pool3d
    layer = getattr(layers, f"Adaptive{mode}Pooling3D")(output_size, dtype="float64")
    compare(layer, x, lambda t: ndhwc(pool(ncdhw(t), output_size)))


# ============================================================================== reshaping
def test_cropping3d_matches_torch_slicing():
    x = np.random.default_rng(6).normal(size=(2, 5, 6, 7, 2))
    compare(layers.Cropping3D(((1, 2), 1, (0, 3)), dtype="float64"), x,
            lambda t: t[:, 1:3, 1:5, 0:4])


def test_zero_padding3d_matches_torch_pad():
    x = np.random.default_rng(7).normal(size=(2, 3, 2, 4, 2))
    compare(layers.ZeroPadding3D(((0, 2), 1, (3, 0)), dtype="float64"), x,
            lambda t: ndhwc(F.pad(ncdhw(t), (3, 0, 1, 1, 0, 2))))


@pytest.mark.parametrize("size", [2, (1, 3, 2)], ids=str)
def test_up_sampling3d_matches_torch_nearest_interpolation(size):
    factors = (size,) * 3 if isinstance(size, int) else size
    x = np.random.default_rng(8).normal(size=(2, 3, 2, 4, 2))
    compare(layers.UpSampling3D(size, dtype="float64"), x,
            lambda t: ndhwc(F.interpolate(ncdhw(t), scale_factor=factors, mode="nearest")))


# ============================================================================== Keras: arguments
KERAS_LAYERS = [
    ("MaxPooling3D", ()), ("MaxPooling3D", ((3, 2, 1), (1, 2, 1), "same")),
    ("AveragePooling3D", (2,)), ("AveragePooling3D", ((3, 1, 3), 1, "same")),
    ("GlobalMaxPooling3D", ()), ("GlobalAveragePooling3D", ()),
    ("GlobalAveragePooling3D", ("channels_last", True)),
    ("AdaptiveAveragePooling3D", (3,)), ("AdaptiveMaxPooling3D", ((2, 1, 4),)),
    ("Cropping3D", ()), ("Cropping3D", (2,)), ("Cropping3D", ((1, (0, 2), 1),)),
    ("ZeroPadding3D", ()), ("ZeroPadding3D", ((1, 0, 2),)), ("ZeroPadding3D", (((1, 0), 2, 1),)),
    ("UpSampling3D", ()), ("UpSampling3D", ((1, 2, 3),)),
]
NAMES = sorted({name for name, _ in KERAS_LAYERS})


def layer_id(entry):
    return f"{entry[0]}{entry[1]}"


@pytest.mark.parametrize("name", NAMES)
def test_constructor_signature_matches_keras(name):
    ours = inspect.signature(getattr(layers, name).__init__).parameters
    theirs = inspect.signature(getattr(keras.layers, name).__init__).parameters
    assert list(ours) == list(theirs)
    for parameter in theirs.values():
        assert ours[parameter.name].default == parameter.default, f"{name}({parameter.name}=)"


@pytest.mark.parametrize("alias", ["AvgPool3D", "MaxPool3D", "GlobalAvgPool3D",
                                   "GlobalMaxPool3D"])
def test_aliases_name_keras_s_classes(alias):
    assert getattr(layers, alias).__name__ == getattr(keras.layers, alias).__name__


@pytest.mark.parametrize("entry", KERAS_LAYERS, ids=layer_id)
def test_config_and_mask_support_match_keras_and_load_both_ways(entry):
    name, args = entry
    ours = getattr(layers, name)(*args, name="x")
    theirs = getattr(keras.layers, name)(*args, name="x")
    assert ours.get_config() == theirs.get_config()  # tuples where Keras has tuples
    assert ours.supports_masking == theirs.supports_masking
    assert plain(getattr(keras.layers, name).from_config(plain(ours.get_config())).get_config()) \
        == plain(theirs.get_config())
    assert getattr(layers, name).from_config(plain(theirs.get_config())).get_config() == \
        ours.get_config()


@pytest.mark.parametrize("entry", KERAS_LAYERS, ids=layer_id)
@pytest.mark.parametrize("input_shape", [(None, 7, 8, 9, 2), (None, 6, None, 5, 3)], ids=str)
def test_output_shapes_match_keras(entry, input_shape):
    name, args = entry
    expected = tuple(getattr(keras.layers, name)(*args).compute_output_shape(input_shape))
    assert getattr(layers, name)(*args).compute_output_shape(input_shape) == expected


@pytest.mark.parametrize("entry", KERAS_LAYERS, ids=layer_id)
def test_outputs_match_keras(entry):
    name, args = entry
    x = np.random.default_rng(9).normal(size=(2, 6, 5, 7, 2))
    expected = keras.ops.convert_to_numpy(getattr(keras.layers, name)(*args, dtype="float64")(x))
    assert_close(getattr(layers, name)(*args, dtype="float64")(x), expected, name)


@pytest.mark.parametrize("name, args", [
    ("MaxPooling3D", ((2, 2),)), ("MaxPooling3D", (0,)), ("AveragePooling3D", ((2, 2, 2, 2),)),
    ("UpSampling3D", (0,)), ("UpSampling3D", ((1, 2),)), ("Cropping3D", (-1,)),
    ("Cropping3D", ((1, 2),)), ("Cropping3D", (((1, 2), (3,), 1),)), ("ZeroPadding3D", ((1, 2),)),
    ("ZeroPadding3D", ((1, (2, 3, 4), 1),)), ("AdaptiveAveragePooling3D", ((2, 3),)),
    ("AdaptiveMaxPooling3D", ("2",)),
], ids=lambda v: v if isinstance(v, str) else str(v))
def test_arguments_keras_refuses_are_refused_with_the_same_error_type(name, args):
    with pytest.raises(Exception) as theirs:
        getattr(keras.layers, name)(*args)
    with pytest.raises(type(theirs.value), match="received"):
        getattr(layers, name)(*args)


# ============================================================================== Keras: training
def test_volume_model_fit_matches_keras():
    rng = np.random.default_rng(12)
    x = rng.normal(size=(12, 5, 6, 5, 2))
    y = np.eye(3)[rng.integers(0, 3, size=12)]

    def build(lib):
        L = lib.layers
        return lib.Sequential([
            lib.Input((5, 6, 5, 2)),
            L.ZeroPadding3D(((1, 0), 1, (0, 1))),
            L.Dense(4, activation="relu", bias_initializer="random_normal"),
            L.MaxPooling3D(2, padding="same"),
            L.UpSampling3D((1, 2, 1)),
            L.AveragePooling3D((2, 1, 2), strides=1, padding="same"),
            L.Cropping3D(((0, 1), 1, 0)),
            L.AdaptiveMaxPooling3D((2, 3, 2)),
            L.AdaptiveAveragePooling3D(2),
            L.GlobalMaxPooling3D(),
            L.Dense(3, activation="softmax"),
        ])

    ours, theirs = make_models(build)
    for model, lib in ((theirs, keras), (ours, handkeras)):
        model.compile(optimizer=lib.optimizers.SGD(0.05), loss="categorical_crossentropy",
                      metrics=["accuracy"])
    history = [model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
               for model in (ours, theirs)]
    assert_same_history(*history)
    assert_same_weights(ours, theirs)
    assert_close(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), "predict")
