"""LambdaCallback: a callback made of plain functions."""

from handkeras.callbacks.callback import Callback


class LambdaCallback(Callback):
    """A callback whose hooks are the functions given, with the hooks' own signatures:
    ``on_epoch_begin(epoch, logs)``, ``on_epoch_end(epoch, logs)``, ``on_train_begin(logs)``,
    ``on_train_end(logs)``, ``on_train_batch_begin(batch, logs)``, ``on_train_batch_end(batch,
    logs)``. Any other hook (``on_test_end=...``, ...) may be passed by keyword too, as in Keras.
    """

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_train_begin=None,
                 on_train_end=None, on_train_batch_begin=None, on_train_batch_end=None, **kwargs):
        super().__init__()
        hooks = dict(on_epoch_begin=on_epoch_begin, on_epoch_end=on_epoch_end,
                     on_train_begin=on_train_begin, on_train_end=on_train_end,
                     on_train_batch_begin=on_train_batch_begin,
                     on_train_batch_end=on_train_batch_end, **kwargs)
        for name, function in hooks.items():
            if function is None:
                continue
            if not (name.startswith("on_") and callable(getattr(Callback, name, None))):
                raise TypeError(f"LambdaCallback: {name!r} is not a callback hook.")
            if not callable(function):
                raise TypeError(f"LambdaCallback: `{name}` must be callable, received {function!r}.")
            setattr(self, name, function)
