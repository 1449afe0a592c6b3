"""ELU layer: the exponential linear unit with slope parameter ``alpha``."""

from handkeras import activations
from handkeras.layers.activations.function_layer import FunctionLayer


class ELU(FunctionLayer):
    """``x`` for ``x > 0``, ``alpha * (exp(x) - 1)`` otherwise."""

    function = activations.elu

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = alpha

    def _options(self):
        return {"alpha": self.alpha}

    def get_config(self):
        """Keras's config, in Keras's order: ``alpha`` right after the name."""
        config = super().get_config()
        return {"name": config.pop("name"), "alpha": config.pop("alpha"), **config}
