"""Resizing and CenterCrop against Keras 3.15.1 (torch backend): outputs and input gradients in
float64 for many sizes and arguments (Keras's layer under torch autograd); integer images and
float32 values; configs, output shapes and the summary; model files moving both ways; and a model
with both layers trained by ``fit`` in each library from the same weights.

Two places where Keras's torch backend gives other values are pinned down: antialiasing to an
output width of 1 (a torch bug: every output row gets the same value), and nearest in float64 on
large outputs (torch switches to a float64 scale there, so exact ties may read the other pixel;
handkeras keeps the float32 rule of Keras's default dtype). Both are in docs/normalization.md.
"""

import numpy as np
import pytest

import handkeras
from handkeras import layers
from parity import assert_close

torch = pytest.importorskip("torch")
keras = pytest.importorskip("keras")

from keras_pair import (FILE_CASES, assert_same_history, assert_same_weights,  # noqa: E402
                        compile_both, file_case_ids, make_models, moved, plain)

# (input size, output size): up, down, odd sizes, up one axis and down the other, unchanged,
# sizes of 1.
SIZES = [((4, 5), (8, 10)), ((9, 7), (4, 3)), ((5, 6), (7, 3)), ((6, 6), (6, 6)),
         ((1, 5), (3, 1)), ((7, 2), (1, 9)), ((13, 11), (5, 17)), ((3, 4), (3, 9))]
METHODS = [("bilinear", False), ("nearest", False), ("bicubic", False), ("bilinear", True),
           ("bicubic", True)]
ASPECTS = [{}, {"crop_to_aspect_ratio": True}, {"pad_to_aspect_ratio": True, "fill_value": 0.7}]


def images(shape, seed=5):
    return np.random.default_rng(seed).normal(size=shape)


def keras_output_and_gradient(layer, x, dy):
    """Keras's output for ``x`` and the input gradient of ``sum(output * dy)`` (torch autograd)."""
    tx = torch.tensor(x, requires_grad=True)
    y = layer(tx)
    y.backward(torch.tensor(dy))
    return y.detach().numpy(), tx.grad.numpy()


def assert_same(make, x, transposed_reference=False):
    """``make(library)``'s output and input gradient in both libraries, in float64. With
    ``transposed_reference``, Keras resizes the transposed images (its height for their width)."""
    ours = make(layers)
    y = ours(x, training=True)
    dy = np.random.default_rng(6).normal(size=y.shape)
    dx = ours.backward(dy)
    if transposed_reference:
        swap = (0, 2, 1, 3)
        expected_y, expected_dx = keras_output_and_gradient(
            make(keras.layers, transposed=True), x.transpose(swap), dy.transpose(swap))
        expected_y, expected_dx = expected_y.transpose(swap), expected_dx.transpose(swap)
    else:
        expected_y, expected_dx = keras_output_and_gradient(make(keras.layers), x, dy)
    assert_close(y, expected_y, "output")
    assert_close(dx, expected_dx, "input gradient")


# ------------------------------------------------------------------------------------- values
@pytest.mark.parametrize("aspect", ASPECTS, ids=["stretch", "crop", "pad"])
@pytest.mark.parametrize("interpolation, antialias", METHODS,
                         ids=[f"{i}{', antialias' if a else ''}" for i, a in METHODS])
@pytest.mark.parametrize("size, target", SIZES, ids=[f"{s}->{t}" for s, t in SIZES])
def test_resizing_matches_keras(size, target, interpolation, antialias, aspect):
    # Keras antialiases wrongly to a width of 1 (see below): it resizes the transposed images.
    transposed = antialias and target[1] == 1 and target[0] != 1

    def make(library, transposed=False):
        height, width = target[::-1] if transposed else target
        return library.Resizing(height, width, interpolation=interpolation, antialias=antialias,
                                dtype="float64", **aspect)

    assert_same(make, images((2,) + size + (3,)), transposed_reference=transposed)


@pytest.mark.parametrize("interpolation, antialias", METHODS,
                         ids=[f"{i}{', antialias' if a else ''}" for i, a in METHODS])
def test_channels_first_and_single_images_match_keras(interpolation, antialias):
    def make(data_format):
        return lambda library: library.Resizing(
            3, 7, interpolation=interpolation, antialias=antialias, data_format=data_format,
            pad_to_aspect_ratio=True, fill_value=-2.0, dtype="float64")

    assert_same(make("channels_first"), images((2, 3, 5, 4)))
    assert_same(make("channels_last"), images((5, 4, 2)))
    assert_same(make("channels_first"), images((2, 9, 4)))


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("size", [(7, 9), (6, 4), (4, 4), (3, 9), (9, 2), (2, 2)],
                         ids=["larger", "as high", "the window", "lower", "narrower", "smaller"])
