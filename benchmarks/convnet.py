"""The keras-io MNIST convnet on Fashion-MNIST: handkeras fit against PyTorch eager, same run.

    python benchmarks/convnet.py [--rows N] [--repeats N] [--quick]

Conv2D 32 3x3 relu, MaxPooling2D 2, Conv2D 64 3x3 relu, MaxPooling2D 2, Flatten, Dropout 0.5, Dense 10
softmax; plain SGD, sparse cross-entropy, batch 128, float32. ``--rows`` rows are timed (best of
``--repeats``) and scaled to a 60,000-row epoch. The issue's target: handkeras within 2x of PyTorch.
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks.cases import EPOCH_ROWS, LEARNING_RATE  # noqa: E402
from benchmarks.data import fashion_mnist  # noqa: E402
from benchmarks.timing import best_of  # noqa: E402

BATCH = 128


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
    optimizer = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE)
    images = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))
    labels = torch.from_numpy(y)

    def epoch():
        order = torch.randperm(len(images))
        for start in range(0, len(images), BATCH):
            index = order[start:start + BATCH]
            optimizer.zero_grad()
            nn.functional.cross_entropy(model(images[index]), labels[index]).backward()
            optimizer.step()

    return best_of(repeats, epoch)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=6_000)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="tiny run that only checks it works")
    args = parser.parse_args(argv)
    rows, repeats = (256, 1) if args.quick else (args.rows, args.repeats)
    data = fashion_mnist(rows)
    x, y = data.x.reshape(-1, 28, 28, 1), data.y
    scale = EPOCH_ROWS / len(x)
    print(f"keras-io convnet, batch {BATCH}, {data.description}; {len(x):,} rows timed, "
          f"scaled to {EPOCH_ROWS:,}")
    ours = handkeras_epoch_seconds(x, y, repeats) * scale
    print(f"handkeras fit      {ours:8.2f} s/epoch")
    try:
        theirs = torch_epoch_seconds(x, y, repeats) * scale
    except ImportError:
        print("PyTorch eager      not installed")
        return
    print(f"PyTorch eager      {theirs:8.2f} s/epoch")
    print(f"ratio              {ours / theirs:8.2f}x (target: at most 2x)")


if __name__ == "__main__":
    main()
