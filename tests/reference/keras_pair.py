"""One model in both libraries: built alike, compiled alike, compared on what a user can see."""

import json

import h5py
import numpy as np
import pytest

import handkeras
from parity import assert_close

keras = pytest.importorskip("keras")

# Who writes a model file, who reads it, and its format: every direction, both formats.
FILE_CASES = [(handkeras, keras, "model.keras"), (handkeras, keras, "model.h5"),
              (keras, handkeras, "model.keras"), (keras, handkeras, "model.h5")]


def make_models(build):
    """``build(library)`` (a Sequential) in both libraries, handkeras taking Keras's randomly
    initialized weights."""
    theirs = build(keras)
    ours = build(handkeras)
    ours.set_weights(theirs.get_weights())
    return ours, theirs


def compile_both(ours, theirs, optimizer, **kwargs):
    """Compile with ``optimizer = (class name, arguments)`` made by each library."""
    name, arguments = optimizer
    ours.compile(optimizer=getattr(handkeras.optimizers, name)(**arguments), **kwargs)
    theirs.compile(optimizer=getattr(keras.optimizers, name)(**arguments), **kwargs)


def assert_same_weights(ours, theirs):
    """Every weight, in order, float64 on our side and equal to Keras's."""
    mine, reference = ours.get_weights(), theirs.get_weights()
    assert len(mine) == len(reference)
    for i, (value, expected) in enumerate(zip(mine, reference)):
        assert value.dtype == np.float64
        assert_close(value, expected, f"weight {i} ({theirs.weights[i].path})")


def assert_same_history(ours, theirs):
    """The same ``history`` keys in the same order, the same values (arrays too, for metrics with
    one value per class), and the same epoch indices."""
    assert list(ours.history) == list(theirs.history)
    for key, expected in theirs.history.items():
        expected = [keras.ops.convert_to_numpy(value) for value in expected]
        assert_close(np.asarray(ours.history[key]), np.asarray(expected), f"history[{key!r}]")
    assert ours.epoch == theirs.epoch


def assert_same_state(ours, theirs):
    """Two optimizers' variables agree one to one, in Keras's order, with Keras's dtypes."""
    mine, reference = ours.variables, theirs.variables
    assert len(mine) == len(reference), [v.path for v in reference]
    for i, (value, variable) in enumerate(zip(mine, reference)):
        expected = keras.ops.convert_to_numpy(variable)
        assert np.asarray(value).dtype == expected.dtype, f"variable {i} ({variable.path})"
        assert_close(value, expected, f"optimizer variable {i} ({variable.path})")


def assert_same_value_error(call):
    """``call(library)`` raises a ValueError with the same message in Keras and in handkeras."""
    with pytest.raises(ValueError) as theirs:
        call(keras)
    with pytest.raises(ValueError) as ours:
        call(handkeras)
    assert str(ours.value) == str(theirs.value)


def saved_legacy_weight_names(model, path):
    """``model`` saved to the legacy ``.h5`` file ``path``; the ``weight_names`` its file lists
    for each layer, as text."""
    model.save(path)
    with h5py.File(path, "r") as f:
        return [[n.decode() if isinstance(n, bytes) else n
                 for n in f["model_weights"][layer.name].attrs["weight_names"]]
                for layer in model.layers]


def file_case_ids(cases):
    """Test ids for ``FILE_CASES``-like triples: who writes, who reads, which file."""
    return [f"{writer.__name__} to {reader.__name__}, {name}" for writer, reader, name in cases]


def plain(config):
    """A config as a JSON file gives it back (tuples as lists), to compare the two libraries'."""
    return json.loads(json.dumps(config))


def moved(source, reader, path, x):
    """``source`` saved to ``path`` and loaded by ``reader``, checked to predict on ``x`` as
    ``source`` does."""
    source.save(path)
    loaded = reader.models.load_model(path)
    assert_close(np.asarray(loaded.predict(x, verbose=0)),
                 np.asarray(source.predict(x, verbose=0)), "predictions")
    return loaded
