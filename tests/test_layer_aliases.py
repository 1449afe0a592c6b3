"""Keras's layer aliases (``MaxPool2D`` for ``MaxPooling2D``, ...) and ``keras.layers.serialize`` /
``deserialize``. tests/reference/test_keras_api_parity.py checks every alias names Keras's class."""

import numpy as np
import pytest

import handkeras as keras
from handkeras import layers

ALIASES = {"AvgPool1D": "AveragePooling1D", "AvgPool2D": "AveragePooling2D",
           "MaxPool1D": "MaxPooling1D", "MaxPool2D": "MaxPooling2D",
           "GlobalAvgPool1D": "GlobalAveragePooling1D", "GlobalAvgPool2D": "GlobalAveragePooling2D",
           "GlobalMaxPool1D": "GlobalMaxPooling1D", "GlobalMaxPool2D": "GlobalMaxPooling2D",
           "AvgPool3D": "AveragePooling3D", "MaxPool3D": "MaxPooling3D",
           "GlobalAvgPool3D": "GlobalAveragePooling3D", "GlobalMaxPool3D": "GlobalMaxPooling3D",
           "Convolution1D": "Conv1D", "Convolution2D": "Conv2D",
           "Convolution1DTranspose": "Conv1DTranspose",
           "Convolution2DTranspose": "Conv2DTranspose", "Convolution3D": "Conv3D",
           "Convolution3DTranspose": "Conv3DTranspose",
           "SeparableConvolution1D": "SeparableConv1D",
           "SeparableConvolution2D": "SeparableConv2D"}


@pytest.mark.parametrize("alias, name", sorted(ALIASES.items()))
def test_an_alias_is_the_class_itself(alias, name):
    assert getattr(layers, alias) is getattr(layers, name)


def test_a_layer_made_under_an_alias_is_named_and_saved_under_its_class():
    pool = layers.MaxPool2D()
    assert pool.name.startswith("max_pooling2d")
    assert layers.serialize(pool)["class_name"] == "MaxPooling2D"


def test_a_model_of_aliases_trains_and_round_trips_through_its_config():
    model = keras.Sequential([keras.Input((8, 8, 1)), layers.Convolution2D(2, 3),
                              layers.MaxPool2D(), layers.GlobalAvgPool2D(), layers.Dense(1)])
    model.compile("sgd", "mse")
    rng = np.random.default_rng(0)
    model.fit(rng.normal(size=(4, 8, 8, 1)), rng.normal(size=(4, 1)), verbose=0)
    clone = keras.models.model_from_json(model.to_json())
    assert [type(layer).__name__ for layer in clone.layers] == [
        "Conv2D", "MaxPooling2D", "GlobalAveragePooling2D", "Dense"]


def test_serialize_and_deserialize_round_trip_a_layer():
    dense = layers.Dense(3, activation="tanh", use_bias=False, name="hidden")
    config = layers.serialize(dense)
    assert config["class_name"] == "Dense" and config["module"] == "keras.layers"
    back = layers.deserialize(config)
    assert isinstance(back, layers.Dense) and back is not dense
    assert back.get_config() == dense.get_config()


def test_deserialize_takes_custom_layer_classes():
    class Doubling(layers.Layer):
        def call(self, inputs):
            return 2 * inputs

    config = layers.serialize(Doubling(name="twice"))
    assert type(layers.deserialize(config, custom_objects={"Doubling": Doubling})) is Doubling


def test_deserialize_refuses_a_config_that_is_not_a_layer():
    with pytest.raises(ValueError, match="not a `keras.layers.Layer`"):
        layers.deserialize(keras.losses.serialize(keras.losses.MeanSquaredError()))
