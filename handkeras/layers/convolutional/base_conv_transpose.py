"""The transposed convolution shared by Conv1DTranspose, Conv2DTranspose and Conv3DTranspose, and
its exact backward.

A transposed convolution is the adjoint of a convolution (its input gradient): every input pixel
``x[p]`` adds ``x[p] @ K[i]^T`` (kernel ``K[i]`` of shape ``(filters, channels)``) to output
position ``s * p + i * d``. That scatter-add, one matrix product per kernel position, gives the
"full" output of length ``(n - 1) * s + (k - 1) * d + 1``, which Keras's padding rule then trims or
extends with zeros (``output_geometry``). Backward, with ``cols`` the im2col matrix of the gradient at that full
output (one row per input pixel, one column per kernel entry)::

    dK = cols^T x,   db = sum of dz over pixels,   dx = cols K   (an ordinary convolution of dz)
"""

import numpy as np

from handkeras import aligned
from handkeras import regularizers
from handkeras.layers.convolutional import im2col
from handkeras.layers.convolutional.conv_arguments import check_input_shape, set_conv_arguments
from handkeras.layers.kernel_and_bias import KernelAndBias
from handkeras.layers.layer import Layer
from handkeras.reductions import sum_rows


def output_geometry(size, kernel, stride, dilation, padding, output_padding):
    """``(full, start, length)`` along one axis: the scatter-add covers ``full`` positions, and the
    output is ``length`` positions of it from ``start`` (zeros past ``full``), as Keras computes.

    "valid" keeps the full output from its first position, extended to ``(n - 1) s + max(k_d, s)``
    by default or to ``(n - 1) s + k_d + output_padding``. "same" gives ``n s`` by default or
    ``(n - 1) s + k_d % 2 + output_padding``, trimming ``floor(excess / 2)`` before, the rest after.
    """
    effective = (kernel - 1) * dilation + 1
    full = (size - 1) * stride + effective
    if padding == "valid":
        extra = max(effective, stride) - effective if output_padding is None else output_padding
        return full, 0, full + extra
    if output_padding is None:
        length = size * stride
    else:
        length = (size - 1) * stride + effective % 2 + output_padding
    return full, max(full - length, 0) // 2, length


class BaseConvTranspose(KernelAndBias, Layer):
    """N-d transposed convolution over channels-last inputs, for ranks 1 to 3."""

    rank = None

    def __init__(self, filters, kernel_size, strides=1, padding="valid", output_padding=None,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        set_conv_arguments(self, filters, kernel_size, strides, padding, data_format,
                           dilation_rate)
        kind = type(self).__name__
        self.output_padding = None if output_padding is None else im2col.normalize_tuple(
            output_padding, self.rank, "output_padding", self.name, allow_zero=True)
        if self.output_padding is not None and any(
                op >= s for op, s in zip(self.output_padding, self.strides)):
            raise ValueError(f"{kind} '{self.name}': `output_padding` must be strictly less than "
                             f"`strides` on every axis, received output_padding="
                             f"{self.output_padding} and strides={self.strides}.")
        self._set_kernel_and_bias_options(activation, use_bias, kernel_initializer,
                                          bias_initializer, kernel_regularizer, bias_regularizer,
                                          kernel_constraint, bias_constraint)

    def build(self, input_shape):
        check_input_shape(self, input_shape)
        self._add_kernel_and_bias(self.kernel_size + (self.filters, input_shape[-1]), self.filters)

    def compute_output_shape(self, input_shape):
        spatial = tuple(None if size is None else length for size, (_, _, length) in zip(
            input_shape[1:-1], self._output_geometry(input_shape[1:-1])))
        return (input_shape[0],) + spatial + (self.filters,)

    # -- the computation's view is at least 2D: Conv1DTranspose views (N, L, C) as (N, 1, L, C)
    def _as_2d(self, values, fill=1):
        return (fill,) * max(2 - self.rank, 0) + tuple(values)

    def _output_geometry(self, sizes):
        """``output_geometry`` along each spatial axis of ``sizes`` (``rank`` of them, or those of
        the view), an unknown size taken as 1."""
        options = (self.kernel_size, self.strides, self.dilation_rate,
                   self.output_padding or (None,) * self.rank)
        if len(sizes) > self.rank:
            options = tuple(self._as_2d(values, fill) for values, fill in zip(options,
                                                                              (1, 1, 1, None)))
        return tuple(output_geometry(1 if size is None else size, k, s, d, self.padding, op)
                     for size, k, s, d, op in zip(sizes, *options))

    def forward(self, x, training=False):
        xv = x[:, None] if self.rank == 1 else x
        geometry = self._output_geometry(xv.shape[1:-1])
        kernel = self.kernel.value.reshape(self._as_2d(self.kernel.shape[:-2]) +
                                           self.kernel.shape[-2:])
        frame = np.zeros((len(x),) + tuple(max(full, start + length)
                                           for full, start, length in geometry) + (self.filters,),
                         np.result_type(x, kernel))
        im2col.add_window_products(frame, xv, kernel, self._as_2d(self.strides),
                                   self._as_2d(self.dilation_rate))
        z = np.ascontiguousarray(frame[self._kept(geometry)])
        if self.use_bias:
            z += self.bias.value
        z = z.reshape(self.compute_output_shape(x.shape))
        y = self.activation.forward_in_place(z)
        if training:
            self._xv, self._frame_shape, self.logits, self._y = xv, frame.shape, z, y
        return y

    @staticmethod
    def _kept(geometry):
        """The index of the output within the scatter-add's frame."""
        return (slice(None),) + tuple(slice(start, start + length) for _, start, length in geometry)

    def backward(self, dy, input_gradient=True):
        dz = self.activation.vjp(self.logits, self._y, dy)
        return self.backward_from_logits(dz, input_gradient)

    def backward_from_logits(self, dz, input_gradient=True):
        """Backward from the gradient at the pre-activation output (also used when a loss fuses
        the activation), the weight gradients written into buffers reused from step to step."""
        xv = self._xv
        channels = xv.shape[-1]
        geometry = self._output_geometry(xv.shape[1:-1])
        dframe = np.zeros(self._frame_shape, dz.dtype)
        kept = self._kept(geometry)
        dframe[kept] = dz.reshape(dframe[kept].shape)
        cols = im2col.windows(dframe, self._as_2d(self.kernel_size), self._as_2d(self.strides),
                              self._as_2d(self.dilation_rate), xv.shape[1:-1])
        cols = cols.reshape(-1, self.kernel.value.size // channels)
        if self.trainable:
            if not self.gradients:
                self.gradients = [aligned.empty(w.shape, w.dtype) for w in self._weights]
            np.matmul(cols.T, xv.reshape(-1, channels), out=self.gradients[0].reshape(-1, channels))
            if self.use_bias:
                sum_rows(dz.reshape(-1, self.filters), out=self.gradients[1])
        if not input_gradient:
            return None
        dx = cols @ self.kernel.value.reshape(-1, channels)
        return dx.reshape(xv.shape[:1] + xv.shape[-1 - self.rank:])

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": tuple(self.kernel_size),
            "strides": tuple(self.strides),
            "padding": self.padding,
            "output_padding": None if self.output_padding is None else tuple(self.output_padding),
            "data_format": "channels_last",
            "dilation_rate": tuple(self.dilation_rate),
            **self._kernel_and_bias_config(),
            "activity_regularizer": self.activity_regularizer and regularizers.serialize(
                self.activity_regularizer),
            **self._constraints_config(),
        }
