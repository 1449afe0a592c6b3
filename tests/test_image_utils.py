"""keras.utils.load_img, img_to_array, array_to_img and save_img: images through PNG and JPEG
files in tmp_path, colour modes, resizing, scaling and Keras's errors.

tests/reference/test_keras_image_utils.py calls Keras's functions on the same files and arrays.
"""

import io
import pathlib
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

import handkeras as keras

RED, GREEN, BLUE, WHITE = (255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255)


def save_png(path, pixels, mode=None):
    Image.fromarray(np.asarray(pixels, dtype=np.uint8), mode).save(path)
    return path


@pytest.fixture
def quadrants(tmp_path):
    """A 2 x 2 RGB PNG: red, green on top, blue, white below."""
    return save_png(tmp_path / "quadrants.png", [[RED, GREEN], [BLUE, WHITE]])


# -------------------------------------------------------------------------------------- round trip
def test_an_image_array_survives_save_and_load(tmp_path):
    pixels = np.random.default_rng(0).integers(0, 256, (5, 7, 3)).astype("float32")
    keras.utils.save_img(tmp_path / "x.png", pixels, scale=False)
    image = keras.utils.load_img(tmp_path / "x.png")
    assert isinstance(image, Image.Image) and image.mode == "RGB" and image.size == (7, 5)
    array = keras.utils.img_to_array(image)
    assert array.dtype == np.float32 and array.shape == (5, 7, 3)
    np.testing.assert_array_equal(array, pixels)


def test_load_img_takes_str_bytes_path_and_bytesio(quadrants):
    expected = np.array([[RED, GREEN], [BLUE, WHITE]], dtype="float32")
    for path in (str(quadrants), str(quadrants).encode(), pathlib.Path(quadrants),
                 io.BytesIO(quadrants.read_bytes())):
        np.testing.assert_array_equal(keras.utils.img_to_array(keras.utils.load_img(path)),
                                      expected)


def test_load_img_refuses_other_paths():
    with pytest.raises(TypeError,
                       match="path should be path-like or io.BytesIO, not <class 'int'>"):
        keras.utils.load_img(3)


# ----------------------------------------------------------------------------------- colour modes
def test_grayscale_is_pil_s_8_bit_luma(quadrants):
    image = keras.utils.load_img(quadrants, color_mode="grayscale")
    assert image.mode == "L"
    array = keras.utils.img_to_array(image)
    assert array.shape == (2, 2, 1)
    # L = (299 R + 587 G + 114 B) / 1000, rounded
    np.testing.assert_array_equal(array[..., 0], [[76, 150], [29, 255]])


def test_sixteen_bit_grayscale_is_kept(tmp_path):
    path = tmp_path / "deep.png"
    Image.fromarray(np.array([[0, 1000], [40000, 65535]], dtype=np.uint16)).save(path)
    image = keras.utils.load_img(path, color_mode="grayscale")
    assert image.mode in ("I;16", "I")
    np.testing.assert_array_equal(keras.utils.img_to_array(image)[..., 0],
                                  [[0, 1000], [40000, 65535]])


def test_rgba_adds_an_opaque_alpha_and_rgb_drops_it(tmp_path, quadrants):
    rgba = keras.utils.img_to_array(keras.utils.load_img(quadrants, color_mode="rgba"))
    assert rgba.shape == (2, 2, 4)
    np.testing.assert_array_equal(rgba[..., 3], 255)
    translucent = save_png(tmp_path / "t.png", np.full((2, 2, 4), [10, 20, 30, 40]), "RGBA")
    rgb = keras.utils.img_to_array(keras.utils.load_img(translucent))
    np.testing.assert_array_equal(rgb, np.full((2, 2, 3), [10, 20, 30]))


def test_an_unknown_color_mode_is_refused(quadrants):
    with pytest.raises(ValueError, match='color_mode must be "grayscale", "rgb", or "rgba"'):
        keras.utils.load_img(quadrants, color_mode="cmyk")


