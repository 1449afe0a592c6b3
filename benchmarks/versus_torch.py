"""One model's training epoch, handkeras ``fit`` against a PyTorch eager loop, back to back.

The scripts built on it (``convnet.py``, ``recurrent.py``) give the two epoch functions; this runs
them on Fashion-MNIST rows, scales the best of the repeats to a 60,000-row epoch and prints both and
their ratio.
"""

import argparse

from benchmarks.cases import EPOCH_ROWS
from benchmarks.data import fashion_mnist

BATCH = 128


def main(title, shape, handkeras_epoch_seconds, torch_epoch_seconds, target, argv=None):
    """``handkeras_epoch_seconds(x, y, repeats)`` and ``torch_epoch_seconds(x, y, repeats)`` on
    the images reshaped to ``shape`` (per row); ``target`` is printed after the ratio."""
    parser = argparse.ArgumentParser(description=title)
    parser.add_argument("--rows", type=int, default=6_000)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="tiny run that only checks it works")
    args = parser.parse_args(argv)
    rows, repeats = (256, 1) if args.quick else (args.rows, args.repeats)
    data = fashion_mnist(rows)
    x, y = data.x.reshape((-1,) + shape), data.y
    scale = EPOCH_ROWS / len(x)
    print(f"{title}, batch {BATCH}, {data.description}; {len(x):,} rows timed, "
          f"scaled to {EPOCH_ROWS:,}")
    ours = handkeras_epoch_seconds(x, y, repeats) * scale
    print(f"handkeras fit      {ours:8.2f} s/epoch")
    try:
        theirs = torch_epoch_seconds(x, y, repeats) * scale
    except ImportError:
        print("PyTorch eager      not installed")
        return
    print(f"PyTorch eager      {theirs:8.2f} s/epoch")
    print(f"ratio              {ours / theirs:8.2f}x ({target})")


def torch_epoch(model, inputs, labels, learning_rate):
    """One epoch of plain SGD on cross-entropy over ``model``'s logits, reshuffled, as ``fit``."""
    import torch
    from torch import nn

    optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate)

    def epoch():
        order = torch.randperm(len(inputs))
        for start in range(0, len(inputs), BATCH):
            index = order[start:start + BATCH]
            optimizer.zero_grad()
            nn.functional.cross_entropy(model(inputs[index]), labels[index]).backward()
            optimizer.step()

    return epoch
