"""The convolution shared by Conv1D and Conv2D: im2col, one matmul, and its exact backward.

With ``cols`` the im2col matrix of the padded input (one row per output pixel, one column per
kernel entry) and ``K`` the kernel as a ``(kh * kw * c, filters)`` matrix::

    z   = cols @ K + b
    dK  = cols^T dz,   db = sum of dz over pixels,   dx = col2im(dz K^T), one kernel position at a time
"""

import numpy as np

from handkeras import aligned
from handkeras import regularizers
from handkeras.layers.convolutional import im2col
from handkeras.layers.convolutional.conv_arguments import check_input_shape, set_conv_arguments
from handkeras.layers.convolutional.conv_window import ConvWindow
from handkeras.layers.kernel_and_bias import KernelAndBias
from handkeras.layers.layer import Layer


class BaseConv(ConvWindow, KernelAndBias, Layer):
    """N-d convolution over channels-last inputs, for rank 1 and 2 (rank 1 runs as rank 2 on a
    height-1 image)."""

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self._cols_buffer = None  # the training im2col matrix, reused from step to step
        if groups != 1:
            raise NotImplementedError(f"{type(self).__name__} '{self.name}': `groups` other than 1 "
                                      "is not supported.")
        set_conv_arguments(self, filters, kernel_size, strides, padding, data_format,
                           dilation_rate, paddings=("valid", "same", "causal") if self.rank == 1
                           else ("valid", "same"))
        self.groups = 1
        self._set_kernel_and_bias_options(activation, use_bias, kernel_initializer,
                                          bias_initializer, kernel_regularizer, bias_regularizer,
                                          kernel_constraint, bias_constraint)

    def build(self, input_shape):
        check_input_shape(self, input_shape)
        self._check_fits(input_shape)
        self._add_kernel_and_bias(self.kernel_size + (input_shape[-1], self.filters), self.filters)

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + self._output_spatial(input_shape) + (self.filters,)

    def _columns(self, x4, training, pooling_grid=None):
        """Padded input shape, output size and the im2col matrix: one row per output pixel, one
        column per kernel entry, and a last column of ones when there is a bias, so that the bias is
        added by the product itself and its gradient comes out of the kernel's.

        With a ``pooling_grid`` ``(ph, pw)``, only the pixels covered by the grid's windows are
        computed, in the order of the windows' positions (see ``layers/conv_max_pooling.py``).
        Training copies the windows into a buffer the layer keeps from step to step (its column of
        ones written once); inference allocates its own, so it writes nothing to the layer.
        """
        kernel, strides, dilation = (self._as_2d(v) for v in
                                     (self.kernel_size, self.strides, self.dilation_rate))
        padded = im2col.pad_spatial(x4, self._pads(x4.shape[1], x4.shape[2]))
        oh = (padded.shape[1] - (kernel[0] - 1) * dilation[0] - 1) // strides[0] + 1
        ow = (padded.shape[2] - (kernel[1] - 1) * dilation[1] - 1) // strides[1] + 1
        if pooling_grid is not None:
            (ph, pw), (gh, gw) = pooling_grid, (oh // pooling_grid[0], ow // pooling_grid[1])
            oh, ow = gh * ph, gw * pw
        view = im2col.windows(padded, kernel, strides, dilation, (oh, ow))
        if pooling_grid is not None:  # pixel (a * ph + i, b * pw + j) goes to row (n, i, j, a, b)
            view = view.reshape((len(x4), gh, ph, gw, pw) + view.shape[3:]).transpose(
                0, 2, 4, 1, 3, 5, 6, 7)
        rows, entries = x4.shape[0] * oh * ow, kernel[0] * kernel[1] * x4.shape[-1]
        buffer = self._cols_buffer if training else None
        if buffer is None or buffer.shape[0] < rows or buffer.dtype != x4.dtype:
            buffer = np.empty((rows, entries + self.use_bias), x4.dtype)
            buffer[:, entries:] = 1
            if training:
                self._cols_buffer = buffer
        cols = buffer[:rows]
        np.copyto(cols[:, :entries].reshape(view.shape), view)
        return padded.shape, (oh, ow), cols

    def _augmented_kernel(self):
        """The kernel as a ``(KH * KW * C, filters)`` matrix, with the bias as an extra last row."""
        kernel = self.kernel.value.reshape(-1, self.filters)
        return np.vstack([kernel, self.bias.value]) if self.use_bias else kernel

    def forward(self, x, training=False):
        if self.padding == "valid":  # shapes unknown at build time (None) are checked here
            self._check_fits(x.shape)
        x4 = x[:, None] if self.rank == 1 else x
        padded_shape, (oh, ow), cols = self._columns(x4, training)
        z = cols @ self._augmented_kernel()
        z = z.reshape((x.shape[0],) + ((ow,) if self.rank == 1 else (oh, ow)) + (self.filters,))
        y = self.activation.forward_in_place(z)
        if training:
            self._cols, self._geometry, self.logits, self._y = (
                cols, (x.shape, x4.shape, padded_shape, oh, ow), z, y)
        return y

    def backward(self, dy, input_gradient=True):
        return self.backward_from_logits(self.activation.vjp(self.logits, self._y, dy), input_gradient)

    def backward_from_logits(self, dz, input_gradient=True):
        x_shape, x4_shape, padded_shape, oh, ow = self._geometry
        dz2 = dz.reshape(-1, self.filters)
        self._weight_gradients(self._cols, dz2)
        if not input_gradient:
            return None
        return self._input_gradient(dz2.reshape(x4_shape[0], oh, ow, self.filters), self._geometry)

    def _weight_gradients(self, cols, dz2):
        """``cols^T dz`` into the gradient buffers (the bias's gradient is its last row)."""
        if not self.trainable:
            return
        if not self.gradients:
            both = aligned.empty((cols.shape[1], self.filters), self.kernel.dtype)
            self.gradients = [both[:self.kernel.value.size // self.filters].reshape(
                self.kernel.shape)] + ([both[-1]] if self.use_bias else [])
            self._gradient_matrix = both
        np.matmul(cols.T, dz2, out=self._gradient_matrix)

    def _input_gradient(self, dz4, geometry):
        """The input gradient from ``dz4``, the gradient at the top-left ``(OH, OW)`` output pixels
        (all of them, or those a pooling grid covers), in NHWC order."""
        x_shape, x4_shape, padded_shape = geometry[:3]
        kernel, strides, dilation = (self._as_2d(v) for v in
                                     (self.kernel_size, self.strides, self.dilation_rate))
        dpadded = im2col.add_window_products(
            np.zeros(padded_shape, dz4.dtype), dz4,
            self.kernel.value.reshape(kernel + (x4_shape[-1], self.filters)), strides, dilation)
        (top, _), (left, _) = self._pads(x4_shape[1], x4_shape[2])
        dx = dpadded[:, top: top + x4_shape[1], left: left + x4_shape[2], :]
        return dx.reshape(x_shape)

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": tuple(self.kernel_size),
            "strides": tuple(self.strides),
            "padding": self.padding,
            "data_format": "channels_last",
            "dilation_rate": tuple(self.dilation_rate),
            "groups": 1,
            **self._kernel_and_bias_config(),
            "activity_regularizer": self.activity_regularizer and regularizers.serialize(
                self.activity_regularizer),
            **self._constraints_config(),
        }
