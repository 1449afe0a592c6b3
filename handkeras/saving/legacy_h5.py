"""The legacy HDF5 layouts: Keras 2's weights file and the whole-model ``.h5`` file.

Weights (the root of a weights-only file, ``/model_weights`` of a whole-model file)::

    attribute layer_names = [every layer's name, in model order]
    /<layer name>   attribute weight_names = ["sequential/dense/kernel", ...]; the datasets at
                    those paths (a "/" in a name makes nested groups)
    /top_level_model_weights   (weights of the model itself: none for a Sequential)

Reading matches layers **by position** among the layers that have weights, and reads each layer's
weights in ``weight_names`` order, as Keras does. A whole-model file adds the root attributes
``model_config`` and ``training_config`` (JSON) and ``/optimizer_weights``.
"""

from handkeras.saving import hdf5
from handkeras.saving.atomic import atomic_write_path
from handkeras.saving.compile_config import (compile_from_file_config, legacy_object_config,
                                             legacy_training_config)
from handkeras.saving.model_state import LoadPlan, legacy_variables
from handkeras.saving.serialization import model_from_file_config, serialize_keras_object
from handkeras.saving.weight_budget import WeightBudget

KERAS_VERSION = "3.15.1"  # The Keras release whose layout these files follow.
BACKEND = "numpy"


# --------------------------------------------------------------------------------------- writing
def write_weights(group, model):
    """Write the legacy weights layout into ``group`` (a file's root or ``/model_weights``)."""
    hdf5.write_names(group, "layer_names", [layer.name for layer in model.layers])
    group.attrs["backend"] = BACKEND
    group.attrs["keras_version"] = KERAS_VERSION
    for layer in sorted(model.layers, key=lambda layer: layer.name):
        layer_group = group.create_group(layer.name)
        variables = legacy_variables(layer)
        names = _unique([variable.path for variable in variables])  # Keras writes the paths
        hdf5.write_names(layer_group, "weight_names", names)
        for name, variable in zip(names, variables):
            hdf5.write_array(layer_group, name, variable.value)
    hdf5.write_names(group.create_group("top_level_model_weights"), "weight_names", [])


def _unique(names):
    """The names, a suffix added to repeats (two weights of a custom layer given the same name)."""
    seen, unique = {}, []
    for name in names:
        count = seen.get(name, 0)
        seen[name] = count + 1
        unique.append(name if count == 0 else f"{name}_{count}")
    return unique


def write_optimizer_weights(h5file, optimizer):
    """``/optimizer_weights``: the optimizer's ``variables`` in order, named as Keras names them."""
    store = {}
    optimizer.save_own_variables(store)
    if not store:
        return
    group = h5file.create_group("optimizer_weights")
    names = _unique([variable.path for variable in optimizer.variables])
    hdf5.write_names(group, "weight_names", names)
    for name, key in zip(names, sorted(store, key=int)):
        hdf5.write_array(group, name, store[key])


# --------------------------------------------------------------------------------------- reading
def weights_group(h5file):
    """The group holding legacy weights (the root, or ``/model_weights``), or None if neither."""
    if hdf5.read_names(h5file, "layer_names") is not None:
        return h5file
    group = hdf5.get_group(h5file, "model_weights")
    if group is not None and hdf5.read_names(group, "layer_names") is not None:
        return group
    return None


def _datasets(group, where):
    names = hdf5.read_names(group, "weight_names") or []
    datasets = []
    for name in names:
        dataset = hdf5.get_dataset(group, name)
        if dataset is None:
            raise ValueError(f"Invalid weights file: '{where}' lists the weight '{name}', which is missing.")
        datasets.append((f"{where}/{name}", dataset))
    return datasets


