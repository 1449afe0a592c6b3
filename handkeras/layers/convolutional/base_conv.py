"""The convolution shared by Conv1D, Conv2D and Conv3D: im2col, one matmul, and its exact backward.

With ``cols`` the im2col matrix of the padded input (one row per output pixel, one column per
kernel entry) and ``K`` the kernel as a ``(kh * kw * c, filters)`` matrix::

    z   = cols @ K + b
    dK  = cols^T dz,   db = sum of dz over pixels,   dx = col2im(dz K^T), one kernel position at a time

A grouped convolution (``groups`` > 1) runs as an ordinary one whose dense kernel holds each group's
kernel on its diagonal block and zeros elsewhere; its kernel gradient is that product's diagonal.
"""

import math

import numpy as np

from handkeras import aligned
from handkeras import regularizers
from handkeras.layers.convolutional import im2col
from handkeras.layers.convolutional.conv_arguments import check_input_shape, set_conv_arguments
from handkeras.layers.convolutional.conv_window import ConvWindow
from handkeras.layers.kernel_and_bias import KernelAndBias
from handkeras.layers.layer import Layer


class BaseConv(ConvWindow, KernelAndBias, Layer):
    """N-d convolution over channels-last inputs, for ranks 1 to 3 (rank 1 runs as rank 2 on a
    height-1 image)."""

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self._cols_buffer = None  # the training im2col matrix, reused from step to step
        groups = self._checked_positive_int("groups", groups)
        set_conv_arguments(self, filters, kernel_size, strides, padding, data_format,
                           dilation_rate, paddings=("valid", "same", "causal") if self.rank == 1
                           else ("valid", "same"))
        if self.filters % groups:
            raise ValueError(f"{type(self).__name__} '{self.name}': `filters` must be divisible "
                             f"by `groups`, received filters={self.filters} and groups={groups}.")
        self.groups = groups
        self._set_kernel_and_bias_options(activation, use_bias, kernel_initializer,
                                          bias_initializer, kernel_regularizer, bias_regularizer,
                                          kernel_constraint, bias_constraint)

    def build(self, input_shape):
        check_input_shape(self, input_shape)
        if input_shape[-1] % self.groups:
            raise ValueError(f"{type(self).__name__} '{self.name}': the input's channels must be "
                             f"divisible by `groups`={self.groups}, received shape "
                             f"{tuple(input_shape)}.")
        self._check_fits(input_shape)
        self._add_kernel_and_bias(
            self.kernel_size + (input_shape[-1] // self.groups, self.filters), self.filters)

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + self._output_spatial(input_shape) + (self.filters,)

    def _columns(self, xv, training, pooling_grid=None):
        """Padded input shape, output sizes and the im2col matrix of ``xv``, the input in the
        computation's view (see ``ConvWindow._as_2d``): one row per output pixel, one column per
        kernel entry, and a last column of ones when there is a bias, so that the bias is added by
        the product itself and its gradient comes out of the kernel's.

        With a ``pooling_grid`` ``(ph, pw)`` (2D views only), only the pixels covered by the grid's
        windows are computed, in the order of the windows' positions (see
        ``layers/conv_max_pooling.py``).
        Training copies the windows into a buffer the layer keeps from step to step (its column of
        ones written once); inference allocates its own, so it writes nothing to the layer.
        """
        kernel, strides, dilation = (self._as_2d(v) for v in
                                     (self.kernel_size, self.strides, self.dilation_rate))
        padded = im2col.pad_spatial(xv, self._pads(*xv.shape[1:-1]))
        out = tuple((size - (k - 1) * d - 1) // s + 1
                    for size, k, s, d in zip(padded.shape[1:-1], kernel, strides, dilation))
        if pooling_grid is not None:
            ph, pw = pooling_grid
            gh, gw = out[0] // ph, out[1] // pw
            out = (gh * ph, gw * pw)
        view = im2col.windows(padded, kernel, strides, dilation, out)
        if pooling_grid is not None:  # pixel (a * ph + i, b * pw + j) goes to row (n, i, j, a, b)
            view = view.reshape((len(xv), gh, ph, gw, pw) + view.shape[3:]).transpose(
                0, 2, 4, 1, 3, 5, 6, 7)
        rows, entries = len(xv) * math.prod(out), math.prod(kernel) * xv.shape[-1]
        buffer = self._cols_buffer if training else None
        if buffer is None or buffer.shape[0] < rows or buffer.dtype != xv.dtype:
            buffer = np.empty((rows, entries + self.use_bias), xv.dtype)
            buffer[:, entries:] = 1
            if training:
                self._cols_buffer = buffer
        cols = buffer[:rows]
        np.copyto(cols[:, :entries].reshape(view.shape), view)
        return padded.shape, out, cols

    def _dense_kernel(self):
        """The kernel as ``(*kernel_size, in_channels, filters)``: itself without groups, else
        zeros with each group's ``(in_channels / groups, filters / groups)`` block on the
        diagonal."""
        kernel, groups = self.kernel.value, self.groups
        if groups == 1:
            return kernel
        spatial, (group_channels, group_filters) = kernel.shape[:-2], (
            kernel.shape[-2], self.filters // groups)
        dense = np.zeros(spatial + (groups, group_channels, groups, group_filters), kernel.dtype)
        blocks = kernel.reshape(spatial + (group_channels, groups, group_filters))
        for group in range(groups):
            dense[..., group, :, group, :] = blocks[..., group, :]
        return dense.reshape(spatial + (groups * group_channels, self.filters))

    def _augmented_kernel(self):
        """The dense kernel as a ``(KH * KW * C, filters)`` matrix, with the bias as an extra last
        row."""
        kernel = self._dense_kernel().reshape(-1, self.filters)
        return np.vstack([kernel, self.bias.value]) if self.use_bias else kernel

    def forward(self, x, training=False):
        if self.padding == "valid":  # shapes unknown at build time (None) are checked here
            self._check_fits(x.shape)
        xv = x[:, None] if self.rank == 1 else x
        padded_shape, out, cols = self._columns(xv, training)
        z = cols @ self._augmented_kernel()
        z = z.reshape((x.shape[0],) + out[len(out) - self.rank:] + (self.filters,))
        y = self.activation.forward_in_place(z)
        if training:
            self._cols, self._geometry, self.logits, self._y = (
                cols, (x.shape, xv.shape, padded_shape, out), z, y)
        return y

    def backward(self, dy, input_gradient=True):
        return self.backward_from_logits(self.activation.vjp(self.logits, self._y, dy), input_gradient)

    def backward_from_logits(self, dz, input_gradient=True):
        _, xv_shape, _, out = self._geometry
        dz2 = dz.reshape(-1, self.filters)
        self._weight_gradients(self._cols, dz2)
        if not input_gradient:
            return None
        return self._input_gradient(dz2.reshape(xv_shape[:1] + out + (self.filters,)),
                                    self._geometry)

    def _weight_gradients(self, cols, dz2):
        """``cols^T dz`` into the gradient buffers (the bias's gradient is its last row; with
        groups, the kernel's is the diagonal blocks of the dense kernel's)."""
        if not self.trainable:
            return
        if not self.gradients:
            both = aligned.empty((cols.shape[1], self.filters), self.kernel.dtype)
            kernel = (both[:self.kernel.value.size // self.filters].reshape(self.kernel.shape)
                      if self.groups == 1 else aligned.empty(self.kernel.shape, self.kernel.dtype))
            self.gradients = [kernel] + ([both[-1]] if self.use_bias else [])
            self._gradient_matrix = both
        np.matmul(cols.T, dz2, out=self._gradient_matrix)
        if self.groups > 1:
            spatial, groups = self.kernel.shape[:-2], self.groups
            group_channels, group_filters = self.kernel.shape[-2], self.filters // groups
            dense = self._gradient_matrix[:cols.shape[1] - self.use_bias].reshape(
                spatial + (groups, group_channels, groups, group_filters))
            blocks = self.gradients[0].reshape(spatial + (group_channels, groups, group_filters))
            for group in range(groups):
                blocks[..., group, :] = dense[..., group, :, group, :]

    def _input_gradient(self, dzv, geometry):
        """The input gradient from ``dzv``, the gradient at the first output pixels along each
        axis of the view (all of them, or those a pooling grid covers), channels last."""
        x_shape, xv_shape, padded_shape = geometry[:3]
        kernel, strides, dilation = (self._as_2d(v) for v in
                                     (self.kernel_size, self.strides, self.dilation_rate))
        dpadded = im2col.add_window_products(
            np.zeros(padded_shape, dzv.dtype), dzv,
            self._dense_kernel().reshape(kernel + (xv_shape[-1], self.filters)), strides,
            dilation)
        spatial = xv_shape[1:-1]
        dx = dpadded[(slice(None),) + tuple(slice(before, before + size) for (before, _), size
                                            in zip(self._pads(*spatial), spatial))]
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
            "groups": self.groups,
            **self._kernel_and_bias_config(),
            "activity_regularizer": self.activity_regularizer and regularizers.serialize(
                self.activity_regularizer),
            **self._constraints_config(),
        }
