"""Callbacks that script or record what a monitoring callback sees, for the callback tests."""

from handkeras.callbacks import Callback


class Scripted(Callback):
    """Writes ``values[epoch]`` into ``logs[key]`` at each epoch end (list it before the callback
    under test, so that this one sees the scripted value)."""

    def __init__(self, key, values):
        super().__init__()
        self.key, self.values = key, values

    def on_epoch_end(self, epoch, logs=None):
        logs[self.key] = self.values[epoch]


class WeightsPerEpoch(Callback):
    """Records the model's weights at each epoch end."""

    def __init__(self):
        super().__init__()
        self.weights = []

    def on_epoch_end(self, epoch, logs=None):
        self.weights.append(self.model.get_weights())