def plan_weights(group, model, skip_mismatch=False):
    """A checked :class:`LoadPlan` of the legacy weights in ``group``, matched by position."""
    load_plan = LoadPlan(legacy_variables, skip_mismatch)
    layers = [layer for layer in model.layers if legacy_variables(layer)]
    saved = []
    for name in hdf5.read_names(group, "layer_names"):
        layer_group = hdf5.get_group(group, name)
        if layer_group is None:
            raise ValueError(
                f"Invalid weights file: the layer group '{name}' listed in layer_names is missing."
            )
        if hdf5.read_names(layer_group, "weight_names"):
            saved.append((name, layer_group))
    if len(saved) != len(layers):
        raise ValueError(
            f"Layer count mismatch when loading weights from file. Model '{model.name}' expects "
            f"{len(layers)} layer(s) with weights ({[layer.name for layer in layers]}), the file holds "
            f"{len(saved)} ({[name for name, _ in saved]})."
        )
    for layer, (name, layer_group) in zip(layers, saved):
        datasets = _datasets(layer_group, f"{group.name.rstrip('/')}/{name}")
        if len(datasets) != len(legacy_variables(layer)):
            raise ValueError(
                f"Weight count mismatch for layer '{layer.name}' (saved as '{name}'): it expects "
                f"{len(legacy_variables(layer))} weight(s), the file holds {len(datasets)}."
            )
        load_plan.add_layer(layer, name, datasets)
    top = hdf5.get_group(group, "top_level_model_weights")
    if top is not None and hdf5.read_names(top, "weight_names"):
        raise ValueError(
            "Weight count mismatch for top-level weights: the file holds weights of the model itself, "
            f"and Sequential '{model.name}' has none."
        )
    load_plan.read(hdf5.read_array)
    return load_plan


def optimizer_state(h5file):
    """The ``/optimizer_weights`` values, in ``weight_names`` order, or None."""
    group = hdf5.get_group(h5file, "optimizer_weights")
    if group is None:
        return None
    return {str(i): hdf5.read_array(dataset)
            for i, (_, dataset) in enumerate(_datasets(group, "/optimizer_weights"))}


# --------------------------------------------------------------------------------------- models
def _legacy_config(serialized):
    """A serialized object in the legacy form, its layers (for a Sequential) converted too. A
    Pipeline's layers keep their full form, as Keras writes them (its loader needs their module
    to find them)."""
    config = legacy_object_config(serialized)
    inner = config.get("config")
    if (isinstance(inner, dict) and isinstance(inner.get("layers"), list)
            and config.get("class_name") != "Pipeline"):
        config["config"] = {**inner, "layers": [_legacy_config(layer) for layer in inner["layers"]]}
    return config


def save_model(model, path, overwrite=True, include_optimizer=True):
    """Write the legacy whole-model file: ``model_config``, ``training_config``, weights, optimizer."""
    model_config = _legacy_config(serialize_keras_object(model))
    training_config = legacy_training_config(model) if include_optimizer else None
    with atomic_write_path(path, overwrite) as temporary:
        with hdf5.create_file(temporary) as h5file:
            h5file.attrs["backend"] = BACKEND
            h5file.attrs["keras_version"] = KERAS_VERSION
            hdf5.write_json(h5file, "model_config", model_config)
            if training_config is not None:
                hdf5.write_json(h5file, "training_config", training_config)
            write_weights(h5file.create_group("model_weights"), model)
            if include_optimizer and getattr(model, "optimizer", None) is not None:
                write_optimizer_weights(h5file, model.optimizer)


def load_model(path, custom_objects=None, compile=True):
    """The model of a legacy whole-model file, with its weights, compiled (optimizer state restored)
    when it was saved compiled and ``compile`` is true."""
    with hdf5.reading(path) as h5file:
        model_config = hdf5.read_json(h5file, "model_config")
        if model_config is None:
            raise ValueError(
                f"No model config found in the file at '{path}': it holds weights only; build the "
                "model in code and use `model.load_weights`."
            )
        group = weights_group(h5file)
        if group is None:
            raise ValueError(f"Invalid model file '{path}': it has no /model_weights with layer_names.")
        model = model_from_file_config(model_config, f"The model file '{path}'", custom_objects,
                                       budget=WeightBudget.of(group, f"'{path}'"))
        load_plan = plan_weights(group, model)
        training_config = hdf5.read_json(h5file, "training_config") if compile else None
        if training_config:
            load_plan.optimizer_state = optimizer_state(h5file)
    if training_config:
        compile_from_file_config(model, training_config, f"The model file '{path}'", custom_objects)
    load_plan.commit(model)
    return model
