"""Pipeline: layers applied in order, as one layer (Keras's preprocessing pipeline).

Unlike a Sequential, a Pipeline is a plain layer, not a model: it has no ``compile`` or ``fit``,
and, called directly, it trains by default (its augmentation layers transform), as Keras's does.
Inside a model it is a step like any other: its forward runs its layers' forwards, its backward
their backwards in reverse, and its weights are theirs, saved under its name as Keras saves them
(``layers/pipeline/layers/conv2d/vars/0``).
"""

import numpy as np

from handkeras import backend
from handkeras.keras_tensor import KerasTensor
from handkeras.layers.layer import Layer


class Pipeline(Layer):
    """Applies ``layers`` to its input one after the other."""

    def __init__(self, layers, name=None):
        super().__init__(name=name)
        if not isinstance(layers, (list, tuple)) or not all(
                isinstance(layer, Layer) for layer in layers):
            raise TypeError(f"Pipeline '{self.name}': `layers` must be a list of layers, "
                            f"received layers={layers!r}.")
        self._pipeline_layers = list(layers)

    @property
    def layers(self):
        """The layers, in the order they run."""
        return self._pipeline_layers

    # ----------------------------------------------------------------------------- building
    def build(self, input_shape):
        shape = tuple(input_shape)
        with backend.name_scope(self.name):
            for layer in self._pipeline_layers:
                layer.build_once(shape)
                shape = layer.compute_output_shape(shape)

    def compute_output_shape(self, input_shape):
        shape = tuple(input_shape)
        for layer in self._pipeline_layers:
            shape = layer.compute_output_shape(shape)
        return shape

    def _snapshot(self):
        """The pipeline's state and its layers': a build undone undoes theirs too."""
        return super()._snapshot(), [layer._snapshot() for layer in self._pipeline_layers]

    def _restore(self, snapshot):
        own, layers = snapshot
        super()._restore(own)
        for layer, state in zip(self._pipeline_layers, layers):
            layer._restore(state)

    # ----------------------------------------------------------------------------- weights
    @Layer.trainable.setter
    def trainable(self, value):
        """As in Keras, freezing the pipeline freezes its layers."""
        self._trainable = bool(value)
        for layer in getattr(self, "_pipeline_layers", ()):  # none yet in Layer.__init__
            layer.trainable = value

    @property
    def weights(self):
        return [w for layer in self._pipeline_layers for w in layer.weights]

    @property
    def trainable_weights(self):
        if not self.trainable:
            return []
        return [w for layer in self._pipeline_layers for w in layer.trainable_weights]

    @property
    def non_trainable_weights(self):
        if not self.trainable:
            return self.weights
        return [w for layer in self._pipeline_layers for w in layer.non_trainable_weights]

    @property
    def gradients(self):
        """The last backward's gradients, in ``trainable_weights`` order."""
        return [grad for layer in self._pipeline_layers if layer.trainable_weights
                for grad in layer.gradients]

    @gradients.setter
    def gradients(self, value):
        """Layer.__init__ initializes it; a pipeline derives it from its layers."""

    def add_regularization_gradients(self):
        for layer in self._pipeline_layers:
            if layer.trainable_weights:
                layer.add_regularization_gradients()

    def regularization_penalty(self):
        return sum(layer.regularization_penalty() for layer in self._pipeline_layers)

    # ----------------------------------------------------------------------------- computing
    def __call__(self, x, training=True):
        """Call each layer on the output of the one before (so that image layers take single
        images, of any size, as they do called directly); training by default, as in Keras."""
        if isinstance(x, KerasTensor):
            return self.symbolic_call(x)
        for layer in self._pipeline_layers:
            x = layer(x, training=training)
        self.built = True
        return np.asarray(x)

    def forward(self, x, training=False):
        for layer in self._pipeline_layers:
            x = layer.forward(x, training=training)
        return x

    def backward(self, dy, input_gradient=True):
        """Back through the layers in reverse. Without an input gradient, the layers below the
        first one with trainable weights do not run, and that one skips its input gradient."""
        first = self._first_backward_layer(input_gradient)
        for i in range(len(self._pipeline_layers) - 1, first - 1, -1):
            dy = self._pipeline_layers[i].backward(dy, input_gradient or i > first)
        return dy if input_gradient else None

    def _first_backward_layer(self, input_gradient):
        layers = self._pipeline_layers
        return 0 if input_gradient else next(
            (i for i, layer in enumerate(layers) if layer.trainable_weights), len(layers))

    def check_backward(self, input_gradient=True):
        """The NotImplementedError of the first layer whose backward would run and has none."""
        first = self._first_backward_layer(input_gradient)
        for i in range(first, len(self._pipeline_layers)):
            self._pipeline_layers[i].check_backward(input_gradient or i > first)

    # ----------------------------------------------------------------------------- config
    def get_config(self):
        from handkeras.saving.serialization import serialize_keras_object

        return {"layers": [serialize_keras_object(layer) for layer in self._pipeline_layers],
                "name": self.name}

    @classmethod
    def from_config(cls, config):
        """The pipeline a config describes, its layers serialized (Keras's) or already made."""
        from handkeras.saving.serialization import deserialize_config

        layers = config.get("layers")
        if not isinstance(layers, (list, tuple)):
            raise ValueError("`Pipeline` config must contain a `layers` key mapping to a list of "
                             f"serialized layers. Received config with layers={layers}.")
        # each layer is built by the pipeline's build (Keras's configs give them odd batch sizes)
        layers = [deserialize_config({k: v for k, v in layer.items() if k != "build_config"},
                                     "layer") if isinstance(layer, dict) else layer
                  for layer in layers]
        return cls(**{**config, "layers": layers})
