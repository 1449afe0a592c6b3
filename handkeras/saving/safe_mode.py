"""Safe mode: whether loading may rebuild a Python lambda from the bytecode a file holds.

As in Keras, a lambda in a config (a ``Lambda`` layer's function) is refused unless the loading
call says ``safe_mode=False`` or ``keras.config.enable_unsafe_deserialization()`` was called: its
bytecode runs as soon as the model does, so only a file from a trusted source may bring one.
"""

import contextlib
import contextvars

#: The safe mode of the loading call in progress (None outside one).
_scope = contextvars.ContextVar("handkeras_safe_mode", default=None)
#: False once ``enable_unsafe_deserialization`` was called: it overrides every call's own choice.
_process_wide = None


def enable_unsafe_deserialization():
    """Allow loading Python lambdas from configs and files from now on, in every call (Keras's
    ``keras.config.enable_unsafe_deserialization``)."""
    global _process_wide
    _process_wide = False


def in_safe_mode():
    """The safe mode in force: the process-wide choice, else the loading call's, else None."""
    return _process_wide if _process_wide is not None else _scope.get()


def effective(safe_mode):
    """A loading call's ``safe_mode`` as Keras resolves it: the mode in force wins over it."""
    in_force = in_safe_mode()
    return safe_mode if in_force is None else in_force


@contextlib.contextmanager
def safe_mode_scope(safe_mode):
    """Run a loading call's deserialization with ``safe_mode`` in force (in this thread)."""
    token = _scope.set(effective(safe_mode))
    try:
        yield
    finally:
        _scope.reset(token)


def refuse_lambda(what="a `Lambda` layer whose `function` is a Python lambda"):
    """Keras's ValueError for a lambda met in safe mode."""
    raise ValueError(
        f"Requested the deserialization of {what}. This carries a potential risk of arbitrary "
        "code execution and thus it is disallowed by default. If you trust the source of the "
        "artifact, you can override this error by passing `safe_mode=False` to the loading "
        "function, or calling `keras.config.enable_unsafe_deserialization()."
    )
