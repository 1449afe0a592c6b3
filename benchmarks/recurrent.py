"""An LSTM reading Fashion-MNIST images row by row: handkeras fit against PyTorch eager, same run.

    python benchmarks/recurrent.py [--rows N] [--repeats N] [--quick]

LSTM(64) over 28 steps of 28 pixels, then Dense 10 softmax (as examples/fashion_mnist_lstm.py);
plain SGD, sparse cross-entropy, batch 128, float32. ``--rows`` rows are timed (best of
``--repeats``) and scaled to a 60,000-row epoch. PyTorch runs its own fused LSTM kernel; handkeras
runs numpy, one step of the time loop after another.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks.cases import LEARNING_RATE  # noqa: E402
from benchmarks.timing import best_of  # noqa: E402
from benchmarks.versus_torch import BATCH, main, torch_epoch  # noqa: E402

UNITS = 64


def handkeras_epoch_seconds(x, y, repeats):
    import handkeras as keras
    from handkeras import layers

    model = keras.Sequential([keras.Input(shape=(28, 28)), layers.LSTM(UNITS),
                              layers.Dense(10, activation="softmax")])
    model.compile(optimizer=keras.optimizers.SGD(LEARNING_RATE),
                  loss="sparse_categorical_crossentropy")
    model.fit(x[:2 * BATCH], y[:2 * BATCH], batch_size=BATCH, verbose=0)  # warm-up
    return best_of(repeats, lambda: model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0))


def torch_epoch_seconds(x, y, repeats):
    import torch
    from torch import nn

    class LastOutput(nn.Module):
        """The LSTM's output at the last step, as Keras's LSTM returns it, then the Dense."""

        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(28, UNITS, batch_first=True)
            self.dense = nn.Linear(UNITS, 10)

        def forward(self, rows):
            return self.dense(self.lstm(rows)[0][:, -1])

    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", os.cpu_count() or 1)))
    return best_of(repeats, torch_epoch(LastOutput(), torch.from_numpy(x), torch.from_numpy(y),
                                        LEARNING_RATE))


if __name__ == "__main__":
    main("LSTM over image rows", (28, 28), handkeras_epoch_seconds, torch_epoch_seconds,
         "for the record: no target")
