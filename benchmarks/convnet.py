"""The keras-io MNIST convnet on Fashion-MNIST: handkeras fit against PyTorch eager, same run.

    python benchmarks/convnet.py [--rows N] [--repeats N] [--quick]

Conv2D 32 3x3 relu, MaxPooling2D 2, Conv2D 64 3x3 relu, MaxPooling2D 2, Flatten, Dropout 0.5, Dense 10
softmax; plain SGD, sparse cross-entropy, batch 128, float32. ``--rows`` rows are timed (best of
``--repeats``) and scaled to a 60,000-row epoch. The issue's target: handkeras within 2x of PyTorch.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks.cases import LEARNING_RATE  # noqa: E402
from benchmarks.timing import best_of  # noqa: E402
from benchmarks.versus_torch import BATCH, main, torch_epoch  # noqa: E402


def handkeras_epoch_seconds(x, y, repeats):
    import handkeras as keras
    from handkeras import layers

    model = keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(32, (3, 3), activation="relu"), layers.MaxPooling2D((2, 2)),
        layers.Conv2D(64, (3, 3), activation="relu"), layers.MaxPooling2D((2, 2)),
        layers.Flatten(), layers.Dropout(0.5), layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer=keras.optimizers.SGD(LEARNING_RATE),
                  loss="sparse_categorical_crossentropy")
    model.fit(x[:2 * BATCH], y[:2 * BATCH], batch_size=BATCH, verbose=0)  # warm-up
    return best_of(repeats, lambda: model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0))


def torch_epoch_seconds(x, y, repeats):
    import numpy as np
    import torch
    from torch import nn

    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", os.cpu_count() or 1)))
    model = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3),
                          nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Dropout(0.5),
                          nn.Linear(1600, 10))
    images = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))
    return best_of(repeats, torch_epoch(model, images, torch.from_numpy(y), LEARNING_RATE))


if __name__ == "__main__":
    main("keras-io convnet", (28, 28, 1), handkeras_epoch_seconds, torch_epoch_seconds,
         "target: at most 2x")
