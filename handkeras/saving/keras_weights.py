"""The Keras 3 weights layout (``*.weights.h5``, and ``model.weights.h5`` inside ``.keras``).

::

    /vars                          (attribute name = the model's name)
    /layers/dense/vars/0, /1       one dataset per weight, in the layer's saved order
    /layers/dropout/vars           (layers without weights: an empty group)
    /layers/sequential/layers/dense/vars/0 ...    a nested Sequential nests
    /layers/lstm/cell/vars/0, /1, /2  a recurrent layer's weights live in its cell, as in Keras
    /layers/rnn/cell/cells/lstm_cell/vars/0 ...   and a StackedRNNCells' in each of its cells
    /layers/bidirectional/forward_layer/cell/vars/0 ...   and Bidirectional's in its two layers
    /layers/time_distributed/layer/vars/0 ...   TimeDistributed's in its wrapped layer
    /layers/spectral_normalization/vars/0, /1   a wrapper's own (SpectralNormalization: kernel,
                                                vector_u), then its wrapped layer's as above
    /optimizer/vars/0, /1, ...     iterations, learning rate (unless a schedule), slots

A layer's key is its snake_case class name plus a per-class counter within its container, never
its name, so files do not depend on the process's name counters.
"""

import h5py

from handkeras.saving import hdf5
from handkeras.saving.model_state import (LoadPlan, is_container, keyed_layers, saved_variables)

_LAYERS = "layers"
_LEGACY_LAYERS = "_layer_checkpoint_dependencies"  # Keras 2.13's name for the same group.
_CELL = "cell"  # where Keras keeps a recurrent layer's weights: its cell sublayer


# --------------------------------------------------------------------------------------- writing
def write(h5file, model, include_optimizer=True):
    """Write ``model``'s weights (and its optimizer's state, when compiled) into an open file."""
    h5file.create_group("vars").attrs["name"] = model.name
    _write_layers(h5file, model)
    optimizer = getattr(model, "optimizer", None)
    if include_optimizer and optimizer is not None:
        group = h5file.create_group("optimizer/vars")
        group.attrs["name"] = optimizer.name
        store = {}
        optimizer.save_own_variables(store)
        for key, value in store.items():
            hdf5.write_array(group, key, value)


def _write_layers(group, container):
    for key, layer in keyed_layers(container.layers):
        layer_group = group.create_group(f"{_LAYERS}/{key}")
        variables_group = layer_group.create_group("vars")
        variables_group.attrs["name"] = layer.name
        if is_container(layer):
            _write_layers(layer_group, layer)
            continue
        _write_layer(layer_group, layer, variables_group)


def _write_layer(layer_group, layer, variables_group):
    """A layer's weights into its ``vars`` group, or its cell's, or its sublayers' groups (and a
    wrapper's own into its ``vars`` group)."""
    for key, sublayer in _sublayers(layer):
        sublayer_group = layer_group.create_group(key)
        sublayer_vars = sublayer_group.create_group("vars")
        sublayer_vars.attrs["name"] = sublayer.name
        _write_layer(sublayer_group, sublayer, sublayer_vars)
    if _sublayers(layer):
        for index, variable in enumerate(_wrapper_variables(layer)):
            hdf5.write_array(variables_group, str(index), variable.value)
        return
    cell = getattr(layer, "cell", None)
    if cell is not None:
        cell_group = layer_group.create_group(_CELL)
        cell_variables = cell_group.create_group("vars")
        cell_variables.attrs["name"] = getattr(cell, "name", "")
        _write_layer(cell_group, cell, cell_variables)
        return
    for index, variable in enumerate(saved_variables(layer)):
        hdf5.write_array(variables_group, str(index), variable.value)


def _sublayers(layer):
    """``[(key, sublayer)]`` of a layer whose weights Keras files under its sublayers
    (Bidirectional's ``forward_layer`` and ``backward_layer``, TimeDistributed's ``layer``), else
    ``[]``."""
    keyed = getattr(layer, "keras_sublayers", None)
    return keyed() if keyed is not None else []


def _wrapper_variables(layer):
    """The variables Keras files in a wrapper's own ``vars`` group (SpectralNormalization's
    kernel and ``vector_u``), else ``[]``."""
    own = getattr(layer, "keras_own_variables", None)
    return own() if own is not None else []


