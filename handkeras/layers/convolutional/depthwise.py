"""The depthwise convolution, shared by DepthwiseConv1D/2D and the first step of SeparableConv1D/2D.

Each input channel ``c`` is convolved with its own ``depth_multiplier`` kernels and nothing mixes
the channels: output channel ``c * M + m`` is input channel ``c`` through kernel ``K[..., c, m]``
(Keras's order). With ``x_ij`` the input pixels kernel position ``(i, j)`` sees, a strided view of
the padded input of shape ``(N, OH, OW, C)``, and ``K_ij`` of shape ``(C, M)``::

    z[..., c, m]  = sum_ij x_ij[..., c] K_ij[c, m]
    dK_ij[c, m]   = sum over pixels of x_ij[..., c] dz[..., c, m]
    dx_ij[..., c] = sum_m dz[..., c, m] K_ij[c, m]      (added onto the positions x_ij came from)

one vectorized pass per kernel position: the Python loops run over the ``kh * kw`` positions, never
over samples or pixels.
"""

import numpy as np

from handkeras.layers.convolutional import im2col
from handkeras.layers.convolutional.conv_arguments import set_window_arguments
from handkeras.layers.convolutional.conv_window import ConvWindow


def depthwise_products(padded, kernel, strides, dilation, out_hw):
    """``z`` of shape ``(N, OH, OW, C, M)`` for the padded NHWC input and a ``(KH, KW, C, M)``
    kernel."""
    view = im2col.windows(padded, kernel.shape[:2], strides, dilation, out_hw)
    z = np.empty(view.shape[:3] + kernel.shape[2:], np.result_type(padded, kernel))
    product = np.empty_like(z)
    for i in range(kernel.shape[0]):
        for j in range(kernel.shape[1]):
            target = z if i == j == 0 else product
            np.multiply(view[:, :, :, i, j, :, None], kernel[i, j], out=target)
            if target is product:
                z += product
    return z


def depthwise_kernel_gradient(padded, dz, strides, dilation, out):
    """``dK`` into ``out`` (``(KH, KW, C, M)``), from the padded input and ``dz`` of shape
    ``(N, OH, OW, C, M)``."""
    view = im2col.windows(padded, out.shape[:2], strides, dilation, dz.shape[1:3])
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            np.einsum("nhwc,nhwcm->cm", view[:, :, :, i, j], dz, out=out[i, j])
    return out


def add_depthwise_products(target, dz, kernel, strides, dilation):
    """The input gradient: ``target[window (i, j)] += sum_m dz[..., m] K_ij[:, m]`` for every
    kernel position, in place on the (padded) NHWC ``target``."""
    _, oh, ow = dz.shape[:3]
    for i in range(kernel.shape[0]):
        for j in range(kernel.shape[1]):
            top, left = i * dilation[0], j * dilation[1]
            target[:, top: top + strides[0] * (oh - 1) + 1: strides[0],
                   left: left + strides[1] * (ow - 1) + 1: strides[1], :] += np.einsum(
                       "nhwcm,cm->nhwc", dz, kernel[i, j])
    return target


class DepthwiseConvolution(ConvWindow):
    """Mixin for the layers that start with a depthwise convolution: their arguments, output shape
    and the convolution's forward and backward (bias and activation are the layer's)."""

    def _set_depthwise_arguments(self, depth_multiplier, kernel_size, strides, padding,
                                 data_format, dilation_rate):
        """Check and set ``depth_multiplier`` and the window's arguments. Unlike Conv2D's, Keras's
        depthwise convolutions take ``strides`` and ``dilation_rate`` both above 1."""
        self.depth_multiplier = self._checked_positive_int("depth_multiplier", depth_multiplier)
        set_window_arguments(self, kernel_size, strides, padding, data_format, dilation_rate)

    def _depthwise_kernel_shape(self, input_shape):
        return self.kernel_size + (input_shape[-1], self.depth_multiplier)

    def _depthwise(self, x, kernel, training):
        """The depthwise convolution of ``x`` by ``kernel``, shaped ``(N, spatial..., C * M)``;
        training keeps the padded input for ``_depthwise_backward``."""
        if self.padding == "valid":  # shapes unknown at build time (None) are checked here
            self._check_fits(x.shape)
        x4 = x[:, None] if self.rank == 1 else x
        padded = im2col.pad_spatial(x4, self._pads(x4.shape[1], x4.shape[2]))
        out_hw = self._as_2d(self._output_spatial(x.shape))
        z = depthwise_products(padded, self._kernel_2d(kernel), self._as_2d(self.strides),
                               self._as_2d(self.dilation_rate), out_hw)
        if training:
            self._depthwise_input = (x.shape, padded)
        return z.reshape(x.shape[:1] + out_hw[2 - self.rank:] + (-1,))

    def _depthwise_backward(self, dz, kernel, kernel_gradient, input_gradient):
        """From ``dz``, the gradient at ``_depthwise``'s output: ``dK`` into ``kernel_gradient``
        (unless None), and the input gradient (or None without ``input_gradient``)."""
        x_shape, padded = self._depthwise_input
        kernel = self._kernel_2d(kernel)
        strides, dilation = self._as_2d(self.strides), self._as_2d(self.dilation_rate)
        dz5 = dz.reshape((len(dz),) + self._as_2d(dz.shape[1:-1]) + kernel.shape[2:])
        if kernel_gradient is not None:
            depthwise_kernel_gradient(padded, dz5, strides, dilation,
                                      kernel_gradient.reshape(kernel.shape))
        if not input_gradient:
            return None
        dpadded = add_depthwise_products(np.zeros(padded.shape, dz.dtype), dz5, kernel, strides,
                                         dilation)
        (top, _), (left, _) = self._pads(*self._as_2d(x_shape[1:-1]))
        height, width = self._as_2d(x_shape[1:-1])
        return dpadded[:, top: top + height, left: left + width].reshape(x_shape)

    def _kernel_2d(self, kernel):
        """A rank-1 ``(k, C, M)`` kernel as ``(1, k, C, M)``."""
        return kernel.reshape(self._as_2d(kernel.shape[:-2]) + kernel.shape[-2:])