# --------------------------------------------------------------------------------------- resizing
def test_target_size_is_height_then_width(quadrants):
    image = keras.utils.load_img(quadrants, target_size=(4, 6))
    assert image.size == (6, 4)
    array = keras.utils.img_to_array(image)
    np.testing.assert_array_equal(array[:2, :3], np.full((2, 3, 3), RED))
    np.testing.assert_array_equal(array[2:, 3:], np.full((2, 3, 3), WHITE))


@pytest.mark.parametrize("interpolation", ["bilinear", "bicubic", "hamming", "box", "lanczos"])
def test_each_interpolation_is_pil_s_filter(quadrants, interpolation):
    ours = keras.utils.load_img(quadrants, target_size=(3, 5), interpolation=interpolation)
    with Image.open(quadrants) as original:
        expected = original.convert("RGB").resize(
            (5, 3), getattr(Image.Resampling, interpolation.upper()))
    np.testing.assert_array_equal(np.asarray(ours), np.asarray(expected))


def test_box_interpolation_averages_blocks(tmp_path):
    path = save_png(tmp_path / "g.png", [[0, 100, 10, 10], [100, 200, 30, 50]], "L")
    image = keras.utils.load_img(path, color_mode="grayscale", target_size=(1, 2),
                                 interpolation="box")
    np.testing.assert_array_equal(np.asarray(image), [[100, 25]])


def test_an_unknown_interpolation_is_refused_only_when_resizing(quadrants):
    with pytest.raises(ValueError, match="Invalid interpolation method cubic specified. Supported "
                                         "methods are nearest, bilinear, bicubic, hamming, box, "
                                         "lanczos"):
        keras.utils.load_img(quadrants, target_size=(3, 3), interpolation="cubic")
    # as in Keras: an image already of the target size is not resized, so nothing is checked
    assert keras.utils.load_img(quadrants, target_size=(2, 2), interpolation="cubic").size == (2, 2)


def test_keep_aspect_ratio_crops_the_centre_first(tmp_path):
    columns = np.arange(8, dtype=np.uint8) * 30
    path = save_png(tmp_path / "wide.png", np.tile(columns, (4, 1)), "L")
    image = keras.utils.load_img(path, color_mode="grayscale", target_size=(2, 2),
                                 keep_aspect_ratio=True, interpolation="box")
    # the centred 4 x 4 square is columns 2..5; box-averaged in pairs: (60+90)/2, (120+150)/2
    np.testing.assert_array_equal(np.asarray(image), [[75, 135], [75, 135]])
    stretched = keras.utils.load_img(path, color_mode="grayscale", target_size=(2, 2),
                                     interpolation="box")
    np.testing.assert_array_equal(np.asarray(stretched), [[45, 165], [45, 165]])


# ------------------------------------------------------------------------------ arrays and images
def test_array_to_img_stretches_values_to_0_255_by_default():
    x = np.array([[[-1.0], [0.0]], [[0.5], [1.0]]])
    image = keras.utils.array_to_img(x)
    assert image.mode == "L"
    # (x + 1) / 2 * 255, truncated: 0, 127.5, 191.25, 255
    np.testing.assert_array_equal(np.asarray(image), [[0, 127], [191, 255]])


def test_array_to_img_without_scale_truncates_to_8_bits():
    image = keras.utils.array_to_img(np.full((1, 2, 3), 12.9), scale=False)
    assert image.mode == "RGB"
    np.testing.assert_array_equal(np.asarray(image), np.full((1, 2, 3), 12))


def test_a_constant_image_scales_to_zero():
    np.testing.assert_array_equal(np.asarray(keras.utils.array_to_img(np.full((2, 2, 3), 7.0))),
                                  0)


def test_modes_follow_the_channel_count():
    assert keras.utils.array_to_img(np.ones((2, 2, 4))).mode == "RGBA"
    assert keras.utils.array_to_img(np.ones((2, 2, 3))).mode == "RGB"
    assert keras.utils.array_to_img(np.ones((2, 2, 1))).mode == "L"
    deep = keras.utils.array_to_img(np.full((1, 2, 1), 1000.0), scale=False)
    assert deep.mode == "I" and np.asarray(deep).tolist() == [[1000, 1000]]


