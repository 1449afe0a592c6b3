"""ConvWindow: where a convolution's window goes over a channels-last input, for every layer that
slides one (Conv1D/2D/3D, the depthwise and separable convolutions): output sizes, padding, and the
check that a "valid" input holds the window. Rank 1 runs as rank 2 on a height-1 image; ranks 2
and 3 run as they are."""

from handkeras.layers.convolutional import im2col


class ConvWindow:
    """Mixin for a ``Layer`` with ``rank``, ``kernel_size``, ``strides``, ``dilation_rate`` and
    ``padding`` set (see ``conv_arguments``)."""

    rank = None

    def _as_2d(self, values):
        """Per-axis ``values`` for the computation's view, at least 2D: Conv1D's ``(k,)`` is
        ``(1, k)``; other ranks keep theirs."""
        return (1,) + tuple(values) if self.rank == 1 else tuple(values)

    def _output_spatial(self, input_shape):
        """The output's spatial sizes for ``input_shape`` (batch and channels included), None
        where the input's size is unknown."""
        padding = "same" if self.padding == "causal" else self.padding
        return tuple(
            im2col.output_length(size, k, s, d, padding)
            for size, k, s, d in zip(input_shape[1:-1], self.kernel_size, self.strides,
                                     self.dilation_rate))

    def _check_fits(self, input_shape):
        """A ValueError naming the layer when a 'valid' input is smaller than the dilated kernel."""
        if 0 in self._output_spatial(input_shape):
            raise ValueError(
                f"{type(self).__name__} '{self.name}': input of shape {tuple(input_shape)} is "
                f"smaller than the kernel {self.kernel_size} (dilation {self.dilation_rate}) "
                "with padding 'valid'."
            )

    def _pads(self, *sizes):
        """``(before, after)`` zeros along each spatial axis of the view, for an input of spatial
        ``sizes`` (``(height, width)`` for ranks 1 and 2)."""
        kernel, strides, dilation = (self._as_2d(v) for v in
                                     (self.kernel_size, self.strides, self.dilation_rate))
        if self.padding == "valid":
            return ((0, 0),) * len(sizes)
        if self.padding == "causal":
            return ((0, 0), ((kernel[1] - 1) * dilation[1], 0))
        return tuple(im2col.same_padding(size, k, s, d)
                     for size, k, s, d in zip(sizes, kernel, strides, dilation))