def test_center_crop_matches_keras(size, data_format):
    """Larger than the 4 x 4 window: its centre; lower or narrower: Keras's smart_resize."""
    shape = (2, 3) + size if data_format == "channels_first" else (2,) + size + (3,)
    assert_same(lambda library: library.CenterCrop(4, 4, data_format=data_format,
                                                   dtype="float64"), images(shape))
    assert_same(lambda library: library.CenterCrop(3, 5, data_format=data_format,
                                                   dtype="float64"), images(shape[1:]))


def test_keras_antialiases_to_a_width_of_1_wrongly_and_handkeras_does_not():
    """Keras's torch backend gives every row the same value; the transposed resize (to a height
    of 1) and handkeras give each row its own."""
    x = images((1, 6, 5, 1))
    theirs = keras.layers.Resizing(3, 1, antialias=True, dtype="float64")(torch.tensor(x))
    theirs = theirs.numpy()[0, :, 0, 0]
    assert np.all(theirs == theirs[0])
    transposed = keras.layers.Resizing(1, 3, antialias=True, dtype="float64")(
        torch.tensor(x.transpose(0, 2, 1, 3))).numpy()[0, 0, :, 0]
    ours = layers.Resizing(3, 1, antialias=True, dtype="float64")(x)[0, :, 0, 0]
    assert_close(ours, transposed, "width 1")
    assert len(set(ours)) == 3


# ------------------------------------------------------------------------------------- types
@pytest.mark.parametrize("size, target", [((6, 7), (4, 4)), ((5, 5), (9, 12)), ((9, 4), (5, 7))])
def test_uint8_images_come_back_as_keras_s_uint8(size, target):
    """Nearest reads pixels: equal. Otherwise both round the float32 value half to even, and they
    differ only where it lies within float32 rounding of a half."""
    x = np.random.default_rng(7).integers(0, 256, (4,) + size + (3,)).astype(np.uint8)
    for interpolation in ("nearest", "bilinear", "bicubic"):
        theirs = keras.layers.Resizing(*target, interpolation=interpolation)(x).numpy()
        ours = layers.Resizing(*target, interpolation=interpolation)(x)
        assert ours.dtype == theirs.dtype == np.uint8
        if interpolation == "nearest":
            np.testing.assert_array_equal(ours, theirs)
            continue
        value = layers.Resizing(*target, interpolation=interpolation)(x.astype(np.float32))
        apart = ours != theirs
        assert np.all(np.abs(ours.astype(int) - theirs) <= 1)
        assert np.all(np.abs(value[apart] % 1 - 0.5) < 1e-2), interpolation


def test_nearest_in_float32_reads_keras_s_pixels_on_any_size():
    """Output sizes up to 180 (torch's float64 kernel switches scales past height + width 128;
    its float32 one does not)."""
    rng = np.random.default_rng(8)
    for _ in range(20):
        size, target = rng.integers(1, 90, 2), rng.integers(1, 90, 2)
        x = rng.normal(size=(2, *size, 2)).astype(np.float32)
        theirs = keras.layers.Resizing(*target, interpolation="nearest", dtype="float32")(x)
        ours = layers.Resizing(*target, interpolation="nearest", dtype="float32")(x)
        np.testing.assert_array_equal(ours, theirs.numpy())


@pytest.mark.parametrize("interpolation, antialias", METHODS[:1] + METHODS[2:],
                         ids=["bilinear", "bicubic", "bilinear, antialias", "bicubic, antialias"])
def test_float32_values_are_keras_s_to_float32_rounding(interpolation, antialias):
    """Keras computes the positions in float32, handkeras in float64: on images of values in
    [0, 1], the values differ by the rounding of positions below 64 (4e-6 at most) and little
    more."""
    x = np.random.default_rng(9).uniform(0, 1, (2, 37, 45, 3)).astype(np.float32)
    for target in ((64, 80), (20, 13)):
        theirs = keras.layers.Resizing(*target, interpolation=interpolation, antialias=antialias,
                                       dtype="float32")(x).numpy()
        ours = layers.Resizing(*target, interpolation=interpolation, antialias=antialias,
                               dtype="float32")(x)
        assert ours.dtype == np.float32
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-5)


