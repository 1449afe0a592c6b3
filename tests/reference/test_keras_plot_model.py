"""plot_model's labels against Keras 3.15.1's: for each layer and each combination of the label
options, the rows and cells of handkeras's box hold the texts of Keras's graphviz table.

Keras draws through pydot and graphviz, which are not installed here; its label builder
(``make_layer_label``) needs neither, and its table's cells are compared here, tags stripped.
"""

import itertools
import re

import pytest

import handkeras
from handkeras.utils.model_plot import layer_label
from handkeras.utils.summary import layer_shapes

keras = pytest.importorskip("keras")

from keras.src.utils.model_visualization import make_layer_label  # noqa: E402

OPTIONS = ("show_shapes", "show_dtype", "show_layer_names", "show_layer_activations",
           "show_trainable")


def build(library):
    inner = library.Sequential([library.layers.Dense(4, name="inner_dense")], name="inner")
    model = library.Sequential([
        library.Input(shape=(6,)),
        library.layers.Dense(8, activation="relu", name="hidden"),
        library.layers.Dropout(0.5, name="drop"),
        library.layers.Dense(5, name="frozen"),
        inner,
        library.layers.Activation("softmax", name="probabilities"),
    ], name="model")
    model.get_layer("frozen").trainable = False
    return model


def keras_rows(label):
    """Keras's table as rows of cell texts, tags stripped."""
    rows = re.findall(r"<tr>(.*?)</tr>", label)
    return [[re.sub(r"<[^>]+>", "", cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)]
            for row in rows]


def our_rows(label):
    header, activation, cells = label
    rows = [[header]] + ([[activation]] if activation else [])
    return rows + ([[text for text, _ in cells]] if cells else [])


def flag_names(flags):
    return "-".join(option for option, flag in zip(OPTIONS, flags) if flag) or "none"


@pytest.mark.parametrize("flags", list(itertools.product((False, True), repeat=len(OPTIONS))),
                         ids=flag_names)
def test_every_label_holds_keras_texts(flags):
    options = dict(zip(OPTIONS, flags))
    theirs = build(keras)
    mine = build(handkeras)
    shapes = layer_shapes(mine.layers, mine._build_input_shape)
    assert len(shapes) == len(theirs.layers)
    for (layer, input_shape, output_shape), keras_layer in zip(shapes, theirs.layers):
        expected = keras_rows(make_layer_label(keras_layer, **options))
        assert our_rows(layer_label(layer, input_shape, output_shape, **options)) == expected, \
            layer.name
