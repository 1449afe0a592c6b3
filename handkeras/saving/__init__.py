"""Saving and loading models, as ``keras.saving``: ``.keras`` archives, Keras 3 ``.weights.h5``
files and the legacy HDF5 layouts, written atomically and loaded all or nothing."""

from handkeras.saving.object_registration import (CustomObjectScope, custom_object_scope,
                                                  get_custom_objects, get_registered_name,
                                                  get_registered_object,
                                                  register_keras_serializable)
from handkeras.saving.saving_api import load_model, load_weights, save_model, save_weights
from handkeras.saving.serialization import deserialize_keras_object, serialize_keras_object

__all__ = ["CustomObjectScope", "custom_object_scope", "deserialize_keras_object",
           "get_custom_objects", "get_registered_name", "get_registered_object", "load_model",
           "load_weights", "register_keras_serializable", "save_model", "save_weights",
           "serialize_keras_object"]
