"""HDF5 reading and writing shared by every format, with the checks that make loading safe.

Writing: files use HDF5 1.8+ object headers, which carry checksums of the file's metadata (groups,
attributes, small scalars stored in the header); every array dataset carries the fletcher32 checksum
filter; JSON attributes too long for an object header carry a CRC-32 next to them. A flipped byte
in one of our files is therefore detected on load. Keras and h5py read all of this transparently.

Reading: only hard links, plain datasets of numbers, and groups are followed (no soft or external
links, no external or virtual datasets, as Keras's own reader), and an unreadable or corrupt file
raises an ``OSError`` that names it.
"""

import contextlib
import io
import json
import os
import traceback
import zlib

import h5py
import numpy as np

#: The HDF5 1.10 file format: checksummed object headers and chunk indexes; readable by HDF5 1.10+.
LIBVER = ("v110", "v110")
#: Largest attribute Keras writes in one piece; longer name lists are split into ``name0, name1...``.
ATTRIBUTE_LIMIT = 64512
#: Stored data may expand to at most this many times its stored size, beyond EXPANSION_FLOOR bytes:
#: more is a decompression bomb (or, in HDF5, datasets declared and never written).
MAX_EXPANSION = 100
EXPANSION_FLOOR = 1 << 28


# --------------------------------------------------------------------------------------- opening
def check_readable(path):
    """Raise ``FileNotFoundError`` / ``IsADirectoryError`` with the path when it cannot be a file."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(2, f"No such file: '{path}'", path)
    if os.path.isdir(path):
        raise IsADirectoryError(21, f"Expected a file, found a directory: '{path}'", path)
    return path


@contextlib.contextmanager
def reading(source, description=None):
    """Open ``source`` (a path or bytes) read-only for the block, closing it after.

    h5py reports damaged metadata (a checksum mismatch in a group or header) as ``KeyError`` or
    ``RuntimeError`` from wherever it is first touched; inside the block those become an ``OSError``
    that names the file.
    """
    h5file = open_hdf5(source, description)
    try:
        with h5file:
            yield h5file
    except (KeyError, RuntimeError) as error:
        if not _raised_by_h5py(error):
            raise
        name = description or (f"'{os.fspath(source)}'" if not isinstance(source, (bytes, bytearray))
                               else "the HDF5 data")
        raise OSError(f"Cannot read {name}: the file is corrupt ({error}).") from error


def _raised_by_h5py(error):
    frames = traceback.extract_tb(error.__traceback__)
    return bool(frames) and "h5py" in frames[-1].filename.replace(os.sep, "/").split("/")


def open_hdf5(source, description=None):
    """An ``h5py.File`` opened read-only on a path or bytes, or an ``OSError`` saying what is wrong."""
    if isinstance(source, (bytes, bytearray)):
        description = description or "the HDF5 data"
        if not source.startswith(b"\x89HDF\r\n\x1a\n"):
            raise OSError(f"{description} is not an HDF5 file.")
        source = io.BytesIO(source)
    else:
        source = check_readable(source)
        description = description or f"'{source}'"
        with open(source, "rb") as file:
            signature = file.read(8)
        if signature != b"\x89HDF\r\n\x1a\n":
            raise OSError(
                f"{description} is not an HDF5 file (it does not start with the HDF5 signature"
                + (": it is empty" if not signature else "") + ")."
            )
    try:
        return h5py.File(source, "r")
    except OSError as error:
        raise OSError(f"Cannot read {description}: the file is truncated or corrupt ({error}).") from error


# --------------------------------------------------------------------------------------- reading
def _hard_child(group, name):
    link = group.get(name, getlink=True)
    if link is None:
        return None
    if not isinstance(link, h5py.HardLink):
        raise ValueError(
            f"Not allowed: '{group.name}/{name}' is a {type(link).__name__}; weight files may only "
            "hold plain groups and datasets."
        )
    try:
        return group[name]
    except (KeyError, OSError) as error:
        raise OSError(f"Cannot read '{group.name}/{name}': the file is corrupt ({error}).") from error


def get_group(group, path):
    """The group at ``path`` (``"a/b"``) below ``group``, or None when any part is missing."""
    current = group
    for part in path.split("/"):
        if not part:
            continue
        if part not in current:
            return None
        current = _hard_child(current, part)
        if not isinstance(current, h5py.Group):
            raise ValueError(f"Invalid weights file: '{current.name}' should be a group.")
    return current


def get_dataset(group, path):
    """The dataset at ``path`` below ``group`` (None when missing), checked to be a plain local array."""
    parent_path, _, name = path.rpartition("/")
    parent = get_group(group, parent_path) if parent_path else group
    if parent is None or name not in parent:
        return None
    dataset = _hard_child(parent, name)
    if not isinstance(dataset, h5py.Dataset):
        raise ValueError(f"Invalid weights file: '{dataset.name}' should be a dataset.")
    if dataset.external or dataset.is_virtual:
        raise ValueError(f"Not allowed: '{dataset.name}' stores its data outside the file.")
    if dataset.dtype.kind not in "biuf":
        raise ValueError(
            f"Invalid weights file: '{dataset.name}' holds {dataset.dtype}, not numbers."
        )
    return dataset


def read_array(dataset, dtype=None):
    """The dataset's values in memory (cast to ``dtype``); a checksum failure is an ``OSError``."""
    try:
        value = dataset[()]
    except OSError as error:
        raise OSError(
            f"Cannot read '{dataset.name}': its checksum does not match or its data is unreadable, "
            f"so the file is corrupt ({error})."
        ) from error
    value = np.asarray(value)
    return value if dtype is None else value.astype(dtype, copy=False)


