"""Finding, downloading and reading dataset files, with errors that say what to do.

Files are looked for in local folders first; only when absent are they downloaded (into Keras's cache,
``~/.keras/datasets``) from the origins Keras itself uses. Downloads are verified against a SHA-256
where one is known and written atomically, so a cache never holds half a file.
"""

import gzip
import hashlib
import os
import pathlib
import tempfile
import urllib.request

import numpy as np

#: Where Keras downloads its datasets from; ``HANDKERAS_DATASETS_ORIGIN`` overrides it (a mirror).
KERAS_ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"


def origin():
    return os.environ.get("HANDKERAS_DATASETS_ORIGIN", KERAS_ORIGIN)


def keras_cache_dir():
    """Keras's dataset cache: ``$KERAS_HOME/datasets``, by default ``~/.keras/datasets``."""
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return pathlib.Path(home) / "datasets"


def user_dirs():
    """``$HANDKERAS_DATASETS``, when set."""
    folder = os.environ.get("HANDKERAS_DATASETS")
    return [pathlib.Path(folder)] if folder else []


def find(names, folders):
    """The first folder holding every file in ``names``, or None."""
    for folder in folders:
        if all((folder / name).is_file() for name in names):
            return folder
    return None


def download(url, destination, sha256=None):
    """Fetch ``url`` into ``destination`` atomically, checking its SHA-256 when given."""
    destination = pathlib.Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    handle, temporary = tempfile.mkstemp(dir=destination.parent, prefix=destination.name + ".",
                                         suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out, urllib.request.urlopen(url, timeout=60) as response:
            while chunk := response.read(1 << 20):
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if sha256 is not None and digest.hexdigest() != sha256:
            raise OSError(
                f"Downloaded {url} but its SHA-256 is {digest.hexdigest()}, expected {sha256}: the "
                "file is corrupt or not the expected one. Nothing was saved."
            )
        os.replace(temporary, destination)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)
    return destination


def missing_files_error(dataset, names, searched, url, error, install_hint=""):
    """The OSError raised when files are neither local nor downloadable."""
    places = "\n".join(f"  - {folder}" for folder in searched)
    return OSError(
        f"Could not find the {dataset} files {names}. Looked in:\n{places}\n"
        f"and downloading from {url} failed ({error}).\n"
        f"To get them: {install_hint}download them from {url} and put them in "
        f"{searched[0] if searched else keras_cache_dir()}, or set HANDKERAS_DATASETS to a folder "
        "that holds them."
    )


def read_idx(path, expected_dims):
    """An IDX file (optionally gzipped) as a uint8 array, after checking its header and size."""
    path = pathlib.Path(path)
    try:
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rb") as f:
            raw = f.read()
    except (OSError, EOFError) as error:
        raise ValueError(f"Dataset file {path} is corrupt or truncated: {error}.") from None
    if len(raw) < 4 or raw[:2] != b"\x00\x00" or raw[2] != 0x08 or raw[3] != expected_dims:
        raise ValueError(
            f"Dataset file {path} is not an IDX file of unsigned bytes with {expected_dims} "
            f"dimension(s) (header {raw[:4].hex() or 'empty'})."
        )
    header = 4 + 4 * expected_dims
    if len(raw) < header:
        raise ValueError(f"Dataset file {path} is truncated: its header is incomplete.")
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(expected_dims))
    if len(raw) - header != int(np.prod(shape)):
        raise ValueError(
            f"Dataset file {path} holds {len(raw) - header} bytes of data, but its header "
            f"announces shape {shape} ({int(np.prod(shape))} bytes): it is truncated or corrupt."
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape).copy()
