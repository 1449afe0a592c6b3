"""keras.utils.plot_model: Keras's diagram of a model's layers, drawn with matplotlib, in a file."""

import io
import struct
import sys
import types

import pytest
from matplotlib.patches import FancyArrowPatch, Rectangle

import handkeras as keras
from handkeras import layers
from handkeras.utils import plot_model
from handkeras.utils.model_plot import draw_model, layer_label

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
EVERYTHING = dict(show_shapes=True, show_dtype=True, show_layer_names=True,
                  show_layer_activations=True, show_trainable=True)


def mlp():
    return keras.Sequential([
        keras.Input(shape=(784,)),
        layers.Dense(64, activation="relu", name="hidden"),
        layers.Dropout(0.2, name="drop"),
        layers.Dense(10, activation="softmax", name="out"),
    ], name="mlp")


def nested():
    inner = keras.Sequential([layers.Dense(32, name="inner_dense"),
                              layers.Dense(16, name="inner_out")], name="inner")
    return keras.Sequential([keras.Input(shape=(8,)), layers.Dense(64, name="first"), inner,
                             layers.Dense(3, name="last")], name="outer")


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    assert head[:8] == PNG_SIGNATURE
    return struct.unpack(">II", head[16:24])


def headers(figure):
    """The bold header texts (one per box), with their positions, in drawing order."""
    return [(t.get_text(), t.get_position()) for t in figure.axes[0].texts
            if t.get_fontweight() == "bold"]


# ----------------------------------------------------------------------------- the labels
def test_labels_are_keras_words_for_every_option():
    model = mlp()
    hidden, drop, out = model.layers
    assert layer_label(hidden, (None, 784), (None, 64), **EVERYTHING) == (
        "hidden (Dense)", "Activation: relu",
        [("Input shape: (None, 784)", "white"), ("Output shape: (None, 64)", "white"),
         ("Output dtype: float32", "white"), ("Trainable", "forestgreen")])
    # no activation row for a layer without one, no trainable cell for a layer without weights
    assert layer_label(drop, (None, 64), (None, 64), **EVERYTHING) == (
        "drop (Dropout)", None,
        [("Input shape: (None, 64)", "white"), ("Output shape: (None, 64)", "white"),
         ("Output dtype: float32", "white")])
    assert layer_label(out, (None, 64), (None, 10)) == ("Dense", None, [])


def test_a_frozen_layer_says_non_trainable_in_red_and_no_activation_reads_linear():
    dense = layers.Dense(3)
    dense.build((None, 2))
    dense.trainable = False
    header, activation, cells = layer_label(dense, (None, 2), (None, 3), show_trainable=True,
                                            show_layer_activations=True)
    assert activation == "Activation: linear"
    assert cells == [("Non-trainable", "firebrick")]


# ----------------------------------------------------------------------------- the file
def test_writes_a_png_whose_size_follows_the_dpi(tmp_path):
    model = mlp()
    small, large = tmp_path / "small.png", tmp_path / "large.png"
    assert plot_model(model, to_file=small, show_shapes=True, dpi=50) is None
    plot_model(model, to_file=str(large), show_shapes=True, dpi=100)
    (w1, h1), (w2, h2) = png_size(small), png_size(large)
    assert abs(w2 - 2 * w1) <= 2 and abs(h2 - 2 * h1) <= 2


def test_the_extension_picks_the_format_and_none_means_png(tmp_path):
    model = mlp()
    plot_model(model, to_file=tmp_path / "model")
    assert (tmp_path / "model").read_bytes().startswith(PNG_SIGNATURE)
    plot_model(model, to_file=tmp_path / "model.svg")
    assert b"<svg" in (tmp_path / "model.svg").read_bytes()[:1000]
    plot_model(model, to_file=tmp_path / "model.pdf")
    assert (tmp_path / "model.pdf").read_bytes().startswith(b"%PDF")


def test_an_extension_matplotlib_cannot_write_is_a_clear_error_and_writes_nothing(tmp_path):
    with pytest.raises(ValueError, match=r"model\.dot.*'dot'") as error:
        plot_model(mlp(), to_file=tmp_path / "model.dot")
    assert "png" in str(error.value)
    assert not (tmp_path / "model.dot").exists()


