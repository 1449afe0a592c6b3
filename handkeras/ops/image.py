"""``keras.ops.image``: image ops on numpy arrays, computed as Keras computes them on torch.

Images are a batch ``(batch, height, width, channels)`` or one image ``(height, width,
channels)`` (channels first with ``data_format="channels_first"``). Resizing reuses the
resampling of the ``Resizing`` layer, the affine warp that of ``RandomRotation`` and its
siblings: each op and its layer compute the same thing. Integer images come back in their dtype,
rounded half to even.
"""

import itertools

import numpy as np

from handkeras import backend
from handkeras.layers.augmentation.affine_warp import AffineWarp, fold_index, interpolation_nodes
from handkeras.layers.preprocessing.resampling import (Resampling, aspect_ratio_crop,
                                                       aspect_ratio_pad)
from handkeras.ops.conv_ops import depthwise_conv
from handkeras.ops.core import convert_to_tensor

RESIZE_INTERPOLATIONS = ("bilinear", "nearest", "bicubic")
AFFINE_INTERPOLATIONS = ("nearest", "bilinear")
FILL_MODES = ("constant", "nearest", "wrap", "mirror", "reflect")


# ------------------------------------------------------------------------------------ helpers
def _data_format(data_format):
    if data_format is None:
        return backend.image_data_format()
    data_format = str(data_format).lower()
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError("The `data_format` argument must be one of {'channels_first', "
                         f"'channels_last'}}. Received: data_format={data_format}")
    return data_format


def _images(images):
    """``images`` as a tensor of rank 3 or 4, checked."""
    images = convert_to_tensor(images)
    if images.ndim not in (3, 4):
        raise ValueError("Invalid images rank: expected rank 3 (single image) or rank 4 (batch "
                         f"of images). Received input with shape: images.shape={images.shape}")
    return images


def _as_batch(images, data_format):
    """A channels-last batch of the images, and the function giving a result back their
    layout (channels first, or one image)."""
    single = images.ndim == 3
    batch = images[None] if single else images
    if data_format == "channels_first":
        batch = np.moveaxis(batch, 1, -1)

    def restore(result):
        if data_format == "channels_first":
            result = np.moveaxis(result, -1, 1)
        return np.ascontiguousarray(result[0] if single else result)
    return batch, restore


def _in_dtype(values, dtype):
    """Computed values back in the images' dtype: integers rounded half to even and clipped to
    their range, bools true where not 0."""
    dtype = np.dtype(dtype)
    if dtype == bool:
        return values != 0
    if dtype.kind in "iu":
        limits = np.iinfo(dtype)
        return np.clip(np.rint(values), limits.min, limits.max).astype(dtype)
    return values.astype(dtype, copy=False)


def _channel_axis(data_format):
    return -1 if data_format == "channels_last" else -3


def _float_images(images):
    if images.dtype.kind != "f":
        raise ValueError(f"Invalid images dtype: expected float dtype. Received: "
                         f"images.dtype={images.dtype}")
    return images


# ----------------------------------------------------------------------------------- colours
def rgb_to_grayscale(images, data_format=None):
    """RGB images to one-channel grayscale: ``0.2989 r + 0.587 g + 0.114 b`` (integers computed
    in float32 and truncated, as in Keras); one-channel images come back as they are."""
    images, axis = _images(images), _channel_axis(_data_format(data_format))
    if images.shape[axis] not in (1, 3):
        raise ValueError("Invalid channel size: expected 3 (RGB) or 1 (Grayscale). Received "
                         f"input with shape: images.shape={images.shape}")
    if images.shape[axis] == 1:
        return images.copy()
    compute = images.dtype.type if images.dtype.kind == "f" else np.float32
    red, green, blue = (np.take(images, i, axis=axis).astype(compute) for i in range(3))
    gray = compute(0.2989) * red + compute(0.587) * green + compute(0.114) * blue
    return np.expand_dims(gray.astype(images.dtype), axis)


def rgb_to_hsv(images, data_format=None):
    """RGB images (floats in [0, 1]) to hue, saturation and value, each in [0, 1]."""
    images = _float_images(_images(images))
    axis = _channel_axis(_data_format(data_format))
    images = np.where(np.abs(images) < np.finfo(images.dtype).eps, 0, images).astype(images.dtype)
    red, green, blue = (np.take(images, i, axis=axis) for i in range(3))
    value = np.maximum(np.maximum(red, green), blue)
    spread = value - np.minimum(np.minimum(red, green), blue)
    saturation = np.where(value > 0, spread / np.where(value > 0, value, 1), 0)
    scale = 1 / (6 * np.where(spread > 0, spread, 1))
    hue = np.where(value == green, scale * (blue - red) + 2 / 6, scale * (red - green) + 4 / 6)
    hue = np.where(value == red, scale * (green - blue), hue)
    hue = np.where(spread > 0, hue, 0) + (hue < 0)
    return np.stack([hue, saturation, value], axis=axis).astype(images.dtype)


