"""Turning Keras identifiers (names such as "relu", "adam", "mse", and config dicts) into objects,
with errors that help."""


def cannot_interpret(kind, identifier, explanation):
    """Keras's ``ValueError`` for a value that is no ``kind`` at all, with what would have worked."""
    return ValueError(f"Could not interpret {kind} identifier: {identifier!r}. {explanation}")


def lookup(kind, identifier, table):
    """``table[identifier]``, or a ``ValueError`` naming the bad value and listing the valid ones
    (a ValueError for a value that is not a name at all too, as in Keras).

    ``kind`` names the argument for the message ("activation", "loss", ...). Lookups ignore case, as
    Keras's do for most families.
    """
    if not isinstance(identifier, str):
        article = "an" if kind[0] in "aeiou" else "a"
        raise cannot_interpret(kind, identifier, f"Expected a string name or {article} {kind} "
                                                 f"object, received {type(identifier).__name__}.")
    key = identifier if identifier in table else identifier.lower()
    if key not in table:
        raise ValueError(
            f"Unknown {kind}: {identifier!r}. Valid {kind} names are: {sorted(table)}."
        )
    return table[key]


def config_class_name(kind, config):
    """The ``"class_name"`` of a Keras config, or a ``ValueError`` naming ``kind`` and the value: a
    dict without a string ``"class_name"`` (``{"out": "mse"}``) describes no object."""
    class_name = config.get("class_name") if isinstance(config, dict) else None
    if not isinstance(class_name, str):
        raise cannot_interpret(kind, config, "A Keras config is a dict with a string 'class_name' "
                                             "and the constructor's arguments under 'config'.")
    return class_name


def config_arguments(kind, config):
    """The constructor's arguments in a Keras config: its ``"config"`` dict, ``{}`` when it is
    missing or None (as Keras reads it), a ``TypeError`` (Keras's) when it is not a dict."""
    arguments = config.get("config")
    if arguments is None:
        return {}
    if not isinstance(arguments, dict):
        raise TypeError(
            f"The 'config' of the {kind} {config['class_name']!r} must be a dict of arguments, "
            f"received {type(arguments).__name__}: {config!r}."
        )
    return arguments


def serialize_object(obj):
    """Keras's config form of ``obj``: ``{"module", "class_name", "config", "registered_name"}``,
    a registered class of your own under its ``"package>Name"`` (as ``serialize_keras_object``)."""
    from handkeras.saving.serialization import serialize_keras_object

    return serialize_keras_object(obj)


def deserialize_object(kind, config, classes, custom_objects=None):
    """The object described by :func:`serialize_object`'s output. Its class is looked up as Keras
    looks it up: under the config's registered name, then its class name, in an open
    ``custom_object_scope``, the registry and ``custom_objects``; then among ``classes``."""
    from handkeras.saving.object_registration import get_registered_object

    class_name = config_class_name(kind, config)
    names = (config.get("registered_name"), class_name)
    found = (get_registered_object(name, custom_objects) for name in names if name)
    cls = next((obj for obj in found if obj is not None), None) or lookup(kind, class_name, classes)
    return cls.from_config(config_arguments(kind, config))
