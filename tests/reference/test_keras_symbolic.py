"""Symbolic tensors as Keras 3.15.1 gives them: a built Sequential's inputs and outputs, and each
layer's input and output, with the same shapes and dtypes."""

import numpy as np
import pytest

import handkeras

keras = pytest.importorskip("keras")


def _convnet(library, with_input):
    L = library.layers
    stack = [L.Rescaling(1 / 255), L.Conv2D(4, 3, padding="same"), L.MaxPooling2D(2),
             L.Conv2D(2, 3), L.GlobalAveragePooling2D(), L.Dropout(0.5), L.Dense(10)]
    if with_input:
        return library.Sequential([library.Input((12, 12, 1), name="pixels")] + stack)
    model = library.Sequential(stack)
    model.build((None, 12, 12, 1))
    return model


def _described(tensor):
    return tuple(tensor.shape), str(tensor.dtype), tensor.ndim


@pytest.mark.parametrize("with_input", [True, False], ids=["Input", "build"])
def test_shapes_of_every_layer_input_and_output_are_keras_s(with_input):
    ours, theirs = _convnet(handkeras, with_input), _convnet(keras, with_input)
    for attribute in ("inputs", "outputs"):
        assert [_described(t) for t in getattr(ours, attribute)] == [
            _described(t) for t in getattr(theirs, attribute)]
    for mine, reference in zip(ours.layers, theirs.layers):
        assert _described(mine.input) == _described(reference.input), mine.name
        assert _described(mine.output) == _described(reference.output), mine.name
    if with_input:
        assert ours.inputs[0].name == theirs.inputs[0].name == "pixels"


def test_the_tensors_are_chained_and_unbuilt_models_have_none_in_both():
    for library in (handkeras, keras):
        model = _convnet(library, with_input=True)
        assert model.layers[0].input is model.inputs[0]
        assert all(b.input is a.output for a, b in zip(model.layers, model.layers[1:]))
        unbuilt = library.Sequential([library.layers.Dense(2)])
        with pytest.raises(AttributeError):
            unbuilt.inputs
        with pytest.raises(AttributeError):
            unbuilt.layers[0].output


def test_an_input_with_a_batch_size_builds_the_model_for_it_and_takes_any_batch():
    def model(library):
        return library.Sequential([library.Input((5,), batch_size=8),
                                   library.layers.Dense(3), library.layers.Flatten()])
    ours, theirs = model(handkeras), model(keras)
    assert ours.input_shape == theirs.input_shape == (8, 5)
    assert ours.output_shape == theirs.output_shape == (8, 3)
    assert tuple(ours.get_build_config()["input_shape"]) == theirs.get_build_config()["input_shape"]
    assert [_described(t) for t in ours.outputs] == [_described(t) for t in theirs.outputs]
    ours.compile(optimizer="sgd", loss="mse")
    ours.fit(np.zeros((20, 5)), np.zeros((20, 3)), batch_size=4, verbose=0)  # as Keras: any batch
    assert ours.predict(np.zeros((20, 5)), verbose=0).shape == (20, 3)


# The examples of Keras's API reference that call a layer on ``keras.Input``: (input shape,
# input arguments, the layer), each made by the library given.
DOCSTRING_EXAMPLES = {
    "Flatten": ((10, 64), {}, lambda L: L.Flatten()),
    "Permute": ((10, 64), {}, lambda L: L.Permute((2, 1))),
    "RepeatVector": ((32,), {}, lambda L: L.RepeatVector(3)),
    "Reshape": ((12,), {}, lambda L: L.Reshape((3, 4))),
    "Reshape -1": ((12,), {}, lambda L: L.Reshape((-1, 2, 2))),
    "Dense": ((32,), {}, lambda L: L.Dense(16, activation="softmax")),
    "TimeDistributed": ((10, 12, 12, 3), {"batch_size": 32},
                        lambda L: L.TimeDistributed(L.Conv2D(64, (3, 3)))),
    "Embedding": ((5,), {"dtype": "int32"}, lambda L: L.Embedding(10, 3)),
    "Resizing": ((8, 8, 3), {}, lambda L: L.Resizing(4, 4)),
}


@pytest.mark.parametrize("example", list(DOCSTRING_EXAMPLES))
def test_a_layer_called_on_an_input_gives_keras_s_tensor_and_is_built(example):
    shape, input_arguments, make = DOCSTRING_EXAMPLES[example]
    described = []
    for library in (handkeras, keras):
        layer = make(library.layers)
        output = layer(library.Input(shape, **input_arguments))
        described.append((type(output).__name__, _described(output), layer.built,
                          [tuple(w.shape) for w in layer.weights]))
    assert described[0] == described[1]


def test_a_built_layer_called_on_an_input_of_another_width_is_a_value_error_in_both():
    for library in (handkeras, keras):
        layer = library.layers.Dense(3)
        layer(library.Input((4,)))
        with pytest.raises(ValueError):
            layer(library.Input((5,)))


def test_a_sequential_called_on_an_input_gives_its_output_tensor_as_keras_does():
    described = []
    for library in (handkeras, keras):
        model = library.Sequential([library.layers.Dense(3), library.layers.Flatten()])
        output = model(library.Input((4,)))
        described.append((_described(output), model.built, model.output_shape))
    assert described[0] == described[1]
