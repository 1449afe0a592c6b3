"""The benchmark's data: Fashion-MNIST read from its IDX files, or random data of the same shape.

The IDX reader is the suite's own (gzip + numpy), so the benchmark does not depend on any part of
handkeras it measures. Loading is deterministic and prefix-stable: the first ``n`` rows are the same
whatever number of rows is loaded, so a worker process sees the main process's data.
"""

import gzip
import os
from dataclasses import dataclass

import numpy as np

FASHION_MNIST_DIR = os.environ.get("HANDKERAS_FASHION_MNIST_DIR",
                                   "/usr/share/datasets/fashion-mnist")
IMAGES_FILE = "train-images-idx3-ubyte.gz"
LABELS_FILE = "train-labels-idx1-ubyte.gz"
IMAGE_WIDTH = 28 * 28
CLASSES = 10
SEED_FEATURES, SEED_CLASSES = 4, 3
_IDX_MAGIC = {1: 0x00000801, 3: 0x00000803}


@dataclass
class Dataset:
    x: np.ndarray        # float32, (rows, features)
    y: np.ndarray        # int64 class indices, (rows,)
    description: str


def read_idx(path, ndim, rows):
    """The first ``rows`` items of a gzipped IDX file of unsigned bytes, as a uint8 array.

    Only the bytes needed are decompressed, so a quick run reads a few kilobytes.
    """
    with gzip.open(path, "rb") as f:
        header = f.read(4 + 4 * ndim)
        dims = np.frombuffer(header, dtype=">u4")
        if int(dims[0]) != _IDX_MAGIC[ndim]:
            raise ValueError(f"{path}: not an IDX file of {ndim}-d unsigned bytes "
                             f"(magic {int(dims[0]):#010x}).")
        shape = (min(rows, int(dims[1])),) + tuple(int(d) for d in dims[2:])
        count = int(np.prod(shape))
        body = f.read(count)
    if len(body) != count:
        raise ValueError(f"{path}: truncated, expected {count} bytes, read {len(body)}.")
    return np.frombuffer(body, dtype=np.uint8).reshape(shape)


def fashion_mnist(rows, directory=FASHION_MNIST_DIR):
    """``rows`` training images flattened to 784 floats in [0, 1], with their labels.

    Falls back to random data of the same shape (and says so) when the files are absent.
    """
    images = os.path.join(directory, IMAGES_FILE)
    labels = os.path.join(directory, LABELS_FILE)
    if os.path.exists(images) and os.path.exists(labels):
        x = read_idx(images, 3, rows).reshape(-1, IMAGE_WIDTH).astype(np.float32)
        x /= np.float32(255)
        y = read_idx(labels, 1, rows).astype(np.int64)
        return Dataset(x, y, f"Fashion-MNIST ({len(x):,} training rows from {directory})")
    x = np.random.default_rng(0).random((rows, IMAGE_WIDTH), dtype=np.float32)
    y = np.random.default_rng(1).integers(0, CLASSES, rows).astype(np.int64)
    return Dataset(x, y, f"random data of Fashion-MNIST's shape ({rows:,} rows; "
                         f"no dataset found in {directory})")


def seed_task(rows):
    """A 4-feature, 3-class task for the seed article's 4-16-8-3 network (random, fixed seed)."""
    x = np.random.default_rng(2).normal(size=(rows, SEED_FEATURES)).astype(np.float32)
    mixing = np.random.default_rng(3).normal(size=(SEED_FEATURES, SEED_CLASSES))
    noise = np.random.default_rng(4).normal(size=(rows, SEED_CLASSES))
    y = np.argmax(x @ mixing + 0.5 * noise, axis=1).astype(np.int64)
    return Dataset(x, y, f"random 4-feature, 3-class task ({rows:,} rows)")


def load(kind, rows):
    """The dataset named ``kind`` (``"fashion_mnist"`` or ``"seed"``) with ``rows`` rows."""
    return {"fashion_mnist": fashion_mnist, "seed": seed_task}[kind](rows)
