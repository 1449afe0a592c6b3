"""utils: to_categorical, normalize, the registry's aliases, plot_history, and the gradient
checker itself."""

import subprocess
import sys

import matplotlib.figure
import numpy as np
import pytest

import handkeras as keras
from handkeras.utils import gradient_check


# ------------------------------------------------------------------------------------- to_categorical
def test_to_categorical_one_hot_encodes_integer_labels():
    one_hot = keras.utils.to_categorical([0, 2, 1, 2])
    np.testing.assert_array_equal(one_hot, [[1, 0, 0], [0, 0, 1], [0, 1, 0], [0, 0, 1]])
    assert one_hot.dtype == np.float64  # as Keras, whatever floatx is


def test_to_categorical_with_num_classes_and_a_trailing_axis_of_one():
    one_hot = keras.utils.to_categorical(np.array([[1], [0]]), num_classes=4)
    np.testing.assert_array_equal(one_hot, [[0, 1, 0, 0], [1, 0, 0, 0]])
    assert keras.utils.to_categorical(np.zeros((2, 3), dtype=int), 2).shape == (2, 3, 2)


def test_to_categorical_rejects_bad_labels():
    with pytest.raises(ValueError, match="integer"):
        keras.utils.to_categorical([0.5, 1.0])
    with pytest.raises(ValueError, match="3"):
        keras.utils.to_categorical([0, 3], num_classes=3)
    with pytest.raises(ValueError):
        keras.utils.to_categorical([-1, 0])


# ------------------------------------------------------------------------------------- normalize
def test_normalize_scales_each_row_to_unit_norm_and_leaves_zero_rows_at_zero():
    x = np.array([[3.0, 4.0], [0.0, 0.0], [1.0, -1.0]], dtype=np.float32)
    normalized = keras.utils.normalize(x, axis=1)
    np.testing.assert_allclose(normalized, [[0.6, 0.8], [0, 0], [2 ** -0.5, -(2 ** -0.5)]],
                               rtol=1e-6)
    assert normalized.dtype == np.float32
    assert not np.shares_memory(normalized, x)
    np.testing.assert_allclose(keras.utils.normalize(x, axis=1, order=1)[0], [3 / 7, 4 / 7])


def test_normalize_along_another_axis_or_the_whole_array():
    x = np.arange(1.0, 7.0).reshape(2, 3)
    np.testing.assert_allclose(np.linalg.norm(keras.utils.normalize(x, axis=0), axis=0), 1)
    np.testing.assert_allclose(keras.utils.normalize(x, axis=None), x / np.linalg.norm(x, 2))


def test_normalize_turns_integer_images_to_float64():
    images = np.full((2, 2, 2), 3, dtype=np.uint8)
    assert keras.utils.normalize(images, axis=1).dtype == np.float64


@pytest.mark.parametrize("axis", [2, -3, 1.0, True])
def test_normalize_names_a_bad_axis(axis):
    with pytest.raises(ValueError, match="`axis`.*rank 2"):
        keras.utils.normalize(np.ones((2, 2)), axis=axis)


def test_the_custom_object_registry_is_also_in_utils():
    for name in ("register_keras_serializable", "get_custom_objects", "custom_object_scope",
                 "CustomObjectScope", "get_registered_name", "get_registered_object",
                 "serialize_keras_object", "deserialize_keras_object"):
        assert getattr(keras.utils, name) is getattr(keras.saving, name)
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        keras.utils.nothing


def test_the_backend_is_named_numpy_in_both_namespaces():
    assert keras.config.backend() == keras.backend.backend() == "numpy"


# ------------------------------------------------------------------------------------- plot_history
def trained_history():
    x = np.random.default_rng(0).standard_normal((20, 3)).astype(np.float32)
    y = (x[:, :1] > 0).astype(np.float32)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model.fit(x, y, epochs=3, validation_split=0.25, verbose=0)


def test_plot_history_writes_a_png_and_returns_the_figure(tmp_path):
    path = tmp_path / "loss.png"
    figure = keras.utils.plot_history(trained_history(), path=str(path))
    assert isinstance(figure, matplotlib.figure.Figure)
    data = path.read_bytes()
    assert len(data) > 1000 and data[:8] == b"\x89PNG\r\n\x1a\n"
    titles = sorted(axis.get_title() for axis in figure.axes if axis.get_visible())
    assert titles == ["accuracy", "loss"]
    loss_axis = next(axis for axis in figure.axes if axis.get_title() == "loss")
    assert sorted(line.get_label() for line in loss_axis.get_lines()) == ["loss", "val_loss"]


