"""``keras.utils.Config``: a dict whose entries are also attributes, that can be frozen.

A script collects its hyperparameters in one (``config.learning_rate = 1e-3``), freezes it once
the run starts, and saves it as JSON next to the model."""

import copy
import difflib
import json


class Config:
    """Named values, read and written as attributes or as items (``config.seed``,
    ``config["seed"]``). ``freeze()`` makes every later change raise ``ValueError`` until
    ``unfreeze()``; an unknown attribute raises ``AttributeError`` suggesting the closest name.
    Iterating gives the names sorted, ``keys()``/``items()`` in the order they were set."""

    # The names that are the object's own (methods, properties, its state); every other
    # attribute is an entry. None until __init__ has recorded them.
    _own_names = None

    def __init__(self, **kwargs):
        self._config = kwargs
        self._frozen = False
        self._own_names = frozenset(dir(self)) | {"_own_names"}

    @property
    def frozen(self):
        """Whether changes raise ``ValueError``."""
        return self._frozen

    def freeze(self):
        """Refuse every change from now on, until ``unfreeze()``."""
        self._frozen = True

    def unfreeze(self):
        """Accept changes again."""
        self._frozen = False

    def _check_not_frozen(self):
        if self._frozen:
            raise ValueError("Cannot mutate attribute(s) because the config is frozen.")

    def as_dict(self):
        """The entries as a new (shallow-copied) dict."""
        return copy.copy(self._config)

    def to_json(self):
        """The entries as a JSON string (they must be JSON-serializable)."""
        return json.dumps(self._config)

    def keys(self):
        return self._config.keys()

    def values(self):
        return self._config.values()

    def items(self):
        return self._config.items()

    def get(self, keyname, value=None):
        return self._config.get(keyname, value)

    def pop(self, *args):
        self._check_not_frozen()
        return self._config.pop(*args)

    def update(self, *args, **kwargs):
        self._check_not_frozen()
        return self._config.update(*args, **kwargs)

    def __setattr__(self, name, value):
        own_names = object.__getattribute__(self, "_own_names")
        if own_names is None or name in own_names:
            object.__setattr__(self, name, value)
        else:
            self[name] = value

    def __getattr__(self, name):
        # Only called when normal lookup fails: the name is an entry, or unknown.
        config = self.__dict__.get("_config")
        if config is None:  # a copy being built, before its state is restored
            raise AttributeError(name)
        if name in config:
            return config[name]
        message = f"Unknown attribute: '{name}'."
        closest = difflib.get_close_matches(name, config.keys(), n=1, cutoff=0.7)
        if closest:
            message += f" Did you mean '{closest[0]}'?"
        raise AttributeError(message)

    def __setitem__(self, key, item):
        self._check_not_frozen()
        self._config[key] = item

    def __getitem__(self, key):
        return self._config[key]

    def __delitem__(self, key):
        self._check_not_frozen()
        del self._config[key]

    def __contains__(self, item):
        return item in self._config

    def __iter__(self):
        return iter(sorted(self._config))

    def __len__(self):
        return len(self._config)

    def __repr__(self):
        return f"<Config {self._config}>"
