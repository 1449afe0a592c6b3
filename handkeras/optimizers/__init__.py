"""Optimizers: Keras's update rules, applied in place by ``apply(grads, variables)``."""

from handkeras.identifiers import lookup
from handkeras.optimizers.adam import Adam
from handkeras.optimizers.base_optimizer import Optimizer
from handkeras.optimizers.rmsprop import RMSprop
from handkeras.optimizers.sgd import SGD

_CLASSES = {cls.__name__: cls for cls in (SGD, Adam, RMSprop)}
_NAMES = {name.lower(): cls for name, cls in _CLASSES.items()}


def get(identifier, **kwargs):
    """An optimizer from a name (``"adam"``), a config dict or an instance; ``kwargs`` go to a new one."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    return lookup("optimizer", identifier, {**_NAMES, **_CLASSES})(**kwargs)


def serialize(optimizer):
    return {"module": "keras.optimizers", "class_name": type(optimizer).__name__,
            "config": optimizer.get_config(), "registered_name": None}


def deserialize(config):
    cls = lookup("optimizer", config["class_name"], _CLASSES)
    return cls.from_config(config.get("config", {}))


__all__ = ["Optimizer", "SGD", "Adam", "RMSprop", "get", "serialize", "deserialize"]
