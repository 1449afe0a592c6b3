"""Rescaling against Keras 3.15.1 (torch backend): outputs in float64 and, bit for bit, on uint8
images in float32; the input gradient; the config of every kind of ``scale`` and ``offset`` (arrays
as ``__numpy__``), read by either library; the summary; files saved by either library.

The argument defaults, the mask support, the output shapes and the model files of every format are
also checked with the other layers (``test_torch_layers_issue8.py``, ``test_keras_saving.py``).
"""

import numpy as np
import pytest

import handkeras
from handkeras import layers
from parity import assert_close

torch = pytest.importorskip("torch")
keras = pytest.importorskip("keras")
from keras_pair import plain  # noqa: E402

FACTORS = [
    (1 / 255, 0.0, (5, 4, 4, 3)),
    (1 / 127.5, -1, (5, 4, 4, 3)),
    ([0.1, 0.7, 1 / 3], [0.5, -0.25, 1 / 7], (5, 4, 4, 3)),
    (np.array([[0.5], [2.0], [-4.0], [8.0]]), 0.25, (5, 4, 3)),
    (np.array([0.5, 2.0, 3.0]).reshape(1, 1, 1, 3), (1.0, 2.0, 3.0), (5, 4, 4, 3)),
]
FACTOR_IDS = ["1/255", "to [-1, 1]", "per-channel", "per-step", "batch axis of 1"]


@pytest.mark.parametrize("scale, offset, shape", FACTORS, ids=FACTOR_IDS)
def test_outputs_and_input_gradient_match_keras(scale, offset, shape):
    rng = np.random.default_rng(21)
    x, dy = rng.normal(size=shape), rng.normal(size=shape)
    tx = torch.tensor(x, requires_grad=True)
    expected = keras.layers.Rescaling(scale, offset)(tx)
    expected.backward(torch.tensor(dy))
    ours = layers.Rescaling(scale, offset)
    assert_close(ours(x), expected.detach().numpy(), "output")
    ours.forward(x, training=True)
    assert_close(ours.backward(dy), tx.grad.numpy(), "input gradient")


@pytest.mark.parametrize("scale, offset, shape", FACTORS, ids=FACTOR_IDS)
def test_uint8_images_give_keras_s_float32_values_bit_for_bit(scale, offset, shape):
    """Both cast the pixels and the factors to float32, multiply, then add: the same roundings."""
    images = np.random.default_rng(22).integers(0, 256, shape).astype(np.uint8)
    expected = keras.layers.Rescaling(scale, offset, dtype="float32")(images).numpy()
    ours = layers.Rescaling(scale, offset, dtype="float32")(images)
    assert ours.dtype == expected.dtype == np.float32
    np.testing.assert_array_equal(ours, expected)


VALUES = [2, 0.5, np.float32(0.5), np.array(3.0), [1, 2.5, 3], (0.5, 2.0),
          np.array([1.0, 2.0, 3.0]), np.array([[1], [2]], dtype=np.int32),
          np.array([0.5, 2.0], dtype=np.float32)]
VALUE_IDS = ["int", "float", "numpy scalar", "0-d array", "list", "tuple", "array", "int32 array",
             "float32 array"]


@pytest.mark.parametrize("value", VALUES, ids=VALUE_IDS)
def test_the_config_is_keras_s_and_each_library_reads_the_other_s(value):
    ours = layers.Rescaling(value, offset=value, name="r").get_config()
    theirs = keras.layers.Rescaling(value, offset=value, name="r").get_config()
    assert ours == theirs  # in memory: tuples, ints and __numpy__ dicts alike
    stored = plain(theirs)  # as a file holds it (a tuple becomes a list)
    assert plain(layers.Rescaling.from_config(stored).get_config()) == stored
    assert plain(keras.layers.Rescaling.from_config(plain(ours)).get_config()) == stored


def test_the_layer_attributes_and_weights_match_keras():
    for library in (handkeras, keras):
        layer = library.layers.Rescaling(1 / 255)
        layer.build((None, 4, 4, 3))
        assert (layer.scale, layer.offset) == (1 / 255, 0.0), library.__name__
        assert layer.weights == [] and layer.supports_masking, library.__name__


def test_the_summary_prints_keras_s_text():
    def build(library):
        return library.Sequential([library.Input((8, 8, 3)),
                                   library.layers.Rescaling(1 / 255, name="scaled"),
                                   library.layers.Conv2D(2, 3, name="conv"),
                                   library.layers.Flatten(name="flat")], name="images")

    def text(model):
        texts = []
        model.summary(print_fn=texts.append)
        return "".join(texts)

    assert text(build(handkeras)) == text(build(keras))


def images_model(library):
    return library.Sequential([library.Input((4, 4, 3)),
                               library.layers.Rescaling(np.array([1 / 255, 2 / 255, 0.5 / 255]),
                                                        offset=-0.5),
                               library.layers.Conv2D(2, 3), library.layers.Flatten(),
                               library.layers.Dense(1)])


@pytest.mark.parametrize("filename", ["model.keras", "model.h5"])
def test_an_image_model_moves_between_the_libraries_both_ways(tmp_path, filename):
    images = np.random.default_rng(23).integers(0, 256, (6, 4, 4, 3)).astype(np.uint8)
    theirs = images_model(keras)
    theirs.save(tmp_path / ("keras_" + filename))
    loaded = handkeras.models.load_model(tmp_path / ("keras_" + filename))
    assert isinstance(loaded.layers[0], layers.Rescaling)
    assert loaded.layers[0].get_config() == theirs.layers[0].get_config()
    assert_close(loaded.predict(images, verbose=0), theirs.predict(images, verbose=0), "predict")

    ours = images_model(handkeras)
    ours.save(tmp_path / ("handkeras_" + filename))
    loaded = keras.models.load_model(tmp_path / ("handkeras_" + filename))
    assert isinstance(loaded.layers[0], keras.layers.Rescaling)
    assert loaded.layers[0].get_config() == ours.layers[0].get_config()
    assert_close(loaded.predict(images, verbose=0), ours.predict(images, verbose=0), "predict")
