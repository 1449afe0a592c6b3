"""What every weights format shares: which weights a layer saves, in which order, and the load plan.

A layer needs nothing saving-specific to be saved: its ``weights`` (created in Keras's order) and
its ``get_config`` are enough. A layer with a ``layers`` list (a Sequential) is a container whose
sublayers are saved in turn.

Loading is all or nothing: readers first collect every value into a :class:`LoadPlan`, checking
every count and shape, and only then does :meth:`LoadPlan.commit` assign them.
"""

import warnings

from handkeras import backend


def is_container(layer):
    """True for layers made of sublayers (Sequential), whose weights are saved per sublayer."""
    return isinstance(getattr(layer, "layers", None), list)


def keyed_layers(layers):
    """``[(key, layer)]`` with Keras's file keys: the class key, then ``_1``, ``_2``... per class."""
    used, keyed = {}, []
    for layer in layers:
        key = backend.snake_case(type(layer).__name__)
        if key in used:
            used[key] += 1
            key = f"{key}_{used[key]}"
        else:
            used[key] = 0
        keyed.append((key, layer))
    return keyed


def saved_variables(layer):
    """A layer's own weights in Keras 3's saved order: trainable ones, then the others, each in
    creation order (BatchNormalization: gamma, beta, moving_mean, moving_variance); or, for a layer
    that Keras saves otherwise, what its ``keras_saved_variables()`` lists (objects with a
    variable's ``name``, ``shape``, ``dtype``, ``value`` and ``assign``)."""
    own = getattr(layer, "keras_saved_variables", None)
    if own is not None:
        return own()
    weights = layer.weights
    return [w for w in weights if w.trainable] + [w for w in weights if not w.trainable]


def legacy_variables(layer):
    """A layer's weights in the legacy HDF5 order: ``trainable_weights + non_trainable_weights``."""
    return list(layer.trainable_weights) + list(layer.non_trainable_weights)


def check_built(model, action):
    if not model.built:
        raise ValueError(
            f"You are {action} a model that has not yet been built ('{model.name}'). Build it first: "
            "give it an input shape (`Input(shape=...)`, `input_shape=`, `model.build(...)`) or call "
            "it on data."
        )


def describe_shapes(variables):
    return ", ".join(f"{v.name} {tuple(v.shape)}" for v in variables) or "none"


class LoadPlan:
    """The values a load will assign, gathered and checked before any is assigned.

    ``order`` gives a layer's weights in the order of the layout being read (:func:`saved_variables`
    or :func:`legacy_variables`).
    """

    def __init__(self, order, skip_mismatch=False):
        self.order = order
        self.skip_mismatch = skip_mismatch
        self.optimizer_state = None
        self._checked = []
        self._assignments = []

    def mismatch(self, message):
        """A count or shape mismatch: an error, or a warning with ``skip_mismatch=True``."""
        if not self.skip_mismatch:
            raise ValueError(message)
        warnings.warn(message + " Skipping it (`skip_mismatch=True`).", stacklevel=4)

    def add_layer(self, layer, where, datasets, variables=None):
        """Queue ``datasets`` (``[(file path, dataset)]``) for ``layer``'s weights (or for
        ``variables``, some of them) if all fit.

        Only shapes are checked here; arrays are read by :meth:`read`, once every layer is checked.
        """
        variables = self.order(layer) if variables is None else variables
        if len(datasets) != len(variables):
            self.mismatch(
                f"Layer '{layer.name}' ({type(layer).__name__}) expects {len(variables)} weight(s) "
                f"({describe_shapes(variables)}), but the file holds {len(datasets)} at '{where}'."
            )
            return
        for variable, (path, dataset) in zip(variables, datasets):
            if tuple(dataset.shape) != tuple(variable.shape):
                self.mismatch(
                    f"Layer '{layer.name}' ({type(layer).__name__}) weight '{variable.name}' has "
                    f"shape {tuple(variable.shape)}, but the file's '{path}' has shape "
                    f"{tuple(dataset.shape)}."
                )
                return
        self._checked.extend((variable, dataset) for variable, (_, dataset) in zip(variables, datasets))

    def read(self, read_array):
        """Read every queued dataset into memory, cast to its variable's dtype."""
        self._assignments.extend((variable, read_array(dataset, variable.dtype))
                                 for variable, dataset in self._checked)
        self._checked = []

    def commit(self, model):
        """Assign everything: the optimizer state first (it checks itself and changes nothing on
        failure), then the weights, which can no longer fail."""
        optimizer = getattr(model, "optimizer", None)
        if self.optimizer_state is not None and optimizer is not None:
            try:
                if not optimizer.built and len(self.optimizer_state) == len(optimizer.variables):
                    # Saved before any step (iterations and learning rate only): nothing to build.
                    optimizer.load_own_variables(self.optimizer_state)
                else:
                    optimizer.restore_variables(self.optimizer_state, model.trainable_weights)
            except ValueError as error:
                self.mismatch(f"The optimizer state does not fit: {error}")
        for variable, value in self._assignments:
            variable.assign(value)
