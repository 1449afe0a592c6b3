"""MonitorCallback: the monitored value and its direction, shared by EarlyStopping,
ModelCheckpoint and ReduceLROnPlateau."""

import warnings

import numpy as np

from handkeras.callbacks.callback import Callback

_MODES = ("auto", "min", "max")


class MonitorCallback(Callback):
    """Watches ``logs[monitor]`` and tells whether a value improves on a reference.

    ``mode="auto"`` resolves as in Keras 3: a name that is exactly ``loss`` once ``val_`` is removed is
    minimised; otherwise the compiled metric of that name decides by its ``_direction`` (accuracy up,
    mse down); otherwise a ``ValueError`` asks for ``mode``. An improvement is a value better than the
    reference by more than ``min_delta``. A monitor missing from the logs gives one warning per
    training run, naming the keys that are there.
    """

    def __init__(self, monitor="val_loss", mode="auto", baseline=None, min_delta=0):
        super().__init__()
        if mode not in _MODES:
            raise ValueError(
                f"{type(self).__name__}: `mode` must be one of {list(_MODES)}, received {mode!r}."
            )
        if not isinstance(monitor, str):
            raise TypeError(
                f"{type(self).__name__}: `monitor` must be the name of a log key (a str), "
                f"received {monitor!r}."
            )
        self.monitor = monitor
        self.mode = mode
        self.best = baseline
        self.min_delta = abs(min_delta)
        self.monitor_op = None
        self._warned_missing = False

    def on_train_begin(self, logs=None):
        """Resolve the direction now, so that an unusable ``mode`` fails before training starts."""
        self._warned_missing = False
        if self.monitor_op is None:
            self._set_monitor_op()

    def _set_monitor_op(self):
        """Resolve ``mode`` into ``np.less`` or ``np.greater``."""
        direction = {"min": "down", "max": "up"}.get(self.mode)
        if direction is None:
            name = self.monitor.removeprefix("val_")
            if name == "loss":
                direction = "down"
            else:
                direction = next((getattr(m, "_direction", None)
                                  for m in getattr(self.model, "metrics", None) or []
                                  if m.name == name), None)
        if direction is None:
            raise ValueError(
                f"{type(self).__name__} callback received monitor={self.monitor!r}, but cannot tell "
                "whether it should be maximized or minimized (it is neither `loss` nor a compiled "
                "metric with a known direction). Pass `mode='max'` to monitor the highest value, or "
                "`mode='min'` for the lowest."
            )
        self.monitor_op = np.less if direction == "down" else np.greater

    def _is_improvement(self, monitor_value, reference_value):
        if self.monitor_op is None:
            self._set_monitor_op()
        if reference_value is None:
            return True
        if self.monitor_op is np.less:
            return bool(monitor_value + self.min_delta < reference_value)
        return bool(monitor_value - self.min_delta > reference_value)

    def get_monitor_value(self, logs):
        """``logs[monitor]``, or None with a warning (once per run) naming the available keys."""
        logs = logs or {}
        value = logs.get(self.monitor)
        if value is None and not self._warned_missing:
            self._warned_missing = True
            warnings.warn(
                f"{type(self).__name__} is conditioned on metric `{self.monitor}`, which is not "
                f"available. Available metrics are: {', '.join(logs) or '(none)'}.",
                UserWarning, stacklevel=3,
            )
        return value
