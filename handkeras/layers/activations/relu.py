"""ReLU layer: the relu activation with Keras's three options."""

from handkeras import activations
from handkeras.layers.activations.function_layer import FunctionLayer


class ReLU(FunctionLayer):
    """``relu(x, negative_slope, max_value, threshold)`` as a layer.

    Keras's layer (unlike the function) rejects a negative ``max_value``, ``negative_slope`` or
    ``threshold``.
    """

    function = activations.relu

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        for argument, value in (("max_value", max_value), ("negative_slope", negative_slope),
                                ("threshold", threshold)):
            if (value is None and argument != "max_value") or (value is not None and value < 0):
                raise ValueError(
                    f"ReLU '{self.name}': `{argument}` must be a non-negative number"
                    + (" or None" if argument == "max_value" else "") + f", received {value!r}."
                )
        self.max_value = max_value
        self.negative_slope = negative_slope
        self.threshold = threshold

    def _options(self):
        return {"max_value": self.max_value, "negative_slope": self.negative_slope,
                "threshold": self.threshold}