def hsv_to_rgb(images, data_format=None):
    """Hue, saturation and value images (floats in [0, 1]) to RGB."""
    images = _float_images(_images(images))
    axis = _channel_axis(_data_format(data_format))
    hue, saturation, value = (np.take(images, i, axis=axis) for i in range(3))
    sixths = np.mod(hue, 1) * 6
    red = np.clip(np.abs(sixths - 3) - 1, 0, 1)
    green = np.clip(2 - np.abs(sixths - 2), 0, 1)
    blue = np.clip(2 - np.abs(sixths - 4), 0, 1)
    planes = [value * ((1 - saturation) + saturation * c) for c in (red, green, blue)]
    return np.stack(planes, axis=axis).astype(images.dtype)


# ------------------------------------------------------------------------------ resampling
def resize(images, size, interpolation="bilinear", antialias=False, crop_to_aspect_ratio=False,
           pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0, data_format=None):
    """Images resized to ``size = (height, width)``, as the ``Resizing`` layer resizes them
    (half-pixel centres, torch's interpolations; ``crop_to_aspect_ratio`` or
    ``pad_to_aspect_ratio`` with ``fill_value`` keep the aspect ratio)."""
    data_format = _data_format(data_format)
    if interpolation in ("lanczos3", "lanczos5"):
        raise ValueError("Resizing with Lanczos interpolation is not supported by handkeras "
                         f"(nor by Keras's torch backend). Received: interpolation="
                         f"{interpolation}.")
    if interpolation not in RESIZE_INTERPOLATIONS:
        raise ValueError(f"Invalid value for argument `interpolation`. Expected one of "
                         f"{RESIZE_INTERPOLATIONS}. Received: interpolation={interpolation}")
    if fill_mode != "constant":
        raise ValueError("Invalid value for argument `fill_mode`. Only `'constant'` is "
                         f"supported. Received: fill_mode={fill_mode}")
    if pad_to_aspect_ratio and crop_to_aspect_ratio:
        raise ValueError("Only one of `pad_to_aspect_ratio` & `crop_to_aspect_ratio` can be "
                         "`True`.")
    if len(size) != 2:
        raise ValueError(f"Argument `size` must be a tuple of two elements (height, width). "
                         f"Received: size={size}")
    images = _images(images)
    batch, restore = _as_batch(images, data_format)
    height, width = batch.shape[1:3]
    new_height, new_width = (int(n) for n in size)
    if crop_to_aspect_ratio:
        window = aspect_ratio_crop(height, width, new_height, new_width)
    elif pad_to_aspect_ratio:
        window = aspect_ratio_pad(height, width, new_height, new_width)
    else:
        window = (0, 0, height, width)
    compute = batch if batch.dtype in (np.float32, np.float64) else batch.astype(np.float32)
    resampling = Resampling((height, width), window, (new_height, new_width), interpolation,
                            bool(antialias))
    return restore(_in_dtype(resampling.apply(compute, fill_value), images.dtype))


def affine_transform(images, transform, interpolation="bilinear", fill_mode="constant",
                     fill_value=0, data_format=None):
    """Images warped by Keras's 8-number transforms ``[a0, a1, a2, b0, b1, b2, c0, c1]`` (one,
    or one per image): output pixel ``(y, x)`` reads the input at ``(b0 x + b1 y + b2,
    a0 x + a1 y + a2)``; outside the image, ``fill_mode`` decides what is read."""
    data_format = _data_format(data_format)
    if interpolation not in AFFINE_INTERPOLATIONS:
        raise ValueError(f"Invalid value for argument `interpolation`. Expected one of "
                         f"{AFFINE_INTERPOLATIONS}. Received: interpolation={interpolation}")
    if fill_mode not in FILL_MODES:
        raise ValueError(f"Invalid value for argument `fill_mode`. Expected one of "
                         f"{FILL_MODES}. Received: fill_mode={fill_mode}")
    images, transform = _images(images), convert_to_tensor(transform)
    if transform.ndim not in (1, 2):
        raise ValueError("Invalid transform rank: expected rank 1 (single transform) or rank 2 "
                         f"(batch of transforms). Received input with shape: "
                         f"transform.shape={transform.shape}")
    batch, restore = _as_batch(images, data_format)
    transforms = np.broadcast_to(np.atleast_2d(transform), (len(batch), 8))
    if np.any(transforms[:, 6:] != 0):
        raise ValueError("affine_transform: handkeras applies affine transforms only; the "
                         "projective terms c0 and c1 must be 0. Received: "
                         f"transform={transform.tolist()}")
    warp = AffineWarp(transforms, *batch.shape[1:3], interpolation, fill_mode)
    compute = batch if batch.dtype.kind == "f" else batch.astype(np.float64)
    return restore(_in_dtype(warp.apply(compute, fill_value), images.dtype))


