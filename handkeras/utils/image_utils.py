"""Images between files, PIL images and arrays: ``load_img``, ``img_to_array``, ``array_to_img``
and ``save_img``, with Keras's arguments, conversions and errors.

PIL (Pillow) decodes, encodes and resamples. It is not a dependency of handkeras itself but of
matplotlib, so it is installed wherever handkeras is; it is imported when one of these functions
is called, not by ``import handkeras``.
"""

import io
import pathlib
import warnings

import numpy as np

from handkeras.backend import floatx, image_data_format

_INTERPOLATIONS = ("nearest", "bilinear", "bicubic", "hamming", "box", "lanczos")
_COLOR_MODES = {"grayscale": ("L", "I;16", "I"), "rgb": ("RGB",), "rgba": ("RGBA",)}
# PIL's mode for an array of 4, 3 or 1 channel(s) (the last also "I" for values above 255).
_MODES = {4: "RGBA", 3: "RGB", 1: "L"}


def load_img(path, color_mode="rgb", target_size=None, interpolation="nearest",
             keep_aspect_ratio=False):
    """The image in the file ``path`` (a path or an ``io.BytesIO``) as a PIL image.

    ``color_mode`` converts it to ``"rgb"``, ``"rgba"`` or ``"grayscale"`` (8 bits, unless it is
    already 16- or 32-bit grayscale). ``target_size=(height, width)`` resizes it with
    ``interpolation`` (``"nearest"``, ``"bilinear"``, ``"bicubic"``, ``"hamming"``, ``"box"`` or
    ``"lanczos"``); ``keep_aspect_ratio=True`` first crops the largest centred region of the
    target's proportions, so the image is not distorted.
    """
    image_module = _pil("load_img")
    if not isinstance(path, (io.BytesIO, pathlib.Path, bytes, str)):
        raise TypeError(f"path should be path-like or io.BytesIO, not {type(path)}")
    if color_mode not in _COLOR_MODES:
        raise ValueError('color_mode must be "grayscale", "rgb", or "rgba"')
    if isinstance(path, io.BytesIO):
        image = image_module.open(path)
    else:  # read whole, so that no file is left open behind the lazily decoded image
        with open(path, "rb") as file:
            image = image_module.open(io.BytesIO(file.read()))

    if image.mode not in _COLOR_MODES[color_mode]:
        image = image.convert(_COLOR_MODES[color_mode][0])
    if target_size is None:
        return image
    size = (target_size[1], target_size[0])
    if image.size == size:
        return image
    if interpolation not in _INTERPOLATIONS:
        raise ValueError(f"Invalid interpolation method {interpolation} specified. Supported "
                         f"methods are {', '.join(_INTERPOLATIONS)}")
    filters = getattr(image_module, "Resampling", image_module)  # Pillow < 9.1: module constants
    resample = getattr(filters, interpolation.upper())
    box = _centred_crop(image.size, size) if keep_aspect_ratio else None
    return image.resize(size, resample, box=box)


def _centred_crop(size, target):
    """The box ``(left, top, right, bottom)`` of the largest centred region of ``size`` (width,
    height) with the proportions of ``target``, in whole pixels as Keras computes it."""
    (width, height), (target_width, target_height) = size, target
    crop_height = min(height, width * target_height // target_width)
    crop_width = min(width, height * target_width // target_height)
    top, left = (height - crop_height) // 2, (width - crop_width) // 2
    return (left, top, left + crop_width, top + crop_height)


def img_to_array(img, data_format=None, dtype=None):
    """A PIL image (or any array-like image) as a 3-D array of ``dtype`` (default floatx):
    ``(height, width, channels)``, or ``(channels, height, width)`` for ``"channels_first"``; a
    grayscale image gets a channel axis of 1."""
    data_format = _data_format(data_format)
    x = np.asarray(img, dtype=floatx() if dtype is None else dtype)
    if x.ndim == 2:
        x = x[:, :, None]
    elif x.ndim != 3:
        raise ValueError(f"Unsupported image shape: {x.shape}")
    return x.transpose(2, 0, 1) if data_format == "channels_first" else x


def array_to_img(x, data_format=None, scale=True, dtype=None):
    """The 3-D image array ``x`` as a PIL image: RGBA, RGB or grayscale for 4, 3 or 1 channel(s).

    With ``scale`` the values are first stretched to fill ``[0, 255]`` (the minimum becomes 0,
    the maximum 255); then they are truncated to 8 bits, except grayscale values above 255,
    which make a 32-bit image. ``dtype`` (default floatx) is the type computed in.
    """
    data_format = _data_format(data_format)
    image_module = _pil("array_to_img")
    x = np.asarray(x, dtype=floatx() if dtype is None else dtype)
    if x.ndim != 3:
        raise ValueError("Expected image array to have rank 3 (single image). Got array with "
                         f"shape: {x.shape}")
    if data_format == "channels_first":
        x = x.transpose(1, 2, 0)
    if scale:
        x = x - np.min(x)
        peak = np.max(x)
        if peak != 0:
            x /= peak
        x *= 255
    channels = x.shape[2]
    if channels not in _MODES:
        raise ValueError(f"Unsupported channel number: {channels}")
    if channels == 1:
        if np.max(x) > 255:
            return image_module.fromarray(x[:, :, 0].astype("int32"), "I")
        x = x[:, :, 0]
    return image_module.fromarray(x.astype("uint8"), _MODES[channels])


def save_img(path, x, data_format=None, file_format=None, scale=True, **kwargs):
    """Write the image array ``x`` (see ``array_to_img``) to ``path``, a path or a file object.

    ``file_format`` defaults to the path's extension (give it for a file object); ``"jpg"`` means
    JPEG, which has no alpha channel: an RGBA image is then saved as RGB, with a warning. The
    other keyword arguments go to PIL's ``Image.save`` (``quality=90``, ...).
    """
    data_format = _data_format(data_format)
    if file_format is None and isinstance(path, (str, pathlib.Path)):
        file_format = pathlib.Path(path).suffix[1:].lower()
    if file_format and file_format.lower() == "jpg":
        file_format = "jpeg"
    image = array_to_img(x, data_format=data_format, scale=scale)
    if image.mode == "RGBA" and file_format == "jpeg":
        warnings.warn("The JPEG format does not support RGBA images, converting to RGB.",
                      stacklevel=2)
        image = image.convert("RGB")
    image.save(path, format=file_format, **kwargs)


def _data_format(data_format):
    """``"channels_last"`` or ``"channels_first"`` (None: the configured format), any case."""
    if data_format is None:
        return image_data_format()
    data_format = str(data_format).lower()
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError("The `data_format` argument must be one of {'channels_first', "
                         f"'channels_last'}}. Received: data_format={data_format}")
    return data_format


def _pil(function):
    """PIL's ``Image`` module, imported now, or an ImportError saying ``function`` needs it."""
    try:
        from PIL import Image
    except ImportError as error:
        raise ImportError(f"Could not import PIL.Image. The use of `{function}` requires PIL "
                          "(pip install pillow).") from error
    return Image
