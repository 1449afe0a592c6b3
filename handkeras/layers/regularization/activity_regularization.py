"""ActivityRegularization: an L1/L2 penalty on the activations that pass through it."""

from handkeras import regularizers
from handkeras.layers.layer import Layer


class ActivityRegularization(Layer):
    """The identity, with ``l1 * sum|y| + l2 * sum y^2`` (divided by the batch size, as every
    activity penalty) added to the training loss. The model adds the penalty's gradient to ``dy``
    before this layer's backward, which passes it on unchanged."""

    supports_masking = True
    _keras_builds_at_init = True

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        if "activity_regularizer" in kwargs:
            raise TypeError("ActivityRegularization sets its own `activity_regularizer` from `l1` "
                            "and `l2`; it takes no other.")
        super().__init__(**kwargs)
        try:
            self.activity_regularizer = regularizers.L1L2(l1=l1, l2=l2)
        except ValueError as error:
            raise ValueError(f"ActivityRegularization '{self.name}': {error}") from None
        self.l1 = l1
        self.l2 = l2

    def forward(self, x, training=False):
        return x

    def backward(self, dy, input_gradient=True):
        return dy

    def get_config(self):
        config = super().get_config()
        config.pop("activity_regularizer", None)
        return {**config, "l1": self.l1, "l2": self.l2}
