"""LeakyReLU layer: slope ``negative_slope`` below 0 (0.3 by default, the activation's is 0.2)."""

import warnings

from handkeras import activations
from handkeras.layers.activations.function_layer import FunctionLayer


class LeakyReLU(FunctionLayer):
    """``x`` for ``x > 0``, ``negative_slope * x`` otherwise; Keras 2's ``alpha=`` still works, with
    Keras's deprecation warning."""

    function = activations.leaky_relu

    def __init__(self, negative_slope=0.3, **kwargs):
        if "alpha" in kwargs:
            negative_slope = kwargs.pop("alpha")
            warnings.warn("Argument `alpha` is deprecated. Use `negative_slope` instead.",
                          stacklevel=2)
        super().__init__(**kwargs)
        if negative_slope is None or negative_slope < 0:
            raise ValueError(
                f"LeakyReLU '{self.name}': `negative_slope` must be a non-negative number, "
                f"received {negative_slope!r}."
            )
        self.negative_slope = negative_slope

    def _options(self):
        return {"negative_slope": self.negative_slope}
