"""``keras.layers.serialize`` and ``keras.layers.deserialize``: a layer to and from its Keras config
(the same dict ``keras.saving.serialize_keras_object`` gives), refusing configs of anything else."""

from handkeras.layers.layer import Layer


def serialize(layer):
    """The Keras config of ``layer``, as a dict."""
    from handkeras.saving import serialization  # saving needs the models, which need the layers

    return serialization.serialize_keras_object(layer)


def deserialize(config, custom_objects=None):
    """The layer ``config`` describes; ``custom_objects`` maps names to classes of your own."""
    from handkeras.saving import serialization

    layer = serialization.deserialize_keras_object(config, custom_objects=custom_objects)
    if not isinstance(layer, Layer):
        raise ValueError("`keras.layers.deserialize` was passed a `config` object that is not a "
                         f"`keras.layers.Layer`. Received: {config}")
    return layer
