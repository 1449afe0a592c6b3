"""The affine warp behind RandomRotation, RandomZoom and RandomTranslation: a gather forward, the
same gather's transpose (a scatter) backward.

A transform is Keras's 8 numbers ``[a0, a1, a2, b0, b1, b2, c0, c1]`` per image (``c0 = c1 = 0``
here): output pixel ``(y, x)`` reads the input at ``x' = a0 x + a1 y + a2``,
``y' = b0 x + b1 y + b2``. Bilinear interpolation mixes the 4 pixels around ``(y', x')`` by their
distances, nearest takes the closest (halves rounded to even); outside the image, ``fill_mode``
decides which pixel is read (Keras's torch backend's rules):

- ``reflect``: ``d c b a | a b c d | d c b a`` (the edge pixel repeats),
- ``wrap``: ``a b c d | a b c d | a b c d``,
- ``mirror``: ``c b | a b c d | c b`` (the edge pixel does not repeat; ``keras.ops.image`` only),
- ``nearest``: ``a a a a | a b c d | d d d d``,
- ``constant``: ``k k k k | a b c d | k k k k`` with ``k = fill_value``.

The output is linear in the input, so the input gradient scatters ``dy`` back to the pixels read,
with the same weights.
"""

import numpy as np

FILL_MODES = ("reflect", "wrap", "constant", "nearest")
INTERPOLATIONS = ("nearest", "bilinear")


class AffineWarp:
    """The pixels each output pixel of a channels-last batch of ``(height, width)`` images reads,
    and their weights, for ``transforms`` of shape ``(batch, 8)``."""

    def __init__(self, transforms, height, width, interpolation, fill_mode):
        self.height, self.width = height, width
        rows, cols = np.meshgrid(np.arange(height, dtype=np.float64),
                                 np.arange(width, dtype=np.float64), indexing="ij")
        a0, a1, a2, b0, b1, b2 = (np.asarray(transforms, np.float64)[:, i, None, None]
                                  for i in range(6))
        source_cols = a0 * cols + a1 * rows + a2
        source_rows = b0 * cols + b1 * rows + b2
        nodes_rows = interpolation_nodes(source_rows, interpolation)
        nodes_cols = interpolation_nodes(source_cols, interpolation)
        image_start = np.arange(len(a0))[:, None, None] * (height * width)
        # Per neighbour: the flat pixel index it reads, and its weight (0 where constant fill
        # replaces it; the fill's share of the output is what the weights leave out).
        self.neighbours = []
        for row, row_weight in nodes_rows:
            row_index, row_valid = fold_index(row, height, fill_mode)
            for col, col_weight in nodes_cols:
                col_index, col_valid = fold_index(col, width, fill_mode)
                weight = row_weight * col_weight * (row_valid & col_valid)
                self.neighbours.append((image_start + row_index * width + col_index, weight))
        self.fill_share = None
        if fill_mode == "constant":
            self.fill_share = 1.0 - sum(weight for _, weight in self.neighbours)

    def apply(self, images, fill_value=0.0):
        """The warped batch (channels last), in the images' dtype."""
        pixels = images.reshape(-1, images.shape[-1])
        out = np.zeros(images.shape, images.dtype)
        for index, weight in self.neighbours:
            out += weight[..., None].astype(images.dtype) * pixels[index]
        if self.fill_share is not None and fill_value != 0:
            out += (self.fill_share[..., None] * fill_value).astype(images.dtype)
        return out

    def transpose(self, dy):
        """The gradient of ``sum(apply(images) * dy)`` with respect to the images."""
        channels = dy.shape[-1]
        grad = np.zeros((dy.shape[0] * self.height * self.width, channels), dy.dtype)
        for index, weight in self.neighbours:
            np.add.at(grad, index.reshape(-1),
                      (weight[..., None].astype(dy.dtype) * dy).reshape(-1, channels))
        return grad.reshape(dy.shape[0], self.height, self.width, channels)


def interpolation_nodes(coordinate, interpolation):
    """The integer positions an interpolation reads along one axis, with their weights."""
    if interpolation == "nearest":
        return [(np.rint(coordinate).astype(np.int64), np.ones_like(coordinate))]
    lower = np.floor(coordinate)
    upper_weight = coordinate - lower
    lower = lower.astype(np.int64)
    return [(lower, 1.0 - upper_weight), (lower + 1, upper_weight)]


def fold_index(index, size, fill_mode):
    """``index`` moved inside ``[0, size)`` by ``fill_mode``, and where it was inside already
    (everywhere, except for constant fill, whose outside pixels are the fill value)."""
    if fill_mode == "reflect":
        folded = index % (2 * size)
        return np.where(folded < size, folded, 2 * size - 1 - folded), True
    if fill_mode == "wrap":
        return index % size, True
    if fill_mode == "mirror":
        period = 2 * (size - 1)
        return (np.abs((index + size - 1) % period - (size - 1)) if period else 0 * index), True
    inside = (index >= 0) & (index < size) if fill_mode == "constant" else True
    return np.clip(index, 0, size - 1), inside