def _decode(value):
    if isinstance(value, (bytes, np.bytes_)):
        return bytes(value).decode("utf-8")
    return str(value)


def read_text(obj, name):
    """A text attribute (str or bytes, as Keras writes either), checked against its CRC when present;
    None when absent."""
    if name not in obj.attrs:
        return None
    text = _decode(obj.attrs[name])
    crc = obj.attrs.get(name + "_crc32")
    if crc is not None and zlib.crc32(text.encode("utf-8")) != int(crc):
        raise OSError(
            f"The attribute '{name}' of '{obj.file.filename}' is corrupt: its CRC-32 does not match."
        )
    return text


def read_json(obj, name):
    """A JSON attribute (None when absent), or a ``ValueError`` when it does not parse."""
    text = read_text(obj, name)
    if text is None:
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as error:  # RecursionError: absurdly deep nesting
        raise ValueError(f"The '{name}' attribute is not valid JSON ({error}).") from None


def read_names(obj, name):
    """A list-of-names attribute, joined from Keras's ``name0, name1, ...`` chunks when split."""
    if name in obj.attrs:
        chunks = [obj.attrs[name]]
    else:
        chunks, index = [], 0
        while f"{name}{index}" in obj.attrs:
            chunks.append(obj.attrs[f"{name}{index}"])
            index += 1
        if not chunks:
            return None
    names = []
    for chunk in chunks:
        values = np.atleast_1d(np.asarray(chunk, dtype=object)) if not isinstance(chunk, str) else [chunk]
        names.extend(_decode(value) for value in values if not isinstance(value, (float, np.floating)))
    return names


# --------------------------------------------------------------------------------------- writing
def write_array(group, path, value):
    """Store ``value`` at ``path``: arrays with the fletcher32 checksum, scalars inside the (checksummed)
    object header."""
    value = np.asarray(value)
    parent_path, _, name = path.rpartition("/")
    parent = group.require_group(parent_path) if parent_path else group
    if value.ndim == 0:
        space = h5py.h5s.create(h5py.h5s.SCALAR)
        properties = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
        properties.set_layout(h5py.h5d.COMPACT)
        dataset_id = h5py.h5d.create(parent.id, name.encode("utf-8"), h5py.h5t.py_create(value.dtype),
                                     space, dcpl=properties)
        dataset_id.write(h5py.h5s.ALL, h5py.h5s.ALL, np.ascontiguousarray(value))
        return
    if value.size == 0:
        parent.create_dataset(name, data=value)
        return
    parent.create_dataset(name, data=value, fletcher32=True, chunks=True)


def write_text(obj, name, text):
    """A UTF-8 text attribute; with its CRC-32 when too long for the object header's checksum."""
    data = text.encode("utf-8")
    obj.attrs[name] = np.bytes_(data)
    if len(data) > ATTRIBUTE_LIMIT // 2:
        obj.attrs[name + "_crc32"] = np.uint32(zlib.crc32(data))


def write_json(obj, name, value):
    write_text(obj, name, json.dumps(value, allow_nan=True))


def write_names(obj, name, names):
    """A list-of-names attribute, split into ``name0, name1, ...`` as Keras does when too large."""
    if not names:
        obj.attrs[name] = np.array([], dtype=np.float64)  # What Keras writes for no names.
        return
    data = np.array([n.encode("utf-8") for n in names])
    chunks = 1
    while data.nbytes / chunks > ATTRIBUTE_LIMIT:
        chunks += 1
    if chunks == 1:
        obj.attrs[name] = data
        return
    for index, chunk in enumerate(np.array_split(data, chunks)):
        obj.attrs[f"{name}{index}"] = chunk


def create_file(path_or_file):
    """An ``h5py.File`` for writing (a path or a binary file object) in our checksummed format."""
    return h5py.File(path_or_file, "w", libver=LIBVER)