# ------------------------------------------------------------------------------------- configs
CONFIG_CASES = [
    ("Resizing", (3, 5), {}),
    ("Resizing", (4, 2), dict(interpolation="nearest", crop_to_aspect_ratio=True)),
    ("Resizing", (6, 6), dict(interpolation="bicubic", pad_to_aspect_ratio=True, fill_value=1.5,
                              antialias=True, data_format="channels_first")),
    ("Resizing", (2, 2), dict(fill_value=3, antialias=1, crop_to_aspect_ratio=0)),
    ("CenterCrop", (3, 4), {}),
    ("CenterCrop", (2, 2), dict(data_format="channels_first")),
]
CONFIG_IDS = [f"{n}{a}{k}" for n, a, k in CONFIG_CASES]


@pytest.mark.parametrize("name, args, kwargs", CONFIG_CASES, ids=CONFIG_IDS)
def test_config_is_keras_s_and_each_library_reads_the_other_s(name, args, kwargs):
    ours = getattr(layers, name)(*args, name="image", **kwargs).get_config()
    theirs = getattr(keras.layers, name)(*args, name="image", **kwargs).get_config()
    assert ours == theirs
    assert list(ours) == list(theirs)  # the key order too
    assert [type(value) for value in ours.values()] == [type(value) for value in theirs.values()]
    stored = plain(theirs)
    assert plain(getattr(layers, name).from_config(stored).get_config()) == stored
    assert plain(getattr(keras.layers, name).from_config(plain(ours)).get_config()) == stored


@pytest.mark.parametrize("name, args, kwargs", CONFIG_CASES, ids=CONFIG_IDS)
def test_output_shapes_match_keras(name, args, kwargs):
    for shape in ((None, 9, 10, 3), (9, 10, 3), (None, None, None, 3), (2, 3, 9, 10)):
        expected = getattr(keras.layers, name)(*args, **kwargs).compute_output_shape(shape)
        assert getattr(layers, name)(*args, **kwargs).compute_output_shape(shape) == \
            tuple(expected)


def image_model(library):
    L = library.layers
    return library.Sequential([library.Input((None, None, 3)),
                               L.Resizing(8, 10, pad_to_aspect_ratio=True, fill_value=128.0,
                                          name="resize"),
                               L.CenterCrop(6, 6, name="crop"), L.Rescaling(1 / 255, name="scale"),
                               L.Conv2D(2, 3, name="conv"), L.Flatten(name="flat"),
                               L.Dense(1, name="out")], name="images")


def test_the_summary_prints_keras_s_text():
    def text(model):
        texts = []
        model.summary(print_fn=texts.append)
        return "".join(texts)

    assert text(image_model(handkeras)) == text(image_model(keras))


@pytest.mark.parametrize("writer, reader, filename", FILE_CASES, ids=file_case_ids(FILE_CASES))
def test_an_image_model_moves_between_the_libraries(tmp_path, writer, reader, filename):
    source = image_model(writer)
    loaded = moved(source, reader, tmp_path / filename,
                   np.random.default_rng(10).uniform(0, 255, (4, 7, 13, 3)))
    assert [plain(layer.get_config()) for layer in loaded.layers[:2]] == \
        [plain(layer.get_config()) for layer in source.layers[:2]]


# ------------------------------------------------------------------------------------- training
def test_a_model_trains_through_both_layers_as_in_keras():
    """Resizing first, then Resizing and CenterCrop after a convolution, so that the gradients of
    its weights pass through both: the same history, weights and predictions."""
    def build(library):
        L = library.layers
        return library.Sequential([library.Input((7, 9, 2)), L.Resizing(5, 6),
                                   L.Conv2D(3, 2, activation="tanh"),
                                   L.Resizing(6, 7, interpolation="bicubic"), L.CenterCrop(3, 5),
                                   L.Flatten(), L.Dense(1)])

    rng = np.random.default_rng(11)
    x, y = rng.normal(size=(13, 7, 9, 2)), rng.normal(size=(13, 1))
    ours, theirs = make_models(build)
    compile_both(ours, theirs, ("SGD", {"learning_rate": 0.05, "momentum": 0.5}), loss="mse")
    arguments = dict(batch_size=5, epochs=3, shuffle=False, verbose=0)
    assert_same_history(ours.fit(x, y, **arguments), theirs.fit(x, y, **arguments))
    assert_same_weights(ours, theirs)
    assert_close(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), "predict")
