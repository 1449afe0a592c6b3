"""Resampling images to a new size as Keras's torch backend does it: torch's ``interpolate`` with
half-pixel centres (``align_corners=False``), one axis at a time.

Along an axis of ``size`` pixels resized to ``new_size``, output pixel ``i`` is centred on the input
position ``c = (i + 0.5) * size / new_size``, input pixel ``j`` covering ``[j, j + 1)``:

- ``"nearest"`` reads the pixel under ``c``, ``floor(c)`` (torch's ``"nearest-exact"``, which Keras
  uses), with ``c`` computed in float32 as torch computes it;
- ``"bilinear"`` mixes the two pixels around ``c - 0.5`` (taken as at least 0) by their distances,
  the last pixel standing in for the one past the end;
- ``"bicubic"`` mixes the four pixels around ``c - 0.5`` by Keys's cubic kernel with ``a = -0.75``,
  the edge pixels standing in for those past the edges;
- with ``antialias=True``, bilinear and bicubic widen their kernel by the shrinking factor when the
  image shrinks, so that every input pixel counts (the triangle, or Keys's kernel with
  ``a = -0.5``), and normalize the weights: PIL's rule, which torch follows.

As in torch, the pixel below a position is found after rounding the position to float32, and an
axis whose size does not change is left as it is, except by bicubic without antialiasing, which
torch computes all the same (the values are equal; a NaN spreads to the neighbours).

Each output pixel gathers the pixels it reads (its taps), so that a NaN or an inf spreads where
Keras's does. The map is linear: its transpose, the input gradient, is the matrix of the same
weights. Before resampling, a window of the images is taken: a crop, or a frame of a fill value
around them where the window reaches past their edges (Keras's ``crop_to_aspect_ratio`` and
``pad_to_aspect_ratio``, ``CenterCrop``, ``RandomCrop``).
"""

import functools

import numpy as np

INTERPOLATIONS = ("bilinear", "nearest", "bicubic")


class AxisResampling:
    """Resampling along one axis of ``size`` pixels: ``taps`` is a list of ``(index, weight)``
    pairs of arrays over the output pixels, output pixel ``i`` being the sum over the taps of
    ``weight[i] * x[index[i]]``."""

    def __init__(self, size, taps):
        self.new_size = len(taps[0][0])
        self.taps = taps
        self.matrix = np.zeros((self.new_size, size))
        for index, weight in taps:
            np.add.at(self.matrix, (np.arange(self.new_size), index), weight)
        for array in [self.matrix, *(a for tap in taps for a in tap)]:
            array.setflags(write=False)  # shared by every layer through the cache

    def apply(self, x, axis):
        """``x`` resampled along ``axis``, in ``x``'s dtype."""
        shape = [1] * x.ndim
        shape[axis] = self.new_size
        out = None
        for index, weight in self.taps:
            term = np.take(x, index, axis=axis)
            term *= weight.astype(x.dtype).reshape(shape)
            out = term if out is None else np.add(out, term, out=out)
        return out

    def transpose(self, dy, axis):
        """The gradient of ``sum(apply(x, axis) * dy)`` with respect to ``x``."""
        gathered = np.moveaxis(dy, axis, -1) @ self.matrix.astype(dy.dtype)
        return np.moveaxis(gathered, -1, axis)


@functools.lru_cache(maxsize=256)
def axis_resampling(size, new_size, interpolation, antialias=False):
    """The ``AxisResampling`` from ``size`` to ``new_size`` pixels, or None where torch leaves the
    axis as it is."""
    antialias = antialias and interpolation != "nearest"  # Keras drops it for nearest
    if size == new_size and (antialias or interpolation != "bicubic"):
        return None
    if antialias:
        return AxisResampling(size, _antialiased_taps(size, new_size, interpolation))
    taps = {"nearest": _nearest_taps, "bilinear": _bilinear_taps,
            "bicubic": _bicubic_taps}[interpolation]
    return AxisResampling(size, taps(size, new_size))


def _source(size, new_size):
    """``c - 0.5``: the position each output pixel is centred on, in input pixels from the centre
    of the first."""
    return (np.arange(new_size) + 0.5) * (size / new_size) - 0.5


def _below(position, size):
    """The pixel below each position (found in float32, as torch's ``floorf``, at most the last
    pixel) and the distance from it, clipped to ``[0, 1]``."""
    below = np.minimum(np.floor(position.astype(np.float32)).astype(np.int64), size - 1)
    return below, np.clip(position - below, 0.0, 1.0)


def _nearest_taps(size, new_size):
    scale = np.float32(size) / np.float32(new_size)  # torch's float32 scale and position
    position = ((np.arange(new_size) + 0.5) * np.float64(scale)).astype(np.float32)
    return [(np.minimum(np.floor(position).astype(np.int64), size - 1), np.ones(new_size))]


def _bilinear_taps(size, new_size):
    below, t = _below(np.maximum(_source(size, new_size), 0.0), size)
    return [(below, 1.0 - t), (np.minimum(below + 1, size - 1), t)]