def test_array_to_img_refuses_other_shapes():
    with pytest.raises(ValueError, match=r"Expected image array to have rank 3 \(single image\). "
                                         r"Got array with shape: \(2, 2\)"):
        keras.utils.array_to_img(np.ones((2, 2)))
    with pytest.raises(ValueError, match="Unsupported channel number: 2"):
        keras.utils.array_to_img(np.ones((2, 2, 2)))


def test_array_to_img_leaves_its_input_unchanged():
    x = np.array([[[2.0], [4.0]]], dtype="float32")
    keras.utils.array_to_img(x)
    np.testing.assert_array_equal(x, [[[2.0], [4.0]]])


def test_img_to_array_dtype_and_grayscale_channel(quadrants):
    image = keras.utils.load_img(quadrants)
    assert keras.utils.img_to_array(image, dtype="uint8").dtype == np.uint8
    keras.config.set_floatx("float64")
    assert keras.utils.img_to_array(image).dtype == np.float64
    gray = keras.utils.img_to_array(Image.new("L", (3, 2), 9))
    assert gray.shape == (2, 3, 1) and (gray == 9).all()
    with pytest.raises(ValueError, match=r"Unsupported image shape: \(2, 2, 3, 1\)"):
        keras.utils.img_to_array(np.ones((2, 2, 3, 1)))


def test_channels_first_puts_channels_in_front(quadrants):
    image = keras.utils.load_img(quadrants)
    first = keras.utils.img_to_array(image, data_format="channels_first")
    assert first.shape == (3, 2, 2)
    np.testing.assert_array_equal(first[0], [[255, 0], [0, 255]])  # the red plane
    back = keras.utils.array_to_img(first, data_format="channels_first", scale=False)
    np.testing.assert_array_equal(np.asarray(back), np.asarray(image))
    assert keras.utils.img_to_array(Image.new("L", (3, 2)), data_format="channels_first").shape \
        == (1, 2, 3)


def test_an_unknown_data_format_is_refused():
    message = ("The `data_format` argument must be one of {'channels_first', 'channels_last'}. "
               "Received: data_format=channels_middle")
    for call in (lambda: keras.utils.img_to_array(np.ones((2, 2, 3)), "channels_middle"),
                 lambda: keras.utils.array_to_img(np.ones((2, 2, 3)), "channels_middle"),
                 lambda: keras.utils.save_img("x.png", np.ones((2, 2, 3)), "channels_middle")):
        with pytest.raises(ValueError) as raised:
            call()
        assert str(raised.value) == message


# --------------------------------------------------------------------------------------- save_img
def test_save_img_picks_the_format_from_the_extension(tmp_path):
    pixels = np.random.default_rng(1).random((4, 4, 3))
    for name, format_name in (("a.png", "PNG"), ("a.JPG", "JPEG"), ("a.jpeg", "JPEG"),
                              ("a.bmp", "BMP")):
        keras.utils.save_img(tmp_path / name, pixels)
        with Image.open(tmp_path / name) as saved:
            assert saved.format == format_name


def test_save_img_to_a_file_object_with_file_format():
    buffer = io.BytesIO()
    keras.utils.save_img(buffer, np.ones((2, 2, 3)), file_format="png")
    buffer.seek(0)
    with Image.open(buffer) as saved:
        assert saved.format == "PNG" and saved.size == (2, 2)


def test_rgba_saved_as_jpeg_becomes_rgb_with_a_warning(tmp_path):
    with pytest.warns(UserWarning, match="The JPEG format does not support RGBA images, "
                                         "converting to RGB."):
        keras.utils.save_img(tmp_path / "a.jpg", np.ones((4, 4, 4)), quality=95)
    with Image.open(tmp_path / "a.jpg") as saved:
        assert saved.mode == "RGB"


# ------------------------------------------------------------------------------------ where found
def test_keras_preprocessing_image_has_the_same_functions():
    for name in ("load_img", "img_to_array", "array_to_img", "save_img"):
        assert getattr(keras.preprocessing.image, name) is getattr(keras.utils, name)


def test_importing_handkeras_does_not_import_pil():
    code = "import sys, handkeras; print('PIL' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "False"
