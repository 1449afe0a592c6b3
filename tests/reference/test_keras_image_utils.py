"""keras.utils.load_img, img_to_array, array_to_img and save_img against Keras 3.15.1's on the
same PNG files and arrays: the same PIL images (mode, size, pixels), the same arrays and dtypes,
the same bytes written, and the same errors."""

import io
import itertools
import warnings

import numpy as np
import pytest

import handkeras

keras = pytest.importorskip("keras")
Image = pytest.importorskip("PIL.Image")

RNG = np.random.default_rng(0)


def outcome(function, *args, **kwargs):
    """A returned image as (mode, size, pixels), an array as (dtype, array), or what is raised."""
    try:
        result = function(*args, **kwargs)
    except Exception as error:  # noqa: BLE001 - the comparison is the point
        return type(error).__name__, str(error)
    if isinstance(result, Image.Image):
        return "image", result.mode, result.size, np.asarray(result).tolist()
    if isinstance(result, np.ndarray):
        return "array", result.dtype, result.shape, result.tolist()
    return "returns", result


def same(name, *args, **kwargs):
    ours = outcome(getattr(handkeras.utils, name), *args, **kwargs)
    theirs = outcome(getattr(keras.utils, name), *args, **kwargs)
    assert ours == theirs
    return ours


@pytest.fixture(scope="module")
def images(tmp_path_factory):
    """PNG files of every mode load_img meets: RGB, RGBA, 8- and 16-bit grayscale, palette."""
    folder = tmp_path_factory.mktemp("images")
    pixels = RNG.integers(0, 256, (9, 13, 4)).astype(np.uint8)
    files = {
        "rgb": Image.fromarray(pixels[..., :3], "RGB"),
        "rgba": Image.fromarray(pixels, "RGBA"),
        "gray": Image.fromarray(pixels[..., 0], "L"),
        "gray16": Image.fromarray(RNG.integers(0, 65536, (9, 13)).astype(np.uint16)),
        "palette": Image.fromarray(pixels[..., :3], "RGB").convert("P"),
    }
    paths = {}
    for name, image in files.items():
        paths[name] = str(folder / f"{name}.png")
        image.save(paths[name])
    return paths


@pytest.mark.parametrize("kind, color_mode", list(itertools.product(
    ("rgb", "rgba", "gray", "gray16", "palette"), ("rgb", "rgba", "grayscale", "hsv"))))
def test_load_img_colour_modes_are_keras_s(images, kind, color_mode):
    same("load_img", images[kind], color_mode=color_mode)


@pytest.mark.parametrize("target_size, interpolation, keep_aspect_ratio", list(itertools.product(
    ((9, 13), (4, 4), (20, 7), (1, 30)),
    ("nearest", "bilinear", "bicubic", "hamming", "box", "lanczos", "area"),
    (False, True))))
def test_load_img_resizing_is_keras_s(images, target_size, interpolation, keep_aspect_ratio):
    same("load_img", images["rgb"], target_size=target_size, interpolation=interpolation,
         keep_aspect_ratio=keep_aspect_ratio)


def test_load_img_paths_and_errors_are_keras_s(images):
    with open(images["rgba"], "rb") as file:
        data = file.read()
    same("load_img", io.BytesIO(data), color_mode="rgba")
    same("load_img", images["rgb"].encode())
    same("load_img", 3)
    same("load_img", images["rgb"] + ".missing")


@pytest.mark.parametrize("kind, data_format, dtype", list(itertools.product(
    ("rgb", "rgba", "gray", "gray16"), (None, "channels_last", "channels_first", "Channels_Last"),
    (None, "float64", "uint8", "int32"))))
def test_img_to_array_is_keras_s(images, kind, data_format, dtype):
    image = Image.open(images[kind])
    same("img_to_array", image, data_format=data_format, dtype=dtype)


ARRAYS = {
    "rgb in [0, 1)": RNG.random((5, 6, 3)),
    "rgba": RNG.random((5, 6, 4)) * 3 - 1,
    "gray": RNG.normal(size=(5, 6, 1)),
    "gray above 255": RNG.random((5, 6, 1)) * 1000,
    "constant": np.full((3, 3, 3), 4.0),
    "uint8": RNG.integers(0, 256, (4, 4, 3)).astype(np.uint8),
    "two channels": np.ones((3, 3, 2)),
    "rank 2": np.ones((3, 3)),
    "rank 4": np.ones((1, 3, 3, 3)),
}


@pytest.mark.parametrize("array", ARRAYS.values(), ids=ARRAYS.keys())
@pytest.mark.parametrize("scale, dtype", [(True, None), (False, None), (True, "float64"),
                                          (False, "float16")])
def test_array_to_img_is_keras_s(array, scale, dtype):
    same("array_to_img", array, scale=scale, dtype=dtype)


def test_array_to_img_data_formats_are_keras_s():
    first = RNG.random((3, 4, 5))
    same("array_to_img", first, data_format="channels_first")
    same("array_to_img", first, data_format="channels_middle")


@pytest.mark.parametrize("name, array, arguments", [
    ("a.png", RNG.random((6, 5, 3)), {}),
    ("a.png", RNG.random((6, 5, 4)), {"scale": False}),
    ("a.JPG", RNG.random((6, 5, 3)), {"quality": 70}),
    ("a.jpeg", RNG.random((6, 5, 4)), {}),
    ("a.bmp", RNG.random((6, 5, 1)), {}),
    ("a.png", RNG.random((3, 6, 5)), {"data_format": "channels_first"}),
    ("a.gif", RNG.random((6, 5, 3)), {"file_format": "png"}),
])
def test_save_img_writes_the_bytes_keras_writes(tmp_path, name, array, arguments):
    written = []
    for library in (handkeras, keras):
        path = tmp_path / library.__name__ / name
        path.parent.mkdir()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            library.utils.save_img(str(path), array, **arguments)
        written.append((path.read_bytes(), [str(warning.message) for warning in caught]))
    assert written[0] == written[1]


def test_save_img_to_a_file_object_and_its_errors_are_keras_s(tmp_path):
    buffers = [io.BytesIO(), io.BytesIO()]
    image = RNG.random((4, 4, 3))
    handkeras.utils.save_img(buffers[0], image, file_format="png")
    keras.utils.save_img(buffers[1], image, file_format="png")
    assert buffers[0].getvalue() == buffers[1].getvalue()
    assert same("save_img", str(tmp_path / "no_extension"), np.ones((2, 2, 3)))[0] == "ValueError"
    assert same("save_img", str(tmp_path / "a.png"), np.ones((2, 2, 2)))[0] == "ValueError"
    assert list(tmp_path.iterdir()) == []
