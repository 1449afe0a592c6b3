"""What ported scripts observe, against Keras 3.15.1 (torch backend): the spellings of older Keras
scripts and the values a script prints, found by running short Keras scripts in both libraries
with only their imports changed (see docs/porting.md)."""

import warnings

import numpy as np
import pytest

import handkeras

torch = pytest.importorskip("torch")
keras = pytest.importorskip("keras")


def caught_warnings(make):
    """``make()``'s result and the messages of the warnings it raised."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = make()
    return result, [str(warning.message) for warning in caught]


def test_embedding_input_length_is_ignored_with_keras_s_warning():
    def text_model(library):
        L = library.layers
        return library.Sequential([L.Embedding(50, 8, input_length=12, name="words"),
                                   L.GlobalAveragePooling1D(name="pool"), L.Dense(1, name="out")])

    ours, our_warnings = caught_warnings(lambda: text_model(handkeras))
    theirs, their_warnings = caught_warnings(lambda: text_model(keras))
    assert our_warnings == their_warnings == ["Argument `input_length` is deprecated. Just remove it."]
    assert ours.built is theirs.built is False
    assert ours.layers[0].get_config().keys() == theirs.layers[0].get_config().keys()
