"""``keras.utils.Progbar``: Keras's own progress bar, for custom loops, text for text.

``fit``, ``evaluate`` and ``predict`` draw tqdm bars (``ProgbarLogger``); a script that drives its
own loop (``compute_gradients`` and ``apply_gradients``, or any long computation) calls this class
as it would call Keras's, and gets Keras's lines on stdout: ``12/50 ━━━━━━━━━━━━━━━━━━━━ 1s
4ms/step - loss: 0.5012``, the values averaged over the steps seen unless they are stateful.
"""

import math
import sys
import time

import numpy as np

from handkeras.callbacks.progbar_logger import format_time_per_step, format_value
from handkeras.interactive_logging import is_interactive_logging_enabled, log_text

_BOLD, _GREEN, _WHITE, _RESET = "\x1b[1m", "\x1b[32m", "\x1b[37m", "\x1b[0m"


class Progbar:
    """A progress bar over ``target`` steps (None when unknown), as Keras draws it.

    ``verbose=1`` redraws one line in place (at most every ``interval`` seconds, always for the
    last update); ``verbose=2`` prints one line at the end; ``verbose=0`` nothing. Values passed as
    ``(name, value)`` pairs are shown as their mean over the steps so far, weighted by the steps
    each update covers, except the names in ``stateful_metrics`` (shown as given), or, with
    ``stateless_metrics``, only those names are averaged. As in Keras, the last update
    (``finalize``) shows every value as given.
    """

    def __init__(self, target, width=20, verbose=1, interval=0.05, stateful_metrics=None,
                 stateless_metrics=None, unit_name="step"):
        if stateful_metrics is not None and stateless_metrics is not None:
            raise ValueError(
                "Only one of `stateful_metrics` or `stateless_metrics` can be provided: the first "
                "lists the values not to average, the second the only ones to average."
            )
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        self.stateful_metrics = (set(stateful_metrics or ()) if stateless_metrics is None
                                 else None)
        self.stateless_metrics = None if stateless_metrics is None else set(stateless_metrics)
        self._seen_so_far = 0
        self._values = {}  # name -> [weighted sum, weight], in the order first seen
        self._start = time.time()
        self._last_update = 0.0
        self._time_after_first_step = None
        self._previous_width = 0

    def update(self, current, values=None, finalize=None):
        """Move to step ``current`` with the last step's ``values`` (``(name, value)`` pairs);
        ``finalize`` (default: ``current >= target``) ends the line."""
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        for name, value in values or ():
            if self._averaged(name) and not finalize:
                steps = max(current - self._seen_so_far, 1)
                total, weight = self._values.get(name, (0.0, 0))
                self._values[name] = [total + value * steps, weight + steps]
            else:
                self._values[name] = [value, 1]
        self._seen_so_far = current
        now = time.time()
        per_step = self._step_duration(current, now)
        if self.verbose == 1:
            if now - self._last_update < self.interval and not finalize:
                return
            self._draw(current, now, per_step, finalize)
        elif self.verbose == 2 and finalize and self.target:
            line = (f"{self._count(current)} - {now - self._start:.0f}s - "
                    f"{format_time_per_step(per_step, self.unit_name)}"
                    + "".join(f" - {name}: {_format_one_line(_mean(*self._values[name]))}"
                              for name in self._values))
            _write(line + "\n")
        self._last_update = now

    def add(self, n, values=None):
        """``update(steps so far + n, values)``."""
        self.update(self._seen_so_far + n, values)

    def _averaged(self, name):
        if self.stateful_metrics is not None:
            return name not in self.stateful_metrics
        return name in self.stateless_metrics

    def _count(self, current):
        return f"{int(current):{int(math.log10(self.target)) + 1}d}/{int(self.target)}"

    def _draw(self, current, now, per_step, finalize):
        """Rewrite the line: count and bar, ETA (elapsed time at the end), time per step,
        values. Its visible width is remembered so that a shorter line blanks the longer one."""
        if self.target:
            done = int(self.width * current / self.target)
            bar = (f"{_BOLD}{self._count(current)}{_RESET} "
                   + (f"{_GREEN}{'━' * done}{_RESET}" if done > 0 else "")
                   + f"{_WHITE}{'━' * (self.width - done)}{_RESET}")
        else:
            bar = f"{int(current):7d}/Unknown"
        if self.target and not finalize:
            when = _format_eta(per_step * (self.target - current))
        else:
            when = f"{now - self._start:.0f}s"
        info = (f" {_BOLD}{when}{_RESET} {format_time_per_step(per_step, self.unit_name)}"
                + "".join(f" - {name}: {format_value(_mean(*self._values[name]))}"
                          for name in self._values))
        width = len(_visible(bar)) + len(_visible(info))
        line = "\b" * self._previous_width + "\r" + bar + info
        line += " " * max(self._previous_width - width, 0) + ("\n" if finalize else "")
        _write(line)
        self._previous_width = width

    def _step_duration(self, current, now):
        """Seconds per step, leaving the first step (warm-up) out once there are others."""
        if not current:
            return 0.0
        if self._time_after_first_step is not None and current > 1:
            duration = (now - self._time_after_first_step) / (current - 1)
        else:
            duration = (now - self._start) / current
        if current == 1:
            self._time_after_first_step = now
        return duration


def _mean(total, weight):
    return float(np.mean(total)) / max(1, weight)


def _format_one_line(value):
    """``format_value`` as Keras's one-line form (``verbose=2``) has it: it tests the value, not
    its magnitude, so every negative value prints in scientific notation."""
    return f"{value:.4e}" if value <= 1e-3 else f"{value:.4f}"


def _format_eta(seconds):
    if seconds > 3600:
        return f"{int(seconds // 3600)}:{int(seconds % 3600 // 60):02d}:{int(seconds % 60):02d}"
    if seconds > 60:
        return f"{int(seconds // 60)}:{int(seconds % 60):02d}"
    return f"{int(seconds)}s"


def _visible(text):
    """``text`` without its colour escapes."""
    for code in (_BOLD, _GREEN, _WHITE, _RESET):
        text = text.replace(code, "")
    return text


def _write(text):
    """To stdout, or, with interactive logging disabled, as one record of the "keras" logger."""
    if not is_interactive_logging_enabled():
        log_text(text)
        return
    sys.stdout.write(text)
    sys.stdout.flush()
