"""Wrapper: a layer made of other layers (Keras's ``Wrapper``: Bidirectional, TimeDistributed).

What every wrapper does the same way: its sublayers are attributes named as Keras's weights files
name them (``layer``; ``forward_layer`` and ``backward_layer``), freezing the wrapper freezes them, a
build undone undoes theirs, and its config holds them serialized.
"""

from handkeras.layers.layer import Layer


class Wrapper(Layer):
    """The shared part of the wrappers; a subclass names its sublayer attributes."""

    #: The attributes holding the sublayers, which are also their keys in Keras's weights files.
    _sublayer_attributes = ("layer",)
    #: The config entries that hold a serialized layer.
    _config_layer_keys = ("layer",)

    @property
    def sublayers(self):
        """The wrapped layers, in weight order."""
        return tuple(getattr(self, name) for name in self._sublayer_attributes)

    def keras_sublayers(self):
        """``[(key, layer)]``: where Keras's weights files keep each sublayer's weights."""
        return list(zip(self._sublayer_attributes, self.sublayers))

    @Layer.trainable.setter
    def trainable(self, value):
        """As in Keras, freezing the wrapper freezes its layers."""
        self._trainable = bool(value)
        for sublayer in getattr(self, "sublayers", ()):  # none yet while Layer.__init__ runs
            sublayer.trainable = value

    def check_backward(self, input_gradient=True):
        """The wrapper's backward runs its layers' backward."""
        for sublayer in self.sublayers:
            sublayer.check_backward()

    def _snapshot(self):
        """The wrapper's state and its layers': a build undone undoes theirs too."""
        return super()._snapshot(), [sublayer._snapshot() for sublayer in self.sublayers]

    def _restore(self, snapshot):
        own, sublayers = snapshot
        super()._restore(own)
        for sublayer, state in zip(self.sublayers, sublayers):
            sublayer._restore(state)

    @staticmethod
    def _refuse_activity_regularizers(kind, *layers):
        """A NotImplementedError when a wrapped layer has its own activity regularizer."""
        for layer in layers:
            if layer is not None and layer.activity_regularizer is not None:
                raise NotImplementedError(
                    f"{kind}: the wrapped layer '{layer.name}' has an `activity_regularizer`, "
                    f"which handkeras does not support inside {kind}; give it to {kind}.")

    @classmethod
    def from_config(cls, config):
        """The layers may come serialized (Keras's config) or already made."""
        from handkeras.saving.serialization import deserialize_config

        config = dict(config)
        for key in cls._config_layer_keys:
            if isinstance(config.get(key), dict):
                config[key] = deserialize_config(config[key], "layer")
        return cls(**config)
