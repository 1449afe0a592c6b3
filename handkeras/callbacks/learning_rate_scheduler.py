"""LearningRateScheduler: set the learning rate at the start of every epoch."""

import inspect

import numpy as np

from handkeras.callbacks.callback import Callback
from handkeras.callbacks.progbar_logger import print_msg


def _takes_learning_rate(schedule):
    """Whether ``schedule`` accepts ``(epoch, lr)`` (Keras's API) rather than only ``(epoch)``."""
    try:
        inspect.signature(schedule).bind(0, 0.0)
    except TypeError:
        return False
    except ValueError:  # No signature to inspect (some builtins): assume the current API.
        return True
    return True


class LearningRateScheduler(Callback):
    """At each epoch start, set the optimizer's rate to ``schedule(epoch, lr)`` (or
    ``schedule(epoch)``), ``epoch`` counted from 0; each epoch's rate goes into
    ``logs["learning_rate"]``."""

    def __init__(self, schedule, verbose=0):
        super().__init__()
        if not callable(schedule):
            raise TypeError(
                f"LearningRateScheduler: `schedule` must be a function of (epoch, lr) or (epoch), "
                f"received {schedule!r}."
            )
        self.schedule = schedule
        self.verbose = verbose
        self._with_lr = _takes_learning_rate(schedule)

    def on_epoch_begin(self, epoch, logs=None):
        optimizer = self.model.optimizer
        if self._with_lr:
            learning_rate = self.schedule(epoch, float(optimizer.learning_rate))
        else:
            learning_rate = self.schedule(epoch)
        if not isinstance(learning_rate, (float, np.floating)):
            raise ValueError(
                f"The output of the `schedule` function should be a float. Got: {learning_rate!r}"
            )
        optimizer.learning_rate = float(learning_rate)
        if self.verbose > 0:
            print_msg(f"Epoch {epoch + 1}: LearningRateScheduler setting learning rate to "
                      f"{learning_rate}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = float(self.model.optimizer.learning_rate)
