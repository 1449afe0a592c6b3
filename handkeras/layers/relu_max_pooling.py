"""ReluMaxPooling: a layer ending in a relu, then a max pooling, with the relu's gradient taken on
the pooled side.

Max pooling sends each window's gradient to the position holding the window's maximum, and a
relu's gradient there is 1 exactly when that maximum is positive. So ``relu'`` applied to the
pooled gradient (a quarter of the size for 2x2 windows) equals ``relu'`` applied to the full input
gradient, with one pass over the feature map fewer. ``Sequential`` plans these steps
(``Sequential._planned_steps``) where a ``ConvMaxPooling`` does not apply: overlapping or padded
windows, or a Dense or an ``Activation("relu")`` before the pooling.
"""

from handkeras import activations
from handkeras.layers.pooling.base_pooling import BasePooling
from handkeras.layers.pooling_pair import PoolingPair


class ReluMaxPooling(PoolingPair):
    """A layer whose output activation is a plain relu, then ``pooling``, as one step."""

    @staticmethod
    def applies(layer, pooling):
        return (isinstance(pooling, BasePooling) and pooling.mode == "max"
                and getattr(layer, "output_activation", None) is activations.relu
                and hasattr(layer, "backward_from_logits") and not layer.forward_takes_mask
                and layer.activity_regularizer is None and pooling.activity_regularizer is None)

    def forward(self, x, training=False):
        return self.pooling.forward(self.layer.forward(x, training=training), training=training)

    def backward(self, dy, input_gradient=True):
        dy = self.pooling.backward(dy * self.pooling.relu_gradient_mask(), True)
        return self.layer.backward_from_logits(dy, input_gradient)
