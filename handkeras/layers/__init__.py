"""Layers, under Keras's names."""

from handkeras.layers.activations.activation import Activation
from handkeras.layers.activations.softmax import Softmax
from handkeras.layers.core.dense import Dense
from handkeras.layers.core.input_layer import Input, InputLayer
from handkeras.layers.layer import Layer
from handkeras.layers.regularization.dropout import Dropout
from handkeras.layers.reshaping.flatten import Flatten
from handkeras.layers.reshaping.reshape import Reshape

__all__ = ["Activation", "Dense", "Dropout", "Flatten", "Input", "InputLayer", "Layer", "Reshape",
           "Softmax"]
