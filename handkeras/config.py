"""``keras.config``: the default float type, epsilon, the image data format, the backend's
name, the switch that lets loading rebuild Python lambdas, and whether progress output goes to the
console or to the "keras" logger."""

from handkeras.backend import (backend, epsilon, floatx, image_data_format, set_epsilon,
                               set_floatx, set_image_data_format)
from handkeras.interactive_logging import (disable_interactive_logging, enable_interactive_logging,
                                           is_interactive_logging_enabled)
from handkeras.saving.safe_mode import enable_unsafe_deserialization

__all__ = ["floatx", "set_floatx", "epsilon", "set_epsilon", "image_data_format",
           "set_image_data_format", "backend", "enable_unsafe_deserialization",
           "enable_interactive_logging", "disable_interactive_logging",
           "is_interactive_logging_enabled"]
