"""``keras.config``: the default float type, epsilon, the image data format, the backend's
name, and the switch that lets loading rebuild Python lambdas."""

from handkeras.backend import (backend, epsilon, floatx, image_data_format, set_epsilon,
                               set_floatx, set_image_data_format)
from handkeras.saving.safe_mode import enable_unsafe_deserialization

__all__ = ["floatx", "set_floatx", "epsilon", "set_epsilon", "image_data_format",
           "set_image_data_format", "backend", "enable_unsafe_deserialization"]
