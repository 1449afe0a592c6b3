"""CallbackList: calls a list of callbacks, in order, for every hook."""

import collections
import contextlib

from handkeras.callbacks.callback import Callback
from handkeras.callbacks.history import History
from handkeras.callbacks.progbar_logger import ProgbarLogger

_HOOKS = [name for name in vars(Callback) if name.startswith("on_")]

# A callback that only defines the older hook still hears the newer one, through the base class.
_LEGACY = {"on_train_batch_begin": "on_batch_begin", "on_train_batch_end": "on_batch_end"}


def _overrides(callback, hook):
    """Whether ``callback`` does something on ``hook`` (a method of its class or, as
    ``LambdaCallback`` sets them, of the instance)."""
    names = (hook, _LEGACY[hook]) if hook in _LEGACY else (hook,)
    return any(name in vars(callback) or getattr(type(callback), name) is not getattr(Callback, name)
               for name in names)


def _flatten(callbacks):
    """The callbacks as Keras's ``tree.flatten`` lists them: a single callback, or any nesting of
    lists, tuples, deques and dicts (a dict's values by sorted key, an OrderedDict's in order)."""
    if isinstance(callbacks, (list, tuple, collections.deque)):
        return [callback for item in callbacks for callback in _flatten(item)]
    if isinstance(callbacks, dict):
        keys = callbacks if isinstance(callbacks, collections.OrderedDict) else sorted(callbacks)
        return [callback for key in keys for callback in _flatten(callbacks[key])]
    return [callbacks]


class CallbackList(Callback):
    """The user's callbacks, then (when asked) ``History`` and the progress bar, as Keras orders them.

    Appending History and the progress bar last lets them see what user callbacks wrote into ``logs``
    (``learning_rate``, for instance). Each hook calls only the callbacks that define it, so the
    per-batch hooks cost nothing for callbacks that ignore them.
    """

    def __init__(self, callbacks=None, add_history=False, add_progbar=False, model=None, **params):
        super().__init__()
        self.callbacks = _flatten(callbacks) if callbacks else []
        for callback in self.callbacks:
            if not isinstance(callback, Callback):
                raise TypeError(
                    f"`callbacks` must hold Callback instances, received {callback!r}."
                )
        if add_history and not any(isinstance(c, History) for c in self.callbacks):
            self.callbacks.append(History())
        if add_progbar and not any(isinstance(c, ProgbarLogger) for c in self.callbacks):
            self.callbacks.append(ProgbarLogger())
        if model is not None:
            self.set_model(model)
        self.set_params(params)
        self._active = {hook: [getattr(c, hook) for c in self.callbacks if _overrides(c, hook)]
                        for hook in _HOOKS}

    @property
    def history(self):
        return next((c for c in self.callbacks if isinstance(c, History)), None)

    def set_model(self, model):
        super().set_model(model)
        for callback in self.callbacks:
            callback.set_model(model)

    def set_params(self, params):
        super().set_params(params)
        if params:  # as in Keras: no parameters leave each callback's own
            for callback in self.callbacks:
                callback.set_params(params)

    def listens(self, hook, besides=None):
        """Whether any callback does something on ``hook`` (any but those of type ``besides``)."""
        return any(_overrides(c, hook) and type(c) is not besides for c in self.callbacks)

    @contextlib.contextmanager
    def closing_bars_on_error(self):
        """Run the loop of fit, evaluate or predict; should it end by an exception (a callback's
        error, Ctrl-C), close the progress bar it left open, so that later output starts on a
        clean line."""
        try:
            yield
        except BaseException:
            for callback in self.callbacks:
                if isinstance(callback, ProgbarLogger):
                    callback.close()
            raise

    def _call(self, hook, logs):
        """Call ``hook`` on the callbacks that define it. As in Keras, a hook always gets a dict
        (an empty one when there are no logs)."""
        methods = self._active[hook]
        if methods:
            logs = {} if logs is None else logs
            for method in methods:
                method(logs)

    def _call_at(self, hook, index, logs):
        """``_call`` for the hooks of an epoch or a batch, which take its index first."""
        methods = self._active[hook]
        if methods:
            logs = {} if logs is None else logs
            for method in methods:
                method(index, logs)

    def on_train_begin(self, logs=None): self._call("on_train_begin", logs)
    def on_train_end(self, logs=None): self._call("on_train_end", logs)
    def on_epoch_begin(self, epoch, logs=None): self._call_at("on_epoch_begin", epoch, logs)
    def on_epoch_end(self, epoch, logs=None):
        # A copy, as Keras passes: keys a callback adds reach the later callbacks of this epoch
        # (History records them), not the logs fit hands to on_train_end.
        self._call_at("on_epoch_end", epoch, None if logs is None else dict(logs))

    def on_batch_begin(self, batch, logs=None): self._call_at("on_batch_begin", batch, logs)
    def on_batch_end(self, batch, logs=None): self._call_at("on_batch_end", batch, logs)
    def on_train_batch_begin(self, batch, logs=None): self._call_at("on_train_batch_begin", batch, logs)
    def on_train_batch_end(self, batch, logs=None): self._call_at("on_train_batch_end", batch, logs)
    def on_test_begin(self, logs=None): self._call("on_test_begin", logs)
    def on_test_end(self, logs=None): self._call("on_test_end", logs)
    def on_test_batch_begin(self, batch, logs=None): self._call_at("on_test_batch_begin", batch, logs)
    def on_test_batch_end(self, batch, logs=None): self._call_at("on_test_batch_end", batch, logs)
    def on_predict_begin(self, logs=None): self._call("on_predict_begin", logs)
    def on_predict_end(self, logs=None): self._call("on_predict_end", logs)
    def on_predict_batch_begin(self, batch, logs=None): self._call_at("on_predict_batch_begin", batch, logs)
    def on_predict_batch_end(self, batch, logs=None): self._call_at("on_predict_batch_end", batch, logs)
