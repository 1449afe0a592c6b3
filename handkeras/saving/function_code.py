"""A Python lambda as Keras stores it in a config: its bytecode (marshal, then base64), its
default values and the values of its closure, and back (Keras's ``func_dump`` / ``func_load``).

The bytecode is that of the Python version that wrote it: a file moves only between the same
Python versions. Only :mod:`handkeras.saving.safe_mode` decides whether one may be loaded.
"""

import base64
import binascii
import builtins
import marshal
import types

import numpy as np


def is_lambda(function):
    """Whether ``function`` is a Python lambda (saved as bytecode; a named function is saved by
    its name)."""
    return isinstance(function, types.LambdaType) and function.__name__ == "<lambda>"


def dump(function):
    """``{"code", "defaults", "closure"}`` of a lambda, as Keras writes them."""
    closure = function.__closure__
    return {"code": base64.encodebytes(marshal.dumps(function.__code__)).decode("ascii"),
            "defaults": function.__defaults__,
            "closure": None if not closure else tuple(cell.cell_contents for cell in closure)}


def load(config, where):
    """The function a ``dump`` (from handkeras or Keras) describes. Its globals are Python's
    builtins and numpy as ``np``, so that a lambda written as ``lambda x: np.expand_dims(x, -1)``
    runs. A config that holds no bytecode is a ValueError naming ``where``."""
    if not isinstance(config, dict) or not isinstance(config.get("code"), str):
        raise ValueError(f"{where}: a saved Python lambda must be a dict with its base64 'code', "
                         f"received {config!r:.200}.")
    try:
        code = marshal.loads(base64.decodebytes(config["code"].encode("ascii")))
    except (UnicodeEncodeError, binascii.Error, ValueError, EOFError, TypeError) as error:
        raise ValueError(f"{where}: the saved Python lambda's 'code' is not the bytecode of this "
                         f"Python version ({error}).") from None
    if not isinstance(code, types.CodeType):
        raise ValueError(f"{where}: the saved Python lambda's 'code' holds no function.")
    defaults, closure = config.get("defaults"), config.get("closure")
    try:
        return types.FunctionType(
            code, {"__builtins__": builtins, "np": np}, code.co_name,
            None if defaults is None else tuple(defaults),
            None if closure is None else tuple(types.CellType(value) for value in closure))
    except (TypeError, ValueError) as error:  # defaults or closure that do not fit the code
        raise ValueError(f"{where}: the saved Python lambda does not fit its code ({error}).")
