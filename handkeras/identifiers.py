"""Turning Keras string identifiers ("relu", "adam", "mse") into objects, with errors that help."""


def lookup(kind, identifier, table):
    """``table[identifier]``, or a ``ValueError`` naming the bad value and listing the valid ones
    (a ValueError for a value that is not a name at all too, as in Keras).

    ``kind`` names the argument for the message ("activation", "loss", ...). Lookups ignore case, as
    Keras's do for most families.
    """
    if not isinstance(identifier, str):
        article = "an" if kind[0] in "aeiou" else "a"
        raise ValueError(
            f"Could not interpret {kind} identifier {identifier!r}: expected a string name or "
            f"{article} {kind} object, received {type(identifier).__name__}."
        )
    key = identifier if identifier in table else identifier.lower()
    if key not in table:
        raise ValueError(
            f"Unknown {kind}: {identifier!r}. Valid {kind} names are: {sorted(table)}."
        )
    return table[key]


def serialize_object(obj, module):
    """Keras's config form of ``obj``: ``{"module", "class_name", "config", "registered_name"}``."""
    return {"module": module, "class_name": type(obj).__name__, "config": obj.get_config(),
            "registered_name": None}


def deserialize_object(kind, config, classes, custom_objects=None):
    """The object described by :func:`serialize_object`'s output, its class looked up in
    ``custom_objects`` (your own classes, by name) first, then in ``classes``."""
    cls = (custom_objects or {}).get(config["class_name"]) or lookup(kind, config["class_name"],
                                                                     classes)
    return cls.from_config(config.get("config", {}))
