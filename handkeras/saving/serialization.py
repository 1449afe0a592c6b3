"""Objects to Keras's config dicts and back: ``serialize_keras_object`` / ``deserialize_keras_object``.

An object is written as Keras 3 writes it::

    {"module": "keras.layers", "class_name": "Dense", "config": {...}, "registered_name": None,
     "build_config": {"input_shape": [None, 4]}}

so a config written here is read by Keras, and one written by Keras is read here. Reading only ever
instantiates classes from handkeras itself, from ``custom_objects`` or from the registry of
``register_keras_serializable``: a config names classes, it never supplies code.
"""

import contextlib
import json

import numpy as np

from handkeras.identifiers import config_arguments, config_class_name
from handkeras.saving import function_code, object_registration
from handkeras.saving.safe_mode import in_safe_mode, refuse_lambda, safe_mode_scope

DTYPE_POLICY_CLASSES = ("DTypePolicy", "FloatDTypePolicy", "Policy")

# Keras's public module of each kind of object, written into "module".
_KERAS_MODULES = {
    "layer": "keras.layers", "initializer": "keras.initializers", "regularizer": "keras.regularizers",
    "optimizer": "keras.optimizers", "loss": "keras.losses", "metric": "keras.metrics",
    "schedule": "keras.optimizers.schedules", "activation": "keras.activations",
    "constraint": "keras.constraints",
}
# Keys of a layer config that hold an object of a known kind, in files without "module" (Keras 2).
_KIND_BY_KEY_SUFFIX = (("_initializer", "initializer"), ("_regularizer", "regularizer"),
                       ("_constraint", "constraint"))


def _families():
    """``{kind: (module, base class)}`` of handkeras's own serializable objects."""
    from handkeras import constraints, initializers, layers, losses, metrics, models, optimizers
    from handkeras import regularizers
    from handkeras.optimizers import schedules

    return {
        "layer": ((layers, models), layers.Layer),
        "initializer": ((initializers,), initializers.Initializer),
        "regularizer": ((regularizers,), regularizers.Regularizer),
        "optimizer": ((optimizers,), optimizers.Optimizer),
        "loss": ((losses,), losses.Loss),
        "metric": ((metrics,), metrics.Metric),
        "schedule": ((schedules,), schedules.LearningRateSchedule),
        "constraint": ((constraints,), constraints.Constraint),
    }


def builtin_classes(kind):
    """handkeras's public classes of one kind, by class name (a new class joins by being exported)."""
    modules, base = _families()[kind]
    return {obj.__name__: obj for module in modules for name, obj in vars(module).items()
            if isinstance(obj, type) and issubclass(obj, base) and not name.startswith("_")
            and not obj.__name__.startswith("_")}


def kind_of(obj):
    """The kind of a handkeras object (``"layer"``, ``"optimizer"``, ...), or None."""
    for kind, (_, base) in _families().items():
        if isinstance(obj, base):
            return kind
    return None


def _kind_from_module(module, class_name):
    if not isinstance(module, str):
        return None
    if module in ("keras", "keras.models") or module.startswith("keras.src.models"):
        return None if class_name in DTYPE_POLICY_CLASSES else "layer"
    if module.startswith(("keras.optimizers.schedules", "keras.src.optimizers.schedules")):
        return "schedule"
    if module.startswith(("keras.optimizers", "keras.src.optimizers", "keras.src.backend")):
        return "optimizer"
    for kind, keras_module in _KERAS_MODULES.items():
        if module == keras_module or module.startswith(keras_module.replace("keras.", "keras.src.")):
            return kind
    return None


# --------------------------------------------------------------------------------------- writing
def dtype_policy_config(dtype):
    """Keras's serialized DTypePolicy for a float type name."""
    return {"module": "keras", "class_name": "DTypePolicy", "config": {"name": str(dtype)},
            "registered_name": None}


def _to_json_value(value):
    """The plain JSON value of a numpy scalar or array a config may hold."""
    return value.tolist() if isinstance(value, np.ndarray) else value.item()


def _registered_name(cls, kind):
    """None for handkeras's own classes (as Keras writes for its own), else the registered name
    (``"package>Name"``), or the class name of an unregistered class."""
    registered = object_registration._REGISTERED_NAMES.get(cls)
    if registered is not None:
        return registered
    return None if builtin_classes(kind).get(cls.__name__) is cls else cls.__name__


