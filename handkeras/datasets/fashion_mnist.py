"""Fashion-MNIST: 70,000 28x28 grayscale images of 10 kinds of clothing, as ``keras.datasets``."""

import pathlib
import urllib.error

from handkeras.datasets import _files

FILES = ("train-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz",
         "t10k-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz")
#: Where Debian's ``dataset-fashion-mnist`` package installs the files.
DEBIAN_DIR = "/usr/share/datasets/fashion-mnist"


def search_dirs():
    """Folders searched, in order: $HANDKERAS_DATASETS, Keras's cache, the Debian package's folder."""
    dirs = []
    for folder in _files.user_dirs():
        dirs += [folder / "fashion-mnist", folder]
    return dirs + [_files.keras_cache_dir() / "fashion-mnist", pathlib.Path(DEBIAN_DIR)]


def load_data():
    """``(x_train, y_train), (x_test, y_test)``: uint8 arrays of shapes (60000, 28, 28), (60000,),
    (10000, 28, 28), (10000,).

    Reads the four IDX files from the first folder of :func:`search_dirs` that has them all, and
    otherwise downloads them from Keras's origin into Keras's cache.
    """
    folders = search_dirs()
    folder = _files.find(FILES, folders)
    if folder is None:
        folder = _files.keras_cache_dir() / "fashion-mnist"
        try:
            for name in FILES:
                if not (folder / name).is_file():
                    _files.download(_files.origin() + name, folder / name)
        except (OSError, urllib.error.URLError) as error:
            raise _files.missing_files_error(
                "Fashion-MNIST", list(FILES), folders, _files.origin(), error,
                install_hint="`apt-get install dataset-fashion-mnist` (Debian), or ",
            ) from None
    y_train = _files.read_idx(folder / FILES[0], 1)
    x_train = _files.read_idx(folder / FILES[1], 3)
    y_test = _files.read_idx(folder / FILES[2], 1)
    x_test = _files.read_idx(folder / FILES[3], 3)
    for images, labels, part in ((x_train, y_train, "training"), (x_test, y_test, "test")):
        if len(images) != len(labels):
            raise ValueError(
                f"Fashion-MNIST {part} files in {folder} disagree: {len(images)} images but "
                f"{len(labels)} labels."
            )
    return (x_train, y_train), (x_test, y_test)
