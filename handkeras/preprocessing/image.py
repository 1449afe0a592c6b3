"""``keras.preprocessing.image``: the image-file functions of ``keras.utils`` (``load_img``,
``img_to_array``, ``array_to_img``, ``save_img``), under Keras 2's names, which Keras 3 keeps."""

from handkeras.utils.image_utils import array_to_img, img_to_array, load_img, save_img

__all__ = ["load_img", "img_to_array", "array_to_img", "save_img"]