def map_coordinates(inputs, coordinates, order, fill_mode="constant", fill_value=0):
    """``inputs`` read at the points ``coordinates`` (one array of positions per axis of
    ``inputs``): the nearest entry (``order=0``, halves to even) or the linear interpolation of
    the neighbours (``order=1``); outside, ``fill_mode`` decides what is read."""
    inputs = convert_to_tensor(inputs)
    coordinates = [convert_to_tensor(c) for c in coordinates]
    if len(coordinates) != inputs.ndim:
        raise ValueError("First dim of `coordinates` must be the same as the rank of `inputs`. "
                         f"Received inputs with shape: {inputs.shape} and coordinate leading "
                         f"dim of {len(coordinates)}")
    if coordinates[0].ndim < 1:
        raise ValueError("Invalid coordinates rank: expected at least rank 2. Received input "
                         f"with shape: {(len(coordinates),) + coordinates[0].shape}")
    if fill_mode not in FILL_MODES:
        raise ValueError(f"Invalid value for argument `fill_mode`. Expected one of "
                         f"{FILL_MODES}. Received: fill_mode={fill_mode}")
    if order not in (0, 1):
        raise NotImplementedError(f"map_coordinates currently requires order<=1. Received: "
                                  f"order={order}")
    interpolation = "nearest" if order == 0 else "bilinear"
    per_axis = []
    for coordinate, size in zip(coordinates, inputs.shape):
        nodes = interpolation_nodes(coordinate.astype(np.float64), interpolation)
        per_axis.append([(*fold_index(index, size, fill_mode), weight) for index, weight in nodes])
    total = np.zeros(np.broadcast_shapes(*(c.shape for c in coordinates)))
    for combination in itertools.product(*per_axis):
        indices, valid, weights = zip(*combination)
        read = inputs[tuple(indices)].astype(np.float64)
        inside = np.logical_and.reduce([np.asarray(v) for v in valid])
        total = total + np.prod(weights, axis=0) * np.where(inside, read, fill_value)
    return _in_dtype(total, inputs.dtype)


# ------------------------------------------------------------------------- pads, crops, patches
def _two_of(values, names):
    """Keras's rule: exactly two of (before, after, target) are given, none negative."""
    if list(values).count(None) != 1:
        raise ValueError(f"Must specify exactly two of {', '.join(names)}. Received: "
                         + ", ".join(f"{n}={v}" for n, v in zip(names, values)))
    for name, value in zip(names, values):
        if value is not None and value < 0:
            raise ValueError(f"{name} must be >= 0. Received: {name}={value}")


def pad_images(images, top_padding=None, left_padding=None, bottom_padding=None,
               right_padding=None, target_height=None, target_width=None, data_format=None):
    """Images framed by zeros: give two of the padding before, the padding after and the target
    size, for the height and for the width."""
    data_format, images = _data_format(data_format), _images(images)
    height, width = images.shape[-3:-1] if data_format == "channels_last" else images.shape[-2:]
    pads = []
    for values, size, names in [
            ((top_padding, bottom_padding, target_height), height,
             ("top_padding", "bottom_padding", "target_height")),
            ((left_padding, right_padding, target_width), width,
             ("left_padding", "right_padding", "target_width"))]:
        _two_of(values, names)
        before, after, target = values
        before = target - after - size if before is None else before
        after = target - before - size if after is None else after
        for name, value in zip(names, (before, after)):
            if value < 0:
                raise ValueError(f"{name} must be >= 0. Received: {name}={value}")
        pads.append((before, after))
    spatial = pads + [(0, 0)] if data_format == "channels_last" else [(0, 0)] + pads
    return np.pad(images, [(0, 0)] * (images.ndim - 3) + spatial)


def crop_images(images, top_cropping=None, left_cropping=None, bottom_cropping=None,
                right_cropping=None, target_height=None, target_width=None, data_format=None):
    """Images cut down: give two of the cropping before, the cropping after and the target
    size, for the height and for the width."""
    data_format, images = _data_format(data_format), _images(images)
    height, width = images.shape[-3:-1] if data_format == "channels_last" else images.shape[-2:]
    windows = []
    for values, size, names in [
            ((top_cropping, bottom_cropping, target_height), height,
             ("top_cropping", "bottom_cropping", "target_height")),
            ((left_cropping, right_cropping, target_width), width,
             ("left_cropping", "right_cropping", "target_width"))]:
        _two_of(values, names)
        before, after, target = values
        before = size - target - after if before is None else before
        target = size - after - before if target is None else target
        for name, value in zip((names[0], names[2]), (before, target)):
            if value < 0:
                raise ValueError(f"{name} must be >= 0. Received: {name}={value}")
        windows.append(slice(before, before + target))
    spatial = windows + [slice(None)] if data_format == "channels_last" else \
        [slice(None)] + windows
    return images[(slice(None),) * (images.ndim - 3) + tuple(spatial)].copy()


