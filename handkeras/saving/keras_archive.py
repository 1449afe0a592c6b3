"""The ``.keras`` archive: a zip of ``metadata.json``, ``config.json`` and ``model.weights.h5``.

``config.json`` is the model's serialized config with its ``compile_config``; ``model.weights.h5`` has
the Keras 3 weights layout, optimizer state included. Members are stored uncompressed, as Keras
stores them. Reading refuses members whose names are absolute or climb out with ``..``, and
members that would expand far beyond their stored size; zip's CRC-32 catches corrupt members.
"""

import datetime
import io
import json
import posixpath
import re
import zipfile
import zlib

from handkeras.saving import compile_config, hdf5, keras_weights
from handkeras.saving.atomic import atomic_write_path
from handkeras.saving.legacy_h5 import KERAS_VERSION
from handkeras.saving.serialization import (model_from_file_config, parse_json,
                                            serialize_keras_object)
from handkeras.saving.weight_budget import WeightBudget

CONFIG = "config.json"
METADATA = "metadata.json"
WEIGHTS = "model.weights.h5"


def save(model, path, overwrite=True):
    """Write ``model`` (config, compile config, weights, optimizer state) as a ``.keras`` archive."""
    config = json.dumps(serialize_keras_object(model))
    metadata = json.dumps({"keras_version": KERAS_VERSION,
                           "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")})
    weights = io.BytesIO()
    with hdf5.create_file(weights) as h5file:
        keras_weights.write(h5file, model)
    with atomic_write_path(path, overwrite) as temporary:
        with zipfile.ZipFile(temporary, "w", zipfile.ZIP_STORED) as archive:
            archive.writestr(METADATA, metadata)
            archive.writestr(CONFIG, config)
            archive.writestr(WEIGHTS, weights.getbuffer())


def _unsafe(name):
    normalized = name.replace("\\", "/")
    return (normalized.startswith("/") or re.match(r"^[A-Za-z]:", normalized) is not None
            or ".." in normalized.split("/") or posixpath.isabs(normalized))


def _open(path):
    path = hdf5.check_readable(path)
    if not zipfile.is_zipfile(path):
        raise OSError(f"'{path}' is not a .keras archive: it is not a zip file, or it is truncated.")
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as error:
        # NotImplementedError: a header asks for a zip version or feature zipfile does not have.
        raise OSError(f"'{path}' is not a readable .keras archive ({error}).") from error
    for info in archive.infolist():
        if _unsafe(info.filename):
            archive.close()
            raise ValueError(
                f"Refusing to load '{path}': its member '{info.filename}' has an absolute path or "
                "climbs out of the archive with '..'."
            )
        if (info.file_size > hdf5.EXPANSION_FLOOR
                and info.file_size > hdf5.MAX_EXPANSION * info.compress_size):
            archive.close()
            raise ValueError(
                f"Refusing to load '{path}': its member '{info.filename}' expands to "
                f"{info.file_size} bytes from {info.compress_size} (a decompression bomb)."
            )
    missing = [name for name in (CONFIG, WEIGHTS) if name not in archive.namelist()]
    if missing:
        archive.close()
        raise ValueError(
            f"'{path}' is not a valid .keras archive: it has no {' or '.join(missing)} "
            f"(members: {archive.namelist()})."
        )
    return archive


def _read(archive, name, path):
    try:
        return archive.read(name)
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError, RuntimeError,
            ValueError) as error:
        # A damaged member: a CRC mismatch, a broken header, an unknown compression method...
        raise OSError(f"Cannot read '{name}' from '{path}': the archive is corrupt ({error}).") from error


def _read_weights(archive, path):
    return hdf5.reading(_read(archive, WEIGHTS, path), f"'{WEIGHTS}' in '{path}'")


def load(path, custom_objects=None, compile=True):
    """The model a ``.keras`` archive holds, with its weights, compiled (and its optimizer state
    restored) when it was saved compiled and ``compile`` is true."""
    with _open(path) as archive:
        config = parse_json(_read(archive, CONFIG, path), f"'{CONFIG}' in '{path}'")
        if not isinstance(config, dict):
            raise ValueError(f"'{CONFIG}' in '{path}' does not describe a model.")
        with _read_weights(archive, path) as h5file:
            model = model_from_file_config(config, f"'{CONFIG}' in '{path}'", custom_objects,
                                           budget=WeightBudget.of(h5file, f"'{path}'"))
            plan = keras_weights.plan_weights(h5file, model, include_optimizer=compile)
    training = config.get("compile_config")
    if compile and training:
        compile_config.compile_from_file_config(model, training, f"'{CONFIG}' in '{path}'",
                                                custom_objects)
    plan.commit(model)
    return model


def load_weights(model, path, skip_mismatch=False):
    """Load the weights of a ``.keras`` archive into ``model`` (and its optimizer's state, when the
    model is compiled, as Keras does)."""
    with _open(path) as archive, _read_weights(archive, path) as h5file:
        plan = keras_weights.plan_weights(h5file, model, skip_mismatch)
    plan.commit(model)
