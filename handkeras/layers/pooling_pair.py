"""PoolingPair: a layer and the max pooling after it, run as one step of a ``Sequential``.

The model's forward and backward loops treat a pair like a layer; this is the part of that
interface the two kinds of pair (``ConvMaxPooling``, ``ReluMaxPooling``) share.
"""


class PoolingPair:
    """``layer`` then ``pooling``; a pair applies only where neither has an activity regularizer
    and ``layer`` takes no mask."""

    forward_takes_mask = False
    activity_regularizer = None

    def __init__(self, layer, pooling):
        self.layer, self.pooling = layer, pooling

    @property
    def trainable_weights(self):
        return self.layer.trainable_weights  # a pooling has none

    def output_mask(self, inputs, previous_mask):
        # pooling layers do not support masks: whatever the layer passes on stops there
        return self.pooling.output_mask(None, self.layer.output_mask(inputs, previous_mask))
