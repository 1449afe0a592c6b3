"""Finding, downloading and reading dataset files, with errors that say what to do.

Files are looked for in local folders first; only when absent are they downloaded (into Keras's cache,
``~/.keras/datasets``) from the origins Keras itself uses. Downloads are verified against the digest
Keras gives (SHA-256, or MD5 for some files) and written atomically, so a cache never holds half a
file.
"""

import gzip
import hashlib
import json
import os
import pathlib
import tempfile
import urllib.error
import urllib.request
import zipfile

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


def download(url, destination, file_hash=None):
    """Fetch ``url`` into ``destination`` atomically, checking its digest when given: a SHA-256
    (64 hex digits) or, as Keras gives for some files, an MD5 (32)."""
    destination = pathlib.Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    algorithm = "SHA-256" if file_hash is None or len(file_hash) == 64 else "MD5"
    digest = hashlib.sha256() if algorithm == "SHA-256" else hashlib.md5()
    handle, temporary = tempfile.mkstemp(dir=destination.parent, prefix=destination.name + ".",
                                         suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out, urllib.request.urlopen(url, timeout=60) as response:
            while chunk := response.read(1 << 20):
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if file_hash is not None and digest.hexdigest() != file_hash:
            raise OSError(
                f"Downloaded {url} but its {algorithm} is {digest.hexdigest()}, expected "
                f"{file_hash}: the file is corrupt or not the expected one. Nothing was saved."
            )
        os.replace(temporary, destination)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)
    return destination


def fetch(dataset, name, file_hash, origin_name=None):
    """The path of the dataset file ``name``: found in $HANDKERAS_DATASETS or Keras's cache, else
    downloaded into Keras's cache from Keras's origin (where it is called ``origin_name``, by
    default ``name``) and its digest checked; an OSError saying what to do when neither works."""
    folders = user_dirs() + [keras_cache_dir()]
    folder = find([name], folders)
    if folder is not None:
        return folder / name
    url = origin() + (origin_name or name)
    try:
        return download(url, keras_cache_dir() / name, file_hash)
    except (OSError, urllib.error.URLError) as error:
        raise missing_files_error(dataset, [name], folders, url, error) from None


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


def read_npz(path, names):
    """``{name: array}`` of a numeric ``.npz`` file (nothing unpickled); a ValueError naming the
    file when it is corrupt, truncated or lacks one of ``names``."""
    try:
        with np.load(path, allow_pickle=False) as arrays:
            return {name: arrays[name] for name in names}
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as error:
        raise ValueError(f"{path} is not a valid {pathlib.Path(path).name} (corrupt or "
                         f"truncated): {error}") from None


def read_json(path):
    """The JSON value in the file at ``path``; a ValueError naming it when it does not parse."""
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (ValueError, UnicodeDecodeError) as error:
        raise ValueError(f"{path} is not a valid JSON file (corrupt or truncated): {error}") from None


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
