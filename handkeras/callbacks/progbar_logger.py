"""ProgbarLogger: the progress output of fit, evaluate and predict (tqdm bars, on stderr; lines of
the "keras" logger when interactive logging is disabled)."""

import sys
import time

import numpy as np
from tqdm.auto import tqdm

from handkeras.callbacks.callback import Callback
from handkeras.interactive_logging import is_interactive_logging_enabled, log_text

#: Seconds between two redraws of a bar in a terminal or a notebook: the steps in between cost a
#: counter and a clock read.
REFRESH_INTERVAL = 0.1
#: The same when stderr is a file or a pipe (a CI log), where every redraw adds to the log.
LOG_REFRESH_INTERVAL = 2.0


def _refresh_interval():
    interactive = "ipykernel" in sys.modules or getattr(sys.stderr, "isatty", lambda: False)()
    return REFRESH_INTERVAL if interactive else LOG_REFRESH_INTERVAL


def format_value(value):
    """A log value as Keras prints it: 4 decimals, or scientific notation when tiny."""
    return f"{value:.4f}" if abs(value) > 1e-3 else f"{value:.4e}"


def format_logs(logs):
    """``"accuracy: 0.8125 - loss: 0.4312"``, numbers only, in the logs' own order. A metric
    with one value per class or threshold (an array) shows their mean, as Keras's bar does."""
    return " - ".join(f"{key}: {format_value(float(np.mean(value)))}"
                      for key, value in logs.items() if _is_number(value))


def _is_number(value):
    if isinstance(value, np.ndarray):
        return value.dtype.kind in "fiu" and value.size > 0
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def format_time_per_step(seconds, unit="step"):
    """``"12ms/step"``, ``"850us/step"`` or ``"2s/step"``, as Keras shows the time of one step
    (or of another ``unit``)."""
    if seconds >= 1 or seconds == 0:
        return f"{seconds:.0f}s/{unit}"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.0f}ms/{unit}"
    return f"{seconds * 1e6:.0f}us/{unit}"


# The bar being drawn, process-wide: a run interrupted mid-epoch (Ctrl-C, an exception) leaves its
# bar open, and tqdm would then draw the next bars one line lower, with cursor escapes.
_open_bar = None


_BAR_FORMAT = "{n_fmt}/{total_fmt} {bar:20} {elapsed}<{remaining}{postfix}"
# Keras's form when the number of steps is unknown (a generator's first epoch): no bar, no ETA.
_UNKNOWN_TOTAL_FORMAT = "{n_fmt}/Unknown {elapsed}{postfix}"


def _open(total):
    global _open_bar
    if _open_bar is not None and not _open_bar.disable:
        _open_bar.leave = False
        _open_bar.close()
    _open_bar = tqdm(total=total, file=sys.stderr, unit="step", smoothing=0, dynamic_ncols=True,
                     bar_format=_UNKNOWN_TOTAL_FORMAT if total is None else _BAR_FORMAT)
    return _open_bar


def print_msg(message):
    """Print a callback's message on stderr without breaking an open progress bar, or record it
    on the "keras" logger when interactive logging is disabled."""
    if is_interactive_logging_enabled():
        tqdm.write(message, file=sys.stderr)
    else:
        log_text(message)


