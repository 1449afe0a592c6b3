"""ModelCheckpoint: save the model or its weights during training."""

import numbers
import os
import re
import string

from handkeras.callbacks.monitor_callback import MonitorCallback
from handkeras.callbacks.progbar_logger import print_msg


class ModelCheckpoint(MonitorCallback):
    """Save the model (``model.save``) or its weights (``model.save_weights``) as Keras does.

    ``filepath`` ends in ``.weights.h5`` with ``save_weights_only=True``, and in ``.keras`` or
    ``.h5`` otherwise. It may hold ``{epoch}`` (counted from 1), ``{batch}`` (batch saving, from 1)
    and any log key: ``"w-{epoch:02d}-{val_loss:.2f}.weights.h5"``. ``save_freq`` is ``"epoch"`` or
    a number of batches. With ``save_best_only`` a file is written only when ``monitor`` improves on
    the best value so far (which starts at ``initial_value_threshold``).
    """

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False,
                 save_weights_only=False, mode="auto", save_freq="epoch",
                 initial_value_threshold=None):
        super().__init__(monitor, mode, initial_value_threshold)
        filepath = os.fspath(filepath)
        if save_freq != "epoch" and (isinstance(save_freq, bool) or
                                     not isinstance(save_freq, numbers.Integral) or save_freq <= 0):
            raise ValueError(
                f"Unrecognized save_freq: {save_freq!r}. Expected 'epoch' or a positive integer "
                "(a number of batches)."
            )
        if save_weights_only and not filepath.endswith(".weights.h5"):
            raise ValueError(
                "When using `save_weights_only=True` in `ModelCheckpoint`, the filepath provided "
                f"must end in `.weights.h5` (Keras weights format). Received: filepath={filepath}"
            )
        if not save_weights_only and not filepath.endswith((".keras", ".h5")):
            raise ValueError(
                "The filepath provided must end in `.keras` (Keras model format), or `.h5`. "
                f"Received: filepath={filepath}"
            )
        self.filepath = filepath
        self.verbose = verbose
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.save_freq = save_freq
        self._current_epoch = 0
        self._batches_since_saving = 0
        self._last_batch_seen = None

    def on_train_begin(self, logs=None):
        """Check ``filepath`` as far as it can be checked before the logs exist: a template that no
        logs can fill, or a fixed path that is an existing directory, fails now rather than at
        the first save, after an epoch of training. (A placeholder for a log key cannot be checked
        yet: any callback may add keys to the logs.)"""
        super().on_train_begin(logs)
        if not _placeholders(self.filepath):
            _check_not_a_directory(self.filepath.format())

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self._should_save_on_batch(batch):
            self._save_model(self._current_epoch, batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._save_model(epoch, None, logs)

    def _should_save_on_batch(self, batch):
        """Count batches across epochs (batch indices restart at 0) until ``save_freq`` is reached."""
        if self.save_freq == "epoch":
            return False
        if self._last_batch_seen is None or batch <= self._last_batch_seen:
            added = batch + 1
        else:
            added = batch - self._last_batch_seen
        self._batches_since_saving += added
        self._last_batch_seen = batch
        if self._batches_since_saving >= self.save_freq:
            self._batches_since_saving = 0
            return True
        return False

    def _should_save(self, epoch, logs, filepath):
        if not self.save_best_only:
            if self.verbose > 0:
                print_msg(f"Epoch {epoch + 1}: saving model to {filepath}")
            return True
        current = self.get_monitor_value(logs)
        if current is None:  # As Keras: without the value to compare, save anyway.
            return True
        best = "None" if self.best is None else f"{self.best:.5f}"
        if self._is_improvement(current, self.best):
            if self.verbose > 0:
                print_msg(f"Epoch {epoch + 1}: {self.monitor} improved from {best} to "
                          f"{current:.5f}, saving model to {filepath}")
            self.best = current
            return True
        if self.verbose > 0:
            print_msg(f"Epoch {epoch + 1}: {self.monitor} did not improve from {best}")
        return False

    def _save_model(self, epoch, batch, logs):
        logs = logs or {}
        filepath = self._get_file_path(epoch, batch, logs)
        if not self._should_save(epoch, logs, filepath):
            return
        _check_not_a_directory(filepath)
        directory = os.path.dirname(filepath)
        if directory:
            os.makedirs(directory, exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(filepath, overwrite=True)
        else:
            self.model.save(filepath, overwrite=True)
        if self.verbose > 0:
            print_msg(f"Epoch {epoch + 1}: finished saving model to {filepath}")

    def _get_file_path(self, epoch, batch, logs):
        """``filepath`` formatted with ``epoch`` (from 1), ``batch`` (from 1) and the log values."""
        values = dict(logs)
        if batch is not None and "batch" not in logs:
            values["batch"] = batch + 1
        try:
            return self.filepath.format(epoch=epoch + 1, **values)
        except KeyError as error:
            raise KeyError(
                f'Failed to format this callback filepath: "{self.filepath}". Reason: {error} is '
                f"not a log key; available: epoch, {', '.join(values)}."
            ) from None


def _placeholders(filepath):
    """The names of the placeholders in ``filepath``; a ValueError for a template that formatting
    would reject whatever the logs (unbalanced braces, a positional ``{}`` or ``{0}``)."""
    try:
        fields = [field for _, field, _, _ in string.Formatter().parse(filepath)
                  if field is not None]
    except ValueError as error:
        raise ValueError(
            f"ModelCheckpoint: `filepath` is not a valid template ({error}), received {filepath!r}."
        ) from None
    names = [re.split(r"[.\[]", field, maxsplit=1)[0] for field in fields]
    positional = [f"{{{field}}}" for field, name in zip(fields, names)
                  if not name or name.isdigit()]
    if positional:
        raise ValueError(
            f"ModelCheckpoint: `filepath` placeholders must name a key such as {{epoch}}, received "
            f"{', '.join(positional)} in {filepath!r}."
        )
    return names


def _check_not_a_directory(filepath):
    if os.path.isdir(filepath):
        raise IsADirectoryError(
            "Please specify a non-directory `filepath` for ModelCheckpoint. Filepath used is an "
            f"existing directory: {filepath}"
        )