def _bicubic_taps(size, new_size):
    below, t = _below(_source(size, new_size), size)
    weights = (_keys(t + 1.0, -0.75), _keys(t, -0.75), _keys(1.0 - t, -0.75),
               _keys((1.0 - t) + 1.0, -0.75))
    return [(np.clip(below - 1 + k, 0, size - 1), w) for k, w in enumerate(weights)]


def _keys(x, a):
    """Keys's cubic convolution kernel with parameter ``a``."""
    x = np.abs(x)
    near = ((a + 2) * x - (a + 3)) * x * x + 1
    far = ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
    return np.where(x <= 1, near, np.where(x < 2, far, 0.0))


def _antialiased_taps(size, new_size, interpolation):
    """PIL's (and torch's) antialiased taps: the kernel, widened by the shrinking factor, over the
    pixels within its reach of the centre, with weights normalized to sum to 1."""
    scale = size / new_size
    if interpolation == "bilinear":
        radius, kernel = 1, lambda x: np.maximum(1.0 - np.abs(x), 0.0)
    else:
        radius, kernel = 2, lambda x: _keys(x, -0.5)
    shrink = 1.0 / scale if scale >= 1 else 1.0
    support = radius * scale if scale >= 1 else float(radius)
    centre = scale * (np.arange(new_size) + 0.5)
    first = np.maximum(np.trunc(centre - support + 0.5), 0).astype(np.int64)
    most = int(np.ceil(support)) * 2 + 1
    count = np.clip(np.minimum(np.trunc(centre + support + 0.5).astype(np.int64), size) - first,
                    0, most)
    taps = []
    for k in range(most):
        used = k < count  # an unused tap reads the first pixel, with no weight
        weight = np.where(used, kernel((first + k - centre + 0.5) * shrink), 0.0)
        taps.append((np.where(used, first + k, first), weight))
    total = sum(weight for _, weight in taps)
    total[total == 0] = 1.0
    return [(index, weight / total) for index, weight in taps]


class Resampling:
    """How a channels-last batch of ``image_size`` images becomes one of ``new_size``: the window
    ``(top, left, height, width)`` of the images is taken, then resampled to ``new_size`` (its
    width first, as torch's antialiased resampling runs)."""

    def __init__(self, image_size, window, new_size, interpolation="bilinear", antialias=False):
        self.image_size = tuple(image_size)
        self.window = tuple(window)
        self.rows = axis_resampling(self.window[2], new_size[0], interpolation, antialias)
        self.cols = axis_resampling(self.window[3], new_size[1], interpolation, antialias)

    def apply(self, images, fill_value=0.0):
        """The resampled batch, in the images' dtype; where the window reaches past the images,
        it reads ``fill_value``."""
        out = self._framed(images, fill_value)
        if self.cols is not None:
            out = self.cols.apply(out, axis=2)
        if self.rows is not None:
            out = self.rows.apply(out, axis=1)
        return np.ascontiguousarray(out)  # a crop alone is a view of the images

    def transpose(self, dy):
        """The gradient of ``sum(apply(images) * dy)`` with respect to the images."""
        if self.rows is not None:
            dy = self.rows.transpose(dy, axis=1)
        if self.cols is not None:
            dy = self.cols.transpose(dy, axis=2)
        grad = np.zeros((dy.shape[0], *self.image_size, dy.shape[-1]), dy.dtype)
        (rows, cols), (window_rows, window_cols) = self._overlap()
        grad[:, rows, cols] = dy[:, window_rows, window_cols]
        return grad

    def _framed(self, images, fill_value):
        """The window of the images: a view when it lies inside them."""
        (rows, cols), (window_rows, window_cols) = self._overlap()
        _, _, height, width = self.window
        if (rows.stop - rows.start, cols.stop - cols.start) == (height, width):
            return images[:, rows, cols]
        framed = np.full((len(images), height, width, images.shape[-1]), fill_value, images.dtype)
        framed[:, window_rows, window_cols] = images[:, rows, cols]
        return framed

    def _overlap(self):
        """Where the window and the images overlap: the rows and columns of the images, and the
        same ones counted in the window."""
        top, left, height, width = self.window
        first_row, last_row = max(top, 0), min(top + height, self.image_size[0])
        first_col, last_col = max(left, 0), min(left + width, self.image_size[1])
        return ((slice(first_row, last_row), slice(first_col, last_col)),
                (slice(first_row - top, last_row - top), slice(first_col - left, last_col - left)))


def aspect_ratio_crop(height, width, new_height, new_width):
    """Keras's ``crop_to_aspect_ratio`` window ``(top, left, height, width)``: the largest one of
    the new aspect ratio (its sizes rounded down, at least 1), centred (offsets rounded down)."""
    crop_height = max(min(height, int(width * new_height / new_width)), 1)
    crop_width = max(min(width, int(height * new_width / new_height)), 1)
    return (height - crop_height) // 2, (width - crop_width) // 2, crop_height, crop_width


def aspect_ratio_pad(height, width, new_height, new_width):
    """Keras's ``pad_to_aspect_ratio`` window: the images framed by half the rows or columns
    missing for the new aspect ratio on each side (rounded down: an odd count leaves the frame a
    row or column short)."""
    top = (max(height, int(width * new_height / new_width)) - height) // 2
    left = (max(width, int(height * new_width / new_height)) - width) // 2
    return -top, -left, height + 2 * top, width + 2 * left
