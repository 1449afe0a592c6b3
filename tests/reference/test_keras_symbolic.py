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
