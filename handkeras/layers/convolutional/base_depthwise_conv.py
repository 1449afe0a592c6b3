"""The layer shared by DepthwiseConv1D and DepthwiseConv2D: a depthwise convolution (see
``depthwise``), a bias per output channel and an activation.

Keras names the depthwise kernel ``kernel`` here, of shape ``(kh, kw, in_channels,
depth_multiplier)``, and the output has ``in_channels * depth_multiplier`` channels.
"""

from handkeras import activations
from handkeras import aligned
from handkeras import constraints
from handkeras import initializers
from handkeras import regularizers
from handkeras.layers.convolutional.conv_arguments import check_input_shape
from handkeras.layers.convolutional.depthwise import DepthwiseConvolution
from handkeras.layers.layer import Layer
from handkeras.reductions import sum_rows


class BaseDepthwiseConv(DepthwiseConvolution, Layer):
    """Depthwise convolution over channels-last inputs, for rank 1 and 2."""

    def __init__(self, depth_multiplier, kernel_size, strides=1, padding="valid",
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self._set_depthwise_arguments(depth_multiplier, kernel_size, strides, padding,
                                      data_format, dilation_rate)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.depthwise_constraint = self._checked_constraint("depthwise_constraint",
                                                             depthwise_constraint)
        self.bias_constraint = self._checked_constraint("bias_constraint", bias_constraint)

    @property
    def output_activation(self):
        return self.activation

    def build(self, input_shape):
        check_input_shape(self, input_shape)
        self._check_fits(input_shape)
        self.kernel = self.add_weight(self._depthwise_kernel_shape(input_shape),
                                      self.depthwise_initializer, name="kernel",
                                      regularizer=self.depthwise_regularizer,
                                      constraint=self.depthwise_constraint)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight((input_shape[-1] * self.depth_multiplier,),
                                        self.bias_initializer, name="bias",
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)

    def compute_output_shape(self, input_shape):
        channels = input_shape[-1] and input_shape[-1] * self.depth_multiplier
        return (input_shape[0],) + self._output_spatial(input_shape) + (channels,)

    def forward(self, x, training=False):
        z = self._depthwise(x, self.kernel.value, training)
        if self.use_bias:
            z += self.bias.value
        y = self.activation.forward_in_place(z)
        if training:
            self.logits, self._y = z, y
        return y

    def backward(self, dy, input_gradient=True):
        return self.backward_from_logits(self.activation.vjp(self.logits, self._y, dy),
                                         input_gradient)

    def backward_from_logits(self, dz, input_gradient=True):
        """Backward from the gradient at the pre-activation output (also used when a loss fuses
        the activation), the weight gradients written into buffers reused from step to step."""
        kernel_gradient = None
        if self.trainable:
            if not self.gradients:
                self.gradients = [aligned.empty(w.shape, w.dtype) for w in self._weights]
            kernel_gradient = self.gradients[0]
            if self.use_bias:
                sum_rows(dz.reshape(-1, dz.shape[-1]), out=self.gradients[1])
        return self._depthwise_backward(dz, self.kernel.value, kernel_gradient, input_gradient)

    def get_config(self):
        return {
            **super().get_config(),
            "depth_multiplier": self.depth_multiplier,
            "kernel_size": tuple(self.kernel_size),
            "strides": tuple(self.strides),
            "padding": self.padding,
            "data_format": "channels_last",
            "dilation_rate": tuple(self.dilation_rate),
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "depthwise_regularizer": regularizers.serialize(self.depthwise_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "depthwise_constraint": constraints.serialize(self.depthwise_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        }