def test_plot_history_takes_the_history_dict_and_needs_no_path():
    figure = keras.utils.plot_history({"loss": [1.0, 0.5, 0.25]})
    assert isinstance(figure, matplotlib.figure.Figure)
    (line,) = figure.axes[0].get_lines()
    np.testing.assert_array_equal(line.get_ydata(), [1.0, 0.5, 0.25])
    np.testing.assert_array_equal(line.get_xdata(), [1, 2, 3])


def test_plot_history_rejects_an_empty_or_unknown_history():
    with pytest.raises(ValueError, match="empty"):
        keras.utils.plot_history({})
    with pytest.raises(ValueError, match="accuracy"):
        keras.utils.plot_history({"loss": [1.0]}, metrics=["accuracy"])


# ------------------------------------------------------------------------------------- gradient_check
def test_pad_sequences_pads_and_cuts_before_by_default():
    padded = keras.utils.pad_sequences([[1, 2, 3], [4], [], [5, 6, 7, 8, 9]], maxlen=4)
    assert padded.dtype == np.int32
    assert padded.tolist() == [[0, 1, 2, 3], [0, 0, 0, 4], [0, 0, 0, 0], [6, 7, 8, 9]]


def test_pad_sequences_after_with_a_value_and_the_longest_length_by_default():
    padded = keras.utils.pad_sequences([[1, 2], [3, 4, 5]], padding="post", value=-1)
    assert padded.tolist() == [[1, 2, -1], [3, 4, 5]]
    cut = keras.utils.pad_sequences([[1, 2, 3, 4]], maxlen=2, truncating="post", dtype="float32")
    assert cut.dtype == np.float32 and cut.tolist() == [[1.0, 2.0]]


def test_pad_sequences_of_vectors_keeps_their_shape():
    padded = keras.utils.pad_sequences([np.ones((2, 3)), np.zeros((0, 3)), 2 * np.ones((3, 3))],
                                       maxlen=2, dtype="float64")
    assert padded.shape == (3, 2, 3)
    assert padded[0].tolist() == [[1.0] * 3] * 2 and not padded[1].any()
    assert (padded[2] == 2).all()


def test_pad_sequences_is_also_keras_preprocessing_sequence_s():
    assert keras.preprocessing.sequence.pad_sequences is keras.utils.pad_sequences


@pytest.mark.parametrize("call, message", [
    (lambda: keras.utils.pad_sequences(5), "iterable"),
    (lambda: keras.utils.pad_sequences([[1], 2]), "non-iterable: 2"),
    (lambda: keras.utils.pad_sequences([[1]], padding="middle"), "padding"),
    (lambda: keras.utils.pad_sequences([[1]], truncating="both"), "truncating"),
    (lambda: keras.utils.pad_sequences([[1]], value="x"), "dtype=object"),
    (lambda: keras.utils.pad_sequences([np.ones((1, 2)), np.ones((1, 3))]), "position 1"),
    (lambda: keras.utils.pad_sequences([]), "maxlen"),
])
def test_pad_sequences_refuses_bad_input_clearly(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_numerical_gradient_of_a_known_function(float64):
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    numeric = gradient_check.numerical_gradient(lambda: float(np.sum(x ** 3)), x)
    np.testing.assert_allclose(numeric, 3 * x ** 2, rtol=1e-8)
    np.testing.assert_array_equal(x, [[1.0, -2.0], [0.5, 3.0]])  # restored after perturbing


def test_gradient_check_catches_a_wrong_backward(float64):
    class Doubled(keras.layers.Layer):
        """y = 2x, with a backward that forgets the factor 2."""

        def forward(self, x, training=False):
            return 2 * x

        def backward(self, dy, input_gradient=True):
            return dy

    analytic, numeric = gradient_check.layer_gradients(Doubled(), np.ones((2, 3)))["input"]
    np.testing.assert_allclose(numeric, 2 * analytic, rtol=1e-8)


def test_utils_exports_keras_names():
    for name in ("to_categorical", "set_random_seed", "plot_history", "clear_session"):
        assert callable(getattr(keras.utils, name))


def test_clear_session_resets_names_and_collects_garbage_unless_told_not_to():
    keras.layers.Dense(1)
    keras.utils.clear_session(free_memory=False)
    assert keras.layers.Dense(1).name == "dense"
    keras.utils.clear_session()  # Keras's default frees memory: gc.collect()
    assert keras.layers.Dense(1).name == "dense"


def test_importing_handkeras_does_not_import_matplotlib():
    """A script that never plots does not pay for matplotlib's import (a third of a second)."""
    code = "import sys, handkeras; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("data_format", ["channels_first", "bad", None])
def test_only_channels_last_images_can_be_set(data_format):
    """handkeras's image layers compute channels last, so no other global layout is accepted."""
    with pytest.raises(ValueError, match=f"channels_last.*received data_format={data_format!r}"):
        keras.config.set_image_data_format(data_format)
    assert keras.config.image_data_format() == keras.backend.image_data_format() == "channels_last"
