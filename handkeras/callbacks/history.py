"""History: the per-epoch logs that ``fit`` returns."""

from handkeras.callbacks.callback import Callback


class History(Callback):
    """Records ``history[key] = [value per epoch]`` and ``epoch = [epoch indices]``."""

    def __init__(self):
        super().__init__()
        self.history = {}
        self.epoch = []

    def set_model(self, model):
        super().set_model(model)
        model.history = self

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)

    def plot(self, metrics=None, path=None):
        """Plot the curves (see ``handkeras.utils.plot_history``) and return the figure."""
        from handkeras.utils.plotting import plot_history

        return plot_history(self, metrics=metrics, path=path)