def serialize_keras_object(obj):
    """The Keras config of ``obj``: a dict for objects, a name for functions, JSON values as is."""
    from handkeras import activations

    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, dict):
        return {key: serialize_keras_object(value) for key, value in obj.items()}
    if isinstance(obj, (list, tuple)):  # as Keras: a tuple stays a tuple until JSON
        return type(obj)(serialize_keras_object(value) for value in obj)
    if isinstance(obj, (np.generic, np.ndarray)):
        return _to_json_value(obj)
    if isinstance(obj, activations.ActivationFunction) or (callable(obj) and not isinstance(obj, type)
                                                         and kind_of(obj) is None):
        return _serialize_function(obj)
    kind = kind_of(obj)
    if kind is None:
        raise TypeError(
            f"Cannot serialize {obj!r}: expected a handkeras layer, initializer, regularizer, "
            "constraint, optimizer, loss, metric, schedule or function."
        )
    cls = type(obj)
    registered_name = _registered_name(cls, kind)
    if registered_name is None:  # handkeras's own class: Keras's public module for it
        module = "keras" if hasattr(obj, "get_compile_config") else _KERAS_MODULES[kind]
    else:  # as Keras: None for a class of the script itself
        module = None if cls.__module__ == "__main__" else cls.__module__
    serialized = {"module": module, "class_name": cls.__name__,
                  "config": serialize_keras_object(obj.get_config()),
                  "registered_name": registered_name}
    if kind == "layer":
        build_config = getattr(obj, "get_build_config", lambda: _layer_build_config(obj))()
        if build_config is not None:
            serialized["build_config"] = build_config
        if hasattr(obj, "get_compile_config"):  # a model: Keras writes {} when it is not compiled
            serialized["compile_config"] = obj.get_compile_config() or {}
    return serialized


def _layer_build_config(layer):
    """Keras's ``{"input_shape": ...}`` of a built layer; None, as Keras writes it, for an unbuilt
    layer, an InputLayer and the layers Keras builds when it creates them."""
    from handkeras.layers import InputLayer

    shape = getattr(layer, "_build_input_shape", None)
    if (isinstance(layer, InputLayer) or layer._keras_builds_at_init or not layer.built
            or shape is None):
        return None
    return {"input_shape": tuple(shape)}


def _serialize_function(function):
    registered = object_registration._REGISTERED_NAMES.get(function)
    name = getattr(function, "__name__", None)
    if registered is None:
        if name is None or name == "<lambda>":
            raise ValueError(
                f"Cannot serialize {function!r}: a function is saved by name, so it must be a "
                "handkeras function or be registered with "
                "@handkeras.saving.register_keras_serializable()."
            )
        return name
    module = getattr(function, "__module__", None)
    return {"module": None if module == "__main__" else module, "class_name": "function",
            "config": registered, "registered_name": "function"}


# --------------------------------------------------------------------------------------- reading
def dtype_name(dtype):
    """A float type name from a name, None, or Keras's serialized DTypePolicy."""
    from handkeras.layers.layer import dtype_policy_name

    return dtype_policy_name(dtype)


def _unknown(kind, class_name):
    return ValueError(
        f"Unknown {kind} {class_name!r} in the saved config. If it is your own class or function, "
        f"register it with `@handkeras.saving.register_keras_serializable()` or pass "
        f"`custom_objects={{{class_name!r}: {class_name}}}` to `load_model` (or `model_from_json`)."
    )


def resolve_class(class_name, kind, registered_name=None, custom_objects=None):
    """The class a config names: from an open ``CustomObjectScope``, ``custom_objects``, the
    registry, then handkeras's own."""
    custom_objects = {**(custom_objects or {}), **object_registration.scope_objects()}
    # Legacy (.h5) configs put a registered class's "package>Name" in class_name.
    plain_name = class_name.split(">", 1)[-1]
    for name in (registered_name, class_name, plain_name):
        if name and name in custom_objects:
            return custom_objects[name]
    for name in (registered_name, class_name):
        if name and name in object_registration._REGISTERED_OBJECTS:
            return object_registration._REGISTERED_OBJECTS[name]
    if kind is not None:
        builtin = builtin_classes(kind).get(class_name)
        if builtin is not None:
            return builtin
    registered = object_registration.registered_by_class_name(class_name)
    if registered is not None:
        return registered
    if class_name in ("Functional", "Model"):
        raise ValueError(
            f"The saved model is a Keras {class_name} model; handkeras loads Sequential models only."
        )
    raise _unknown(kind or "class", class_name)


def _custom_function(name, custom_objects):
    return object_registration.get_registered_object(name, custom_objects)


def _function_name(config):
    """The name a ``{"class_name": "function", "config": name}`` config holds; Keras's TypeError
    for any other value (None would silently mean "linear" for an activation)."""
    name = config.get("config")
    if not isinstance(name, str):
        raise TypeError(
            f"A function's 'config' must be its name, a string, received "
            f"{type(name).__name__}: {config!r}."
        )
    return name


