"""ProgbarLogger: tqdm progress bars for verbose=1 and one line per epoch for verbose=2."""

import sys
import time

from tqdm.auto import tqdm

from handkeras.callbacks.callback import Callback


def format_logs(logs):
    """``"accuracy: 0.8125 - loss: 0.4312"``, in the logs' own order."""
    return " - ".join(f"{key}: {value:.4f}" for key, value in logs.items()
                      if isinstance(value, (int, float)))


class ProgbarLogger(Callback):
    """Progress output of ``fit``, ``evaluate`` and ``predict``, on stderr.

    verbose=1 draws a tqdm bar per epoch (refreshed at most every 0.1 s, so it costs little), showing
    steps, elapsed time, ETA and the running loss and metrics; verbose=2 prints one line per epoch.
    """

    def __init__(self, file=None):
        super().__init__()
        self.file = file
        self._bar = None
        self._mode = "idle"

    @property
    def verbose(self):
        return self.params.get("verbose", 1)

    def _open_bar(self, total, unit="step"):
        self._bar = tqdm(total=total, file=self.file or sys.stderr, unit=unit, mininterval=0.1,
                         dynamic_ncols=True, leave=True, bar_format=(
                             "{n_fmt}/{total_fmt} {bar:20} {elapsed}<{remaining}, "
                             "{rate_inv_fmt}{postfix}"))

    def _close_bar(self, logs=None):
        if self._bar is not None:
            if logs:
                self._bar.set_postfix_str(format_logs(logs), refresh=False)
            self._bar.close()
            self._bar = None

    def _step(self, logs):
        bar = self._bar
        if bar is None:
            return
        bar.n += 1
        if logs and time.monotonic() - bar.last_print_t >= bar.mininterval:
            bar.set_postfix_str(format_logs(logs), refresh=False)
            bar.refresh()

    # -- fit
    def on_epoch_begin(self, epoch, logs=None):
        self._mode = "train"
        self._epoch_start = time.monotonic()
        if self.verbose:
            print(f"Epoch {epoch + 1}/{self.params.get('epochs')}", file=self.file or sys.stderr)
        if self.verbose == 1:
            self._open_bar(self.params.get("steps"))

    def on_train_batch_end(self, batch, logs=None):
        self._step(logs)

    def on_epoch_end(self, epoch, logs=None):
        if self.verbose == 1:
            self._close_bar(logs)
        elif self.verbose == 2:
            steps = self.params.get("steps") or 0
            seconds = time.monotonic() - self._epoch_start
            per_step = f"{1000 * seconds / steps:.0f}ms/step" if steps else ""
            print(f"{steps}/{steps} - {seconds:.0f}s - {per_step} - {format_logs(logs or {})}",
                  file=self.file or sys.stderr)

    # -- evaluate and predict (inside fit, validation draws no bar)
    def on_test_begin(self, logs=None):
        if self._mode != "train" and self.verbose == 1:
            self._open_bar(self.params.get("steps"))

    def on_test_batch_end(self, batch, logs=None):
        if self._mode != "train":
            self._step(logs)

    def on_test_end(self, logs=None):
        if self._mode != "train":
            self._close_bar(logs)

    def on_predict_begin(self, logs=None):
        if self.verbose == 1:
            self._open_bar(self.params.get("steps"))

    def on_predict_batch_end(self, batch, logs=None):
        self._step(None)

    def on_predict_end(self, logs=None):
        self._close_bar()

    def on_train_begin(self, logs=None):
        self._mode = "train"

    def on_train_end(self, logs=None):
        self._mode = "idle"
