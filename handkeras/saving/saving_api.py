"""``save_model`` / ``load_model`` / ``save_weights`` / ``load_weights``: the format comes from the
file name, as in Keras. ``model_from_json`` reads the config alone, as ``model.to_json()`` writes it.

- ``*.keras``: the model (config, compile config, weights, optimizer state) as a zip archive.
- ``*.weights.h5``: weights (and optimizer state) in the Keras 3 layout.
- any other ``*.h5`` / ``*.hdf5``: the legacy whole model (``save``) or legacy weights
  (``save_weights``).

``load_weights`` reads ``.keras`` archives and any of the HDF5 layouts, recognizing the layout from
the file's content. Every write is atomic; every load is all or nothing.
"""

import os

from handkeras.saving import hdf5, keras_archive, keras_weights, legacy_h5
from handkeras.saving.atomic import atomic_write_path
from handkeras.saving.compile_config import compile_from_file_config
from handkeras.saving.model_state import check_built
from handkeras.saving.safe_mode import safe_mode_scope
from handkeras.saving.serialization import model_from_file_config, parse_json

_HDF5 = (".h5", ".hdf5")


def _path(filepath):
    """``filepath`` as a str, or a TypeError naming it (not os.fspath's, which names no argument)."""
    try:
        return os.fsdecode(filepath)
    except TypeError:
        raise TypeError(
            f"`filepath` must be a str or a path-like object such as a pathlib.Path, received "
            f"{filepath!r}."
        ) from None


def save_model(model, filepath, overwrite=True, zipped=None, **kwargs):
    """Save ``model``: a ``.keras`` archive, or a legacy ``.h5`` / ``.hdf5`` whole-model file.

    ``include_optimizer=False`` leaves out the compile config and optimizer state of an ``.h5``.
    """
    include_optimizer = kwargs.pop("include_optimizer", True)
    kwargs.pop("save_format", None)
    if kwargs:
        raise ValueError(f"The following argument(s) are not supported: {list(kwargs)}")
    path = _path(filepath)
    if path.endswith(".keras"):
        if zipped is False:
            raise NotImplementedError("handkeras saves `.keras` models as zip archives only (zipped=True).")
        keras_archive.save(model, path, overwrite)
    elif path.endswith(_HDF5):
        legacy_h5.save_model(model, path, overwrite, include_optimizer)
    else:
        raise ValueError(
            "Invalid filepath extension for saving. Please add either a `.keras` extension for the "
            f"native Keras format (recommended) or a `.h5` extension. Received: filepath={path}."
        )


class ModelFileNotFoundError(FileNotFoundError, ValueError):
    """A missing ``.keras`` file in ``load_model``: Keras raises ValueError there, so both
    ``except ValueError`` (Keras scripts) and ``except FileNotFoundError`` catch it."""


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """The model saved at ``filepath`` (``.keras`` or legacy ``.h5``), with its weights, compiled
    with its optimizer state when it was saved compiled (unless ``compile=False``).

    ``custom_objects`` maps class (or function) names to your own classes; classes registered with
    ``register_keras_serializable`` are found without it. As in Keras, a Python lambda in the file
    (a ``Lambda`` layer's function, saved as bytecode) is refused unless ``safe_mode=False``: it
    would run code from the file.
    """
    path = _path(filepath)
    if path.endswith(".keras"):
        if not os.path.exists(path):
            raise ModelFileNotFoundError(
                2, f"File not found: filepath={path}. Please ensure the file is an accessible "
                "`.keras` zip file.", path)
        with safe_mode_scope(safe_mode):
            return keras_archive.load(path, custom_objects, compile)
    if path.endswith(_HDF5):
        with safe_mode_scope(safe_mode):
            return legacy_h5.load_model(path, custom_objects, compile)
    raise ValueError(
        f"File format not supported: filepath={path}. handkeras loads `.keras` archives and legacy "
        "`.h5` / `.hdf5` model files."
    )