def deserialize_keras_object(config, custom_objects=None, safe_mode=True, **kwargs):
    """Keras's ``keras.saving.deserialize_keras_object``: the object a config describes.

    ``module_objects`` (a Keras keyword) is looked in after ``custom_objects``. As in Keras, a
    Python lambda in the config (a ``Lambda`` layer's function) is refused unless ``safe_mode`` is
    False (or ``keras.config.enable_unsafe_deserialization()`` was called).
    """
    module_objects = kwargs.pop("module_objects", None)
    kwargs.pop("printable_module_name", None)  # Keras's name for its messages
    if kwargs:
        raise TypeError(f"deserialize_keras_object() got unexpected keyword arguments {kwargs}.")
    for argument, objects in (("custom_objects", custom_objects), ("module_objects", module_objects)):
        if objects is not None and not isinstance(objects, dict):
            raise TypeError(f"`{argument}` must be a dict of names to objects, received "
                            f"{type(objects).__name__}: {objects!r:.100}.")
    objects = {**(module_objects or {}), **(custom_objects or {})}
    with safe_mode_scope(safe_mode):
        return deserialize_config(config, None, objects or None)


def _lambda_from_config(config):
    """A Python lambda Keras's ``serialize_keras_object`` saved (its bytecode, defaults and
    closure as ``{"value": [code, defaults, closure]}``), refused in safe mode as in Keras."""
    if in_safe_mode() is not False:
        refuse_lambda("a Python lambda")
    value = (config.get("config") or {}).get("value")
    if not isinstance(value, (list, tuple)) or len(value) != 3:
        raise ValueError(f"A saved Python lambda must hold its [code, defaults, closure] as "
                         f"'value', received {config!r:.200}.")
    return function_code.load(dict(zip(("code", "defaults", "closure"), value)), "A saved lambda")


def deserialize_config(config, kind=None, custom_objects=None):
    """The object a Keras config describes (the reverse of :func:`serialize_keras_object`), looked
    up among the classes of ``kind`` (``"layer"``, ``"loss"``, ...; from the config's module when
    None).

    Names of functions (``"relu"``, ``"mse"``) come back as names, for the layer or ``compile`` to
    resolve, unless ``custom_objects`` or the registry holds an object under that name.
    """
    if config is None or isinstance(config, (bool, int, float)):
        return config
    if isinstance(config, str):
        found = _custom_function(config, custom_objects)
        return found if found is not None else config
    if isinstance(config, (list, tuple)):
        return [deserialize_config(item, kind, custom_objects) for item in config]
    class_name = config_class_name(kind or "object", config)
    if class_name == "__lambda__":
        return _lambda_from_config(config)
    if class_name == "function":
        name = _function_name(config)
        found = _custom_function(name, custom_objects)
        return found if found is not None else name
    if class_name in DTYPE_POLICY_CLASSES:
        return dtype_name(config)
    kind = kind or _kind_from_module(config.get("module"), class_name)
    cls = resolve_class(class_name, kind, config.get("registered_name"), custom_objects)
    if not isinstance(cls, type):
        return cls
    if hasattr(cls, "get_compile_config") and kind == "layer":  # a model
        obj = sequential_from_config(cls, config.get("config") or {}, custom_objects)
    else:
        arguments = config_arguments(kind or "object", config)
        obj = cls.from_config(resolve_nested_objects(arguments, custom_objects))
    build_config = config.get("build_config")
    if kind == "layer" and build_config and not obj.built and build_config.get("input_shape"):
        shape = tuple(build_config["input_shape"])
        if hasattr(obj, "layers"):
            obj.build(shape)
        else:
            obj.build_once(shape)
    return obj


def resolve_nested_objects(config, custom_objects=None):
    """A layer (or other) config with its nested Keras objects turned into handkeras objects.

    The dtype policy becomes its name; serialized initializers, regularizers, schedules, ... become
    instances, so custom ones registered by the user resolve too; activation names found in
    ``custom_objects`` or the registry become those objects.
    """
    resolved = {}
    for key, value in config.items():
        if key == "dtype" and isinstance(value, dict):
            value = dtype_name(value)
        elif isinstance(value, dict) and "class_name" in value and "config" in value:
            kind = _kind_from_module(value.get("module"), value["class_name"])
            if kind is None and "module" not in value:
                kind = next((k for suffix, k in _KIND_BY_KEY_SUFFIX if key.endswith(suffix)), None)
            if kind == "layer":  # a wrapper's layer (Bidirectional's): built with the wrapper
                value = {k: v for k, v in value.items() if k != "build_config"}
            if kind is not None or value["class_name"] in ("function", *DTYPE_POLICY_CLASSES):
                value = deserialize_config(value, kind, custom_objects)
        elif isinstance(value, str) and key.endswith("activation"):
            found = _custom_function(value, custom_objects)
            value = found if found is not None else value
        resolved[key] = value
    return resolved