class ProgbarLogger(Callback):
    """Progress output on stderr, as Keras's ``verbose`` asks for.

    ``verbose=1``: ``Epoch i/N`` (when there is more than one epoch), then a tqdm bar over the steps
    with the step count, elapsed time and ETA, the time per step and the running loss and metrics;
    its last state adds the epoch's validation values. ``verbose=2``: one line per epoch
    (``5/5 - 0s - 12ms/step - loss: ... - val_loss: ...``). ``verbose=0``: nothing. ``evaluate``
    and ``predict`` get the same output; the validation inside ``fit`` shows none. Bars redraw at
    most every ``REFRESH_INTERVAL`` seconds (``LOG_REFRESH_INTERVAL`` when stderr is not a terminal);
    steps in between only count.

    With interactive logging disabled (``keras.config.disable_interactive_logging()``) no bar is
    drawn: ``verbose=1`` records a ``12/50 - 3s - 40ms/step - loss: ...`` line on the "keras"
    logger every ``LOG_REFRESH_INTERVAL`` seconds and at the end, and every other line goes to
    that logger too.
    """

    def __init__(self):
        super().__init__()
        self.verbose = 1
        self.epochs = 1
        self.target = None
        self._in_fit = False
        self._bar = None
        self._logging = False  # verbose=1 with interactive logging disabled: lines, not a bar
        self._seen = 0
        self._start = 0.0
        self._interval = REFRESH_INTERVAL
        self._next_refresh = 0.0

    def set_params(self, params):
        super().set_params(params)
        verbose = params.get("verbose", 1)
        self.verbose = 1 if verbose == "auto" else verbose
        self.epochs = params.get("epochs", 1)
        self.target = params.get("steps")

    # ----------------------------------------------------------------------------- one bar
    def _begin(self):
        self._seen = 0
        self._start = time.monotonic()
        self._logging = self.verbose == 1 and not is_interactive_logging_enabled()
        self._interval = LOG_REFRESH_INTERVAL if self._logging else _refresh_interval()
        self._next_refresh = self._start + self._interval
        if self.verbose == 1 and not self._logging:
            self._bar = _open(self.target)

    def _step(self, batch, logs):
        self._seen = batch + 1
        bar = self._bar
        if bar is None and not self._logging:
            return
        now = time.monotonic()
        if now >= self._next_refresh:
            self._next_refresh = now + self._interval
            logs = logs() if callable(logs) else logs
            if bar is None:
                log_text(self._line(now, self.target or "Unknown", logs))
                return
            bar.n = self._seen
            bar.set_postfix_str(self._summary(now, logs), refresh=False)
            bar.refresh()

    def _end(self, logs):
        now = time.monotonic()
        if self.target is None:  # as Keras, the steps seen are the total from now on
            self.target = self._seen
            if self._bar is not None:
                self._bar.total, self._bar.bar_format = self._seen, _BAR_FORMAT
        if self._bar is not None:
            self._bar.n = self._seen
            self._bar.set_postfix_str(self._summary(now, logs), refresh=False)
            self._bar.close()
            self._bar = None
        elif self.verbose == 2 or self._logging:
            print_msg(self._line(now, self.target or self._seen, logs))

    def close(self):
        """Close the bar of an interrupted loop, if one is open: it keeps its last state, with the
        steps done, and the terminal moves to a new line."""
        if self._bar is not None:
            self._bar.n = self._seen
            self._bar.close()
            self._bar = None

    def _line(self, now, total, logs):
        return f"{self._seen}/{total} - {now - self._start:.0f}s - {self._summary(now, logs)}"

    def _summary(self, now, logs):
        per_step = format_time_per_step((now - self._start) / self._seen if self._seen else 0.0)
        values = format_logs(logs) if logs else ""
        return f"{per_step} - {values}" if values else per_step

    # ----------------------------------------------------------------------------- fit
    def on_train_begin(self, logs=None):
        self._in_fit = True

    def on_train_end(self, logs=None):
        self._in_fit = False

    def on_epoch_begin(self, epoch, logs=None):
        if self.verbose and self.epochs > 1:
            print_msg(f"Epoch {epoch + 1}/{self.epochs}")
        if self.verbose:
            self._begin()

    def on_train_batch_end(self, batch, logs=None):
        # When no other callback reads the running logs, fit passes the function that builds
        # them: the bar calls it only when it redraws.
        self._step(batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        if self.verbose:
            self._end(logs)

    # ----------------------------------------------------------------------------- evaluate, predict
    def on_test_begin(self, logs=None):
        if self.verbose and not self._in_fit:
            self._begin()

    def on_test_batch_end(self, batch, logs=None):
        if not self._in_fit:
            self._step(batch, logs)

    def on_test_end(self, logs=None):
        if self.verbose and not self._in_fit:
            self._end(logs)

    def on_predict_begin(self, logs=None):
        if self.verbose:
            self._begin()

    def on_predict_batch_end(self, batch, logs=None):
        self._step(batch, None)

    def on_predict_end(self, logs=None):
        if self.verbose:
            self._end(None)