def model_from_json(json_string, custom_objects=None):
    """The model a JSON config describes (the string ``model.to_json()`` returns, in handkeras or
    Keras), with freshly initialized weights, built when the config says it was built.

    As in Keras, a config holding a non-empty ``compile_config`` (from a compiled model) gives a model
    compiled the same way, with a new optimizer; any other comes back uncompiled. ``custom_objects``
    maps class (or function) names to your own classes, as in ``load_model``. Whatever is wrong with
    the text (not JSON, not a model, an unknown class) is a ``ValueError`` naming ``json_string``.
    """
    if not isinstance(json_string, (str, bytes, bytearray)):
        raise TypeError(
            "`json_string` must be the JSON text of a model config (a str, such as "
            f"`model.to_json()` returns), received {type(json_string).__name__}: {json_string!r:.200}."
        )
    source = "`json_string`"
    config = parse_json(json_string, source)
    model = model_from_file_config(config, source, custom_objects)
    training = config.get("compile_config")
    if training:
        compile_from_file_config(model, training, source, custom_objects)
    return model


def save_weights(model, filepath, overwrite=True, max_shard_size=None):
    """Save the weights (and a compiled model's optimizer state): ``*.weights.h5`` in the Keras 3
    layout, another ``*.h5`` / ``*.hdf5`` in the legacy layout (which Keras's ``load_weights`` reads)."""
    if max_shard_size is not None:
        raise NotImplementedError("handkeras does not shard weight files (`max_shard_size`).")
    path = _path(filepath)
    if path.endswith(".weights.h5"):
        def write(h5file):
            keras_weights.write(h5file, model)
    elif path.endswith(_HDF5):
        def write(h5file):
            legacy_h5.write_weights(h5file, model)
    else:
        raise ValueError(
            "The filename must end in `.weights.h5` (or `.h5` / `.hdf5` for the legacy layout). "
            f"Received: filepath={path}"
        )
    check_built(model, "saving")
    with atomic_write_path(path, overwrite) as temporary:
        with hdf5.create_file(temporary) as h5file:
            write(h5file)


def load_weights(model, filepath, skip_mismatch=False, **kwargs):
    """Load weights saved by ``save_weights`` or ``save`` (by handkeras or Keras) into ``model``.

    Keras 3 files match layers by class and position within their container; legacy files match
    layers by position among those with weights. Every count and shape is checked before any weight
    changes; ``skip_mismatch=True`` skips mismatching layers with a warning instead of raising.
    A compiled model also gets the optimizer state of a Keras 3 file.
    """
    by_name = kwargs.pop("by_name", False)
    objects_to_skip = kwargs.pop("objects_to_skip", None)
    if kwargs:
        raise ValueError(f"Invalid keyword arguments: {kwargs}")
    if by_name or objects_to_skip:
        raise NotImplementedError(
            "handkeras loads whole models' weights only (no `by_name`, no `objects_to_skip`).")
    path = _path(filepath)
    if not path.endswith((".keras", *_HDF5)):
        raise ValueError(
            f"File format not supported: filepath={path}. handkeras loads weights from `.keras`, "
            "`.weights.h5` and legacy `.h5` / `.hdf5` files."
        )
    hdf5.check_readable(path)
    check_built(model, "loading weights into")
    if path.endswith(".keras"):
        keras_archive.load_weights(model, path, skip_mismatch)
        return
    with hdf5.reading(path) as h5file:
        group = legacy_h5.weights_group(h5file)
        if group is not None:
            plan = legacy_h5.plan_weights(group, model, skip_mismatch)
        elif keras_weights.is_keras_weights_file(h5file):
            plan = keras_weights.plan_weights(h5file, model, skip_mismatch)
        else:
            raise ValueError(
                f"'{path}' holds no Keras weights: neither the Keras 3 layout (/layers, /vars) nor "
                "the legacy one (a layer_names attribute, at the root or in /model_weights)."
            )
    plan.commit(model)