# --------------------------------------------------------------------------------------- models
class ModelTooLarge(ValueError):
    """A file's config asks for more weight values than the file's weights hold: refused before
    they are allocated, with a message that names the file already."""


def parse_json(text, source):
    """The value the JSON ``text`` holds; text that is not JSON (or nests too deep to parse) is a
    ``ValueError`` naming ``source``."""
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as error:  # RecursionError: absurdly deep nesting
        raise ValueError(f"{source} is not valid JSON ({error}).") from None


def model_from_file_config(config, source, custom_objects=None, *, budget=None):
    """The model a file's config describes, for the loaders.

    Whatever is wrong with the config (not a JSON object, not a model, an unknown class, arguments
    a layer refuses) is the file's (or the JSON text's) fault: a ``ValueError`` naming ``source``,
    never a ``TypeError`` or ``AttributeError`` from deep inside a constructor. A loader passes the
    ``budget`` (:class:`~handkeras.saving.weight_budget.WeightBudget`) of the file's weights, so
    that no weight beyond what they hold is ever allocated; a config without weights has none.
    """
    if not isinstance(config, dict):
        raise ValueError(
            f"{source} does not describe a model: its config is a {type(config).__name__}, not a "
            "Keras config (a JSON object with a 'class_name')."
        )
    try:
        with budget.building() if budget is not None else contextlib.nullcontext():
            model = deserialize_config(config, "layer", custom_objects)
    except (TypeError, RecursionError) as error:
        raise ValueError(f"{source} holds an invalid model config: {error}") from error
    except ModelTooLarge:
        raise
    except ValueError as error:  # an unknown class, a Functional model, ...: say where it was found
        raise ValueError(f"Cannot load the model of {source}: {error}") from error
    except MemoryError as error:  # an absurd size no budget covers, such as a layer's own arrays
        raise ValueError(f"{source} describes a model too large to build ({error}).") from error
    if not isinstance(getattr(model, "layers", None), list):
        raise ValueError(
            f"{source} does not describe a model: its config is a {type(model).__name__}; "
            "handkeras loads Sequential models."
        )
    return model


def sequential_config(model):
    """Keras's config of a Sequential: its layers (InputLayer first, when it has one), serialized."""
    layers = []
    if model._input_layer is not None:
        layers.append(serialize_keras_object(model._input_layer))
    layers += [serialize_keras_object(layer) for layer in model.layers]
    config = {"name": model.name, "trainable": model.trainable,
              "dtype": dtype_policy_config(getattr(model, "dtype", None) or _floatx()),
              "layers": layers}
    if model.built and model._build_input_shape is not None:
        config["build_input_shape"] = tuple(model._build_input_shape)
    return config


def _floatx():
    from handkeras import backend

    return backend.floatx()


def _upgrade_legacy_layer_config(config):
    """Keras 2 spellings Keras 3 still reads: an InputLayer's ``batch_input_shape``, a 1-list axis."""
    if not isinstance(config, dict) or not isinstance(config.get("config"), dict):
        return config
    inner = dict(config["config"])
    if config.get("class_name") == "InputLayer" and "batch_input_shape" in inner:
        inner["batch_shape"] = inner.pop("batch_input_shape")
    if isinstance(inner.get("axis"), list) and len(inner["axis"]) == 1:
        inner["axis"] = int(inner["axis"][0])
    return {**config, "config": inner}


def sequential_from_config(cls, config, custom_objects=None):
    """A Sequential (or subclass) rebuilt from its config: layers added in order, then built."""
    if isinstance(config, list):  # Keras 1 wrote the list of layers alone.
        config = {"layers": config}
    if not isinstance(config, dict) or not isinstance(config.get("layers"), list):
        received = (f"the keys {sorted(config)}" if isinstance(config, dict) and "layers" not in config
                    else f"{config!r}")
        raise ValueError(f"A Sequential config must be a dict holding a list of 'layers', received "
                         f"{received}.")
    model = cls(name=config.get("name"), trainable=config.get("trainable", True))
    first_build_shape = None
    for layer_config in config["layers"]:
        layer_config = _upgrade_legacy_layer_config(layer_config)
        if first_build_shape is None and isinstance(layer_config, dict):
            first_build_shape = (layer_config.get("build_config") or {}).get("input_shape")
        model.add(deserialize_config(layer_config, "layer", custom_objects))
    build_shape = config.get("build_input_shape") or first_build_shape
    if not model.built and model.layers and build_shape:
        model.build(tuple(build_shape))
    return model