def test_returns_an_ipython_image_of_the_file_where_ipython_exists(tmp_path, monkeypatch):
    display = types.SimpleNamespace(Image=lambda filename: ("image", filename))
    monkeypatch.setitem(sys.modules, "IPython", types.SimpleNamespace(display=display))
    path = str(tmp_path / "model.png")
    assert plot_model(mlp(), to_file=path) == ("image", path)
    assert plot_model(mlp(), to_file=str(tmp_path / "model.pdf")) is None  # not for PDF, as Keras


@pytest.mark.parametrize("arguments, message", [
    ({"layer_range": ["a", "b"]}, "`layer_range` is no longer supported"),
    ({"show_shape": True}, r"Unrecognized keyword arguments: \{'show_shape': True\}"),
    ({"rankdir": "TD"}, r"`rankdir` must be one of .*'TD'"),
])
def test_bad_arguments_are_keras_errors(tmp_path, arguments, message):
    with pytest.raises(ValueError, match=message):
        plot_model(mlp(), to_file=tmp_path / "model.png", **arguments)
    assert not (tmp_path / "model.png").exists()


def test_an_unbuilt_model_cannot_be_drawn(tmp_path):
    model = keras.Sequential([layers.Dense(3)])
    with pytest.raises(ValueError, match="has not yet been built"):
        plot_model(model, to_file=tmp_path / "model.png")


# ----------------------------------------------------------------------------- the layout
@pytest.mark.parametrize("rankdir, axis, order", [
    ("TB", 1, 1), ("BT", 1, -1), ("LR", 0, 1), ("RL", 0, -1),
])
def test_boxes_follow_the_layers_in_the_direction_asked(rankdir, axis, order):
    figure = draw_model(mlp(), rankdir, show_layer_names=True)
    drawn = headers(figure)
    assert [text for text, _ in drawn] == ["hidden (Dense)", "drop (Dropout)", "out (Dense)"]
    along = [position[axis] * order for _, position in drawn]  # y grows downwards
    assert along == sorted(along) and len(set(along)) == 3
    across = [position[1 - axis] for _, position in drawn]
    assert max(across) - min(across) < 1e-6  # one straight line of boxes
    arrows = [p for p in figure.axes[0].patches if isinstance(p, FancyArrowPatch)]
    assert len(arrows) == 2


def test_a_nested_model_is_one_box_unless_expanded_into_a_named_dashed_frame():
    model = nested()
    folded = draw_model(model, show_layer_names=True)
    assert [text for text, _ in headers(folded)] == [
        "first (Dense)", "inner (Sequential)", "last (Dense)"]
    expanded = draw_model(model, expand_nested=True, show_layer_names=True, show_shapes=True)
    boxes = headers(expanded)
    assert [text for text, _ in boxes] == [
        "first (Dense)", "inner_dense (Dense)", "inner_out (Dense)", "last (Dense)"]
    frames = [p for p in expanded.axes[0].patches
              if isinstance(p, Rectangle) and p.get_linestyle() == "--"]
    assert len(frames) == 1
    (x, y), w, h = frames[0].get_xy(), frames[0].get_width(), frames[0].get_height()
    inside = [x < px < x + w and y < py < y + h for _, (px, py) in boxes]
    assert inside == [False, True, True, False]
    assert "inner" in [t.get_text() for t in expanded.axes[0].texts]
    # the nested layers' shapes come from the model's own input
    cells = [t.get_text() for t in expanded.axes[0].texts]
    assert "Input shape: (None, 64)" in cells and "Output shape: (None, 16)" in cells


def test_layer_names_are_drawn_as_written_not_as_math():
    model = keras.Sequential([keras.Input(shape=(2,)), layers.Dense(1, name="cost_$x^2$")])
    figure = draw_model(model, show_layer_names=True)
    assert [text for text, _ in headers(figure)] == ["cost_$x^2$ (Dense)"]
    assert not any(text.get_parse_math() for text in figure.axes[0].texts)
    figure.savefig(io.BytesIO(), format="png")
