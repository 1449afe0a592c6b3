"""``keras.config``: the default float type, epsilon, the image data format and the backend's
name."""

from handkeras.backend import (backend, epsilon, floatx, image_data_format, set_epsilon,
                               set_floatx, set_image_data_format)

__all__ = ["floatx", "set_floatx", "epsilon", "set_epsilon", "image_data_format",
           "set_image_data_format", "backend"]
