"""Matmuls against a kernel made of gate blocks, each block seeing its own dropout mask.

A recurrent kernel ``(features, gates * units)`` holds one block per gate. With Keras's recurrent
dropout every gate multiplies its input by a mask of its own, so the product is taken block by
block; with one shared mask (or none) it is a single matmul.
"""

import numpy as np


def column_blocks(a, count):
    """``a`` split into ``count`` equal blocks along its last axis, as views: what ``np.split``
    returns, without its Python overhead, which outweighs a small time step's products."""
    width = a.shape[-1] // count
    return [a[..., block * width:(block + 1) * width] for block in range(count)]


def masked_matmul(x, kernel, masks):
    """``x @ kernel`` where block ``g`` of the kernel sees ``x * masks[g]``.

    ``masks`` is None, or a sequence of one mask (shared by all blocks) or one per block, each
    broadcastable against ``x``.
    """
    if masks is None:
        return x @ kernel
    if len(masks) == 1:
        return (x * masks[0]) @ kernel
    blocks = column_blocks(kernel, len(masks))
    return np.concatenate([(x * mask) @ block for mask, block in zip(masks, blocks)], axis=-1)


def masked_matmul_backward(dz, x, kernel, masks, kernel_gradient, input_gradient=True):
    """Gradients of :func:`masked_matmul`: adds ``x_masked^T dz`` into ``kernel_gradient``
    (rows of ``x`` and ``dz`` flattened) and returns the gradient with respect to ``x`` (or None).
    """
    features = x.shape[-1]
    flat_x = x.reshape(-1, features)
    flat_dz = dz.reshape(-1, dz.shape[-1])
    if masks is None or len(masks) == 1:
        masked = flat_x if masks is None else (x * masks[0]).reshape(-1, features)
        kernel_gradient += masked.T @ flat_dz
        if not input_gradient:
            return None
        dx = dz @ kernel.T
        return dx if masks is None else dx * masks[0]
    blocks = column_blocks(kernel, len(masks))
    gradient_blocks = column_blocks(kernel_gradient, len(masks))
    dz_blocks = column_blocks(dz, len(masks))
    dx = np.zeros_like(x) if input_gradient else None
    for mask, block, gradient, dz_block in zip(masks, blocks, gradient_blocks, dz_blocks):
        gradient += (x * mask).reshape(-1, features).T @ dz_block.reshape(-1, dz_block.shape[-1])
        if input_gradient:
            dx += (dz_block @ block.T) * mask
    return dx