# --------------------------------------------------------------------------------------- reading
def is_keras_weights_file(h5file):
    """True when the file has the Keras 3 layout (a ``layers`` or ``vars`` group at the root)."""
    return any(name in h5file for name in (_LAYERS, _LEGACY_LAYERS, "vars"))


def plan_weights(h5file, model, skip_mismatch=False, include_optimizer=True):
    """A checked :class:`LoadPlan` of every weight (and the optimizer state) the file holds."""
    load_plan = LoadPlan(saved_variables, skip_mismatch)
    _plan_layers(h5file, model, load_plan, "")
    load_plan.read(hdf5.read_array)
    if include_optimizer:
        load_plan.optimizer_state = _optimizer_state(h5file)
    return load_plan


def _numbered_datasets(group, where):
    """``[(path, dataset)]`` of a ``vars`` group's datasets ``0, 1, 2, ...`` in numeric order."""
    if group is None:
        return []
    names = list(group.keys())
    if sorted(names, key=lambda n: (len(n), n)) != [str(i) for i in range(len(names))]:
        raise ValueError(
            f"Invalid weights file: '{where}' should hold datasets named 0, 1, 2, ..., found {names}."
        )
    return [(f"{where}/{i}", hdf5.get_dataset(group, str(i))) for i in range(len(names))]


def _plan_layers(group, container, load_plan, where):
    layers_group = None
    if group is not None:
        layers_group = hdf5.get_group(group, _LAYERS) or hdf5.get_group(group, _LEGACY_LAYERS)
    keyed = keyed_layers(container.layers)
    saved_keys = set(layers_group) if layers_group is not None else set()
    extra = sorted(key for key in saved_keys - {key for key, _ in keyed}
                   if _holds_data(hdf5.get_group(layers_group, key)))
    missing = [key for key, layer in keyed if key not in saved_keys and _has_weights(layer)]
    if extra or missing:
        load_plan.mismatch(
            f"Layer count mismatch under '{where}{_LAYERS}': the file holds weights for "
            f"{sorted(saved_keys)}, model '{container.name}' has the layers "
            f"{[key for key, _ in keyed]}"
            + (f"; the file has no {missing}" if missing else "")
            + (f"; the model has no {extra}" if extra else "") + "."
        )
    for key, layer in keyed:
        layer_group = hdf5.get_group(layers_group, key) if key in saved_keys else None
        path = f"{where}{_LAYERS}/{key}"
        if is_container(layer):
            _plan_layers(layer_group, layer, load_plan, path + "/")
            continue
        _plan_layer(layer_group, layer, load_plan, path)


def _plan_layer(layer_group, layer, load_plan, path):
    """Queue the datasets of one layer (for the wrappers: their own, then each sublayer's, the
    order in which Keras assigns them)."""
    sublayers = _sublayers(layer)
    own = _wrapper_variables(layer)
    if own:
        variables_group = hdf5.get_group(layer_group, "vars") if layer_group is not None else None
        load_plan.add_layer(layer, f"{path}/vars", _numbered_datasets(variables_group,
                                                                      f"{path}/vars"), own)
    for key, sublayer in sublayers:
        sublayer_group = hdf5.get_group(layer_group, key) if layer_group is not None else None
        _plan_layer(sublayer_group, sublayer, load_plan, f"{path}/{key}")
    if sublayers:
        return
    cell = getattr(layer, "cell", None)
    if cell is not None:
        cell_group = hdf5.get_group(layer_group, _CELL) if layer_group is not None else None
        _plan_layer(cell_group, cell, load_plan, f"{path}/{_CELL}")
        return
    variables_group = hdf5.get_group(layer_group, "vars") if layer_group is not None else None
    datasets = _numbered_datasets(variables_group, f"{path}/vars")
    if datasets or saved_variables(layer):
        load_plan.add_layer(layer, f"{path}/vars", datasets)


def _has_weights(layer):
    if is_container(layer):
        return any(_has_weights(sublayer) for sublayer in layer.layers)
    return bool(layer.weights)


def _holds_data(group):
    """True when ``group`` (a group, not a dataset, in a valid file) holds any dataset below it."""
    if not isinstance(group, h5py.Group):
        return True
    return group.visititems(lambda _, obj: True if isinstance(obj, h5py.Dataset) else None) is True


def _optimizer_state(h5file):
    group = hdf5.get_group(h5file, "optimizer/vars")
    if group is None:
        return None
    return {str(i): hdf5.read_array(dataset)
            for i, (_, dataset) in enumerate(_numbered_datasets(group, "optimizer/vars"))}
