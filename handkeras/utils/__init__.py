"""Utilities with Keras's names: to_categorical, normalize, pad_sequences, set_random_seed,
get_file, load_img, img_to_array, array_to_img, save_img, plot_model, Progbar, plot_history,
clear_session, PyDataset (alias Sequence) with the batch tuples' pack and unpack, Config,
is_keras_tensor, standardize_dtype, the interactive-logging switch of ``keras.config``, and the
custom-object registry of ``keras.saving`` under the names ``keras.utils`` also gives it."""

import importlib

from handkeras.backend import clear_session, set_random_seed
from handkeras.interactive_logging import (disable_interactive_logging, enable_interactive_logging,
                                           is_interactive_logging_enabled)
from handkeras.keras_tensor import is_keras_tensor
from handkeras.utils.config import Config
from handkeras.dtype_names import standardize_dtype
from handkeras.utils.file_utils import get_file
from handkeras.utils.image_utils import array_to_img, img_to_array, load_img, save_img
from handkeras.utils.numerical_utils import normalize, to_categorical
from handkeras.utils.model_plot import plot_model
from handkeras.utils.plotting import plot_history
from handkeras.utils.progbar import Progbar
from handkeras.utils.py_dataset import PyDataset, Sequence
from handkeras.utils.data_tuples import pack_x_y_sample_weight, unpack_x_y_sample_weight
from handkeras.utils.sequence_utils import pad_sequences

# keras.saving's names that keras.utils repeats, imported when first used: handkeras.saving needs
# the models, which need this package.
_FROM_SAVING = ("CustomObjectScope", "custom_object_scope", "deserialize_keras_object",
                "get_custom_objects", "get_registered_name", "get_registered_object",
                "register_keras_serializable", "serialize_keras_object")

__all__ = ["to_categorical", "normalize", "pad_sequences", "set_random_seed", "plot_model",
           "Progbar", "plot_history", "clear_session", "PyDataset", "Sequence",
           "pack_x_y_sample_weight", "unpack_x_y_sample_weight", "Config", "is_keras_tensor",
           "standardize_dtype", "enable_interactive_logging", "disable_interactive_logging",
           "is_interactive_logging_enabled", "get_file", "load_img", "img_to_array",
           "array_to_img", "save_img", *_FROM_SAVING]


def __getattr__(name):
    if name in _FROM_SAVING:
        return getattr(importlib.import_module("handkeras.saving"), name)
    raise AttributeError(f"module 'handkeras.utils' has no attribute '{name}'")
