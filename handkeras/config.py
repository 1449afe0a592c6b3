"""``keras.config``: the default float type, epsilon and the image data format."""

from handkeras.backend import (epsilon, floatx, image_data_format, set_epsilon, set_floatx,
                               set_image_data_format)

__all__ = ["floatx", "set_floatx", "epsilon", "set_epsilon", "image_data_format",
           "set_image_data_format"]
