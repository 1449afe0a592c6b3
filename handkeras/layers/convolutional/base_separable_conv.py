"""The layer shared by SeparableConv1D and SeparableConv2D: a depthwise convolution (see
``depthwise``), then a pointwise (1x1) convolution mixing its ``C * M`` channels into ``filters``,
a bias and an activation.

With ``D`` the depthwise output as a ``(pixels, C * M)`` matrix and ``P`` the pointwise kernel as a
``(C * M, filters)`` matrix::

    z  = D P + b
    dP = D^T dz,   db = sum of dz over pixels,   dD = dz P^T   (then the depthwise backward)

Weights, in Keras's order: ``depthwise_kernel`` ``(kh, kw, C, M)``, ``pointwise_kernel``
``(1, 1, C * M, filters)``, ``bias`` ``(filters,)``.
"""

import numpy as np

from handkeras import activations
from handkeras import aligned
from handkeras import constraints
from handkeras import initializers
from handkeras import regularizers
from handkeras.layers.convolutional.conv_arguments import check_input_shape
from handkeras.layers.convolutional.depthwise import DepthwiseConvolution
from handkeras.layers.layer import Layer
from handkeras.reductions import sum_rows


class BaseSeparableConv(DepthwiseConvolution, Layer):
    """Depthwise separable convolution over channels-last inputs, for rank 1 and 2."""

    def __init__(self, depth_multiplier, filters, kernel_size, strides=1, padding="valid",
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, pointwise_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, depthwise_constraint=None,
                 pointwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self._set_depthwise_arguments(depth_multiplier, kernel_size, strides, padding,
                                      data_format, dilation_rate)
        self.filters = self._checked_positive_int("filters", filters)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.depthwise_constraint = self._checked_constraint("depthwise_constraint",
                                                             depthwise_constraint)
        self.pointwise_constraint = self._checked_constraint("pointwise_constraint",
                                                             pointwise_constraint)
        self.bias_constraint = self._checked_constraint("bias_constraint", bias_constraint)

    @property
    def output_activation(self):
        return self.activation

    def build(self, input_shape):
        check_input_shape(self, input_shape)
        self._check_fits(input_shape)
        channels = input_shape[-1]
        self.depthwise_kernel = self.add_weight(
            self._depthwise_kernel_shape(input_shape), self.depthwise_initializer,
            name="depthwise_kernel", regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint)
        self.pointwise_kernel = self.add_weight(
            (1,) * self.rank + (channels * self.depth_multiplier, self.filters),
            self.pointwise_initializer, name="pointwise_kernel",
            regularizer=self.pointwise_regularizer, constraint=self.pointwise_constraint)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight((self.filters,), self.bias_initializer, name="bias",
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + self._output_spatial(input_shape) + (self.filters,)

    def _pointwise_matrix(self):
        return self.pointwise_kernel.value.reshape(-1, self.filters)

    def forward(self, x, training=False):
        depthwise = self._depthwise(x, self.depthwise_kernel.value, training)
        rows = depthwise.reshape(-1, depthwise.shape[-1])
        z = rows @ self._pointwise_matrix()
        if self.use_bias:
            z += self.bias.value
        z = z.reshape(depthwise.shape[:-1] + (self.filters,))
        y = self.activation.forward_in_place(z)
        if training:
            self._depthwise_rows, self.logits, self._y = rows, z, y
        return y

    def backward(self, dy, input_gradient=True):
        return self.backward_from_logits(self.activation.vjp(self.logits, self._y, dy),
                                         input_gradient)

    def backward_from_logits(self, dz, input_gradient=True):
        """Backward from the gradient at the pre-activation output (also used when a loss fuses
        the activation), the weight gradients written into buffers reused from step to step."""
        dz2 = dz.reshape(-1, self.filters)
        depthwise_gradient = None
        if self.trainable:
            if not self.gradients:
                self.gradients = [aligned.empty(w.shape, w.dtype) for w in self._weights]
            depthwise_gradient = self.gradients[0]
            np.matmul(self._depthwise_rows.T, dz2, out=self.gradients[1].reshape(-1, self.filters))
            if self.use_bias:
                sum_rows(dz2, out=self.gradients[2])
        elif not input_gradient:
            return None
        d_depthwise = (dz2 @ self._pointwise_matrix().T).reshape(dz.shape[:-1] + (-1,))
        return self._depthwise_backward(d_depthwise, self.depthwise_kernel.value,
                                        depthwise_gradient, input_gradient)

    def get_config(self):
        return {
            **super().get_config(),
            "depth_multiplier": self.depth_multiplier,
            "filters": self.filters,
            "kernel_size": tuple(self.kernel_size),
            "strides": tuple(self.strides),
            "padding": self.padding,
            "data_format": "channels_last",
            "dilation_rate": tuple(self.dilation_rate),
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
            "pointwise_initializer": initializers.serialize(self.pointwise_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "depthwise_regularizer": regularizers.serialize(self.depthwise_regularizer),
            "pointwise_regularizer": regularizers.serialize(self.pointwise_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "depthwise_constraint": constraints.serialize(self.depthwise_constraint),
            "pointwise_constraint": constraints.serialize(self.pointwise_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        }
