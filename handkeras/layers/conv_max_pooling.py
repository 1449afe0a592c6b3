"""ConvMaxPooling: a convolution and the max pooling after it, trained as one step.

Channels-last puts the channels innermost, so each window position of a max pooling is a strided
slice whose contiguous runs are only ``C`` elements long, and numpy spends more time stepping through
them than comparing. When the pooling's windows tile the convolution's output (strides equal to the
pool size, "valid" padding), the convolution can emit its pixels in the pooling's order instead: per
sample, the pixels at position (0, 0) of every window, then those at (0, 1), and so on. Each window
position is then one contiguous block, and pooling compares whole blocks. Pixels no window covers
(a last odd row, say) are not computed at all: nothing downstream reads them.

The weights, outputs and gradients are those of the two layers run one after the other; only the
order of the arithmetic differs (sums over pixels run in another order). ``Sequential`` plans such
pairs as one step (``Sequential._planned_steps``), in training and in inference (where the step
keeps nothing for a backward).
"""

import numpy as np

from handkeras import activations
from handkeras.layers.convolutional.base_conv import BaseConv
from handkeras.layers.pooling.base_pooling import BasePooling
from handkeras.layers.pooling_pair import PoolingPair


class ConvMaxPooling(PoolingPair):
    """The forward (and, after a training forward, the backward) of a convolution (``layer``) then
    ``pooling``."""

    @staticmethod
    def applies(conv, pooling):
        """Whether ``pooling`` is a 1D or 2D max pooling whose windows tile ``conv``'s output (the
        pixel reordering is written for those ranks; 3D pairs run as two layers)."""
        return (isinstance(conv, BaseConv) and isinstance(pooling, BasePooling)
                and pooling.mode == "max" and pooling.padding == "valid"
                and pooling.strides == pooling.pool_size and conv.rank == pooling.rank <= 2
                and conv.activity_regularizer is None and pooling.activity_regularizer is None)

    def forward(self, x, training=False):
        conv = self.layer
        if conv.padding == "valid":
            conv._check_fits(x.shape)
        pool = conv._as_2d(self.pooling.pool_size)
        x4 = x[:, None] if conv.rank == 1 else x
        padded_shape, (oh, ow), cols = conv._columns(x4, training, pooling_grid=pool)
        grid = (oh // pool[0], ow // pool[1])
        if 0 in grid:
            self.pooling._check_fits(conv.compute_output_shape(x.shape))  # raises, naming the pooling
        z = cols @ conv._augmented_kernel()
        y = conv.activation.forward_in_place(z)
        blocks = y.reshape(len(x), pool[0] * pool[1], -1)  # (sample, window position, pixel...)
        positions = blocks.shape[1]
        maxima = blocks[:, 0].copy() if positions == 1 else np.maximum(blocks[:, 0], blocks[:, 1])
        for k in range(2, positions):
            np.maximum(maxima, blocks[:, k], out=maxima)
        if training:
            self._state = (cols, z, y, blocks, maxima, pool, grid,
                           (x.shape, x4.shape, padded_shape, oh, ow))
        spatial = grid[1:] if conv.rank == 1 else grid
        return maxima.reshape((len(x),) + spatial + (conv.filters,))

    def backward(self, dy, input_gradient=True):
        conv = self.layer
        cols, z, y, blocks, maxima, pool, grid, geometry = self._state
        routed = dy.reshape(maxima.shape)
        relu = conv.activation is activations.relu
        if relu:  # the relu's gradient, taken on the pooled side (see relu_max_pooling.py)
            routed = routed * (maxima > 0)
        d_blocks = np.empty_like(blocks)
        # window positions in row-major order, so the first maximum is the first block holding it
        BasePooling._route(routed, [blocks[:, k] for k in range(blocks.shape[1])], maxima,
                           [d_blocks[:, k] for k in range(blocks.shape[1])])
        dz = d_blocks.reshape(-1, conv.filters)
        if not relu:
            dz = conv.activation.vjp(z, y, dz)
        conv._weight_gradients(cols, dz)
        if not input_gradient:
            return None
        n, (gh, gw), (ph, pw) = len(blocks), grid, pool
        dz4 = dz.reshape(n, ph, pw, gh, gw, conv.filters).transpose(0, 3, 1, 4, 2, 5).reshape(
            n, gh * ph, gw * pw, conv.filters)
        return conv._input_gradient(dz4, geometry)
