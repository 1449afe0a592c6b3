"""The registry of user classes and functions that saved configs may name, as ``keras.saving`` keeps it.

Loading a model only ever instantiates classes found here, in ``custom_objects`` or among handkeras's
own: a file names a class, it never supplies code.
"""

import inspect
import threading

_REGISTERED_OBJECTS = {}
_REGISTERED_NAMES = {}
_scope = threading.local()  # the objects of the innermost CustomObjectScope, per thread


def register_keras_serializable(package="Custom", name=None):
    """Decorator: register a class (or function) under ``"package>name"`` so saved models can name it.

    ``name`` defaults to the object's ``__name__``. A class must have a ``get_config`` method.

    ```python
    @handkeras.saving.register_keras_serializable(package="my_package")
    class ScaledDense(handkeras.layers.Dense):
        ...
    ```
    """
    if not isinstance(package, str) or ">" in package:
        raise ValueError(f"`package` must be a string without '>', received {package!r}.")

    def decorator(obj):
        object_name = name if name is not None else obj.__name__
        if inspect.isclass(obj) and not hasattr(obj, "get_config"):
            raise ValueError("Cannot register a class that does not have a get_config() method.")
        registered_name = f"{package}>{object_name}"
        _REGISTERED_OBJECTS[registered_name] = obj
        _REGISTERED_NAMES[obj] = registered_name
        return obj

    return decorator


def get_registered_name(obj):
    """The name ``obj`` is registered under (``"package>name"``), or its ``__name__`` if it is not."""
    return _REGISTERED_NAMES.get(obj, getattr(obj, "__name__", None))


def get_custom_objects():
    """The live registry, ``{"package>name": object}``, as Keras's: loading finds what is added to
    it by name, and clearing it forgets every registration (``get_registered_name`` still gives
    the names)."""
    return _REGISTERED_OBJECTS


class CustomObjectScope:
    """``with CustomObjectScope({"Name": obj}):`` lets loading (``load_model``,
    ``model_from_json``, ``from_config``, ``deserialize_keras_object``) find the objects by name,
    as ``custom_objects=`` does, in this thread. An inner scope replaces the outer one until it
    exits, as in Keras."""

    def __init__(self, custom_objects):
        if custom_objects is not None and not isinstance(custom_objects, dict):
            raise TypeError("`custom_objects` must be a dict of names to objects, received "
                            f"{type(custom_objects).__name__}: {custom_objects!r:.100}.")
        self.custom_objects = custom_objects or {}
        self.backup = None

    def __enter__(self):
        self.backup = scope_objects()
        _scope.objects = dict(self.custom_objects)
        return self

    def __exit__(self, *exc_info):
        _scope.objects = self.backup


custom_object_scope = CustomObjectScope


def scope_objects():
    """The objects of the innermost open ``CustomObjectScope`` of this thread (``{}`` outside)."""
    return getattr(_scope, "objects", {})


def get_registered_object(name, custom_objects=None, module_objects=None):
    """The object an open ``CustomObjectScope`` or the registry holds under ``name``, else the one
    ``custom_objects`` then ``module_objects`` hold under it, or None: Keras's order."""
    for objects in (scope_objects(), _REGISTERED_OBJECTS, custom_objects, module_objects):
        if objects and name in objects:
            return objects[name]
    return None


def registered_by_class_name(class_name):
    """The registered object whose own name is ``class_name``, when exactly one is."""
    matches = {obj for key, obj in _REGISTERED_OBJECTS.items() if key.split(">", 1)[-1] == class_name
               or getattr(obj, "__name__", None) == class_name}
    return matches.pop() if len(matches) == 1 else None
