"""``keras.config``: the default float type and epsilon."""

from handkeras.backend import epsilon, floatx, set_epsilon, set_floatx

__all__ = ["floatx", "set_floatx", "epsilon", "set_epsilon"]
