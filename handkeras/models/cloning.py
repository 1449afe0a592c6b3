"""``clone_model``: a new model with the same layer configs and fresh weights, as Keras's."""

from handkeras.keras_tensor import KerasTensor
from handkeras.layers.core.input_layer import InputLayer
from handkeras.layers.layer import Layer
from handkeras.models.sequential import Sequential
from handkeras.saving.serialization import deserialize_config, serialize_keras_object


def clone_model(model, input_tensors=None, clone_function=None, call_function=None,
                recursive=False, **kwargs):
    """A copy of a Sequential ``model`` made of new layers, with freshly initialized weights.

    As ``keras.models.clone_model`` does for a Sequential:

    - each layer is cloned by ``clone_function(layer)``, by default
      ``layer.__class__.from_config(layer.get_config())``: same class, config and name, new weights
      (not copied: use ``clone.set_weights(model.get_weights())`` for that). A ``clone_function``
      that returns its argument shares that layer between the two models;
    - the InputLayer is not passed to ``clone_function``: the clone gets a new one with the same
      name, shape and dtype (or, given ``input_tensors``, the shape of that ``keras.Input(...)``,
      every layer then being built for it);
    - the clone has the model's name and ``trainable``, is built when the model is, and is a plain
      ``Sequential`` even when the model is a subclass;
    - a compiled model gives a clone compiled with the same ``compile`` config (a new optimizer, with
      no state);
    - a nested Sequential is one layer to ``clone_function``; with ``recursive=True`` it is cloned by
      ``clone_model`` instead, so that ``clone_function`` reaches its layers.

    ``call_function`` is for Keras's functional models: given with a Sequential it is a
    ``ValueError``, as in Keras. A layer that is not a model is cloned from its config (without
    ``clone_function`` or ``input_tensors``, as in Keras).
    """
    cache = kwargs.pop("cache", None)
    if kwargs:
        raise ValueError(f"Unexpected keyword argument(s): {tuple(kwargs.keys())}")
    if isinstance(model, Sequential):
        if call_function is not None:
            raise ValueError(
                "`call_function` argument is not supported with Sequential models. In a Sequential "
                "model, layers aren't called at model-construction time (they're merely listed). "
                "Use `call_function` with Functional models only (handkeras has none). Received "
                f"model of type '{type(model).__name__}', with call_function={call_function!r}."
            )
        clone_function = _wrap_clone_function(clone_function, recursive, cache)
        return _clone_sequential_model(model, clone_function, input_tensors)
    if not isinstance(model, Layer):
        raise TypeError(
            "`model` must be a handkeras Sequential model (or a layer), received "
            f"{type(model).__name__}: {model!r:.200}."
        )
    if clone_function is not None or input_tensors is not None:
        raise ValueError(
            "Arguments `clone_function` and `input_tensors` are only supported for Sequential "
            f"models. Received model of type '{type(model).__name__}', with "
            f"clone_function={clone_function!r} and input_tensors={input_tensors!r}."
        )
    if call_function is not None:
        raise ValueError(
            "Argument `call_function` is only supported for Functional models (handkeras has "
            f"none). Received model of type '{type(model).__name__}', with "
            f"call_function={call_function!r}."
        )
    return deserialize_config(serialize_keras_object(model), "layer",
                                    custom_objects={type(model).__name__: type(model)})


def _default_clone_function(layer):
    return layer.__class__.from_config(layer.get_config())


def _wrap_clone_function(clone_function, recursive, cache):
    """``clone_function`` (or the default) applied once per layer, recursing into nested
    Sequentials when ``recursive``; its result must be a layer."""
    if clone_function is None:
        clone_function = _default_clone_function
    elif not callable(clone_function):
        raise TypeError(
            "`clone_function` must be a callable that takes a layer and returns the layer to use "
            f"in the clone, received {type(clone_function).__name__}: {clone_function!r:.200}."
        )
    cache = {} if cache is None else cache

    def wrapped_clone_function(layer):
        if id(layer) in cache:
            return cache[id(layer)]
        if recursive and isinstance(layer, Sequential):
            clone = clone_model(layer, clone_function=clone_function, recursive=True, cache=cache)
        else:
            clone = clone_function(layer)
            if not isinstance(clone, Layer):
                raise TypeError(
                    f"`clone_function` must return a layer; for layer '{layer.name}' it returned "
                    f"{type(clone).__name__}: {clone!r:.200}."
                )
        cache[id(layer)] = clone
        return clone

    return wrapped_clone_function


def _input_tensor(input_tensors):
    """The one ``keras.Input(...)`` of ``input_tensors`` (alone or in a list of one)."""
    if isinstance(input_tensors, (list, tuple)):
        if len(input_tensors) != 1:
            raise ValueError(
                "Argument `input_tensors` must contain a single tensor (a Sequential has one "
                f"input), received {len(input_tensors)}."
            )
        input_tensors = input_tensors[0]
    if not isinstance(input_tensors, KerasTensor):
        raise ValueError(
            "Argument `input_tensors` must be a KerasTensor, what `keras.Input(shape=...)` returns. "
            f"Received invalid value: input_tensors={input_tensors!r:.200}"
        )
    return input_tensors


def _clone_sequential_model(model, clone_function, input_tensors=None):
    new_layers = [clone_function(layer) for layer in model.layers]
    reference = model._input_layer
    input_name = reference.name if reference is not None else None
    if input_tensors is not None:
        tensor = _input_tensor(input_tensors)
        new_layers = [InputLayer(batch_shape=tensor.shape, dtype=tensor.dtype, name=input_name)
                      ] + new_layers
    elif reference is not None:
        new_layers = [InputLayer(batch_shape=reference.batch_shape, dtype=reference.dtype,
                                 name=input_name)] + new_layers
    # A built model always has its InputLayer (building gives it one, as in Keras), so the
    # clone is built exactly when the model is.
    clone = Sequential(new_layers, name=model.name, trainable=model.trainable)
    if model.compiled:
        try:
            clone.compile_from_config(model.get_compile_config())
        except (TypeError, ValueError) as error:
            raise (TypeError if isinstance(error, TypeError) else ValueError)(
                f"clone_model compiles the clone as Sequential '{model.name}' was compiled, from its "
                f"compile config, and could not: {error} A custom loss, metric or optimizer must be "
                "registered with `@handkeras.saving.register_keras_serializable()` to be rebuilt "
                "from its config."
            ) from error
    return clone
