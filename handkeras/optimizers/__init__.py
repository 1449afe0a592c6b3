"""Optimizers: Keras's update rules, applied in place by ``apply(grads, variables)``."""

from handkeras.identifiers import deserialize_object, lookup, serialize_object
from handkeras.optimizers import schedules
from handkeras.optimizers.adafactor import Adafactor
from handkeras.optimizers.adadelta import Adadelta
from handkeras.optimizers.adagrad import Adagrad
from handkeras.optimizers.adam import Adam
from handkeras.optimizers.adamax import Adamax
from handkeras.optimizers.adamw import AdamW
from handkeras.optimizers.base_optimizer import Optimizer
from handkeras.optimizers.ftrl import Ftrl
from handkeras.optimizers.lamb import Lamb
from handkeras.optimizers.lion import Lion
from handkeras.optimizers.nadam import Nadam
from handkeras.optimizers.rmsprop import RMSprop
from handkeras.optimizers.sgd import SGD

_CLASSES = {cls.__name__: cls for cls in (SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta, Adamax,
                                          Nadam, Lion, Lamb, Ftrl, Adafactor)}
_NAMES = {name.lower(): cls for name, cls in _CLASSES.items()}


def get(identifier, **kwargs):
    """An optimizer from a name (``"adam"``), a config dict or an instance; ``kwargs`` go to a new one."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    return lookup("optimizer", identifier, {**_NAMES, **_CLASSES})(**kwargs)


def serialize(optimizer):
    """The optimizer as Keras serializes it: ``{"module", "class_name", "config", "registered_name"}``."""
    return serialize_object(optimizer)


def deserialize(config, custom_objects=None):
    """A new optimizer from ``serialize``'s output (class names match regardless of case);
    ``custom_objects`` maps class names to classes of your own."""
    return deserialize_object("optimizer", config, {**_NAMES, **_CLASSES}, custom_objects)


__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "Nadam",
           "Lion", "Lamb", "Ftrl", "Adafactor", "schedules", "get", "serialize", "deserialize"]