def extract_patches(images, size, strides=None, dilation_rate=1, padding="valid",
                    data_format=None):
    """The ``size`` patches of the images, one every ``strides`` (``size`` by default), each
    flattened into the channels (rows, then columns, then channels): shape
    ``(batch, patches down, patches across, patch_height * patch_width * channels)``."""
    if isinstance(size, int):
        size = (size, size)
    elif len(size) != 2:
        raise TypeError(f"Invalid `size` argument. Expected an int or a tuple of length 2. "
                        f"Received: size={size}")
    if padding not in ("valid", "same"):
        raise ValueError(f"`padding` must be 'valid' or 'same'. Received: padding={padding!r}")
    data_format, images = _data_format(data_format), _images(images)
    batch, restore = _as_batch(images, data_format)
    strides = _pair(strides or size)
    dilation = _pair(dilation_rate)
    if padding == "same":
        pads = []
        for n, k, s, d in zip(batch.shape[1:3], size, strides, dilation):
            total = max((-(-n // s) - 1) * s + (k - 1) * d + 1 - n, 0)
            pads.append((total // 2, total - total // 2))
        batch = np.pad(batch, [(0, 0), *pads, (0, 0)])
    reach = [(k - 1) * d + 1 for k, d in zip(size, dilation)]
    windows = np.lib.stride_tricks.sliding_window_view(batch, reach, axis=(1, 2))
    windows = windows[:, ::strides[0], ::strides[1], :, ::dilation[0], ::dilation[1]]
    patches = np.moveaxis(windows, 3, -1)  # (batch, down, across, rows, columns, channels)
    return restore(patches.reshape(patches.shape[:3] + (-1,)))


def _pair(value):
    return (value, value) if isinstance(value, int) else tuple(value)


# --------------------------------------------------------------------------------- filtering
def _filtered(images, kernel, pad, data_format):
    """Each channel of the images convolved with the 2-D ``kernel`` after ``pad`` zeros on
    every side (``kernel``'s dtype is the images')."""
    batch, restore = _as_batch(_images(images), _data_format(data_format))
    padded = np.pad(batch, [(0, 0), (pad, pad), (pad, pad), (0, 0)])
    channels = batch.shape[-1]
    weights = np.broadcast_to(kernel[:, :, None, None], kernel.shape + (channels, 1))
    return restore(depthwise_conv(padded, weights))


def _gaussian(size, sigma, dtype):
    offsets = np.arange(size, dtype=dtype) - (size - 1) / 2
    weights = np.exp(-0.5 * (offsets / dtype.type(sigma)) ** 2)
    return weights / weights.sum()


def gaussian_blur(images, kernel_size=(3, 3), sigma=(1.0, 1.0), data_format=None):
    """Each channel convolved with a normalized Gaussian kernel (zero padding, the size kept
    for odd kernels), as Keras builds it on torch: ``outer(g(kernel_size[1], sigma[1]),
    g(kernel_size[0], sigma[0]))`` laid out as ``kernel_size``, padded by
    ``kernel_size[0] // 2``."""
    images = _images(images)
    if images.dtype.kind != "f":
        raise ValueError(f"Invalid images dtype: expected float dtype. Received: "
                         f"images.dtype={images.dtype}")
    size, sigma = _pair(kernel_size), _pair(sigma)
    kernel = np.outer(_gaussian(size[1], sigma[1], images.dtype),
                      _gaussian(size[0], sigma[0], images.dtype)).reshape(size)
    return _filtered(images, kernel, size[0] // 2, data_format)


def sobel_edges(images, data_format=None):
    """The vertical and horizontal Sobel gradients of each channel (zero padding): shape
    ``(..., channels, 2)``, the vertical one first."""
    images = _images(images)
    vertical = np.array([[-1, -2, -1], [0, 0, 0], [1, 2, 1]], images.dtype)
    edges = [_filtered(images, kernel, 1, data_format) for kernel in (vertical, vertical.T)]
    return np.stack(edges, axis=-1)


__all__ = ["affine_transform", "crop_images", "extract_patches", "gaussian_blur", "hsv_to_rgb",
           "map_coordinates", "pad_images", "resize", "rgb_to_grayscale", "rgb_to_hsv",
           "sobel_edges"]
